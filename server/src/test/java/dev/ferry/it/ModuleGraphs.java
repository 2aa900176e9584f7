package dev.ferry.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Module graphs shaped like real users' projects, each in its own corner of one {@link ModuleUniverse}
 * ({@code example.com/gN/...}): tidy and untidy go.mod files, old go versions with unpruned graphs, exclude and
 * replace, legacy modules without go.mod, +incompatible and pseudo-versions among dependencies' indirect
 * requirements, tests of dependencies, a workspace, a go.sum, and queries. Each graph is a project directory the go
 * command runs in, and the prewarm input an admin would give for it.
 */
final class ModuleGraphs {
    private ModuleGraphs() {}

    /** How the graph is prewarmed: the project directory, its go.sum alone, or module queries. */
    enum Input {
        DIRECTORY,
        GOSUM,
        QUERIES
    }

    /**
     * One project: files relative to its directory (go.mod, main.go, ...), the go commands to ask, and how it is
     * prewarmed. {@code commands} run in {@code runIn} (relative; "" the project root).
     */
    record Graph(
            String name,
            Map<String, String> files,
            Input input,
            List<String> queries,
            List<List<String>> commands,
            String runIn,
            boolean workspace) {
        void writeTo(Path dir) throws IOException {
            for (Map.Entry<String, String> f : files.entrySet()) {
                Path p = dir.resolve(f.getKey());
                Files.createDirectories(p.getParent());
                Files.writeString(p, f.getValue());
            }
        }
    }

    /** The go commands the oracle asks for every project graph. */
    static final List<List<String>> PROJECT_COMMANDS = List.of(
            List.of("mod", "download", "all"),
            List.of("build", "./..."),
            List.of("test", "./..."),
            List.of("mod", "tidy"),
            List.of("mod", "verify"),
            List.of("list", "-m", "all"),
            List.of("mod", "graph"));

    private static String pseudo(String base, int day) {
        return base + String.format("2023010%d000000-%012x", day, 0xabcdef000000L + day);
    }

