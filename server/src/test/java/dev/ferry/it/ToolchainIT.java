package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.ToolchainZip;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Go toolchains (issue 17): the modules {@code golang.org/toolchain@v0.0.1-go1.22.4.GOOS-GOARCH} that the go command
 * (1.21 and later) downloads for {@code GOTOOLCHAIN}, made by the test in the real layout (dl2mod's: {@code bin/go},
 * {@code pkg/tool/GOOS_GOARCH/...}, {@code src/...} with nested go.mod files as {@code _go.mod}, no root go.mod,
 * best compression, about two thousand entries) and signed into the test's checksum database.
 *
 * <p>Debian's go 1.19 cannot switch toolchains, but a switch is a plain module download (cmd/go's toolchain
 * package calls modfetch.Download for the version, verified against GOSUMDB), which {@code go mod download} does the
 * same way: .info, .mod, .zip from GOPROXY, {@code lookup/golang.org/toolchain@VERSION} and tiles from the checksum
 * database, then the zip checked and unpacked. So it stands in for go 1.21 here, against ferry only.
 */
class ToolchainIT {
    private static final String TOKEN = "toolchain-it-admin-token";
    private static final String DEAD = "http://127.0.0.1:9";
    private static final Pattern VERIFIER_KEY = Pattern.compile("([^\\s+]+\\+[0-9a-f]{8}\\+[A-Za-z0-9+/=]{40,})");
    private static final String RELEASE = "go1.22.4";
    private static final String MODULE = ToolchainZip.MODULE;

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aToolchainIsServedVerifiedPrewarmedExportedAndServedOfflineFromTheBundle() throws Exception {
        String amd64 = ToolchainZip.version(RELEASE, "linux", "amd64");
        String arm64 = ToolchainZip.version(RELEASE, "linux", "arm64");
        String i386 = ToolchainZip.version(RELEASE, "linux", "386");
        SortedMap<String, byte[]> amd64Files = ToolchainZip.synthetic(RELEASE, "linux", "amd64", 2000);
        SortedMap<String, byte[]> arm64Files = ToolchainZip.synthetic(RELEASE, "linux", "arm64", 2000);
        SortedMap<String, byte[]> i386Files = ToolchainZip.synthetic(RELEASE, "linux", "386", 300);

        ModuleUniverse universe = new ModuleUniverse();
        universe.add(MODULE, amd64).noGoMod().files(amd64Files);
        universe.add(MODULE, arm64).noGoMod().files(arm64Files);
        universe.add(MODULE, i386).noGoMod().files(i386Files);
        Path tree = tmp.resolve("tree");
        universe.write(tree);
        // The zips as dl2mod writes them (same files, so the same h1: as the database's records).
        Path dir = tree.resolve(MODULE).resolve("@v");
        writeZip(dir.resolve(amd64 + ".zip"), amd64, amd64Files);
        writeZip(dir.resolve(arm64 + ".zip"), arm64, arm64Files);
        // The upstream's linux/386 toolchain has another go binary than the one the checksum database knows.
        SortedMap<String, byte[]> swapped = new TreeMap<>(i386Files);
        swapped.put("bin/go", "#!/bin/sh\necho not go\n".getBytes(StandardCharsets.UTF_8));
        writeZip(dir.resolve(i386 + ".zip"), i386, swapped);
        assertTrue(Files.size(dir.resolve(amd64 + ".zip")) > 300_000, "a zip of some size");

        Cli generated =
                Cli.run(TOKEN, "keys", "generate", "--data", tmp.resolve("a").toString(), "--name", "toolchain-a");
        assertEquals(0, generated.exit(), generated.output());
        Matcher km = VERIFIER_KEY.matcher(generated.output());
        assertTrue(km.find(), generated.output());
        String keyA = km.group(1);
        Path out = tmp.resolve("out");
        Files.createDirectories(out);

        try (StaticGoProxy upstream = new StaticGoProxy(tree);
                FerryProcess a = FerryProcess.start(
                        tmp.resolve("a"),
                        tmp.resolve("a.log"),
                        Map.of("FERRY_ADMIN_TOKEN", TOKEN),
                        "--go-upstream",
                        upstream.url(),
                        "--sumdb",
                        universe.verifierKey(),
                        "--bundle-root",
                        out.toString())) {
            // 1. What the go command asks for a toolchain is served and checked against the checksum database.
            GoTool.Result got = download(a.url(), universe, "online-amd64", amd64);
            assertEquals(0, got.exit(), got.output());
            assertTrue(got.output().contains("\"Version\": \"" + amd64 + "\""), got.output());
            assertUnpacked(tmp.resolve("go").resolve("online-amd64"), amd64, amd64Files);
            assertTrue(
                    upstream.paths().stream().anyMatch(p -> p.endsWith("/lookup/" + MODULE + "@" + amd64)),
                    "ferry looked the toolchain up in the checksum database: " + upstream.paths());
            HttpResponse<String> lookup =
                    get(a.url() + "/sumdb/" + ModuleUniverse.SUMDB + "/lookup/" + MODULE + "@" + amd64);
            assertEquals(200, lookup.statusCode(), lookup.body());
            assertTrue(lookup.body().contains(MODULE + " " + amd64 + " h1:"), lookup.body());
            assertEquals(
                    200, get(a.url() + "/" + MODULE + "/@v/" + amd64 + ".info").statusCode());
            assertEquals(
                    "module " + MODULE + "\n",
                    get(a.url() + "/" + MODULE + "/@v/" + amd64 + ".mod").body());

            // 2. A toolchain whose files differ from the database's record is refused, twice, so it was not stored.
            GoTool.Result tampered = download(a.url(), universe, "online-386", i386);
            assertFalse(tampered.ok(), tampered.output());
            assertTrue(tampered.output().contains(i386), tampered.output());
            String zip386 = "/" + MODULE + "/@v/" + i386 + ".zip";
            int asked = upstream.requestsFor(zip386);
            HttpResponse<String> again = get(a.url() + zip386);
            assertEquals(502, again.statusCode(), "the tampered toolchain was stored or served: " + again.body());
            assertTrue(again.body().contains("checksum mismatch"), again.body());
            assertEquals(asked + 1, upstream.requestsFor(zip386), "nothing of it was stored, so it was asked again");

            // 3. Bad toolchain prewarms are refused before any job or request.
            int before = upstream.requests();
            for (String bad : List.of(
                    "{\"kind\":\"toolchains\",\"versions\":[\"go1.22\"],\"platforms\":\"linux/amd64\"}",
                    "{\"kind\":\"toolchains\",\"versions\":[\"go1.22.4\"],\"platforms\":\"linux/x86_64\"}",
                    "{\"kind\":\"toolchains\",\"versions\":[\"go1.22.4\"]}")) {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(a.url() + "/admin/api/prewarm"))
                                .header("Authorization", "Bearer " + TOKEN)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(bad))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(400, r.statusCode(), bad + " -> " + r.body());
            }
            assertEquals(before, upstream.requests(), "a refused prewarm asks no upstream");

