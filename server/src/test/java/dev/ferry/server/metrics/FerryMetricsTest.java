package dev.ferry.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.Chunking;
import dev.ferry.storage.Durability;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoreOptions;
import dev.ferry.storage.StoreStats;
import dev.ferry.storage.StoreWriteStats;
import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.AttemptOutcome;
import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.FailureKind;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamPool;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What /metrics shows, read back with the strict {@link PrometheusText} parser (duplicate series fail it). */
class FerryMetricsTest {

    @Test
    void labelValuesAreEscaped() {
        FerryMetrics metrics = new FerryMetrics(null);
        metrics.failure("a\"b\\c\nd", "timeout", "");
        String text = metrics.scrape();
        assertTrue(text.contains("upstream=\"a\\\"b\\\\c\\nd\""), text);
        assertEquals(
                1.0,
                PrometheusText.parse(text)
                        .get("ferry_upstream_failures_total{upstream=\"a\\\"b\\\\c\\nd\",kind=\"timeout\"}"),
                text);
    }

    @Test
    void histogramBucketsAreCumulative() {
        FerryMetrics metrics = new FerryMetrics(null);
        for (long ms : new long[] {50, 100, 500, 7000}) {
            metrics.response("u", 200, Duration.ofMillis(ms));
        }
        Map<String, Double> m = PrometheusText.parse(metrics.scrape());
        assertEquals(1.0, m.get("ferry_upstream_latency_seconds_bucket{upstream=\"u\",le=\"0.05\"}"));
        assertEquals(2.0, m.get("ferry_upstream_latency_seconds_bucket{upstream=\"u\",le=\"0.1\"}"));
        assertEquals(3.0, m.get("ferry_upstream_latency_seconds_bucket{upstream=\"u\",le=\"1\"}"));
        assertEquals(3.0, m.get("ferry_upstream_latency_seconds_bucket{upstream=\"u\",le=\"5\"}"));
        assertEquals(4.0, m.get("ferry_upstream_latency_seconds_bucket{upstream=\"u\",le=\"10\"}"));
        assertEquals(4.0, m.get("ferry_upstream_latency_seconds_bucket{upstream=\"u\",le=\"+Inf\"}"));
        assertEquals(4.0, m.get("ferry_upstream_latency_seconds_count{upstream=\"u\"}"));
        assertEquals(7.65, m.get("ferry_upstream_latency_seconds_sum{upstream=\"u\"}"), 1e-9);
        assertEquals(4.0, m.get("ferry_upstream_requests_total{upstream=\"u\",status=\"200\"}"));
    }

    @Test
    void storeGaugesReadTheStoreAtScrapeTime() {
        long[] objects = {3};
        FerryMetrics metrics = new FerryMetrics(() -> new StoreStats(objects[0], 100, 7, 90, 4096));
        Map<String, Double> m = PrometheusText.parse(metrics.scrape());
        assertEquals(3.0, m.get("ferry_store_objects"));
        assertEquals(100.0, m.get("ferry_store_bytes"));
        assertEquals(7.0, m.get("ferry_store_chunks"));
        assertEquals(4096.0, m.get("ferry_store_disk_bytes"));
        objects[0] = 5;
        assertEquals(5.0, PrometheusText.parse(metrics.scrape()).get("ferry_store_objects"));
    }

    @Test
    void quotaPinsAndEvictionsComeFromTheStore() {
        long[] evicted = {2, 300};
        FerryMetrics metrics =
                new FerryMetrics(() -> new StoreStats(10, 1000, 12, 900, 4096, 1024, 4, 400, evicted[0], evicted[1]));
        Map<String, Double> m = PrometheusText.parse(metrics.scrape());
        assertEquals(1024.0, m.get("ferry_store_quota_bytes"));
        assertEquals(900.0, m.get("ferry_store_quota_used_bytes"));
        assertEquals(4.0, m.get("ferry_store_pinned_objects"));
        assertEquals(400.0, m.get("ferry_store_pinned_bytes"));
        assertEquals(2.0, m.get("ferry_store_evicted_objects_total"));
        assertEquals(300.0, m.get("ferry_store_evicted_bytes_total"));
        evicted[0] = 3;
        evicted[1] = 450;
        m = PrometheusText.parse(metrics.scrape());
        assertEquals(3.0, m.get("ferry_store_evicted_objects_total"));
        assertEquals(450.0, m.get("ferry_store_evicted_bytes_total"));
        assertTrue(metrics.scrape().contains("# TYPE ferry_store_evicted_objects_total counter\n"));
    }

    @Test
    void aStoreThatCannotAnswerShowsNaNAndTheRestIsStillScraped() {
        FerryMetrics metrics = new FerryMetrics(() -> {
            throw new IllegalStateException("store closed");
        });
        metrics.request(FerryMetrics.Endpoint.MOD, "GET", 200, FerryMetrics.Cache.HIT, 10, 1_000_000);
        Map<String, Double> m = PrometheusText.parse(metrics.scrape());
        assertTrue(m.get("ferry_store_objects").isNaN());
        assertFalse(m.containsKey("ferry_store_evicted_objects_total"));
        assertEquals(
                1.0, m.get("ferry_http_requests_total{endpoint=\"mod\",method=\"GET\",status=\"200\",cache=\"hit\"}"));
    }

