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
        List<List<String>> rows = rows(Path.of("..", "docs", "configuration.md"));
        for (Setting s : Setting.values()) {
            assertEquals(
                    1,
                    rows.stream()
                            .filter(r -> r.get(1).equals("`" + s.key() + "`"))
                            .count(),
                    "one row for " + s.key() + " in docs/configuration.md");
        }
    }

    /** Wherever docs/ has a table row for a setting (by its YAML key), its flag, variable and default are right. */
    @Test
    void everyDocsRowOfASettingAgreesWithTheTable() throws Exception {
        int checked = 0;
        try (var docs = Files.list(Path.of("..", "docs"))) {
            for (Path doc : docs.filter(p -> p.toString().endsWith(".md")).toList()) {
                for (List<String> row : rows(doc)) {
                    for (Setting s : Setting.values()) {
                        if (!row.contains("`" + s.key() + "`")) {
                            continue;
                        }
                        String where = doc.getFileName() + " " + s.key() + ": ";
                        String negatable = s.flag().replace("--", "--[no-]");
                        assertTrue(
                                row.stream()
                                        .anyMatch(c -> c.startsWith("`" + s.flag()) || c.startsWith("`" + negatable)),
                                where + "flag " + s.flag());
                        assertTrue(
                                row.stream().anyMatch(c -> c.startsWith("`" + s.env() + "`")),
                                where + "variable " + s.env());
                        assertTrue(
                                row.stream().anyMatch(c -> c.replace("`", "").equals(s.shownDefault())),
                                where + "default " + s.shownDefault() + " in " + row);
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked >= Setting.values().length, "rows checked: " + checked);
    }

    /** A Markdown file's table rows, cut into cells (stripped, with \| read as |). */
    private static List<List<String>> rows(Path doc) throws Exception {
        return Files.readAllLines(doc).stream()
                .filter(l -> l.startsWith("| "))
                .map(l -> Arrays.stream(l.split("(?<!\\\\)\\|", -1))
                        .map(c -> c.replace("\\|", "|").strip())
                        .toList())
                .toList();
    }

    /** Every component of the YAML binding is a setting of the table and every setting has one, at its key. */
    @Test
    void theYamlShapeHasExactlyTheTablesKeys() {
        Set<String> table =
                Arrays.stream(Setting.values()).map(Setting::key).collect(Collectors.toCollection(TreeSet::new));
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
                assertTrue(
                        Set.of("upstreams", "bundles.sync", "go.privateRoutes", "go.direct.credentials")
                                .contains(key),
                        key + " is neither a setting, a group of settings nor a list only the file has");
            }
        }
    }
}
