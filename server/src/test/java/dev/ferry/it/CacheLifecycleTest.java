package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.server.Ferry;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.ListenAddress;
import dev.ferry.storage.StoreOptions;
import dev.ferry.testing.ManualClock;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache lifecycle end to end, in-process: a real ferry (RocksDB store with a 4 MiB quota and a test clock that
 * moves a minute per step, so access minutes order the modules) over a static GOPROXY of generated modules.
 * Filling past the quota evicts least recently used content down to the watermark; prewarmed and private modules
 * stay; a module read recently stays; evicted modules are served again by fetching them again; the admin API shows
 * the figures; and clients reading and fetching while eviction runs all get the right bytes.
 */
class CacheLifecycleTest {
    private static final long QUOTA = 4L << 20;
    private static final long DATA = 256L << 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final Map<String, GeneratedModules.Module> modules = new LinkedHashMap<>();
    private StaticGoProxy upstream;
    private Ferry ferry;
    private String token;

    @BeforeEach
    void start() throws Exception {
        Path root = tmp.resolve("goproxy");
        long seed = 1;
        for (String path : names()) {
            modules.put(path, GeneratedModules.write(root, path, "v1.0.0", DATA, seed++));
        }
        upstream = new StaticGoProxy(root);
        FerryConfig config = new FerryConfig(
                        new ListenAddress("127.0.0.1", 0),
                        tmp.resolve("data"),
                        upstream.url(),
                        GoProxyList.parse(upstream.url()),
                        Duration.ofMinutes(5),
                        Duration.ofMinutes(1),
                        UpstreamTimeouts.defaults(),
                        Level.WARNING,
                        false)
                .withQuota(QUOTA)
                .withPrivates(PrivatePatterns.parse("private.example"))
                // the static upstream holds this test's private module (a site proxy, not direct)
                .withGoSources(dev.ferry.server.config.GoSources.defaults()
                        .withPrivateUpstream(GoProxyList.parse(upstream.url())))
                // private modules served to anonymous clients, as this test fetches them (docs/access.md)
                .withAccess(dev.ferry.server.config.AccessConfig.none().withAnonymousPrivate(true));
        ferry = Ferry.start(config, StoreOptions.defaults().withClock(clock));
        token = Files.readString(tmp.resolve("data").resolve("admin-token")).strip();
    }

    private static List<String> names() {
        List<String> out = new ArrayList<>();
        out.add("example.com/prewarmed");
        out.add("private.example/kept");
        for (int i = 1; i <= 40; i++) {
            out.add(String.format("example.com/m%02d", i));
        }
        return out;
    }

