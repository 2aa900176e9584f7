package dev.ferry.protocols.mvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.modfile.GoMod;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MvsTest {
    /** An in-memory module graph: "path@version" → go.mod text; counts loads. */
    private static final class Graph implements Mvs.GoModSource {
        final Map<String, String> mods = new HashMap<>();
        final List<String> loads = new ArrayList<>();

        Graph mod(String pathAtVersion, String go, String... requires) {
            String path = pathAtVersion.substring(0, pathAtVersion.indexOf('@'));
            StringBuilder b = new StringBuilder("module " + path + "\n");
            if (go != null) {
                b.append("go ").append(go).append('\n');
            }
            for (String r : requires) {
                b.append("require ").append(r).append('\n');
            }
            mods.put(pathAtVersion, b.toString());
            return this;
        }

        @Override
        public GoMod goMod(ModulePath path, Version version) {
            loads.add(path + "@" + version);
            String text = mods.get(path + "@" + version);
            if (text == null) {
                throw new FormatException(path + "@" + version + ": not found");
            }
            return GoMod.parse((path + "@" + version + "/go.mod"), text.getBytes(StandardCharsets.UTF_8), false);
        }
    }

    private static GoMod main(String text) {
        return GoMod.parseStrict(text.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> list(BuildList b) {
        return b.goListLines();
    }

    /**
     * The reported case (checked against go 1.19 by GoCommandOracleIT's g2): an untidy go 1.17 go.mod with only
     * its direct requirement; the dependency lists a pseudo-version of x as indirect, while b, once promoted to a
     * root, raises x to v1.3.0. The declared build list has the pseudo-version; the go command also reads x
     * v1.3.0's files, and go mod tidy reads every go.mod of the unpruned graph.
     */
    @Test
    void reachFollowsRootPromotionAndTheWholeGraph() {
        Graph g = new Graph()
                .mod(
                        "example.com/a@v1.2.0",
                        "1.17",
                        "example.com/b v1.0.0",
                        "example.com/x v1.1.2-0.20230101000000-abcdef000001")
                .mod("example.com/b@v1.0.0", "1.17", "example.com/x v1.3.0")
                .mod("example.com/x@v1.1.2-0.20230101000000-abcdef000001", "1.17", "example.com/old v1.0.0")
                .mod("example.com/x@v1.3.0", "1.17")
                .mod("example.com/old@v1.0.0", "1.17");
        GoMod m = main("module example.com/m\ngo 1.17\nrequire example.com/a v1.2.0\n");
        Reach r = Mvs.reach(m, g, java.util.Set.of(), List.of());
        assertEquals(
                List.of(
                        "example.com/m",
                        "example.com/a v1.2.0",
                        "example.com/b v1.0.0",
                        "example.com/x v1.1.2-0.20230101000000-abcdef000001"),
                list(r.declared()));
        // x is promoted at the version selected when its package is first loaded (the pseudo-version, whose go.mod
        // brings in old), then b's requirement raises it: both x versions' files, and old's, may be read.
        assertEquals(
                List.of(
                        "example.com/a@v1.2.0",
                        "example.com/b@v1.0.0",
                        "example.com/old@v1.0.0",
                        "example.com/x@v1.1.2-0.20230101000000-abcdef000001",
                        "example.com/x@v1.3.0"),
                r.files().stream().map(Object::toString).toList());
        assertTrue(r.goMods().contains(ModuleVersion.parse("example.com/x@v1.1.2-0.20230101000000-abcdef000001")));
        assertTrue(r.goMods().contains(ModuleVersion.parse("example.com/old@v1.0.0")));

        // A workspace's other modules are never read, however they are required.
        Reach w = Mvs.reach(
                main("module example.com/m\ngo 1.18\nrequire example.com/a v1.2.0\nrequire example.com/w2 v0.0.0\n"),
                g,
                java.util.Set.of(ModulePath.parse("example.com/w2")),
                List.of());
        assertTrue(w.problems().isEmpty(), w.problems().toString());
        assertFalse(w.goMods().stream().anyMatch(v -> v.path().value().equals("example.com/w2")));
    }

    @Test
    void diamondSelectsTheHighestRequiredVersion() {
        Graph g = new Graph()
                .mod("example.com/a@v1.0.0", "1.16", "example.com/c v1.1.0")
                .mod("example.com/b@v1.0.0", "1.16", "example.com/c v1.2.0")
                .mod("example.com/c@v1.1.0", "1.16")
                .mod("example.com/c@v1.2.0", "1.16");
        BuildList b = Mvs.buildList(
                main("module example.com/m\ngo 1.16\nrequire (\n example.com/a v1.0.0\n"
                        + " example.com/b v1.0.0\n)\n"),
                g);
        assertEquals(
                List.of("example.com/m", "example.com/a v1.0.0", "example.com/b v1.0.0", "example.com/c v1.2.0"),
                list(b));
        // Both versions of c were loaded: their go.mod files are part of the graph.
        assertEquals(
                List.of("example.com/a@v1.0.0", "example.com/b@v1.0.0", "example.com/c@v1.1.0", "example.com/c@v1.2.0"),
                b.loaded().stream().map(Object::toString).toList());
        assertFalse(b.pruned());
        assertTrue(b.problems().isEmpty());
    }

    @Test
    void pathsReachedOnlyThroughUnselectedVersionsStayInTheBuildList() {
        Graph g = new Graph()
                .mod("example.com/a@v1.0.0", "1.16", "example.com/d v1.0.0")
                .mod("example.com/a@v1.1.0", "1.16")
                .mod("example.com/b@v1.0.0", "1.16", "example.com/a v1.1.0")
                .mod("example.com/d@v1.0.0", "1.16");
        BuildList b = Mvs.buildList(
                main("module example.com/m\ngo 1.16\nrequire example.com/a v1.0.0\n"
                        + "require example.com/b v1.0.0\n"),
                g);
        assertEquals(
                List.of("example.com/m", "example.com/a v1.1.0", "example.com/b v1.0.0", "example.com/d v1.0.0"),
                list(b));
    }

    @Test
    void pruningStopsBelowGo117Dependencies() {
        Graph g = new Graph()
                .mod("example.com/a@v1.0.0", "1.17", "example.com/b v1.0.0")
                .mod("example.com/b@v1.0.0", "1.17", "example.com/c v1.0.0")
                .mod("example.com/c@v1.0.0", "1.17")
                .mod("example.com/old@v1.0.0", null, "example.com/x v1.0.0")
                .mod("example.com/x@v1.0.0", "1.17", "example.com/y v1.0.0")
                .mod("example.com/y@v1.0.0", "1.17", "example.com/z v1.0.0")
                .mod("example.com/z@v1.0.0", "1.17");
        String mainText = "module example.com/m\ngo %s\nrequire example.com/a v1.0.0\nrequire example.com/old v1.0.0\n";
        BuildList pruned = Mvs.buildList(main(mainText.formatted("1.17")), g);
        assertTrue(pruned.pruned());
        // a is pruned: its requirement b is in the graph, b's is not. old has no go directive: everything below
        // it is loaded unpruned, transitively.
        assertEquals(
                List.of(
                        "example.com/m",
                        "example.com/a v1.0.0",
                        "example.com/b v1.0.0",
                        "example.com/old v1.0.0",
                        "example.com/x v1.0.0",
                        "example.com/y v1.0.0",
                        "example.com/z v1.0.0"),
                list(pruned));
        assertEquals(
                List.of(
                        "example.com/a@v1.0.0",
                        "example.com/old@v1.0.0",
                        "example.com/x@v1.0.0",
                        "example.com/y@v1.0.0",
                        "example.com/z@v1.0.0"),
                pruned.loaded().stream().map(Object::toString).toList());

        BuildList unpruned = Mvs.buildList(main(mainText.formatted("1.16")), g);
        assertFalse(unpruned.pruned());
        assertTrue(list(unpruned).contains("example.com/c v1.0.0"));
        assertTrue(unpruned.loaded().contains(ModuleVersion.parse("example.com/c@v1.0.0")));
    }

    @Test
    void excludedRequirementsAreDroppedAsGo116AndLaterDo() {
        Graph g = new Graph()
                .mod("example.com/a@v1.0.0", "1.16", "example.com/c v1.2.0")
                .mod("example.com/b@v1.0.0", "1.16", "example.com/c v1.1.0")
                .mod("example.com/c@v1.1.0", "1.16")
                .mod("example.com/c@v1.2.0", "1.16")
                .mod("example.com/c@v1.3.0", "1.16");
        String text = "module example.com/m\ngo 1.16\nrequire (\n example.com/a v1.0.0\n example.com/b v1.0.0\n"
                + " example.com/e v1.0.0\n)\nexclude example.com/c v1.2.0\nexclude example.com/e v1.0.0\n";
        BuildList b = Mvs.buildList(main(text), g);
        assertEquals(
                List.of("example.com/m", "example.com/a v1.0.0", "example.com/b v1.0.0", "example.com/c v1.1.0"),
                list(b));
        assertFalse(g.loads.contains("example.com/c@v1.2.0"));
        assertFalse(g.loads.contains("example.com/e@v1.0.0"));
    }

    @Test
    void excludedRequirementsMoveToTheNextHigherVersionInLegacyMode() {
        Graph g = new Graph()
                .mod("example.com/a@v1.0.0", "1.16", "example.com/c v1.2.0")
                .mod("example.com/c@v1.3.0", "1.16");
        Map<String, List<Version>> lists = Map.of(
                "example.com/c",
                List.of(
                        Version.parse("v1.3.0"),
                        Version.parse("v1.2.0"),
                        Version.parse("v1.2.1"),
                        Version.parse("v1.1.0")));
        String text = "module example.com/m\ngo 1.16\nrequire example.com/a v1.0.0\nexclude example.com/c v1.2.0\n"
                + "exclude example.com/c v1.2.1\n";
        BuildList b =
                Mvs.buildList(main(text), g, new Mvs.Options(Mvs.ExcludeMode.NEXT_HIGHER, p -> lists.get(p.value())));
        assertEquals(List.of("example.com/m", "example.com/a v1.0.0", "example.com/c v1.3.0"), list(b));

        BuildList none = Mvs.buildList(
                main(text.replace("v1.2.1", "v1.3.0")),
                g,
                new Mvs.Options(Mvs.ExcludeMode.NEXT_HIGHER, p -> List.of(Version.parse("v1.2.0"))));
        assertEquals(List.of("example.com/m", "example.com/a v1.0.0"), list(none));
        assertEquals(1, none.problems().size());
        assertTrue(
                none.problems().get(0).message().contains("no newer version"),
                none.problems().toString());
        assertThrows(IllegalArgumentException.class, () -> new Mvs.Options(Mvs.ExcludeMode.NEXT_HIGHER, null));
    }

    @Test
    void replacementsSupplyTheGoModAndVersionSpecificOnesWin() {
        Graph g = new Graph()
                .mod("example.com/a@v1.0.0", "1.16", "example.com/orig v1.0.0")
                .mod("example.com/fork@v1.5.0", "1.16", "example.com/extra v1.0.0")
                .mod("example.com/fork@v1.6.0", "1.16")
                .mod("example.com/extra@v1.0.0", "1.16")
                .mod("example.com/orig@v1.0.0", "1.16", "example.com/never v1.0.0");
        String text = "module example.com/m\ngo 1.16\nrequire example.com/a v1.0.0\nrequire example.com/l v1.0.0\n"
                + "replace example.com/orig => example.com/fork v1.5.0\n"
                + "replace example.com/a v1.0.0 => example.com/a v1.0.0\n"
                + "replace example.com/l => ../local\n";
        BuildList b = Mvs.buildList(main(text), g);
        assertEquals(
                List.of(
                        "example.com/m",
                        "example.com/a v1.0.0 => example.com/a v1.0.0",
                        "example.com/extra v1.0.0",
                        "example.com/l v1.0.0 => ../local",
                        "example.com/orig v1.0.0 => example.com/fork v1.5.0"),
                list(b));
        assertFalse(g.loads.contains("example.com/orig@v1.0.0"));
        assertEquals(
                ModuleVersion.parse("example.com/fork@v1.5.0"),
                b.source(ModuleVersion.parse("example.com/orig@v1.0.0")));
        assertEquals(null, b.source(ModuleVersion.parse("example.com/l@v1.0.0")));
        assertEquals(Map.of(ModuleVersion.parse("example.com/l@v1.0.0"), "../local"), b.localReplacements());

        // A version-specific replacement beats the module-wide one.
        BuildList specific =
                Mvs.buildList(main(text + "replace example.com/orig v1.0.0 => example.com/fork v1.6.0\n"), g);
        assertTrue(specific.goListLines().contains("example.com/orig v1.0.0 => example.com/fork v1.6.0"));
        assertFalse(specific.goListLines().contains("example.com/extra v1.0.0"));
    }

    @Test
    void incompatibleAndPseudoVersionsOrderBySemver() {
        Graph g = new Graph()
                .mod(
                        "example.com/a@v1.0.0",
                        "1.16",
                        "example.com/x v3.1.0+incompatible",
                        "example.com/p v1.2.4-0.20220101000000-abcdefabcdef",
                        "example.com/q v0.0.0-20200101000000-abcdefabcdef")
                .mod("example.com/x@v2.0.0+incompatible", null)
                .mod("example.com/x@v3.1.0+incompatible", null)
                .mod("example.com/p@v1.2.3", "1.16")
                .mod("example.com/p@v1.2.4-0.20220101000000-abcdefabcdef", "1.16")
                .mod("example.com/q@v0.0.0-20200101000000-abcdefabcdef", "1.16")
                .mod("example.com/q@v0.1.0", "1.16");
        String text = "module example.com/m\ngo 1.16\nrequire (\n example.com/a v1.0.0\n"
                + " example.com/x v2.0.0+incompatible\n example.com/p v1.2.3\n example.com/q v0.1.0\n)\n";
        BuildList b = Mvs.buildList(main(text), g);
        assertEquals(
                List.of(
                        "example.com/m",
                        "example.com/a v1.0.0",
                        "example.com/p v1.2.4-0.20220101000000-abcdefabcdef",
                        "example.com/q v0.1.0",
                        "example.com/x v3.1.0+incompatible"),
                list(b));
    }

    @Test
    void cyclesTerminateAndRaiseVersions() {
        Graph g = new Graph()
                .mod("example.com/a@v1.0.0", "1.16", "example.com/b v1.0.0")
                .mod("example.com/b@v1.0.0", "1.16", "example.com/a v1.1.0")
                .mod("example.com/a@v1.1.0", "1.16", "example.com/b v1.0.0", "example.com/m v0.1.0");
        BuildList b = Mvs.buildList(main("module example.com/m\ngo 1.16\nrequire example.com/a v1.0.0\n"), g);
        // The main module never appears in its own build list, even when a dependency requires it.
        assertEquals(List.of("example.com/m", "example.com/a v1.1.0", "example.com/b v1.0.0"), list(b));
        assertEquals(3, g.loads.size());
    }

    @Test
    void unloadableGoModsAreProblemsAndTheWalkGoesOn() {
        Graph g = new Graph()
                .mod("example.com/a@v1.0.0", "1.16", "example.com/missing v1.0.0", "example.com/c v1.0.0")
                .mod("example.com/c@v1.0.0", "1.16")
                .mod("example.com/wrong@v1.0.0", "1.16");
        g.mods.put("example.com/wrong@v1.0.0", "module example.com/other\n");
        BuildList b = Mvs.buildList(
                main("module example.com/m\ngo 1.16\nrequire example.com/a v1.0.0\n"
                        + "require example.com/wrong v1.0.0\n"),
                g);
        assertEquals(
                List.of(
                        "example.com/m",
                        "example.com/a v1.0.0",
                        "example.com/c v1.0.0",
                        "example.com/missing v1.0.0",
                        "example.com/wrong v1.0.0"),
                list(b));
        assertEquals(2, b.problems().size(), b.problems().toString());
        assertTrue(b.problems().stream().anyMatch(p -> p.message().contains("declares its path as")));
    }

    @Test
    void goVersionsAtOrAbove117ArePruned() {
        assertFalse(Mvs.isPruned(""));
        assertFalse(Mvs.isPruned("1.16"));
        assertTrue(Mvs.isPruned("1.17"));
        assertTrue(Mvs.isPruned("1.21rc1"));
        assertTrue(Mvs.isPruned("1.22.3"));
        assertTrue(Mvs.isPruned("2.0"));
    }
}
