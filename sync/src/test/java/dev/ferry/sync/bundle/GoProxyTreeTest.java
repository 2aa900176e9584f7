package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.SimpleFileServer;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.sync.bundle.plain.GoProxyTree;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The static GOPROXY tree against the real go command (Debian's Go 1.19): the fixture app builds from
 * {@code GOPROXY=file://DIR} with checksum verification against the exported sumdb files, read through the file
 * proxy or from a plain static HTTP server, and a zip changed after export is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoProxyTreeTest {
    static final Path GO = Path.of("/usr/bin/go");

    Path tmp;
    Path tree;
    String key;
    final List<String> notes = new ArrayList<>();

    @BeforeAll
    void export(@TempDir Path dir) throws Exception {
        tmp = dir;
        assumeTrue(Files.isDirectory(StoreFixtures.GOCORPUS.resolve("proxy")), "no gocorpus fixture");
        key = Files.readString(StoreFixtures.GOCORPUS.resolve("proxy/_meta/verifier.key"))
                .strip();
        tree = tmp.resolve("goproxy");
        try (ContentStore store = RocksContentStore.open(tmp.resolve("store"), StoreOptions.defaults())) {
            StoreFixtures.fillGo(store);
            StoreFixtures.fillSumdb(store);
            SelectedContent content = new BundleSelector(store).select(Selection.all());
            GoProxyTree.write(store, content, tree, BundleFixture.notesTo(notes));
        }
    }

    @Test
    void treeHasTheProxyFilesAndNoTrustState() throws IOException {
        assertEquals(List.of(), notes);
        Path fixture = StoreFixtures.GOCORPUS.resolve("proxy");
        for (String f : List.of(
                "github.com/!burnt!sushi/toml/@v/v1.2.0.zip",
                "github.com/!knetic/govaluate/@v/v3.0.1-0.20171022190953-9aa498375809+incompatible.mod",
                "gopkg.in/yaml.v3/@v/v3.0.1.info",
                "sumdb/sum.fixture.example/latest",
                "sumdb/sum.fixture.example/tile/8/0/000.p/81",
                "sumdb/sum.fixture.example/lookup/github.com/!burnt!sushi/toml@v1.2.0")) {
            assertArrayEquals(Files.readAllBytes(fixture.resolve(f)), Files.readAllBytes(tree.resolve(f)), f);
        }
        // The list holds tagged versions only (the go command ignores pseudo-versions there), sorted by semver.
        assertEquals(
                "v1.0.0\nv1.1.0\nv1.1.1\n", Files.readString(tree.resolve("github.com/!vivid!cortex/ewma/@v/list")));
        assertEquals(
                "v0.0.15\nv0.0.16\nv0.0.17\nv0.1.0-rc.1\n",
                Files.readString(tree.resolve("github.com/mattn/go-isatty/@v/list")));
        assertTrue(Files.readString(tree.resolve("gopkg.in/check.v1/@latest")).contains("038fdea065d6"));
        assertEquals(0, Files.size(tree.resolve("sumdb/sum.fixture.example/supported")));
        assertFalse(Files.exists(tree.resolve("sumdb/sum.fixture.example/trusted")));
        assertFalse(Files.exists(tree.resolve("sumdb/sum.fixture.example/evidence")));
        try (Stream<Path> s = Files.walk(tree)) {
            assertEquals(
                    List.of(),
                    s.filter(p -> p.getFileName().toString().contains(".tmp-")).toList());
        }
    }

    @Test
    void goBuildsTheAppVerifyingThroughTheFileProxy() throws Exception {
        Path app = copyApp("viaproxy");
        Result r = go(app, Map.of("GOPROXY", "file://" + tree, "GOSUMDB", key), "build", "-o", "fixtureapp", ".");
        assertEquals(0, r.code, r.output);
        assertTrue(Files.isRegularFile(app.resolve("fixtureapp")));
        assertTrue(Files.readString(app.resolve("go.sum")).contains("github.com/spf13/cobra v1.6.1 h1:"), r.output);
        // The sumdb client kept the tree it verified against: verification ran.
        assertTrue(Files.isDirectory(app.resolveSibling("gopath-viaproxy/pkg/sumdb/sum.fixture.example")), r.output);
    }

    @Test
    void goVerifiesAgainstTheSumdbFilesOnAPlainStaticServer() throws Exception {
        HttpServer server = SimpleFileServer.createFileServer(
                new InetSocketAddress("127.0.0.1", 0), tree, SimpleFileServer.OutputLevel.NONE);
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/sumdb/sum.fixture.example";
            Path app = copyApp("static");
            Result r =
                    go(app, Map.of("GOPROXY", "file://" + tree, "GOSUMDB", key + " " + url), "mod", "download", "all");
            assertEquals(0, r.code, r.output);
            assertTrue(Files.readString(app.resolve("go.sum")).contains("github.com/spf13/cobra v1.6.1 h1:"), r.output);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aZipChangedAfterExportIsRefused() throws Exception {
        Path bad = tmp.resolve("tampered");
        copyTree(tree, bad);
        Path zip = bad.resolve("github.com/spf13/cobra/@v/v1.6.1.zip");
        rewriteOneFile(zip);
        Path app = copyApp("tampered");
        Result r = go(
                app, Map.of("GOPROXY", "file://" + bad, "GOSUMDB", key), "mod", "download", "github.com/spf13/cobra");
        assertNotEquals(0, r.code, r.output);
        assertTrue(r.output.contains("checksum mismatch") || r.output.contains("SECURITY ERROR"), r.output);
    }

    /** What docs/bundles-plain.md says of a version exported without its lookup, and GONOSUMDB for it. */
    @Test
    void aVersionWithoutItsLookupFailsUntilGonosumdbNamesIt() throws Exception {
        Path partial = tmp.resolve("nolookup");
        copyTree(tree, partial);
        Files.delete(partial.resolve("sumdb/sum.fixture.example/lookup/github.com/spf13/cobra@v1.6.1"));
        Path app = copyApp("nolookup");
        Result r = go(
                app,
                Map.of("GOPROXY", "file://" + partial, "GOSUMDB", key),
                "mod",
                "download",
                "github.com/spf13/cobra");
        assertNotEquals(0, r.code, r.output);
        assertTrue(r.output.contains("verifying go.mod") && r.output.contains("no such file"), r.output);
        Result unverified = go(
                app,
                Map.of("GOPROXY", "file://" + partial, "GOSUMDB", key, "GONOSUMDB", "github.com/spf13/cobra"),
                "mod",
                "download",
                "github.com/spf13/cobra");
        assertEquals(0, unverified.code, unverified.output);
    }

    record Result(int code, String output) {}

    /** The zip with one Go file's content changed: well formed, right paths, wrong hash. */
    private static void rewriteOneFile(Path zip) throws IOException {
        Path out = zip.resolveSibling("rewritten.zip");
        boolean changed = false;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip));
                ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] body = in.readAllBytes();
                if (!changed && e.getName().endsWith(".go")) {
                    body = (new String(body, StandardCharsets.UTF_8) + "\n// changed after export\n")
                            .getBytes(StandardCharsets.UTF_8);
                    changed = true;
                }
                z.putNextEntry(new ZipEntry(e.getName()));
                z.write(body);
                z.closeEntry();
            }
        }
        assertTrue(changed);
        Files.move(out, zip, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private Path copyApp(String name) throws IOException {
        Path app = tmp.resolve("app-" + name);
        copyTree(StoreFixtures.GOCORPUS.resolve("app"), app);
        return app;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    /** Runs go in {@code app} with fresh caches beside it, no network, and only {@code env} deciding sources. */
    private Result go(Path app, Map<String, String> env, String... args) throws Exception {
        assumeTrue(Files.isExecutable(GO), "no go command at " + GO);
        String name = app.getFileName().toString().substring("app-".length());
        Path gopath = app.resolveSibling("gopath-" + name);
        List<String> cmd = new ArrayList<>(List.of(GO.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(app.toFile()).redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("GO") || k.endsWith("_proxy") || k.endsWith("_PROXY"));
        e.put("HOME", tmp.resolve("home-" + name).toString());
        e.put("GOPATH", gopath.toString());
        e.put("GOMODCACHE", gopath.resolve("pkg/mod").toString());
        // The build cache only saves compiling (keyed by content); downloads and checksum state stay fresh per run.
        e.put("GOCACHE", Path.of("target/go-build-cache").toAbsolutePath().toString());
        e.put("GOFLAGS", "-mod=mod -modcacherw");
        e.put("GOTOOLCHAIN", "local");
        e.put("GOWORK", "off");
        e.put("GONOSUMDB", "");
        e.put("GONOPROXY", "");
        e.put("GOPRIVATE", "");
        e.put("GOINSECURE", "");
        e.put("CGO_ENABLED", "0");
        e.putAll(env);
        Files.createDirectories(Path.of(e.get("HOME")));
        Path log = tmp.resolve("go-" + name + ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("go " + String.join(" ", args) + " did not finish in 180 s");
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
