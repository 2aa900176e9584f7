package dev.ferry.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Mirror-set files of the wrong shape: each problem reported on its line, and only its rule left out. */
class MirrorSetTest {
    private static MirrorSet.Parsed parse(String yaml) {
        return MirrorSet.parse("set.yaml", yaml.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> messages(MirrorSet.Parsed p) {
        return p.errors().stream().map(PlanError::toString).toList();
    }

    @Test
    void wrongShapesCostOnlyTheirRule() {
        MirrorSet.Parsed p = parse("""
                name: [x]
                modules:
                  - path: [example.com/a]
                  - example.com/b
                  - path: example.com/c
                  - ~
                images:
                  - repository: r.example/app
                    platforms: [linux/amd64, {os: linux}]
                  - repository: r.example/ok
                    platforms: linux/amd64,linux/arm64
                  - repository: r.example/one
                    platforms: linux/arm64
                colour: red
                """);
        assertEquals(
                List.of(
                        "set.yaml:1: name must be a non-empty string",
                        "set.yaml:3: path must be a non-empty string",
                        "set.yaml:4: a module rule must be a mapping",
                        "set.yaml:6: a module rule must be a mapping",
                        "set.yaml:9: a platform must be a non-empty string",
                        "set.yaml:14: unknown key \"colour\" (want name, refresh, modules, images)"),
                messages(p));
        assertEquals("set.yaml", p.set().name());
        assertEquals(
                List.of("example.com/c"),
                p.set().modules().stream().map(MirrorSet.ModuleRule::path).toList());
        assertEquals(
                List.of("r.example/ok", "r.example/one"),
                p.set().images().stream().map(MirrorSet.ImageRule::repository).toList());
        assertEquals(
                Platforms.parse("linux/amd64,linux/arm64"),
                p.set().images().get(0).platforms());
        assertEquals(Platforms.parse("linux/arm64"), p.set().images().get(1).platforms());
        assertEquals(5, p.set().modules().getFirst().line());
    }

    @Test
    void emptyValuesDuplicateKeysAndOtherDocuments() {
        assertEquals(
                List.of("set.yaml:1: modules must be a list", "set.yaml:2: images must be a list"),
                messages(parse("modules:\nimages:\n")));
        assertEquals(
                List.of("set.yaml:3: platforms must be a non-empty string or a list"),
                messages(parse("images:\n  - repository: r.example/app\n    platforms:\n")));
        MirrorSet.Parsed twice = parse("name: a\nmodules: []\nname: b\n");
        assertEquals(1, twice.errors().size(), twice.errors().toString());
        assertEquals(3, twice.errors().getFirst().line());
        assertTrue(
                twice.errors().getFirst().message().startsWith("not valid YAML: ")
                        && twice.errors().getFirst().message().contains("name"),
                twice.errors().toString());
        assertEquals(List.of("set.yaml:1: the document must be a mapping"), messages(parse("- a\n- b\n")));
        assertEquals(List.of(), messages(parse("# nothing yet\n")));
        assertEquals("set.yaml", parse("").set().name());
    }
}