    @Test
    void jobsRunningAreCountedAtScrapeTimeByKind() {
        FerryMetrics metrics = new FerryMetrics(null);
        assertFalse(metrics.scrape().contains("ferry_jobs_running"), "no job source, no series");
        long[] prewarm = {0};
        metrics.jobs(FerryMetrics.Job.PREWARM, () -> prewarm[0]);
        metrics.jobs(FerryMetrics.Job.MIRROR_SET, () -> 0);
        metrics.jobs(FerryMetrics.Job.EXPORT, () -> 1);
        metrics.jobs(FerryMetrics.Job.IMPORT, () -> {
            throw new IllegalStateException("closing");
        });
        Map<String, Double> m = PrometheusText.parse(metrics.scrape());
        assertEquals(0.0, m.get("ferry_jobs_running{kind=\"prewarm\"}"));
        assertEquals(0.0, m.get("ferry_jobs_running{kind=\"mirror_set\"}"));
        assertEquals(1.0, m.get("ferry_jobs_running{kind=\"export\"}"));
        assertFalse(m.containsKey("ferry_jobs_running{kind=\"import\"}"), "a source that fails is left out");
        prewarm[0] = 2;
        assertEquals(2.0, PrometheusText.parse(metrics.scrape()).get("ferry_jobs_running{kind=\"prewarm\"}"));
    }

    @Test
    void breakerStateIsShownOncePerUpstreamAcrossPools() {
        FerryMetrics metrics = new FerryMetrics(null);
        UpstreamPool go = pool(metrics, "https://a.example", "https://shared.example");
        UpstreamPool registry = pool(metrics, "https://shared.example");
        metrics.watch(go);
        metrics.watch(registry);
        UpstreamPool.Member a = go.members().getFirst();
        a.tryAcquire();
        a.record(new AttemptOutcome.Failure(FailureKind.STATUS_5XX, "HTTP 503", Duration.ofSeconds(60)));

        Map<String, Double> m = PrometheusText.parse(metrics.scrape());
        assertEquals(1.0, m.get("ferry_upstream_breaker_state{upstream=\"https://a.example\"}"), "open");
        assertEquals(0.0, m.get("ferry_upstream_breaker_state{upstream=\"https://shared.example\"}"), "closed");
        assertEquals(
                1.0, m.get("ferry_upstream_breaker_transitions_total{upstream=\"https://a.example\",state=\"open\"}"));
    }

    @Test
    void jvmAndProcessMetricsOnlyWhenAsked() {
        assertFalse(new FerryMetrics(null).scrape().contains("jvm_"));
        Map<String, Double> m =
                PrometheusText.parse(new FerryMetrics(null).withJvmAndProcess().scrape());
        assertTrue(m.get("jvm_memory_used_bytes{area=\"heap\"}") > 0, m.keySet().toString());
        assertTrue(m.get("jvm_threads_current") > 0);
        assertTrue(m.get("process_cpu_seconds_total") > 0);
        assertTrue(m.get("process_open_fds") > 0);
    }

