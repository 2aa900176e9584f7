package dev.ferry.mirror.go;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import dev.ferry.mirror.DownloadOutcome;
import dev.ferry.mirror.go.GoAnswer.CacheOutcome;
import dev.ferry.mirror.go.GoAnswer.Freshness;
import dev.ferry.mirror.sumdb.ModuleChecksums;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.StoredObject;
import dev.ferry.testing.LoopbackWireMock;
import dev.ferry.testing.ManualClock;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.goproxy.HttpGoProxyClient;
import dev.ferry.upstreams.pool.UpstreamEvents;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Go mirror promises, run against each store the mirror runs on ({@link NamedObjectStore}) (subclasses), with
 * WireMock upstreams serving the gocorpus fixture files and faults.
 */
abstract class GoMirrorContractTest {
    static final Path PROXY = Path.of(System.getProperty("ferry.fixtures", "../../shared/fixtures"))
            .resolve("gocorpus/proxy");
    static final String TOML = "github.com/!burnt!sushi/toml";
    static final ModulePath TOML_PATH = ModulePath.parse("github.com/BurntSushi/toml");
    // No test here waits for a timeout to fire (the slow answers are 0.3-1 s); the timeouts only stop a hang. At 2 s,
    // a first request to a cold WireMock on a loaded 2-core machine timed out and turned a hit into Unavailable.
    static final UpstreamTimeouts TIMEOUTS =
            new UpstreamTimeouts(Duration.ofSeconds(15), Duration.ofSeconds(15), Duration.ofSeconds(15));

    @TempDir
    Path dir;

    final WireMockServer a = LoopbackWireMock.withLengths();
    final WireMockServer b = LoopbackWireMock.withLengths();
    final ManualClock clock = new ManualClock();
    NamedObjectStore store;
    GoMirrorSettings settings;
    CachingGoModuleMirror mirror;

    abstract NamedObjectStore openStore(Path dir) throws IOException;

    /** Closes what {@link #openStore} opened. */
    abstract void closeStore();

    @BeforeEach
    void setUp() throws IOException {
        a.start();
        b.start();
        store = openStore(dir.resolve("store"));
        // A small memory limit makes every fixture zip go through the spool file.
        settings = new GoMirrorSettings(
                Duration.ofMinutes(5), Duration.ofMinutes(1), dir.resolve("spool"), 16 << 10, 1000);
        mirror = mirror(a.baseUrl());
    }

    @AfterEach
    void tearDown() {
        a.stop();
        b.stop();
        closeStore();
    }

    CachingGoModuleMirror mirror(String goproxy) {
        return new CachingGoModuleMirror(
                store,
                new HttpGoProxyClient(GoProxyList.parse(goproxy), TIMEOUTS, UpstreamEvents.NONE),
                settings,
                clock);
    }

    // ---- helpers ----

    GoAnswer answer(String path) {
        return mirror.answer(ProxyRequest.parse(path));
    }

    static byte[] fixture(String rel) throws IOException {
        return Files.readAllBytes(PROXY.resolve(rel));
    }

    static void serve(WireMockServer server, String rel) throws IOException {
        server.stubFor(get(urlEqualTo("/" + rel))
                .willReturn(aResponse().withStatus(200).withBody(fixture(rel))));
    }

    static void serve(WireMockServer server, String rel, ResponseDefinitionBuilder response) {
        server.stubFor(get(urlEqualTo("/" + rel)).willReturn(response));
    }

    static byte[] body(GoAnswer answer) throws IOException {
        GoAnswer.Content content = assertInstanceOf(GoAnswer.Content.class, answer);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        content.body().writeTo(out);
        if (content.body().length() >= 0) {
            assertEquals(content.body().length(), out.size(), "length() must be exact");
        }
        return out.toByteArray();
    }

    static String text(GoAnswer answer) throws IOException {
        return new String(body(answer), StandardCharsets.UTF_8);
    }