    @AfterEach
    void stop() {
        if (ferry != null) {
            ferry.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void evictsLeastRecentlyUsedDownToTheWatermarkKeepsPinnedAndRefetchesEvicted() throws Exception {
        // Minute 1: a prewarm job (pinned prewarm:...) and a private module (pinned "private").
        clock.advance(Duration.ofMinutes(1));
        JsonNode job = admin(
                "POST", "/admin/api/prewarm", "{\"kind\":\"modules\",\"items\":[\"example.com/prewarmed@v1.0.0\"]}");
        awaitJob(job.path("location").asText());
        zip("private.example/kept");
        // Minutes 2-9: m01..m08 fetched, one a minute.
        for (int i = 1; i <= 8; i++) {
            clock.advance(Duration.ofMinutes(1));
            zip(m(i));
        }
        // Minute 10: m01 read again, so it is newer than m02..m08.
        clock.advance(Duration.ofMinutes(1));
        zip(m(1));
        assertEquals(1, upstream.requestsFor(zipPath(m(1))), "a hit");
        assertEquals(0, storage().path("evicted").path("objects").asLong(), "under the quota so far");
        // Minutes 11-18: m09..m16; 18 zips of ~256 KiB are more than the 4 MiB quota.
        for (int i = 9; i <= 16; i++) {
            clock.advance(Duration.ofMinutes(1));
            zip(m(i));
        }
        JsonNode s = awaitUnderQuota();
        long evicted = s.path("evicted").path("objects").asLong();
        assertTrue(evicted >= 2, s.toString());
        // Each eviction goes down to 90% of the quota (storage's LifecycleTest checks that exactly); commits that
        // land after it may grow the store again up to the quota without another.
        assertTrue(s.path("sizeBytes").asLong() <= QUOTA, s.toString());
        long stored = 18L * modules.get(m(1)).zipSize();
        assertTrue(s.path("evicted").path("bytes").asLong() >= stored - QUOTA, "evicted at least what was over: " + s);
        assertEquals(QUOTA, s.path("quotaBytes").asLong(), s.toString());
        assertTrue(
                s.path("pinned").path("objects").asLong() >= 4, "prewarm's .info/.mod/.zip and the private zip: " + s);
        assertTrue(s.path("pinned").path("sets").asLong() >= 2, s.toString());
        assertTrue(s.path("cache").path("hitRatio").isNumber(), s.toString());
        assertTrue(s.path("objects").asLong() > 0 && s.path("chunks").asLong() > 0, s.toString());

        // Pinned and recently read content stayed: asking again asks no upstream.
        int prewarmFetches = upstream.requestsFor(zipPath("example.com/prewarmed"));
        zip("example.com/prewarmed");
        zip("private.example/kept");
        zip(m(1));
        zip(m(16));
        assertEquals(prewarmFetches, upstream.requestsFor(zipPath("example.com/prewarmed")), "prewarmed stays");
        assertEquals(1, upstream.requestsFor(zipPath("private.example/kept")), "private stays");
        assertEquals(1, upstream.requestsFor(zipPath(m(1))), "read at minute 10, newer than m02..m08");
        assertEquals(1, upstream.requestsFor(zipPath(m(16))), "the newest stays");
        // The oldest unpinned went first, and evicted modules are served again, fetched from upstream. Going
        // from the oldest, the evicted ones are a prefix (what these refetches push out next is again the oldest).
        List<Boolean> refetched = new ArrayList<>();
        for (int i = 2; i <= 15; i++) {
            clock.advance(Duration.ofMinutes(1));
            zip(m(i));
            refetched.add(upstream.requestsFor(zipPath(m(i))) == 2);
        }
        assertTrue(refetched.get(0) && refetched.get(1), "m02 and m03 were the least recently used: " + refetched);
        int firstKept = refetched.indexOf(false);
        assertTrue(
                firstKept < 0 || !refetched.subList(firstKept, refetched.size()).contains(true),
                "evicted in LRU order: " + refetched);
    }

    @Test
    void concurrentReadsAndFetchesWhileEvictionRunsAllGetTheRightBytes() throws Exception {
        clock.advance(Duration.ofMinutes(1));
        zip("private.example/kept");
        for (int i = 1; i <= 12; i++) {
            zip(m(i));
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                readers.add(pool.submit(() -> {
                    while (writing.get()) {
                        String m = m(1 + ThreadLocalRandom.current().nextInt(12));
                        try {
                            zip(m);
                            reads.incrementAndGet();
                        } catch (Throwable e) {
                            failures.add("read " + m + ": " + e);
                        }
                    }
                    return null;
                }));
            }
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int first = 13 + w * 14;
                writers.add(pool.submit(() -> {
                    for (int i = first; i < first + 14; i++) {
                        clock.advance(Duration.ofMinutes(1));
                        try {
                            zip(m(i));
                        } catch (Throwable e) {
                            failures.add("fetch " + m(i) + ": " + e);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : writers) {
                f.get();
            }
            writing.set(false);
            for (Future<?> f : readers) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures, first: " + failures.peek());
        assertTrue(reads.get() > 0);
        JsonNode s = awaitUnderQuota();
        assertTrue(s.path("evicted").path("objects").asLong() > 0, s.toString());
        zip("private.example/kept");
        assertEquals(1, upstream.requestsFor(zipPath("private.example/kept")), "private stays");
    }

    // ---------------------------------------------------------------- helpers

    private static String m(int i) {
        return String.format("example.com/m%02d", i);
    }

    private static String zipPath(String module) {
        return "/" + module + "/@v/v1.0.0.zip";
    }

    /** GETs a module's zip through ferry and checks it is the generated one, byte for byte. */
    private void zip(String module) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(
                HttpRequest.newBuilder(URI.create(ferry.url() + zipPath(module)))
                        .timeout(Duration.ofSeconds(60))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), module + ": " + new String(r.body()));
        GeneratedModules.Module want = modules.get(module);
        assertEquals(want.zipSha256(), sha256(r.body()), module + ": wrong bytes");
    }

    private JsonNode storage() throws IOException, InterruptedException {
        return admin("GET", "/admin/api/storage", null);
    }

    /** Waits for a background eviction to have brought the store under the quota. */
    private JsonNode awaitUnderQuota() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Thread.sleep(200); // the admin API caches the store's stats briefly
            JsonNode s = storage();
            if (s.path("evicted").path("objects").asLong() > 0
                    && s.path("sizeBytes").asLong() <= QUOTA) {
                return s;
            }
            assertTrue(System.nanoTime() < deadline, "no eviction under the quota: " + s);
        }
    }

    private void awaitJob(String location) throws Exception {
        assertNotNull(location);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode j = admin("GET", location, null);
            String state = j.path("state").asText();
            if (state.equals("SUCCEEDED")) {
                return;
            }
            assertTrue(!state.equals("FAILED") && !state.equals("CANCELLED"), j.toString());
            assertTrue(System.nanoTime() < deadline, j.toString());
            Thread.sleep(50);
        }
    }

    private JsonNode admin(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ferry.url() + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json");
        b.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() / 100 == 2, method + " " + path + ": " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