    private static UpstreamPool pool(FerryMetrics metrics, String... urls) {
        List<Upstream> ups = java.util.Arrays.stream(urls)
                .map(u -> new Upstream(
                        URI.create(u), u, AfterFailure.MOVE_ON, 1, new Credentials.None(), UpstreamTimeouts.defaults()))
                .toList();
        return new UpstreamPool(ups, PoolSettings.defaults(), Clock.systemUTC(), metrics);
    }
    /** A real store's commits land in the histogram of their durability. */
    @Test
    void storeCommitsAreTimedByDurability(@TempDir Path dir) throws Exception {
        FerryMetrics metrics = new FerryMetrics(null);
        try (RocksContentStore store = RocksContentStore.open(dir, StoreOptions.defaults())) {
            store.events(metrics);
            for (Durability d : List.of(Durability.GROUPED, Durability.GROUPED, Durability.SYNCED)) {
                byte[] data = ("file " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
                try (ObjectWriter w = store.newObject(Chunking.FIXED)) {
                    w.write(data);
                    w.commit(
                            Sha256.of(java.security.MessageDigest.getInstance("SHA-256")
                                    .digest(data)),
                            null,
                            d);
                }
            }
            store.update(b -> b.putMeta("k", new byte[] {1}));
        }
        Map<String, Double> m = PrometheusText.parse(metrics.scrape());
        assertEquals(2.0, m.get("ferry_store_commit_seconds_count{durability=\"grouped\"}"));
        assertEquals(2.0, m.get("ferry_store_commit_seconds_count{durability=\"synced\"}"));
        assertEquals(2.0, m.get("ferry_store_commit_seconds_bucket{durability=\"synced\",le=\"+Inf\"}"));
        assertTrue(m.get("ferry_store_commit_seconds_sum{durability=\"grouped\"}") > 0);
    }

    @Test
    void logSyncsAreTimed() {
        FerryMetrics metrics = new FerryMetrics(null);
        metrics.logSynced(3_000_000);
        metrics.logSynced(300_000_000);
        Map<String, Double> m = PrometheusText.parse(metrics.scrape());
        assertEquals(1.0, m.get("ferry_store_log_sync_seconds_bucket{le=\"0.005\"}"));
        assertEquals(1.0, m.get("ferry_store_log_sync_seconds_bucket{le=\"0.2\"}"));
        assertEquals(2.0, m.get("ferry_store_log_sync_seconds_bucket{le=\"0.5\"}"));
        assertEquals(0.303, m.get("ferry_store_log_sync_seconds_sum"), 1e-9);
    }

    /** The write-stall figures are read from the store at each scrape. */
    @Test
    void writeStallsAndBackgroundWorkComeFromTheStore() {
        long[] stalls = {0, 0, 0};
        FerryMetrics metrics = new FerryMetrics(null);
        metrics.storeWrites(() -> new StoreWriteStats(
                stalls[0],
                stalls[1],
                stalls[2],
                Map.of("memtable-limit-stops", stalls[0], "l0-file-count-limit-delays", 0L),
                1,
                2,
                1,
                0,
                3,
                5,
                4096,
                stalls[0] > 0 ? 16 << 20 : 0,
                false,
                7,
                1000,
                2000,
                3000));
        Map<String, Double> m = PrometheusText.parse(metrics.scrape());
        assertEquals(0.0, m.get("ferry_store_write_stalls_total"));
        assertEquals(0.0, m.get("ferry_store_write_stall_longest_seconds"));
        assertEquals(1.0, m.get("ferry_store_flushes_pending"));
        assertEquals(2.0, m.get("ferry_store_compactions_pending"));
        assertEquals(1.0, m.get("ferry_store_flushes_running"));
        assertEquals(3.0, m.get("ferry_store_immutable_memtables"));
        assertEquals(5.0, m.get("ferry_store_l0_files"));
        assertEquals(4096.0, m.get("ferry_store_pending_compaction_bytes"));
        assertEquals(0.0, m.get("ferry_store_writes_stopped"));
        assertEquals(7.0, m.get("ferry_store_log_syncs_total"));
        assertEquals(2000.0, m.get("ferry_store_written_bytes_total{by=\"flush\"}"));

        stalls[0] = 4;
        stalls[1] = 350_000;
        stalls[2] = 250_000;
        m = PrometheusText.parse(metrics.scrape());
        assertEquals(4.0, m.get("ferry_store_write_stalls_total"));
        assertEquals(0.35, m.get("ferry_store_write_stall_seconds_total"), 1e-9);
        assertEquals(0.25, m.get("ferry_store_write_stall_longest_seconds"), 1e-9);
        assertEquals(4.0, m.get("ferry_store_write_stall_conditions_total{limit=\"memtable-limit-stops\"}"));
        assertEquals((double) (16 << 20), m.get("ferry_store_delayed_write_rate_bytes"));
    }

    /** A closing store's write figures: every one of them, gauges and counters alike, left out of the scrape. */
    @Test
    void aClosingStoresWriteFiguresAreLeftOutGaugesAndCountersAlike() {
        boolean[] closing = {false};
        FerryMetrics metrics = new FerryMetrics(null);
        metrics.storeWrites(() -> {
            if (closing[0]) {
                throw new IllegalStateException("store closed");
            }
            return new StoreWriteStats(
                    1, 2, 3, Map.of("memtable-limit-stops", 1L), 1, 2, 1, 0, 3, 5, 4096, 0, false, 7, 1000, 2000, 3000);
        });
        metrics.request(FerryMetrics.Endpoint.MOD, "GET", 200, FerryMetrics.Cache.HIT, 10, 1_000_000);
        // The series the store's write figures add: all of them but those a FerryMetrics without them shows.
        FerryMetrics without = new FerryMetrics(null);
        without.request(FerryMetrics.Endpoint.MOD, "GET", 200, FerryMetrics.Cache.HIT, 10, 1_000_000);
        Map<String, Double> others = PrometheusText.parse(without.scrape());
        List<String> open = PrometheusText.parse(metrics.scrape()).keySet().stream()
                .filter(k -> !others.containsKey(k))
                .sorted()
                .toList();
        assertTrue(open.contains("ferry_store_write_stall_longest_seconds"), open.toString());
        assertTrue(open.contains("ferry_store_write_stalls_total"), open.toString());
        assertTrue(open.contains("ferry_store_l0_files"), open.toString());

        closing[0] = true;
        Map<String, Double> m = PrometheusText.parse(metrics.scrape());
        for (String series : open) {
            assertFalse(m.containsKey(series), series + " left out while the store closes, not " + m.get(series));
        }
        assertTrue(m.values().stream().noneMatch(v -> v.isNaN()), m.toString());
        assertEquals(
                1.0, m.get("ferry_http_requests_total{endpoint=\"mod\",method=\"GET\",status=\"200\",cache=\"hit\"}"));
    }
}