            // 4. ferry prewarm go --toolchain stores each platform; the one already stored is not fetched again.
            String zipAmd64 = "/" + MODULE + "/@v/" + amd64 + ".zip";
            String zipArm64 = "/" + MODULE + "/@v/" + arm64 + ".zip";
            assertEquals(1, upstream.requestsFor(zipAmd64));
            assertEquals(0, upstream.requestsFor(zipArm64));
            Cli prewarm = Cli.run(
                    TOKEN,
                    "prewarm",
                    "go",
                    "--toolchain",
                    RELEASE,
                    "--platform",
                    "linux/amd64,linux/arm64",
                    "--server",
                    a.url());
            assertEquals(0, prewarm.exit(), prewarm.output());
            assertTrue(
                    prewarm.output().contains("6 items, 6 fetched or already stored, 0 failed"),
                    ".info/.mod/.zip of two toolchains:\n" + prewarm.output());
            assertEquals(1, upstream.requestsFor(zipAmd64), "already stored");
            assertEquals(1, upstream.requestsFor(zipArm64), "prewarmed");
            HttpResponse<byte[]> served = getBytes(a.url() + zipArm64);
            assertEquals(200, served.statusCode());
            assertArrayEquals(Files.readAllBytes(dir.resolve(arm64 + ".zip")), served.body());
            assertEquals(1, upstream.requestsFor(zipArm64), "served from the store");

