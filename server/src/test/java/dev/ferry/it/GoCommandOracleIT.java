package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The go command is the oracle for what a prewarm must fetch. For each of {@link ModuleGraphs}' projects, the real
 * go command (Debian's go 1.19) runs {@code go mod download all}, {@code go build ./...}, {@code go test ./...},
 * {@code go mod tidy}, {@code go mod verify}, {@code go list -m all} and {@code go mod graph} with fresh caches
 * straight against a recording static GOPROXY, which notes every file it asks for. Then:
 * <ol>
 * <li>a ferry (B) prewarms the same project as an admin would ({@code ferry prewarm go --gomod DIR}, a go.sum, or
 *     queries), and what B fetched from its upstream must include every module file and checksum-database lookup the
 *     go command asked for;</li>
 * <li>B exports everything as a bundle, which an offline ferry (C: {@code --go-upstream off}, the database
 *     unreachable) imports; every go command is then run again through C with fresh caches and must succeed, with
 *     the same {@code go list -m all} and {@code go mod graph} as online.</li>
 * </ol>
 */
class GoCommandOracleIT {
    private static final String TOKEN = "oracle-it-admin-token";
    private static final String DEAD = "http://127.0.0.1:9";
    private static final Pattern VERIFIER_KEY = Pattern.compile("([^\\s+]+\\+[0-9a-f]{8}\\+[A-Za-z0-9+/=]{40,})");

    @TempDir
    Path tmp;

    /** What one go command did against the recording upstream. */
    record Run(List<String> command, int exit, String output, List<String> paths) {}

    @Test
    void prewarmFetchesWhatTheGoCommandReadsAndAnExportOfItServesTheGoCommandOffline() throws Exception {
        ModuleUniverse universe = new ModuleUniverse();
        List<ModuleGraphs.Graph> graphs = ModuleGraphs.all(universe);
        Path tree = tmp.resolve("tree");
        universe.write(tree);
        Path gocache = tmp.resolve("gocache");
        List<String> problems = new ArrayList<>();
        Map<String, List<Run>> online = new LinkedHashMap<>();
        Map<String, Path> projects = new LinkedHashMap<>();

        // 1. The oracle: the go command straight against the static tree, each command on a fresh copy and cache.
        try (StaticGoProxy recorder = new StaticGoProxy(tree)) {
            String gosumdb = universe.gosumdb(recorder.url() + "/sumdb/" + ModuleUniverse.SUMDB);
            for (ModuleGraphs.Graph g : graphs) {
                Path project = tmp.resolve("projects").resolve(g.name());
                g.writeTo(project);
                if (g.input() == ModuleGraphs.Input.GOSUM) {
                    // The project's go.sum is the one 'go mod tidy' writes for it.
                    Path scratch = copy(project, tmp.resolve("scratch").resolve(g.name()));
                    Run tidy = run(g, List.of("mod", "tidy"), scratch, recorder, gosumdb, gocache, "scratch");
                    assertEquals(0, tidy.exit(), g.name() + ": go mod tidy for its go.sum:\n" + tidy.output());
                    Files.copy(scratch.resolve("go.sum"), project.resolve("go.sum"));
                }
                projects.put(g.name(), project);
                List<Run> runs = new ArrayList<>();
                for (int i = 0; i < g.commands().size(); i++) {
                    Path copy = copy(project, tmp.resolve("online").resolve(g.name() + "-" + i));
                    Run r = run(
                            g, g.commands().get(i), copy, recorder, gosumdb, gocache, "online-" + g.name() + "-" + i);
                    // The universe is made so that every command works online; a failure here is a broken fixture.
                    assertEquals(
                            0,
                            r.exit(),
                            g.name() + ": go " + String.join(" ", r.command()) + " online:\n" + r.output());
                    runs.add(r);
                }
                online.put(g.name(), runs);
            }
        }

        // 2. B prewarms each project from its upstream; what it fetched must cover what the go command asked for.
        Cli generated =
                Cli.run(TOKEN, "keys", "generate", "--data", tmp.resolve("b").toString(), "--name", "oracle-b");
        assertEquals(0, generated.exit(), generated.output());
        Matcher km = VERIFIER_KEY.matcher(generated.output());
        assertTrue(km.find(), generated.output());
        String keyB = km.group(1);
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        try (StaticGoProxy upstream = new StaticGoProxy(tree);
                FerryProcess b = FerryProcess.start(
                        tmp.resolve("b"),
                        tmp.resolve("b.log"),
                        Map.of("FERRY_ADMIN_TOKEN", TOKEN),
                        "--go-upstream",
                        upstream.url(),
                        "--sumdb",
                        universe.verifierKey(),
                        "--bundle-root",
                        out.toString())) {
            for (ModuleGraphs.Graph g : graphs) {
                int before = upstream.paths().size();
                Cli prewarm = Cli.run(TOKEN, prewarmArgs(g, projects.get(g.name()), b.url()));
                if (prewarm.exit() != 0) {
                    problems.add(g.name() + ": prewarm exit " + prewarm.exit() + ":\n" + prewarm.output());
                }
                Set<String> fetched = new TreeSet<>(
                        upstream.paths().subList(before, upstream.paths().size()));
                Set<String> missing = new TreeSet<>();
                for (Run r : online.get(g.name())) {
                    for (String p : r.paths()) {
                        if (mustBePrewarmed(tree, p) && !fetched.contains(p)) {
                            missing.add(p + "  (go " + String.join(" ", r.command()) + ")");
                        }
                    }
                }
                if (!missing.isEmpty()) {
                    problems.add(g.name() + ": the go command read files the prewarm did not fetch:\n  "
                            + String.join("\n  ", missing) + "\nprewarm said:\n" + prewarm.output());
                }
                System.out.println("GoCommandOracleIT: " + g.name() + ": prewarm fetched " + fetched.size() + " files\n"
                        + prewarm.output());
            }
            Cli export = Cli.run(TOKEN, "export", "--to", out.toString(), "--site", "oracle-c", "--server", b.url());
            assertEquals(0, export.exit(), export.output());
        }
        Path bundle = FerryProcess.bundleIn(out);

        // 3. C is offline: only the bundle. Every go command must work as it did online.
        try (FerryProcess c = FerryProcess.offline(
                tmp.resolve("c"), tmp.resolve("c.log"), TOKEN, universe.verifierKey() + " " + DEAD, keyB, out)) {
            Cli imported = Cli.run(TOKEN, "import", bundle.toString(), "--server", c.url());
            assertEquals(0, imported.exit(), imported.output());
            String gosumdb = universe.gosumdb(c.url() + "/sumdb/" + ModuleUniverse.SUMDB);
            for (ModuleGraphs.Graph g : graphs) {
                List<Run> runs = online.get(g.name());
                for (int i = 0; i < g.commands().size(); i++) {
                    Path copy =
                            copy(projects.get(g.name()), tmp.resolve("offline").resolve(g.name() + "-" + i));
                    Run r = runAt(
                            g, g.commands().get(i), copy, c.url(), gosumdb, gocache, "offline-" + g.name() + "-" + i);
                    Run was = runs.get(i);
                    String what = g.name() + ": go " + String.join(" ", r.command()) + " through the offline ferry";
                    if (r.exit() != 0) {
                        problems.add(what + " failed:\n" + r.output());
                    } else if (isListing(r.command()) && !r.output().equals(was.output())) {
                        problems.add(what + " printed\n" + r.output() + "\nwhere online it printed\n" + was.output());
                    }
                }
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " problems:\n\n" + String.join("\n\n", problems));
    }

    private static boolean isListing(List<String> command) {
        return command.equals(List.of("list", "-m", "all")) || command.equals(List.of("mod", "graph"));
    }

    /**
     * A path the go command asked for that the prewarm must have fetched: a module file or list the upstream has,
     * or a checksum-database lookup. Tiles are left out: which tiles a client reads depends on the tree size it
     * saw, so the offline run (step 3) is their test.
     */
    private static boolean mustBePrewarmed(Path tree, String path) {
        if (path.contains("/sumdb/")) {
            return path.contains("/lookup/");
        }
        return Files.isRegularFile(tree.resolve(path.substring(1)));
    }

    private static String[] prewarmArgs(ModuleGraphs.Graph g, Path project, String server) {
        List<String> args = new ArrayList<>(List.of("prewarm", "go"));
        switch (g.input()) {
            case DIRECTORY -> args.addAll(List.of("--gomod", project.toString()));
            case GOSUM ->
                args.addAll(List.of("--gosum", project.resolve("go.sum").toString()));
            case QUERIES -> args.addAll(g.queries());
        }
        args.addAll(List.of("--server", server));
        return args.toArray(String[]::new);
    }

    private Run run(
            ModuleGraphs.Graph g,
            List<String> command,
            Path dir,
            StaticGoProxy recorder,
            String gosumdb,
            Path gocache,
            String home)
            throws IOException, InterruptedException {
        int before = recorder.paths().size();
        Run r = runAt(g, command, dir, recorder.url(), gosumdb, gocache, home);
        return new Run(
                r.command(),
                r.exit(),
                r.output(),
                recorder.paths().subList(before, recorder.paths().size()));
    }

    private Run runAt(
            ModuleGraphs.Graph g,
            List<String> command,
            Path dir,
            String goproxy,
            String gosumdb,
            Path gocache,
            String home)
            throws IOException, InterruptedException {
        GoTool go = new GoTool(tmp.resolve("go").resolve(home), goproxy, gosumdb, gocache);
        if (g.workspace()) {
            go.env("GOWORK", null).env("GOFLAGS", null);
        }
        GoTool.Result res = go.run(dir.resolve(g.runIn()), command.toArray(String[]::new));
        go.makeDeletable();
        return new Run(command, res.exit(), res.output(), List.of());
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
        return to;
    }
}