    private static Map<String, String> project(
            String module, String goMod, List<String> imports, List<String> testImports) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("go.mod", "module " + module + "\n" + goMod.stripIndent());
        files.put("main.go", ModuleUniverse.source("main", imports, false));
        if (!testImports.isEmpty()) {
            files.put("main_test.go", ModuleUniverse.source("main", testImports, true));
        }
        return files;
    }

    private static Graph dir(String name, Map<String, String> files) {
        return new Graph(name, files, Input.DIRECTORY, List.of(), PROJECT_COMMANDS, "", false);
    }

    /** Fills {@code u} with every graph's modules and returns the graphs. */
    static List<Graph> all(ModuleUniverse u) {
        List<Graph> graphs = new ArrayList<>();

        // g1: a tidy go 1.17 module, a test-only dependency, an indirect requirement upgraded by the main module.
        u.add("example.com/g1/a", "v1.0.0")
                .goMod("go 1.17\n\nrequire example.com/g1/b v1.0.0\n")
                .imports("example.com/g1/b");
        u.add("example.com/g1/b", "v1.0.0").goMod("go 1.17\n");
        u.add("example.com/g1/b", "v1.1.0").goMod("go 1.17\n");
        u.add("example.com/g1/t", "v1.0.0").goMod("go 1.17\n");
        graphs.add(dir(
                "g1-tidy",
                project("example.com/g1/app", """

                go 1.17

                require (
                	example.com/g1/a v1.0.0
                	example.com/g1/t v1.0.0
                )

                require example.com/g1/b v1.1.0 // indirect
                """, List.of("example.com/g1/a"), List.of("example.com/g1/t"))));

        // g2: the reported case. An untidy go 1.17 go.mod with only its direct requirement; the dependency (go 1.17)
        // lists a pseudo-version of x among its indirect requirements, while the selected x is a higher release.
        String xPseudo = pseudo("v1.1.2-0.", 1);
        u.add("example.com/g2/a", "v1.2.0")
                .goMod("go 1.17\n\nrequire example.com/g2/b v1.0.0\n\nrequire example.com/g2/x " + xPseudo
                        + " // indirect\n")
                .imports("example.com/g2/b");
        u.add("example.com/g2/b", "v1.0.0")
                .goMod("go 1.17\n\nrequire example.com/g2/x v1.3.0\n")
                .imports("example.com/g2/x");
        u.add("example.com/g2/x", "v1.1.1").goMod("go 1.17\n");
        u.add("example.com/g2/x", xPseudo).goMod("go 1.17\n").unlisted();
        u.add("example.com/g2/x", "v1.3.0").goMod("go 1.17\n");
        graphs.add(dir("g2-untidy-pseudo", project("example.com/g2/app", """

                go 1.17

                require example.com/g2/a v1.2.0
                """, List.of("example.com/g2/a"), List.of())));

        // g3: hand-written, no go directive at all (the go command assumes 1.16 and, with -mod=mod, adds one).
        u.add("example.com/g3/a", "v1.0.0")
                .goMod("go 1.17\n\nrequire example.com/g3/b v1.0.0\n")
                .imports("example.com/g3/b");
        u.add("example.com/g3/b", "v1.0.0")
                .goMod("go 1.16\n\nrequire example.com/g3/c v1.0.0\n")
                .imports("example.com/g3/c");
        u.add("example.com/g3/c", "v1.0.0").noGoMod();
        u.add("example.com/g3/c", "v1.1.0").noGoMod();
        u.add("example.com/g3/d", "v1.0.0").goMod("go 1.17\n\nrequire example.com/g3/c v1.1.0\n");
        u.add("example.com/g3/b", "v0.9.0").goMod("go 1.16\n\nrequire example.com/g3/d v1.0.0\n");
        graphs.add(
                dir("g3-no-go-directive", project("example.com/g3/app", """

                require example.com/g3/a v1.0.0
                """, List.of("example.com/g3/a"), List.of())));

        // g4: go 1.16, an unpruned graph: every go.mod below is read, a go 1.17 module's indirect block included.
        u.add("example.com/g4/a", "v1.0.0")
                .goMod("go 1.16\n\nrequire (\n\texample.com/g4/c v1.0.0\n\texample.com/g4/d v1.0.0\n)\n")
                .imports("example.com/g4/c", "example.com/g4/d");
        u.add("example.com/g4/b", "v1.0.0")
                .goMod("go 1.17\n\nrequire example.com/g4/c v1.1.0\n\nrequire example.com/g4/e v1.0.0 // indirect\n")
                .imports("example.com/g4/c");
        u.add("example.com/g4/c", "v1.0.0").goMod("go 1.16\n");
        u.add("example.com/g4/c", "v1.1.0")
                .goMod("go 1.17\n\nrequire example.com/g4/e v1.0.0\n")
                .imports("example.com/g4/e");
        u.add("example.com/g4/d", "v1.0.0").goMod("go 1.14\n\nrequire example.com/g4/f v0.1.0\n");
        u.add("example.com/g4/e", "v1.0.0").goMod("go 1.17\n\nrequire example.com/g4/f v0.2.0\n");
        u.add("example.com/g4/f", "v0.1.0").goMod("go 1.12\n");
        u.add("example.com/g4/f", "v0.2.0").goMod("go 1.12\n");
        graphs.add(dir(
                "g4-go116-unpruned",
                project("example.com/g4/app", """

                go 1.16

                require (
                	example.com/g4/a v1.0.0
                	example.com/g4/b v1.0.0
                )
                """, List.of("example.com/g4/a", "example.com/g4/b"), List.of())));

        // g5: exclude and replace: an excluded version a dependency asks for, a version-specific replacement by a
        // fork, and a module-wide replacement by a pseudo-version of another path.
        u.add("example.com/g5/a", "v1.0.0")
                .goMod("go 1.17\n\nrequire example.com/g5/c v1.1.0\n")
                .imports("example.com/g5/c");
        u.add("example.com/g5/b", "v1.0.0")
                .goMod("go 1.17\n\nrequire example.com/g5/c v1.0.0\n")
                .imports("example.com/g5/c");
        u.add("example.com/g5/bfork", "v1.0.1")
                .goMod("go 1.17\n\nrequire example.com/g5/c v1.0.0\n")
                .imports("example.com/g5/c");
        u.add("example.com/g5/c", "v1.0.0").goMod("go 1.17\n");
        u.add("example.com/g5/c", "v1.1.0").goMod("go 1.17\n");
        u.add("example.com/g5/c", "v1.2.0").goMod("go 1.17\n");
        String dPseudo = pseudo("v0.0.0-", 2);
        u.add("example.com/g5/d", "v1.0.0").goMod("go 1.17\n");
        u.add("example.com/g5/dfork", dPseudo).goMod("go 1.17\n").unlisted();
        graphs.add(dir(
                "g5-exclude-replace",
                project(
                        "example.com/g5/app",
                        """

                go 1.17

                require (
                	example.com/g5/a v1.0.0
                	example.com/g5/b v1.0.0
                	example.com/g5/c v1.0.0
                	example.com/g5/d v1.0.0
                )

                exclude example.com/g5/c v1.1.0

                replace example.com/g5/b v1.0.0 => example.com/g5/bfork v1.0.1

                replace example.com/g5/d => example.com/g5/dfork %s
                """.formatted(dPseudo),
                        List.of("example.com/g5/a", "example.com/g5/b", "example.com/g5/d"),
                        List.of())));

        // g6: legacy modules: +incompatible and a pseudo-version of a module without go.mod among a dependency's
        // indirect requirements.
        String lPseudo = pseudo("v1.0.1-0.", 3);
        u.add("example.com/g6/a", "v1.0.0")
                .goMod("go 1.17\n\nrequire (\n\texample.com/g6/l v2.0.0+incompatible\n" + "\texample.com/g6/l2 "
                        + lPseudo + "\n)\n\nrequire example.com/g6/l3 v1.0.0 // indirect\n")
                .imports("example.com/g6/l", "example.com/g6/l2");
        u.add("example.com/g6/l", "v1.0.0").noGoMod();
        u.add("example.com/g6/l", "v2.0.0+incompatible").noGoMod().imports("example.com/g6/l3");
        u.add("example.com/g6/l2", "v1.0.0").noGoMod();
        u.add("example.com/g6/l2", lPseudo).noGoMod().unlisted();
        u.add("example.com/g6/l3", "v1.0.0").noGoMod();
        graphs.add(dir(
                "g6-incompatible-legacy", project("example.com/g6/app", """

                go 1.17

                require example.com/g6/a v1.0.0
                """, List.of("example.com/g6/a"), List.of())));

        // g7: tests of dependencies: a go 1.16 main module, whose "all" includes the tests of its dependencies.
        u.add("example.com/g7/a", "v1.0.0")
                .goMod("go 1.16\n\nrequire example.com/g7/t v1.0.0\n")
                .testImports("example.com/g7/t");
        u.add("example.com/g7/t", "v1.0.0")
                .goMod("go 1.16\n\nrequire example.com/g7/tt v1.0.0\n")
                .imports("example.com/g7/tt");
        u.add("example.com/g7/tt", "v1.0.0").goMod("go 1.16\n");
        u.add("example.com/g7/u", "v1.0.0").goMod("go 1.16\n");
        graphs.add(dir(
                "g7-test-deps",
                project("example.com/g7/app", """

                go 1.16

                require (
                	example.com/g7/a v1.0.0
                	example.com/g7/u v1.0.0
                )
                """, List.of("example.com/g7/a"), List.of("example.com/g7/u"))));

        // g8: a go.work with two modules, one using the other.
        u.add("example.com/g8/a", "v1.0.0")
                .goMod("go 1.18\n\nrequire example.com/g8/c v1.0.0\n")
                .imports("example.com/g8/c");
        u.add("example.com/g8/b", "v1.0.0").goMod("go 1.18\n");
        u.add("example.com/g8/c", "v1.0.0").goMod("go 1.18\n");
        u.add("example.com/g8/c", "v1.0.1").goMod("go 1.18\n");
        Map<String, String> work = new LinkedHashMap<>();
        work.put("go.work", "go 1.18\n\nuse (\n\t./w1\n\t./w2\n)\n");
        project(
                        "example.com/g8/w1",
                        "\ngo 1.18\n\nrequire example.com/g8/a v1.0.0\n",
                        List.of("example.com/g8/a"),
                        List.of())
                .forEach((k, v) -> work.put("w1/" + k, v));
        project(
                        "example.com/g8/w2",
                        "\ngo 1.18\n\nrequire (\n\texample.com/g8/b v1.0.0\n\texample.com/g8/c v1.0.1\n)\n",
                        List.of("example.com/g8/w1/lib", "example.com/g8/b"),
                        List.of())
                .forEach((k, v) -> work.put("w2/" + k, v));
        work.put("w1/lib/lib.go", ModuleUniverse.source("lib", List.of("example.com/g8/a"), false));
        graphs.add(new Graph(
                "g8-workspace",
                work,
                Input.DIRECTORY,
                List.of(),
                List.of(
                        List.of("build", "./w1/...", "./w2/..."),
                        List.of("test", "./w1/...", "./w2/..."),
                        List.of("list", "-m", "all"),
                        List.of("mod", "download", "all"),
                        List.of("mod", "graph")),
                "",
                true));

        // g9: a pruned main module whose dependency is unpruned (go 1.15): everything below it is read.
        String dPseudo9 = pseudo("v0.0.0-", 4);
        u.add("example.com/g9/a", "v1.0.0")
                .goMod("go 1.17\n\nrequire example.com/g9/b v1.0.0\n")
                .imports("example.com/g9/b");
        u.add("example.com/g9/b", "v1.0.0")
                .goMod("go 1.15\n\nrequire example.com/g9/c v1.0.0\n")
                .imports("example.com/g9/c");
        u.add("example.com/g9/c", "v1.0.0")
                .goMod("go 1.15\n\nrequire example.com/g9/d " + dPseudo9 + "\n")
                .imports("example.com/g9/d");
        u.add("example.com/g9/d", dPseudo9)
                .goMod("go 1.15\n\nrequire example.com/g9/e v0.3.0\n")
                .unlisted();
        u.add("example.com/g9/e", "v0.3.0").goMod("go 1.15\n");
        u.add("example.com/g9/e", "v0.4.0").goMod("go 1.15\n");
        graphs.add(dir(
                "g9-unpruned-below-pruned",
                project("example.com/g9/app", """

                go 1.17

                require example.com/g9/a v1.0.0
                """, List.of("example.com/g9/a"), List.of())));

        // g10: a go.sum as the prewarm input (the one 'go mod tidy' writes), for a project that has one.
        u.add("example.com/g10/a", "v1.0.0")
                .goMod("go 1.17\n\nrequire example.com/g10/b v1.0.0\n")
                .imports("example.com/g10/b");
        u.add("example.com/g10/b", "v1.0.0").goMod("go 1.17\n");
        u.add("example.com/g10/b", "v0.9.0").goMod("go 1.17\n");
        graphs.add(new Graph(
                "g10-gosum",
                project("example.com/g10/app", """

                go 1.17

                require example.com/g10/a v1.0.0

                require example.com/g10/b v1.0.0 // indirect
                """, List.of("example.com/g10/a"), List.of()),
                Input.GOSUM,
                List.of(),
                PROJECT_COMMANDS,
                "",
                false));

        // g11: module queries, asked of the go command outside any module.
        u.add("example.com/g11/q", "v1.0.0").goMod("go 1.17\n");
        u.add("example.com/g11/q", "v1.2.0").goMod("go 1.17\n\nrequire example.com/g11/r v1.1.0\n");
        u.add("example.com/g11/q", "v1.3.0-rc.1").goMod("go 1.17\n");
        u.add("example.com/g11/r", "v1.0.0").goMod("go 1.17\n");
        u.add("example.com/g11/r", "v1.1.0").goMod("go 1.17\n");
        u.add("example.com/g11/r", "v1.5.0").goMod("go 1.17\n");
        graphs.add(new Graph(
                "g11-queries",
                Map.of("README", "queries only\n"),
                Input.QUERIES,
                List.of("example.com/g11/q@latest", "example.com/g11/r@v1.1", "example.com/g11/r@>=v1.1.0"),
                List.of(
                        List.of("mod", "download", "example.com/g11/q@latest"),
                        List.of("mod", "download", "example.com/g11/r@v1.1"),
                        List.of("mod", "download", "example.com/g11/r@v1.1.0", "example.com/g11/r@v1.5.0")),
                "",
                false));

        // g12: an untidy go.mod that misses a module the code imports: -mod=mod looks it up (latest) and adds it.
        u.add("example.com/g12/a", "v1.0.0").goMod("go 1.17\n");
        u.add("example.com/g12/a", "v1.1.0")
                .goMod("go 1.17\n\nrequire example.com/g12/b v1.0.0\n")
                .imports("example.com/g12/b");
        u.add("example.com/g12/b", "v1.0.0").goMod("go 1.17\n");
        u.add("example.com/g12/c", "v1.0.0").goMod("go 1.17\n").subpackage("sub", "example.com/g12/a");
        graphs.add(dir(
                "g12-missing-requirement",
                project("example.com/g12/app", """

                go 1.17

                require example.com/g12/c v1.0.0
                """, List.of("example.com/g12/c/sub", "example.com/g12/a"), List.of())));
        return graphs;
    }
}
