package dev.ferry.mirror.sumdb;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ferry.mirror.go.CachingGoModuleMirror;
import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.go.GoMirrorSettings;
import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.modzip.ModuleZip;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.LookupPath;
import dev.ferry.protocols.sumdb.SumdbConfig;
import dev.ferry.protocols.sumdb.dirhash.Hash1;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.protocols.sumdb.tlog.Tile;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.testing.LoopbackWireMock;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.goproxy.HttpGoProxyClient;
import dev.ferry.upstreams.pool.UpstreamEvents;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mirror refuses what the checksum database does not vouch for: a small fake log served by WireMock (as an
 * upstream proxy's /sumdb/) that tells the truth, or lies in one chosen way per test.
 */
class ChecksumVerificationTest {
    static final Path PROXY = Path.of(System.getProperty("ferry.fixtures", "../../shared/fixtures"))
            .resolve("gocorpus/proxy");
    static final String EWMA = "github.com/!vivid!cortex/ewma/@v/v1.1.1";
    static final ModulePath EWMA_PATH = ModulePath.parse("github.com/VividCortex/ewma");
    static final Version V111 = Version.parseCanonical("v1.1.1");
    static final UpstreamTimeouts TIMEOUTS =
            new UpstreamTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2));

    @TempDir
    Path dir;

    final WireMockServer up = LoopbackWireMock.withLengths();
    final Signer signer = Signer.generate("sum.test.example");
    final FakeSumdb log = new FakeSumdb(signer);
    final Map<SumdbEvents.Result, AtomicInteger> results = new EnumMap<>(SumdbEvents.Result.class);
    final AtomicInteger sumdbRequests = new AtomicInteger();
    final SumdbEvents events = new SumdbEvents() {
        @Override
        public void verification(Result result) {
            results.computeIfAbsent(result, r -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public void request(RequestKind kind) {
            sumdbRequests.incrementAndGet();
            Runnable hook = onRequest;
            if (hook != null) {
                hook.run();
            }
        }
    };
    /** Runs on the asking thread before each request to the database, when a test sets it. */
    volatile Runnable onRequest;

    ContentStore store;
    ChecksumDatabase db;
    CachingGoModuleMirror mirror;
    String zipHash;
    String modHash;

    @BeforeEach
    void setUp() throws IOException {
        up.start();
        store = RocksContentStore.open(dir.resolve("store"), StoreOptions.defaults());
        for (String ext : new String[] {"info", "mod", "zip"}) {
            serveFile(EWMA + "." + ext, fixture(EWMA + "." + ext));
        }
        zipHash = Hash1.ofZip(ModuleZip.check(new ByteArrayInputStream(fixture(EWMA + ".zip")), EWMA_PATH, V111));
        modHash = Hash1.ofGoMod(fixture(EWMA + ".mod"));
        build(PrivatePatterns.none());
    }

    /** Failures charged to the module proxy (what its circuit breaker counts). */
    final java.util.List<String> proxyFailures = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** How long a zip miss waits for its check (ferry: Ferry.ZIP_HOLD_BACK); none here unless a test sets it. */
    Duration zipHoldBack = Duration.ZERO;

    void build(PrivatePatterns privates) {
        HttpGoProxyClient proxies =
                new HttpGoProxyClient(GoProxyList.parse(up.baseUrl()), TIMEOUTS, new UpstreamEvents() {
                    @Override
                    public void failure(String upstream, String kind, String detail) {
                        proxyFailures.add(kind + ": " + detail);
                    }
                });
        HttpGoProxyClient direct =
                new HttpGoProxyClient(GoProxyList.parse("http://127.0.0.1:9"), TIMEOUTS, UpstreamEvents.NONE);
        SumdbConfig.Database config = (SumdbConfig.Database) SumdbConfig.parse(log.key());
        db = new ChecksumDatabase(
                config,
                new SumdbStore(store, config.name()),
                new SumdbSource(config.name(), proxies, direct, events),
                Clock.systemUTC());
        GoMirrorSettings settings = new GoMirrorSettings(
                        Duration.ofMinutes(5), Duration.ofMinutes(1), dir.resolve("spool"), 16 << 10, 100)
                .withZipHoldBack(zipHoldBack);
        mirror = new CachingGoModuleMirror(
                store, proxies, settings, Clock.systemUTC(), new SumdbChecksums(db, privates, events));
    }

    @AfterEach
    void tearDown() {
        up.stop();
        store.close();
    }

    @Test
    void aVerifiedVersionIsStoredWithItsHashesAndWhatVerifiedItIsKept() throws IOException {
        log.addFiller(3);
        log.add(EWMA_PATH.value(), "v1.1.1", zipHash, modHash);
        log.serve(up, signer);

        assertArrayEquals(fixture(EWMA + ".mod"), body(answer(EWMA + ".mod")));
        assertArrayEquals(fixture(EWMA + ".zip"), body(answer(EWMA + ".zip")));
        assertEquals(2, count(SumdbEvents.Result.OK));
        assertEquals(2, sumdbRequests.get(), "one lookup and one tile for the version, shared by .mod and .zip");
        String record = new String(
                store.meta(GoStoreNames.versionRecord(EWMA_PATH, V111)).orElseThrow(), StandardCharsets.UTF_8);
        assertTrue(record.contains(zipHash) && record.contains(modHash), record);
        assertEquals(4, db.trusted().orElseThrow().size());

        // With the database gone, clients behind ferry still get the lookup and the tile that verified it.
        up.resetAll();
        SumdbMirror served = new SumdbMirror(db, PrivatePatterns.none(), Duration.ofMinutes(5), Clock.systemUTC());
        byte[] lookup = body(served.answer(new SumdbRequest.LookupRequest(new LookupPath(EWMA_PATH, V111))));
        assertArrayEquals(log.lookup(3, 4, signer), lookup);
        assertArrayEquals(log.tile(4), body(served.answer(new SumdbRequest.TileRequest(new Tile(8, 0, 0, 4)))));
        assertInstanceOf(GoAnswer.Content.class, served.answer(new SumdbRequest.Supported()));
    }

    /**
     * The go command's own lookup and ferry's check of the zip it asked for arrive together: the second caller comes
     * while the first is verifying (fetching a tile) after its lookup fetch ended, and must not fetch the lookup again
     * (as ClusterIT once saw on one node).
     */
    @Test
    void aLookupAskedWhileAnotherIsBeingVerifiedIsFetchedOnce() throws Exception {
        log.addFiller(3);
        log.add(EWMA_PATH.value(), "v1.1.1", zipHash, modHash);
        log.serve(up, signer);
        // the first caller's tile request, after its lookup was fetched
        SecondCaller second = secondCallerAt(2, () -> db.lookup(EWMA_PATH, Version.parseCanonical("v1.1.1")));

        ChecksumDatabase.Answer one = db.lookup(EWMA_PATH, V111);

        assertEquals(2, sumdbRequests.get(), "one lookup and one tile for both callers");
        assertArrayEquals(
                assertInstanceOf(ChecksumDatabase.Answer.Known.class, one).body(),
                assertInstanceOf(ChecksumDatabase.Answer.Known.class, second.answer())
                        .body());
    }

    /** As for lookups: a stale tree head asked for by two clients together is fetched and checked once. */
    @Test
    void aTreeHeadAskedWhileAnotherIsBeingCheckedIsFetchedOnce() throws Exception {
        log.addFiller(3);
        log.add(EWMA_PATH.value(), "v1.1.1", zipHash, modHash);
        log.serve(up, signer);
        assertInstanceOf(ChecksumDatabase.Answer.Known.class, db.lookup(EWMA_PATH, V111));
        assertEquals(2, sumdbRequests.get(), "trusted: a tree of 4");
        log.addFiller(2);
        log.serve(up, signer); // a tree of 6, whose check against the trusted 4 needs a tile
        SecondCaller second = secondCallerAt(4, db::latest); // the first caller's tile request, after its latest

        ChecksumDatabase.Answer one = db.latest();

        assertEquals(4, sumdbRequests.get(), "one latest and one tile for both callers");
        assertArrayEquals(
                assertInstanceOf(ChecksumDatabase.Answer.Known.class, one).body(),
                assertInstanceOf(ChecksumDatabase.Answer.Known.class, second.answer())
                        .body());
        assertEquals(6, db.trusted().orElseThrow().size());
    }

    /** A caller started while the first one was held in its request to the database, and what it was answered. */
    record SecondCaller(
            java.util.concurrent.CompletableFuture<ChecksumDatabase.Answer> future,
            java.util.concurrent.atomic.AtomicReference<Thread> thread) {
        ChecksumDatabase.Answer answer() throws Exception {
            assertTrue(thread.get() != null, "the second caller came while the first was at its request");
            return future.get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /**
     * When this thread (the first caller) starts its request number {@code at} to the database, starts {@code call}
     * on a second thread and holds the first until the second has asked the database too or waits on another
     * caller's answer.
     */
    SecondCaller secondCallerAt(int at, java.util.concurrent.Callable<ChecksumDatabase.Answer> call) {
        SecondCaller second = new SecondCaller(
                new java.util.concurrent.CompletableFuture<>(), new java.util.concurrent.atomic.AtomicReference<>());
        Thread first = Thread.currentThread();
        onRequest = () -> {
            if (Thread.currentThread() != first || sumdbRequests.get() != at) {
                return;
            }
            Thread t = new Thread(() -> {
                try {
                    second.future().complete(call.call());
                } catch (Throwable e) {
                    second.future().completeExceptionally(e);
                }
            });
            second.thread().set(t);
            t.start();
            awaitAskingOrJoined(t, at + 1);
        };
        return second;
    }

    /**
     * Waits until {@code t} has asked the database again ({@code requests} reached) or is parked on another caller's
     * answer: the two ways the second lookup can go.
     */
    private void awaitAskingOrJoined(Thread t, int requests) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (sumdbRequests.get() >= requests || !t.isAlive() || waitsOnAFuture(t)) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("the second lookup neither asked nor waited: " + t.getState());
    }

    private static boolean waitsOnAFuture(Thread t) {
        if (t.getState() != Thread.State.WAITING) {
            return false;
        }
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().equals(java.util.concurrent.CompletableFuture.class.getName())
                    && e.getMethodName().equals("join")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aTamperedZipIsRefusedNamingTheModuleAndBothHashes() throws IOException {
        String other = "h1:" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
        log.add(EWMA_PATH.value(), "v1.1.1", other, modHash);
        log.serve(up, signer);

        assertArrayEquals(fixture(EWMA + ".mod"), body(answer(EWMA + ".mod")));
        String why = failure(answer(EWMA + ".zip"));
        assertTrue(
                why.contains("github.com/VividCortex/ewma@v1.1.1") && why.contains(zipHash) && why.contains(other),
                why);
        assertTrue(zipMissing());
        assertEquals(1, count(SumdbEvents.Result.MISMATCH));
    }

    @Test
    void aTamperedZipHeldBackIsRefusedWithAnAnswerNamingBothHashes() throws IOException {
        zipHoldBack = Duration.ofSeconds(30);
        build(PrivatePatterns.none());
        String other = "h1:" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
        log.add(EWMA_PATH.value(), "v1.1.1", other, modHash);
        log.serve(up, signer);

        assertArrayEquals(fixture(EWMA + ".mod"), body(answer(EWMA + ".mod")));
        GoAnswer.Unavailable refused = assertInstanceOf(GoAnswer.Unavailable.class, answer(EWMA + ".zip"));
        assertTrue(refused.badGateway());
        assertTrue(
                refused.reason().contains("github.com/VividCortex/ewma@v1.1.1")
                        && refused.reason().contains(zipHash)
                        && refused.reason().contains(other),
                refused.reason());
        assertTrue(zipMissing());
    }

    @Test
    void aTamperedGoModIsRefused() throws IOException {
        String other = "h1:" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
        log.add(EWMA_PATH.value(), "v1.1.1", zipHash, other);
        log.serve(up, signer);
        String why = failure(answer(EWMA + ".mod"));
        assertTrue(why.contains("ewma@v1.1.1.mod") && why.contains(modHash) && why.contains(other), why);
        assertTrue(store.resolve(GoStoreNames.file(EWMA_PATH, V111, "mod")).isEmpty());
    }

    @Test
    void aLookupSignedByAnotherKeyIsRefused() throws IOException {
        log.add(EWMA_PATH.value(), "v1.1.1", zipHash, modHash);
        log.serve(up, Signer.generate("sum.test.example"));
        GoAnswer.Unavailable u = assertInstanceOf(GoAnswer.Unavailable.class, answer(EWMA + ".mod"));
        assertTrue(u.reason().contains("unknown_key"), u.reason());
        assertTrue(store.resolve(GoStoreNames.file(EWMA_PATH, V111, "mod")).isEmpty());
        assertTrue(db.trusted().isEmpty());
    }

    @Test
    void aForgedSignatureIsASecurityEvent() throws IOException {
        log.add(EWMA_PATH.value(), "v1.1.1", zipHash, modHash);
        log.serve(up, signer);
        // Our key's signature over one tree, attached to another tree's text.
        String good = new String(log.lookup(0, 1, signer), StandardCharsets.UTF_8);
        String forged = good.replace(
                log.tree(1).hash().base64(), java.util.Base64.getEncoder().encodeToString(new byte[32]));
        up.stubFor(get(urlEqualTo("/sumdb/sum.test.example/lookup/github.com/!vivid!cortex/ewma@v1.1.1"))
                .willReturn(aResponse().withStatus(200).withBody(forged)));
        GoAnswer.Unavailable u = assertInstanceOf(GoAnswer.Unavailable.class, answer(EWMA + ".mod"));
        assertTrue(u.reason().contains("SECURITY") && u.reason().contains("bad_signature"), u.reason());
        assertTrue(u.badGateway());
        assertEquals(1, count(SumdbEvents.Result.SECURITY));
        assertTrue(store.resolve(GoStoreNames.file(EWMA_PATH, V111, "mod")).isEmpty());
    }

    @Test
    void aBadInclusionProofIsRefused() throws IOException {
        log.addFiller(2);
        log.add(EWMA_PATH.value(), "v1.1.1", zipHash, modHash);
        log.serve(up, signer);
        byte[] bad = log.tile(3);
        bad[0] ^= 1;
        up.stubFor(get(urlEqualTo("/sumdb/sum.test.example/" + log.tilePath(3)))
                .willReturn(aResponse().withStatus(200).withBody(bad)));
        GoAnswer.Unavailable u = assertInstanceOf(GoAnswer.Unavailable.class, answer(EWMA + ".mod"));
        assertTrue(u.reason().contains("bad_proof"), u.reason());
        assertTrue(store.resolve(GoStoreNames.file(EWMA_PATH, V111, "mod")).isEmpty());
        assertTrue(db.trusted().isEmpty(), "nothing learnt from a failed proof");
    }

    @Test
    void aNewerTreeInconsistentWithTheTrustedOneIsRefusedAndKeptAsEvidence() throws IOException {
        log.addFiller(2);
        log.add(EWMA_PATH.value(), "v1.1.1", zipHash, modHash);
        log.serve(up, signer);
        assertArrayEquals(fixture(EWMA + ".mod"), body(answer(EWMA + ".mod")));
        assertEquals(3, db.trusted().orElseThrow().size());

        // A fork: same key, different history, larger tree, lists another version.
        FakeSumdb fork = new FakeSumdb(signer);
        fork.addFiller(1);
        fork.add("example.com/rewritten", "v1.0.0", zipHash, modHash);
        fork.addFiller(1);
        String v110 = "github.com/!vivid!cortex/ewma/@v/v1.1.0";
        byte[] mod110 = fixture(v110 + ".mod");
        fork.add(EWMA_PATH.value(), "v1.1.0", zipHash, Hash1.ofGoMod(mod110));
        fork.serve(up, signer);
        serveFile(v110 + ".mod", mod110);
        GoAnswer.Unavailable u = assertInstanceOf(GoAnswer.Unavailable.class, answer(v110 + ".mod"));
        assertTrue(u.reason().contains("SECURITY") && u.reason().contains("inconsistent_tree"), u.reason());
        assertEquals(3, db.trusted().orElseThrow().size(), "the trusted tree stays");
        int[] evidence = {0};
        store.scanMeta("sumdb/sum.test.example/evidence/", (k, v) -> ++evidence[0] > 0);
        assertEquals(1, evidence[0]);
    }

    @Test
    void anUnreachableDatabaseMeansNotServedYetExceptWhatIsStored() throws IOException {
        GoAnswer.Unavailable u = assertInstanceOf(GoAnswer.Unavailable.class, answer(EWMA + ".mod"));
        assertFalse(u.badGateway(), "503: try again later");
        assertTrue(u.reason().contains("cannot be verified yet"), u.reason());
        assertEquals(1, count(SumdbEvents.Result.UNREACHABLE));
        assertEquals(
                java.util.List.of(),
                proxyFailures.stream().filter(f -> !f.startsWith("handler")).toList(),
                "the proxy served good bytes: an unreachable database must not count against it");

        log.add(EWMA_PATH.value(), "v1.1.1", zipHash, modHash);
        log.serve(up, signer);
        assertArrayEquals(fixture(EWMA + ".mod"), body(answer(EWMA + ".mod")));
        up.stubFor(get(urlMatching("/sumdb/.*")).willReturn(aResponse().withStatus(503)));
        assertArrayEquals(fixture(EWMA + ".mod"), body(answer(EWMA + ".mod")));
    }

    @Test
    void privateModulesSkipTheDatabaseAndAreHeldToTheirFirstHash() throws IOException {
        build(PrivatePatterns.parse("example.com/nothing, github.com/VividCortex"));
        assertArrayEquals(fixture(EWMA + ".mod"), body(answer(EWMA + ".mod")));
        assertArrayEquals(fixture(EWMA + ".zip"), body(answer(EWMA + ".zip")));
        assertEquals(0, sumdbRequests.get(), "a private module's name must not reach the database");

        // A client has its last byte once the zip is committed, a moment before the finished download is
        // unregistered; a request in that moment joins it (and rightly gets the committed bytes). Let it end, so
        // the request below starts a download of its own.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (mirror.inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.yield();
        }
        assertEquals(0, mirror.inFlight(), "the first download never ended");
        // The stored copy is lost (say, a repair); the upstream now serves different content for the same version.
        store.update(b -> b.deleteName(GoStoreNames.file(EWMA_PATH, V111, "zip")));
        byte[] changed = rewriteOneFile(fixture(EWMA + ".zip"));
        serveFile(EWMA + ".zip", changed);
        String why = failure(answer(EWMA + ".zip"));
        assertTrue(why.contains("ewma@v1.1.1.zip") && why.contains(zipHash), why);
        assertTrue(zipMissing());
    }

    @Test
    void latestIsVerifiedKeptAndServedStaleWhenTheDatabaseIsGone() throws IOException {
        log.addFiller(3);
        log.serve(up, signer);
        SumdbMirror served = new SumdbMirror(db, PrivatePatterns.none(), Duration.ZERO, Clock.systemUTC());
        assertArrayEquals(log.note(3, signer), body(served.answer(new SumdbRequest.Latest())));
        assertEquals(3, db.trusted().orElseThrow().size());

        up.resetAll();
        GoAnswer.Content stale = assertInstanceOf(GoAnswer.Content.class, served.answer(new SumdbRequest.Latest()));
        assertEquals(GoAnswer.Freshness.STALE, stale.freshness());
    }

    @Test
    void aForkedLatestIsRefused() throws IOException {
        log.addFiller(3);
        log.serve(up, signer);
        SumdbMirror served = new SumdbMirror(db, PrivatePatterns.none(), Duration.ZERO, Clock.systemUTC());
        body(served.answer(new SumdbRequest.Latest()));
        FakeSumdb fork = new FakeSumdb(signer);
        fork.add("example.com/other", "v1.0.0", zipHash, modHash);
        fork.addFiller(4);
        fork.serve(up, signer);
        GoAnswer.Unavailable u = assertInstanceOf(GoAnswer.Unavailable.class, served.answer(new SumdbRequest.Latest()));
        assertTrue(u.badGateway() && u.reason().contains("inconsistent_tree"), u.reason());
        assertEquals(3, db.trusted().orElseThrow().size());
    }

    @Test
    void privatePatternsMatchPathPrefixesElementByElement() {
        PrivatePatterns p = PrivatePatterns.parse("*.corp.example,github.com/acme,rsc.io/q?o");
        assertTrue(p.matches(ModulePath.parse("git.corp.example/x/y")));
        assertTrue(p.matches(ModulePath.parse("github.com/acme/tool/v2")));
        assertTrue(p.matches(ModulePath.parse("rsc.io/quo")));
        assertFalse(p.matches(ModulePath.parse("github.com/acmeco/tool")));
        assertFalse(p.matches(ModulePath.parse("corp.example/x")));
        assertFalse(p.matches(ModulePath.parse("github.com/other/acme")));
    }

    // ---- helpers ----

    int count(SumdbEvents.Result r) {
        AtomicInteger n = results.get(r);
        return n == null ? 0 : n.get();
    }

    boolean zipMissing() {
        return store.resolve(GoStoreNames.file(EWMA_PATH, V111, "zip")).isEmpty();
    }

    GoAnswer answer(String file) {
        return mirror.answer(ProxyRequest.parse("/" + file));
    }

    void serveFile(String rel, byte[] bytes) {
        up.stubFor(get(urlEqualTo("/" + rel))
                .willReturn(aResponse().withStatus(200).withBody(bytes)));
    }

    static byte[] fixture(String rel) throws IOException {
        return Files.readAllBytes(PROXY.resolve(rel));
    }

    static byte[] body(GoAnswer answer) throws IOException {
        GoAnswer.Content c = assertInstanceOf(GoAnswer.Content.class, answer, () -> answer.toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.body().writeTo(out);
        return out.toByteArray();
    }

    /** The reason a client gets: the 5xx text, or why the streamed zip was cut before its last byte. */
    static String failure(GoAnswer answer) {
        if (answer instanceof GoAnswer.Unavailable u) {
            return u.reason();
        }
        GoAnswer.Content c = assertInstanceOf(GoAnswer.Content.class, answer);
        try {
            c.body().writeTo(new ByteArrayOutputStream());
        } catch (IOException e) {
            return String.valueOf(e.getMessage());
        }
        throw new AssertionError("the body was served in full");
    }

    static byte[] rewriteOneFile(byte[] zip) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean done = false;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip));
                ZipOutputStream z = new ZipOutputStream(out)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] data = in.readAllBytes();
                if (!done && e.getName().endsWith(".go")) {
                    data = (new String(data, StandardCharsets.UTF_8) + "\n// tampered\n")
                            .getBytes(StandardCharsets.UTF_8);
                    done = true;
                }
                z.putNextEntry(new ZipEntry(e.getName()));
                z.write(data);
                z.closeEntry();
            }
        }
        return out.toByteArray();
    }
}