    Optional<StoredObject> stored(String file) {
        int at = file.indexOf("/@v/");
        String version = file.substring(at + 4, file.lastIndexOf('.'));
        String ext = file.substring(file.lastIndexOf('.') + 1);
        return store.resolve(
                GoStoreNames.file(ModulePath.unescape(file.substring(0, at)), Version.parseCanonical(version), ext));
    }

    byte[] storedBytes(String file) throws IOException {
        StoredObject o = stored(file).orElseThrow();
        try (var in = store.read(o.digest(), 0, o.size())) {
            return in.readAllBytes();
        }
    }

    void assertNothingStored(String file) {
        assertTrue(stored(file).isEmpty(), file + " must not be stored");
    }

    /** The answer to a request that went wrong: Unavailable, or a streamed Content whose writeTo throws. */
    static void assertFailsForTheClient(GoAnswer answer) {
        if (answer instanceof GoAnswer.Content content) {
            assertThrows(
                    IOException.class,
                    () -> content.body().writeTo(new ByteArrayOutputStream()),
                    "a body that cannot be stored must abort the response");
        } else {
            assertInstanceOf(GoAnswer.Unavailable.class, answer);
        }
    }

    // ---- immutable files ----

    @Test
    void zipMissIsStreamedCheckedStoredThenServedFromTheStore() throws IOException {
        String zip = TOML + "/@v/v1.2.0.zip";
        serve(a, zip);
        GoAnswer first = answer("/" + zip);
        GoAnswer.Content miss = assertInstanceOf(GoAnswer.Content.class, first);
        assertEquals(CacheOutcome.MISS, miss.outcome());
        assertEquals(Freshness.IMMUTABLE, miss.freshness());
        assertEquals("application/zip", miss.contentType());
        assertArrayEquals(fixture(zip), body(first));
        // The response completed, so the object is stored.
        assertArrayEquals(fixture(zip), storedBytes(zip));

        GoAnswer second = answer("/" + zip);
        GoAnswer.Content hit = assertInstanceOf(GoAnswer.Content.class, second);
        assertEquals(CacheOutcome.HIT, hit.outcome());
        assertEquals(stored(zip).orElseThrow().digest().hex(), hit.etag());
        assertEquals(fixture(zip).length, hit.body().length(), "HEAD needs the exact length without reading");
        assertArrayEquals(fixture(zip), body(second));
        a.verify(1, getRequestedFor(urlEqualTo("/" + zip)));
    }

    /** A mirror that holds a zip miss back until its download is checked, as ferry serves (Ferry.ZIP_HOLD_BACK). */
    void holdZipsBack() {
        settings = settings.withZipHoldBack(Duration.ofSeconds(30));
        mirror = mirror(a.baseUrl());
    }

