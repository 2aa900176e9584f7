package dev.ferry.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.yaml.Located;
import dev.ferry.protocols.yaml.Yaml;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The setting table is the one declaration: the YAML shape and the docs are held to it. */
class SettingTableTest {

    /** docs/configuration.md has a row for every setting, with its key, flag, variable and default. */
    @Test
    void theDocsTableDocumentsEverySetting() throws Exception {
        List<String> rows = Files.readAllLines(Path.of("..", "docs", "configuration.md")).stream()
                .filter(l -> l.startsWith("| `")).toList();
        for (Setting s : Setting.values()) {
            List<String> matching = rows.stream().filter(r -> r.startsWith("| `" + s.key() + "` |")).toList();
            assertEquals(1, matching.size(), "one row for " + s.key() + " in docs/configuration.md");
            // cells: key, flag, environment, default, meaning; \| is a | inside a cell
            String[] cells = matching.getFirst().split("(?<!\\\\)\\|");
            assertTrue(cells[2].contains("`" + s.flag()), s.key() + ": flag " + s.flag() + " in " + cells[2]);
            assertTrue(cells[3].contains("`" + s.env() + "`"), s.key() + ": variable " + s.env() + " in " + cells[3]);
            assertEquals(s.shownDefault(), cells[4].replace("`", "").replace("\\|", "|").strip(),
                    s.key() + ": default");
        }
    }

    /** Every component of the YAML binding is a setting of the table and every setting has one, at its key. */
    @Test
    void theYamlShapeHasExactlyTheTablesKeys() {
        Set<String> table = Arrays.stream(Setting.values()).map(Setting::key).collect(Collectors.toCollection(TreeSet::new));
        Set<String> shape = new TreeSet<>();
        keys(ConfigFile.class, "", shape);
        assertEquals(table, shape);
    }

    /** Located components are settings, nested records groups; oci.registries is the setting given as a mapping. */
    private static void keys(Class<?> group, String prefix, Set<String> out) {
        for (RecordComponent c : group.getRecordComponents()) {
            if (Yaml.key(c) == null) {
                continue; // the any-setter, which collects unknown keys
            }
            String key = prefix + Yaml.key(c);
            if (c.getType() == Located.class || key.equals("oci.registries")) {
                out.add(key);
            } else if (c.getType().isRecord()) {
                keys(c.getType(), key + ".", out);
            } else {
                assertTrue(Set.of("upstreams", "bundles.sync").contains(key),
                        key + " is neither a setting, a group of settings nor a list only the file has");
            }
        }
    }
}