            // Only the toolchains: the selection carries their checksum-database proofs with them.
            Cli export = Cli.run(
                    TOKEN,
                    "export",
                    "--to",
                    out.toString(),
                    "--module",
                    MODULE,
                    "--site",
                    "offline",
                    "--server",
                    a.url());
            assertEquals(0, export.exit(), export.output());
        }

        // 5. An offline ferry that imports the bundle serves both toolchains to the go command; the refused one is
        // not in it.
        Path bundle = FerryProcess.bundleIn(out);
        try (FerryProcess c = FerryProcess.offline(
                tmp.resolve("c"), tmp.resolve("c.log"), TOKEN, universe.verifierKey() + " " + DEAD, keyA, out)) {
            Cli imported = Cli.run(TOKEN, "import", bundle.toString(), "--server", c.url());
            assertEquals(0, imported.exit(), imported.output());
            GoTool.Result offAmd64 = download(c.url(), universe, "offline-amd64", amd64);
            assertEquals(0, offAmd64.exit(), offAmd64.output());
            assertUnpacked(tmp.resolve("go").resolve("offline-amd64"), amd64, amd64Files);
            GoTool.Result offArm64 = download(c.url(), universe, "offline-arm64", arm64);
            assertEquals(0, offArm64.exit(), offArm64.output());
            assertUnpacked(tmp.resolve("go").resolve("offline-arm64"), arm64, arm64Files);
            assertEquals(
                    404, get(c.url() + "/" + MODULE + "/@v/" + i386 + ".zip").statusCode(), "not in the bundle");
            // What go get go@1.22 / toolchain@... reads to pick a toolchain: the stored ones, offline.
            HttpResponse<String> list = get(c.url() + "/" + MODULE + "/@v/list");
            assertEquals(200, list.statusCode(), list.body());
            // (also the upstream's list as the bundle carried it, which named the refused linux/386 one too)
            assertTrue(list.body().lines().toList().containsAll(List.of(amd64, arm64)), list.body());
        }
    }

    /** {@code go mod download -json MODULE@VERSION} with fresh caches, GOPROXY and GOSUMDB at {@code ferry}. */
    private GoTool.Result download(String ferry, ModuleUniverse universe, String home, String version)
            throws IOException, InterruptedException {
        GoTool go = new GoTool(
                tmp.resolve("go").resolve(home), ferry, universe.gosumdb(ferry + "/sumdb/" + ModuleUniverse.SUMDB));
        // Outside a module: the toolchain is asked for on its own, as a toolchain switch does.
        go.env("GOFLAGS", null);
        Path work = Files.createDirectories(tmp.resolve("work").resolve(home));
        GoTool.Result r = go.run(work, "mod", "download", "-json", MODULE + "@" + version);
        go.makeDeletable();
        return r;
    }

    /** The go command unpacked every file of the toolchain, byte for byte (its own zip checks passed). */
    private static void assertUnpacked(Path home, String version, SortedMap<String, byte[]> files) throws IOException {
        Path root = home.resolve("modcache").resolve(MODULE + "@" + version);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path p = root.resolve(f.getKey());
            assertTrue(Files.isRegularFile(p), "unpacked " + p);
            assertArrayEquals(f.getValue(), Files.readAllBytes(p), f.getKey());
        }
        try (Stream<Path> s = Files.walk(root)) {
            assertEquals(files.size(), s.filter(Files::isRegularFile).count(), "no other file");
        }
    }

    private static void writeZip(Path zip, String version, SortedMap<String, byte[]> files) throws IOException {
        try (OutputStream o = Files.newOutputStream(zip)) {
            ToolchainZip.write(o, version, ToolchainZip.contents(files));
        }
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<byte[]> getBytes(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