    @Test
    void zipHeldBackUntilCheckedIsAnsweredByteForByteWithItsDigestAndStoredWhenTheResponseEnds() throws Exception {
        holdZipsBack();
        String zip = TOML + "/@v/v1.2.0.zip";
        serve(a, zip);
        GoAnswer.Content miss = assertInstanceOf(GoAnswer.Content.class, answer("/" + zip));
        assertEquals(CacheOutcome.MISS, miss.outcome());
        assertEquals(fixture(zip).length, miss.body().length());
        String digest = java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(fixture(zip)));
        assertEquals(digest, miss.etag(), "checked before it is answered, so its digest is its validator");
        assertArrayEquals(fixture(zip), body(miss));
        assertArrayEquals(fixture(zip), storedBytes(zip), "the response ended, so the zip is stored");
        assertEquals(digest, stored(zip).orElseThrow().digest().hex());
        a.verify(1, getRequestedFor(urlEqualTo("/" + zip)));
    }

    @Test
    void zipRefusedWhileHeldBackIsAnAnswerWithItsReasonAndNothingIsStored() throws IOException {
        holdZipsBack();
        String zip = TOML + "/@v/v1.2.0.zip";
        byte[] tampered = fixture(zip);
        tampered[30] = 'x'; // the first entry's name: another module's file
        serve(a, zip, aResponse().withStatus(200).withBody(tampered));
        GoAnswer.Unavailable refused = assertInstanceOf(GoAnswer.Unavailable.class, answer("/" + zip));
        assertTrue(refused.badGateway());
        assertTrue(refused.reason().contains("github.com/BurntSushi/toml@v1.2.0.zip"), refused.reason());
        assertNothingStored(zip);
    }

    @Test
    void aClientGoneMidZipLeavesTheWholeZipStoredAndNothingPartial() throws Exception {
        String zip = TOML + "/@v/v1.2.0.zip";
        String name = GoStoreNames.file(TOML_PATH, Version.parseCanonical("v1.2.0"), "zip");
        serve(a, zip);
        for (boolean heldBack : new boolean[] {false, true}) {
            if (heldBack) {
                store.update(batch -> batch.deleteName(name));
                holdZipsBack();
            }
            GoAnswer.Content miss = assertInstanceOf(GoAnswer.Content.class, answer("/" + zip));
            assertEquals(CacheOutcome.MISS, miss.outcome());
            java.io.OutputStream gone = new java.io.OutputStream() {
                long written;

                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    written += len;
                    if (written > 1000) {
                        throw new IOException("client went away");
                    }
                }
            };
            assertThrows(IOException.class, () -> miss.body().writeTo(gone));
            mirror.awaitFetch(name);
            assertArrayEquals(fixture(zip), storedBytes(zip), "held back: " + heldBack);
        }
        a.verify(2, getRequestedFor(urlEqualTo("/" + zip)));
    }

    @Test
    void infoAndModAreCheckedStoredAndThenHits() throws IOException {
        for (String file : List.of(TOML + "/@v/v1.2.0.info", TOML + "/@v/v1.2.0.mod")) {
            serve(a, file);
            GoAnswer.Content miss = assertInstanceOf(GoAnswer.Content.class, answer("/" + file));
            assertEquals(CacheOutcome.MISS, miss.outcome());
            assertEquals(stored(file).orElseThrow().digest().hex(), miss.etag());
            assertArrayEquals(fixture(file), body(miss));
            GoAnswer.Content hit = assertInstanceOf(GoAnswer.Content.class, answer("/" + file));
            assertEquals(CacheOutcome.HIT, hit.outcome());
            assertEquals(file.endsWith(".info") ? "application/json" : "text/plain; charset=utf-8", hit.contentType());
            a.verify(1, getRequestedFor(urlEqualTo("/" + file)));
        }
        String record = new String(
                store.meta(GoStoreNames.versionRecord(TOML_PATH, Version.parseCanonical("v1.2.0")))
                        .orElseThrow(),
                StandardCharsets.UTF_8);
        assertTrue(record.startsWith("info ") && record.contains("\nmod "), record);
    }

    @Test
    void modMissFetchesItsInfoTooWhichIsThenAHit() throws Exception {
        String mod = TOML + "/@v/v1.2.0.mod";
        String info = TOML + "/@v/v1.2.0.info";
        serve(a, mod);
        serve(a, info);
        assertArrayEquals(fixture(mod), body(answer("/" + mod)));
        // Started before the .mod was answered; waited for here if it still runs.
        mirror.awaitFetch(GoStoreNames.file(TOML_PATH, Version.parseCanonical("v1.2.0"), "info"))
                .ifPresent(o -> assertInstanceOf(DownloadOutcome.Stored.class, o));
        assertArrayEquals(fixture(info), storedBytes(info));

        GoAnswer.Content hit = assertInstanceOf(GoAnswer.Content.class, answer("/" + info));
        assertEquals(CacheOutcome.HIT, hit.outcome());
        assertArrayEquals(fixture(info), body(hit));
        a.verify(1, getRequestedFor(urlEqualTo("/" + info)));
        a.verify(1, getRequestedFor(urlEqualTo("/" + mod)));
    }

    @Test
    void infoFetchedWithItsModIsCheckedBeforeItIsStored() throws Exception {
        String mod = TOML + "/@v/v1.2.0.mod";
        String info = TOML + "/@v/v1.2.0.info";
        serve(a, mod);
        serve(
                a,
                info,
                aResponse().withStatus(200).withBody("{\"Version\":\"v1.1.1\",\"Time\":\"2022-11-30T02:42:47Z\"}"));
        assertArrayEquals(fixture(mod), body(answer("/" + mod)));
        mirror.awaitFetch(GoStoreNames.file(TOML_PATH, Version.parseCanonical("v1.2.0"), "info"))
                .ifPresent(o -> assertInstanceOf(DownloadOutcome.Failed.class, o));
        assertNothingStored(info);
        // The client asking for it is refused with the reason, as for its own miss.
        GoAnswer.Unavailable refused = assertInstanceOf(GoAnswer.Unavailable.class, answer("/" + info));
        assertTrue(refused.reason().contains("v1.1.1"), refused.reason());
        assertNothingStored(info);
    }

    @Test
    void privateModulesModFetchesNoInfo() throws Exception {
        mirror = new CachingGoModuleMirror(
                store,
                new HttpGoProxyClient(GoProxyList.parse(a.baseUrl()), TIMEOUTS, UpstreamEvents.NONE),
                settings,
                clock,
                ModuleChecksums.NONE,
                module -> true);
        String mod = TOML + "/@v/v1.2.0.mod";
        serve(a, mod);
        serve(a, TOML + "/@v/v1.2.0.info");
        assertArrayEquals(fixture(mod), body(answer("/" + mod)));
        assertTrue(mirror.awaitFetch(GoStoreNames.file(TOML_PATH, Version.parseCanonical("v1.2.0"), "info"))
                .isEmpty());
        a.verify(0, getRequestedFor(urlEqualTo("/" + TOML + "/@v/v1.2.0.info")));
    }

    @Test
    void modNotFoundFetchesNoInfo() {
        String mod = TOML + "/@v/v1.9.9.mod";
        assertInstanceOf(GoAnswer.NotFound.class, answer("/" + mod));
        a.verify(0, getRequestedFor(urlEqualTo("/" + TOML + "/@v/v1.9.9.info")));
    }

    @Test
    void concurrentMissesMakeOneUpstreamFetch() throws Exception {
        String zip = "golang.org/x/sys/@v/v0.2.0.zip";
        byte[] expected = fixture(zip);
        // Dribbled so that the callers overlap with the download; correctness does not depend on it.
        serve(a, zip, aResponse().withStatus(200).withBody(expected).withChunkedDribbleDelay(20, 1000));
        int callers = 8;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                results.add(pool.submit((Callable<byte[]>) () -> {
                    go.await();
                    return body(answer("/" + zip));
                }));
            }
            go.countDown();
            for (Future<byte[]> f : results) {
                assertArrayEquals(expected, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        a.verify(1, getRequestedFor(urlEqualTo("/" + zip)));
        assertArrayEquals(expected, storedBytes(zip));
    }

    @Test
    void zipWithAForeignEntryIsRejectedAndNothingStored() throws IOException {
        String zip = TOML + "/@v/v1.2.0.zip";
        ByteArrayOutputStream crafted = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(crafted)) {
            out.putNextEntry(new ZipEntry("github.com/BurntSushi/toml@v1.2.0/go.mod"));
            out.write("module github.com/BurntSushi/toml\n".getBytes(StandardCharsets.UTF_8));
            out.putNextEntry(new ZipEntry("evil.example/x@v1.0.0/evil.go"));
            out.write("package x\n".getBytes(StandardCharsets.UTF_8));
        }
        serve(a, zip, aResponse().withStatus(200).withBody(crafted.toByteArray()));
        assertFailsForTheClient(answer("/" + zip));
        assertNothingStored(zip);
        // Not remembered as missing, but a zip that is not the module's is a lie: the upstream is quarantined. It is
        // the only one, so it is still asked as the last resort, and its lie is refused again.
        GoAnswer again = answer("/" + zip);
        assertFailsForTheClient(again);
        assertNothingStored(zip);
        a.verify(2, getRequestedFor(urlEqualTo("/" + zip)));
    }

    @Test
    void tamperedZipIsRejected() throws IOException {
        String zip = TOML + "/@v/v1.2.0.zip";
        byte[] tampered = fixture(zip);
        // The first entry's name starts at byte 30 of the local header: make it another module's file.
        assertEquals('g', tampered[30]);
        tampered[30] = 'x';
        serve(a, zip, aResponse().withStatus(200).withBody(tampered));
        assertFailsForTheClient(answer("/" + zip));
        assertNothingStored(zip);
    }

    @Test
    void rejectedContentNamesModuleVersionAndReason() throws IOException {
        String info = TOML + "/@v/v1.2.0.info";
        serve(
                a,
                info,
                aResponse().withStatus(200).withBody("{\"Version\":\"v1.1.2\",\"Time\":\"2022-11-30T02:42:47Z\"}"));
        GoAnswer.Unavailable bad = assertInstanceOf(GoAnswer.Unavailable.class, answer("/" + info));
        assertTrue(bad.badGateway());
        assertTrue(
                bad.reason().contains("github.com/BurntSushi/toml@v1.2.0")
                        && bad.reason().contains("v1.1.2"),
                bad.reason());
        assertNothingStored(info);

        String mod = TOML + "/@v/v1.2.0.mod";
        serve(a, mod, aResponse().withStatus(200).withBody("module evil.example/toml\n"));
        GoAnswer.Unavailable badMod = assertInstanceOf(GoAnswer.Unavailable.class, answer("/" + mod));
        assertTrue(badMod.badGateway());
        assertTrue(badMod.reason().contains("evil.example/toml"), badMod.reason());
        assertNothingStored(mod);

        serve(a, info, aResponse().withStatus(200).withBody("not json"));
        assertInstanceOf(GoAnswer.Unavailable.class, answer("/" + info));
        assertNothingStored(info);
    }

    @Test
    void rejectedContentMovesToTheNextUpstreamAfterPipe() throws IOException {
        String mod = TOML + "/@v/v1.2.0.mod";
        serve(a, mod, aResponse().withStatus(200).withBody("module evil.example/toml\n"));
        serve(b, mod);
        mirror = mirror(a.baseUrl() + "|" + b.baseUrl());
        assertArrayEquals(fixture(mod), body(answer("/" + mod)));
        assertArrayEquals(fixture(mod), storedBytes(mod));
    }

    @Test
    void truncatedZipIsNotStored() throws IOException {
        String zip = TOML + "/@v/v1.2.0.zip";
        byte[] bytes = fixture(zip);
        serve(
                a,
                zip,
                aResponse()
                        .withStatus(200)
                        .withHeader("Content-Length", String.valueOf(bytes.length + 1000))
                        .withBody(bytes));
        assertFailsForTheClient(answer("/" + zip));
        assertNothingStored(zip);
    }

    @Test
    void serverErrorStormIsUnavailableAndStoresNothing() throws IOException {
        String zip = TOML + "/@v/v1.2.0.zip";
        serve(a, zip, aResponse().withStatus(503).withBody("overloaded"));
        serve(b, zip, aResponse().withStatus(502));
        mirror = mirror(a.baseUrl() + "|" + b.baseUrl());
        for (int i = 0; i < 3; i++) {
            GoAnswer.Unavailable down = assertInstanceOf(GoAnswer.Unavailable.class, answer("/" + zip));
            assertFalse(down.badGateway());
            assertTrue(down.reason().contains("503"), down.reason());
        }
        assertNothingStored(zip);
        a.verify(3, getRequestedFor(urlEqualTo("/" + zip)));
    }

    @Test
    void storedVersionIsNeverReplaced() throws IOException {
        String info = TOML + "/@v/v1.2.0.info";
        serve(a, info);
        body(answer("/" + info));
        serve(
                a,
                info,
                aResponse().withStatus(200).withBody("{\"Version\":\"v1.2.0\",\"Time\":\"2030-01-01T00:00:00Z\"}"));
        clock.advance(Duration.ofDays(400));
        assertArrayEquals(fixture(info), body(answer("/" + info)));
        assertArrayEquals(fixture(info), storedBytes(info));
        a.verify(1, getRequestedFor(urlEqualTo("/" + info)));
    }

    @Test
    void notFoundIsRememberedForTheTtl() throws IOException {
        String zip = TOML + "/@v/v1.9.9.zip";
        serve(
                a,
                zip,
                aResponse().withStatus(404).withBody("not found: github.com/BurntSushi/toml@v1.9.9: invalid version"));
        GoAnswer.NotFound first = assertInstanceOf(GoAnswer.NotFound.class, answer("/" + zip));
        assertEquals(CacheOutcome.MISS, first.outcome());
        assertFalse(first.gone());
        assertTrue(first.reason().contains("invalid version"), first.reason());
        GoAnswer.NotFound second = assertInstanceOf(GoAnswer.NotFound.class, answer("/" + zip));
        assertEquals(CacheOutcome.NEGATIVE_HIT, second.outcome());
        assertEquals(first.reason(), second.reason());
        a.verify(1, getRequestedFor(urlEqualTo("/" + zip)));

        clock.advance(settings.notFoundTtl().plusSeconds(1));
        assertEquals(
                CacheOutcome.MISS,
                assertInstanceOf(GoAnswer.NotFound.class, answer("/" + zip)).outcome());
        a.verify(2, getRequestedFor(urlEqualTo("/" + zip)));
        assertNothingStored(zip);
    }

    @Test
    void goneIsReportedAsGone() {
        String info = TOML + "/@v/v0.0.1.info";
        serve(a, info, aResponse().withStatus(410).withBody("gone"));
        GoAnswer.NotFound gone = assertInstanceOf(GoAnswer.NotFound.class, answer("/" + info));
        assertTrue(gone.gone());
        assertEquals("gone", gone.reason());
    }

    // ---- list and @latest ----

    @Test
    void listIsFreshUntilTheTtlThenRefreshedAndStaleWhenUpstreamsFail() throws IOException {
        String list = TOML + "/@v/list";
        serve(a, list);
        GoAnswer.Content miss = assertInstanceOf(GoAnswer.Content.class, answer("/" + list));
        assertEquals(CacheOutcome.MISS, miss.outcome());
        assertEquals(Freshness.FRESH, miss.freshness());
        assertEquals("v1.1.1\nv1.1.2\nv1.2.0\n", text(miss));

        clock.advance(settings.listTtl().minusSeconds(1));
        GoAnswer.Content hit = assertInstanceOf(GoAnswer.Content.class, answer("/" + list));
        assertEquals(CacheOutcome.HIT, hit.outcome());
        assertEquals(miss.etag(), hit.etag());
        a.verify(1, getRequestedFor(urlEqualTo("/" + list)));

        clock.advance(Duration.ofSeconds(2));
        serve(a, list, aResponse().withStatus(200).withBody("v1.1.1\nv1.1.2\nv1.2.0\nv1.3.0\n"));
        GoAnswer.Content refreshed = assertInstanceOf(GoAnswer.Content.class, answer("/" + list));
        assertEquals(CacheOutcome.MISS, refreshed.outcome());
        assertEquals("v1.1.1\nv1.1.2\nv1.2.0\nv1.3.0\n", text(refreshed));
        a.verify(2, getRequestedFor(urlEqualTo("/" + list)));

        clock.advance(settings.listTtl().plusSeconds(1));
        serve(a, list, aResponse().withStatus(503));
        GoAnswer.Content stale = assertInstanceOf(GoAnswer.Content.class, answer("/" + list));
        assertEquals(CacheOutcome.STALE, stale.outcome());
        assertEquals(Freshness.STALE, stale.freshness());
        assertEquals("v1.1.1\nv1.1.2\nv1.2.0\nv1.3.0\n", text(stale));
    }

    @Test
    void concurrentListMissesMakeOneUpstreamFetch() throws Exception {
        String list = TOML + "/@v/list";
        serve(a, list, aResponse().withStatus(200).withBody(fixture(list)).withFixedDelay(300));
        int callers = 6;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                results.add(pool.submit((Callable<String>) () -> {
                    go.await();
                    return text(answer("/" + list));
                }));
            }
            go.countDown();
            for (Future<String> f : results) {
                assertEquals("v1.1.1\nv1.1.2\nv1.2.0\n", f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        a.verify(1, getRequestedFor(urlEqualTo("/" + list)));
    }

    @Test
    void listWithoutAnyCopyIsUnavailableWhenUpstreamsFail() {
        serve(a, TOML + "/@v/list", aResponse().withStatus(500));
        GoAnswer.Unavailable down = assertInstanceOf(GoAnswer.Unavailable.class, answer("/" + TOML + "/@v/list"));
        assertFalse(down.badGateway());
    }

    @Test
    void listIsNormalisedAndIncludesStoredVersions() throws IOException {
        serve(a, TOML + "/@v/v1.2.0.info");
        body(answer("/" + TOML + "/@v/v1.2.0.info"));
        serve(
                a,
                TOML + "/@v/list",
                aResponse()
                        .withStatus(200)
                        .withBody(
                                "v1.1.1\nnot-a-version\nv1.0\nv1.1.2 extra fields\n\nv1.1.3-0.20220101000000-abcdefabcdef\nv1.1.1\n"));
        assertEquals("v1.1.1\nv1.1.2\nv1.2.0\n", text(answer("/" + TOML + "/@v/list")));
    }

    @Test
    void listNotFoundUpstreamIsAnsweredFromStoredVersions() throws IOException {
        serve(a, TOML + "/@v/v1.2.0.info");
        serve(a, TOML + "/@v/v1.1.1.mod");
        body(answer("/" + TOML + "/@v/v1.2.0.info"));
        body(answer("/" + TOML + "/@v/v1.1.1.mod"));
        serve(a, TOML + "/@v/list", aResponse().withStatus(404).withBody("gone from upstream"));
        assertEquals("v1.1.1\nv1.2.0\n", text(answer("/" + TOML + "/@v/list")));
        serve(a, TOML + "/@latest", aResponse().withStatus(404));
        assertArrayEquals(fixture(TOML + "/@v/v1.2.0.info"), body(answer("/" + TOML + "/@latest")));
    }

    @Test
    void latestIsCheckedAndCached() throws IOException {
        String latest = "gopkg.in/check.v1/@latest";
        serve(a, latest);
        GoAnswer.Content miss = assertInstanceOf(GoAnswer.Content.class, answer("/" + latest));
        assertEquals("application/json", miss.contentType());
        assertArrayEquals(fixture(latest), body(miss));
        assertEquals(
                CacheOutcome.HIT,
                assertInstanceOf(GoAnswer.Content.class, answer("/" + latest)).outcome());
        a.verify(1, getRequestedFor(urlEqualTo("/" + latest)));

        clock.advance(settings.listTtl().plusSeconds(1));
        serve(a, latest, aResponse().withStatus(200).withBody("{\"Version\":\"master\"}"));
        GoAnswer.Content stale = assertInstanceOf(GoAnswer.Content.class, answer("/" + latest));
        assertEquals(CacheOutcome.STALE, stale.outcome(), "a bad refresh keeps the last good answer");
        assertArrayEquals(fixture(latest), body(stale));
    }

    @Test
    void latestOfAnotherMajorIsRejected() {
        String latest = "github.com/!masterminds/semver/v3/@latest";
        serve(
                a,
                latest,
                aResponse().withStatus(200).withBody("{\"Version\":\"v1.5.0\",\"Time\":\"2022-11-30T02:42:47Z\"}"));
        GoAnswer.Unavailable bad = assertInstanceOf(GoAnswer.Unavailable.class, answer("/" + latest));
        assertTrue(bad.badGateway());
        assertTrue(store.meta(GoStoreNames.latest(ModulePath.parse("github.com/Masterminds/semver/v3")))
                .isEmpty());
    }

    @Test
    void offAnswersFromTheStoreOnly() throws IOException {
        for (String file : List.of(TOML + "/@v/v1.1.1.info", TOML + "/@v/v1.2.0.info", TOML + "/@v/v1.2.0.mod")) {
            serve(a, file);
            body(answer("/" + file));
        }
        mirror = mirror("off");
        assertEquals("v1.1.1\nv1.2.0\n", text(answer("/" + TOML + "/@v/list")));
        assertArrayEquals(fixture(TOML + "/@v/v1.2.0.info"), body(answer("/" + TOML + "/@latest")));
        assertArrayEquals(fixture(TOML + "/@v/v1.2.0.mod"), body(answer("/" + TOML + "/@v/v1.2.0.mod")));
        assertInstanceOf(GoAnswer.NotFound.class, answer("/" + TOML + "/@v/v1.2.0.zip"));
        assertInstanceOf(GoAnswer.NotFound.class, answer("/golang.org/x/text/@v/list"));
    }

    @Test
    void versionQueryIsCheckedAndRefreshedLikeLatest() throws IOException {
        // ProxyRequest.parse refuses non-canonical versions today; the mirror answers such a request anyway.
        ProxyRequest request = new ProxyRequest.Info(TOML_PATH, Version.parse("v1.2"));
        String query = TOML + "/@v/v1.2.info";
        assertEquals(query, request.upstreamPath());
        serve(a, query, aResponse().withStatus(200).withBody(fixture(TOML + "/@v/v1.2.0.info")));
        GoAnswer.Content miss = assertInstanceOf(GoAnswer.Content.class, mirror.answer(request));
        assertEquals(Freshness.FRESH, miss.freshness());
        assertArrayEquals(fixture(TOML + "/@v/v1.2.0.info"), body(miss));
        assertEquals(
                CacheOutcome.HIT,
                assertInstanceOf(GoAnswer.Content.class, mirror.answer(request)).outcome());
        a.verify(1, getRequestedFor(urlEqualTo("/" + query)));
        assertTrue(stored(TOML + "/@v/v1.2.0.info").isEmpty(), "a query answer is not a stored version");
    }

    @Test
    void zipBrokenMidwayFromOneUpstreamIsStoredFromTheNext() throws Exception {
        String zip = TOML + "/@v/v1.2.0.zip";
        byte[] bytes = fixture(zip);
        serve(
                a,
                zip,
                aResponse()
                        .withStatus(200)
                        .withHeader("Content-Length", String.valueOf(bytes.length + 1))
                        .withBody(bytes));
        serve(b, zip);
        mirror = mirror(a.baseUrl() + "|" + b.baseUrl());
        GoAnswer first = answer("/" + zip);
        // The first client may have been following the broken attempt: it gets the whole right bytes or an
        // abort, never a response that completes with other bytes.
        if (first instanceof GoAnswer.Content content) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                content.body().writeTo(out);
                assertArrayEquals(bytes, out.toByteArray());
            } catch (IOException expected) {
                // aborted
            }
        }
        assertArrayEquals(bytes, storedBytes(zip));
        assertEquals(
                CacheOutcome.HIT,
                assertInstanceOf(GoAnswer.Content.class, answer("/" + zip)).outcome());
        // First asked to continue with a Range request; its whole body has another length than a declared (a
        // lied), so the splice is refused and b is asked again from the start.
        b.verify(
                1,
                getRequestedFor(urlEqualTo("/" + zip))
                        .withHeader("Range", com.github.tomakehurst.wiremock.client.WireMock.matching("bytes=\\d+-")));
        b.verify(2, getRequestedFor(urlEqualTo("/" + zip)));
    }

    @Test
    void caseEncodedAndIncompatibleVersionsRoundTrip() throws IOException {
        String zip = "github.com/dgrijalva/jwt-go/@v/v3.2.0+incompatible.zip";
        serve(a, zip);
        assertArrayEquals(fixture(zip), body(answer("/" + zip)));
        assertArrayEquals(fixture(zip), storedBytes(zip));
        String mod = "github.com/!masterminds/semver/v3/@v/v3.2.0.mod";
        serve(a, mod);
        assertArrayEquals(fixture(mod), body(answer("/" + mod)));
    }
}
