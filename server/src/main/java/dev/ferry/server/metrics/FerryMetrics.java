package dev.ferry.server.metrics;

import dev.ferry.mirror.sumdb.SumdbEvents;
import dev.ferry.storage.Durability;
import dev.ferry.storage.StoreEvents;
import dev.ferry.storage.StoreStats;
import dev.ferry.storage.StoreWriteStats;
import dev.ferry.upstreams.pool.BreakerState;
import dev.ferry.upstreams.pool.UpstreamEvents;
import dev.ferry.upstreams.pool.UpstreamPool;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Every metric ferry exports, in a Prometheus client_java registry of its own, with the hot-path label sets
 * resolved ahead. Also the {@link UpstreamEvents} and {@link SumdbEvents} the upstream clients and the checksum
 * verifier report to. The one front the rest of ferry calls: nothing else touches client_java.
 */
@SuppressWarnings("EnumOrdinal") // ordinals index the label sets resolved ahead, read on every request
public final class FerryMetrics
        implements UpstreamEvents,
                SumdbEvents,
                dev.ferry.upstreams.vcs.DirectEvents,
                dev.ferry.upstreams.cluster.PeerEvents,
                StoreEvents {
    /** What /metrics answers: the Prometheus text format 0.0.4, which every Prometheus scrapes. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    /** Latency buckets from 250µs to 60s. */
    private static final double[] LATENCY_SECONDS = {
        0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
    };

    /**
     * Store commit and log sync buckets from 50µs (a grouped commit takes a fraction of a millisecond) to 10s, with
     * 50 and 200 ms, the bounds issue 18 judges commits and write stalls by.
     */
    private static final double[] STORE_SECONDS = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 10
    };

    /** The {@code endpoint} label. */
    public enum Endpoint {
        LIST,
        LATEST,
        INFO,
        MOD,
        ZIP,
        SUMDB,
        HEALTH,
        METRICS,
        ADMIN,
        /** {@code /v2/}, the registry's version check. */
        OCI_BASE,
        OCI_MANIFEST,
        OCI_BLOB,
        OCI_UPLOAD,
        OCI_TAGS,
        OCI_REFERRERS,
        OCI_CATALOG,
        OCI_TOKEN,
        OTHER;
        final String label = name().toLowerCase(Locale.ROOT);

        public String label() {
            return label;
        }
    }

    /** The {@code cache} label. */
    public enum Cache {
        HIT,
        MISS,
        STALE,
        NEGATIVE_HIT,
        NONE;
        final String label = name().toLowerCase(Locale.ROOT);

        public String label() {
            return label;
        }
    }

    /** The {@code kind} label of {@code ferry_jobs_running}: the admin API's long-running jobs. */
    public enum Job {
        PREWARM,
        MIRROR_SET,
        EXPORT,
        IMPORT;
        final String label = name().toLowerCase(Locale.ROOT);
    }

    private static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final CounterDataPoint[] responseBytes;
    private final DistributionDataPoint[] durations;
    /** [endpoint][method][cache][status - 100], filled lazily: no map lookup per request. */
    private final AtomicReferenceArray<CounterDataPoint> requestCounters;

    private final Counter upstreamRequests;
    private final Counter upstreamFailures;
    private final Histogram upstreamLatency;
    private final Counter upstreamBytes;
    private final Counter breakerTransitions;
    private final Counter quarantines;
    private final Counter directCommands;
    private final Counter directRefusals;
    private final Counter peerRequests;
    private final Counter peerAnswers;
    private final CounterDataPoint[] verifications;
    private final CounterDataPoint[] sumdbRequests;
    /** Store commits by {@link Durability} ordinal. */
    private final DistributionDataPoint[] commits;

    private final DistributionDataPoint logSyncs;
    private final List<UpstreamPool> watched = new CopyOnWriteArrayList<>();
    private final Map<Job, LongSupplier> jobs = new EnumMap<>(Job.class);
    /** Requests by cache outcome, whatever the endpoint: the admin API's hit ratio. */
    private final LongAdder[] outcomes = new LongAdder[Cache.values().length];
    /** Body bytes of every endpoint, for the console's per-minute chart ({@link RecentMinutes}). */
    private final LongAdder bytesSent = new LongAdder();
    /** Mismatches that quarantined an upstream, for the console's overview. */
    private final RecentRefusals refusals = new RecentRefusals(java.time.Clock.systemUTC());

    /** {@code storeStats} null: no store metrics (tests without a store). */
    public FerryMetrics(Supplier<StoreStats> storeStats) {
        for (int i = 0; i < outcomes.length; i++) {
            outcomes[i] = new LongAdder();
        }
        requests = counter(
                "ferry_http_requests_total", "HTTP requests answered.", "endpoint", "method", "status", "cache");
        Counter bytes = counter("ferry_http_response_bytes_total", "Response body bytes sent.", "endpoint");
        Histogram duration = histogram(
                "ferry_http_request_duration_seconds", "Time from request to the end of the response.", "endpoint");
        Endpoint[] endpoints = Endpoint.values();
        responseBytes = new CounterDataPoint[endpoints.length];
        durations = new DistributionDataPoint[endpoints.length];
        for (Endpoint e : endpoints) {
            responseBytes[e.ordinal()] = bytes.labelValues(e.label);
            durations[e.ordinal()] = duration.labelValues(e.label);
        }
        requestCounters = new AtomicReferenceArray<>(endpoints.length * METHODS.length * Cache.values().length * 500);

        upstreamRequests =
                counter("ferry_upstream_requests_total", "Upstream responses by status.", "upstream", "status");
        upstreamFailures =
                counter("ferry_upstream_failures_total", "Failed upstream attempts by kind.", "upstream", "kind");
        upstreamLatency = histogram("ferry_upstream_latency_seconds", "Upstream time to first byte.", "upstream");
        upstreamBytes = counter("ferry_upstream_bytes_total", "Body bytes received from upstreams.", "upstream");
        breakerTransitions = counter(
                "ferry_upstream_breaker_transitions_total",
                "Circuit breaker state changes by the state entered.",
                "upstream",
                "state");
        quarantines = counter(
                "ferry_upstream_quarantines_total",
                "Upstreams quarantined for serving content that failed its checksum or digest.",
                "upstream");
        directCommands = counter(
                "ferry_go_direct_commands_total",
                "go commands run by 'direct' to fetch from version control, by outcome (ok, not_found, failed,"
                        + " timeout, busy).",
                "outcome");
        directRefusals = counter(
                "ferry_go_direct_refused_total",
                "Modules refused by 'direct' because their host is not in go.direct.hosts (no command was run).");
        peerRequests = counter(
                "ferry_peer_requests_total",
                "Questions this node asked its cluster peers, by peer and outcome (found, not_found, rejected,"
                        + " failed, self).",
                "peer",
                "outcome");
        peerAnswers = counter(
                "ferry_peer_answers_total",
                "Peer requests this node answered, by outcome (found, not_found, refused, bad_request).",
                "outcome");
        GaugeWithCallback.builder()
                .name("ferry_upstream_breaker_state")
                .help("Circuit breaker state: 0 closed, 1 open, 2 half-open.")
                .labelNames("upstream")
                .callback(cb -> {
                    // Every pool watched (Go, each registry) shares the family; an upstream in two pools shows once.
                    Set<String> seen = new HashSet<>();
                    for (UpstreamPool p : watched) {
                        for (UpstreamPool.Member m : p.members()) {
                            if (seen.add(m.upstream().name())) {
                                cb.call(
                                        m.breaker().state().gauge(),
                                        m.upstream().name());
                            }
                        }
                    }
                })
                .register(registry);

        Counter verified = counter(
                "ferry_sumdb_verifications_total",
                "Downloaded .mod and .zip files checked against the checksum database or a pinned hash, by result.",
                "result");
        verifications = new CounterDataPoint[Result.values().length];
        for (Result r : Result.values()) {
            verifications[r.ordinal()] = verified.labelValues(r.name().toLowerCase(Locale.ROOT));
        }
        Counter asked = counter(
                "ferry_sumdb_requests_total",
                "Requests ferry sent towards checksum databases (through proxies or directly), by kind.",
                "kind");
        sumdbRequests = new CounterDataPoint[RequestKind.values().length];
        for (RequestKind k : RequestKind.values()) {
            sumdbRequests[k.ordinal()] = asked.labelValues(k.name().toLowerCase(Locale.ROOT));
        }

        Histogram committed = Histogram.builder()
                .name("ferry_store_commit_seconds")
                .help("Store commits (objects, name and metadata updates, deletes) from asking for the commit lock to"
                        + " the write's return, by durability (synced: with the log's fsync; grouped: synced later).")
                .labelNames("durability")
                .classicOnly()
                .classicUpperBounds(STORE_SECONDS)
                .withoutExemplars()
                .register(registry);
        commits = new DistributionDataPoint[Durability.values().length];
        for (Durability d : Durability.values()) {
            commits[d.ordinal()] = committed.labelValues(d.name().toLowerCase(Locale.ROOT));
        }
        logSyncs = Histogram.builder()
                .name("ferry_store_log_sync_seconds")
                .help("The group sync of grouped commits: one fsync of the store's log for the commits of ~20 ms.")
                .classicOnly()
                .classicUpperBounds(STORE_SECONDS)
                .withoutExemplars()
                .register(registry)
                .labelValues();

        GaugeWithCallback.builder()
                .name("ferry_jobs_running")
                .help("Admin jobs not ended yet (planning or running), by kind.")
                .labelNames("kind")
                .callback(cb -> {
                    Map<Job, LongSupplier> now;
                    synchronized (jobs) {
                        now = new EnumMap<>(jobs);
                    }
                    now.forEach((job, running) -> {
                        try {
                            cb.call((double) running.getAsLong(), job.label);
                        } catch (RuntimeException e) {
                            // a service closing: leave the series out of this scrape rather than fail it
                        }
                    });
                })
                .register(registry);

        if (storeStats != null) {
            storeGauge(storeStats, "ferry_store_objects", "Objects in the content store.", StoreStats::objects);
            storeGauge(
                    storeStats,
                    "ferry_store_bytes",
                    "Total size of the objects in the content store.",
                    StoreStats::objectBytes);
            storeGauge(
                    storeStats,
                    "ferry_store_chunks",
                    "Chunks in the content store (stored under their digest; not the inline ones).",
                    StoreStats::chunks);
            storeGauge(
                    storeStats,
                    "ferry_store_disk_bytes",
                    "Disk used by the content store: every file in DATA/store"
                            + " (SST and blob files, WAL, MANIFEST, OPTIONS, logs).",
                    StoreStats::diskBytes);
            storeGauge(storeStats, "ferry_store_quota_bytes", "The storage quota, 0 for none.", StoreStats::quotaBytes);
            storeGauge(
                    storeStats,
                    "ferry_store_quota_used_bytes",
                    "What the quota counts: logical bytes of the stored" + " chunks, each shared chunk once.",
                    StoreStats::chunkBytes);
            storeGauge(
                    storeStats,
                    "ferry_store_pinned_objects",
                    "Objects held by at least one pin set (never evicted).",
                    StoreStats::pinnedObjects);
            storeGauge(
                    storeStats,
                    "ferry_store_pinned_bytes",
                    "Total size of the pinned objects.",
                    StoreStats::pinnedBytes);
            storeCounter(
                    storeStats,
                    "ferry_store_evicted_objects_total",
                    "Objects evicted to keep the store under its quota, since the store was created.",
                    StoreStats::evictedObjects);
            storeCounter(
                    storeStats,
                    "ferry_store_evicted_bytes_total",
                    "Total size of the evicted objects.",
                    StoreStats::evictedBytes);
        }
    }

    private Counter counter(String name, String help, String... labelNames) {
        return Counter.builder()
                .name(name)
                .help(help)
                .labelNames(labelNames)
                .withoutExemplars()
                .register(registry);
    }

    private Histogram histogram(String name, String help, String labelName) {
        return Histogram.builder()
                .name(name)
                .help(help)
                .labelNames(labelName)
                .classicOnly()
                .classicUpperBounds(LATENCY_SECONDS)
                .withoutExemplars()
                .register(registry);
    }

    /** Read at scrape time; a store that cannot answer (closing) shows NaN rather than failing the whole scrape. */
    private void storeGauge(Supplier<StoreStats> stats, String name, String help, ToLongFunction<StoreStats> value) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> cb.call(read(stats, value)))
                .register(registry);
    }

    private void storeCounter(Supplier<StoreStats> stats, String name, String help, ToLongFunction<StoreStats> value) {
        CounterWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> {
                    double v = read(stats, value);
                    if (!Double.isNaN(v)) {
                        cb.call(v);
                    }
                })
                .register(registry);
    }

    /**
     * Exports RocksDB's view of the store's writes (write stalls, flushes and compactions pending), read at scrape
     * time from {@code writes}; the commit histograms come from {@link StoreEvents}.
     */
    public void storeWrites(Supplier<StoreWriteStats> writes) {
        writeCounter(
                writes,
                "ferry_store_write_stalls_total",
                "Writes RocksDB delayed or stopped (write stalls) since the store opened.",
                StoreWriteStats::stalledWrites);
        writeCounter(
                writes,
                "ferry_store_write_stall_seconds_total",
                "Time writes waited in RocksDB's write stalls, summed over writers.",
                w -> w.stallMicros() / 1e6);
        writeGauge(
                writes,
                "ferry_store_write_stall_longest_seconds",
                "The longest one write waited in a write stall since the store opened.",
                w -> w.longestStallMicros() / 1e6);
        CounterWithCallback.builder()
                .name("ferry_store_write_stall_conditions_total")
                .help("Times RocksDB found a column family (or the database) over a limit that delays or stops writes,"
                        + " by RocksDB's name of the limit.")
                .labelNames("limit")
                .callback(cb -> {
                    try {
                        writes.get().stallConditions().forEach((limit, n) -> cb.call((double) n, limit));
                    } catch (RuntimeException e) {
                        // a store closing: leave the series out of this scrape
                    }
                })
                .register(registry);
        writeGauge(
                writes,
                "ferry_store_flushes_pending",
                "Column families with a memtable flush pending.",
                StoreWriteStats::flushesPending);
        writeGauge(
                writes,
                "ferry_store_compactions_pending",
                "Column families with a compaction pending.",
                StoreWriteStats::compactionsPending);
        writeGauge(writes, "ferry_store_flushes_running", "Memtable flushes running.", StoreWriteStats::runningFlushes);
        writeGauge(
                writes, "ferry_store_compactions_running", "Compactions running.", StoreWriteStats::runningCompactions);
        writeGauge(
                writes,
                "ferry_store_immutable_memtables",
                "Memtables full and waiting for their flush, every column family together.",
                StoreWriteStats::immutableMemtables);
        writeGauge(
                writes,
                "ferry_store_l0_files",
                "Level-0 files of the column family that has most (RocksDB slows and stops writes past its triggers).",
                StoreWriteStats::mostL0Files);
        writeGauge(
                writes,
                "ferry_store_pending_compaction_bytes",
                "Bytes compaction estimates it has to rewrite, every column family together.",
                StoreWriteStats::pendingCompactionBytes);
        writeGauge(
                writes,
                "ferry_store_writes_stopped",
                "1 while RocksDB stops writes, else 0.",
                w -> w.writesStopped() ? 1 : 0);
        writeGauge(
                writes,
                "ferry_store_delayed_write_rate_bytes",
                "The rate RocksDB holds writes to while it delays them, bytes/s; 0 when it does not.",
                StoreWriteStats::delayedWriteRate);
        writeCounter(writes, "ferry_store_log_syncs_total", "Syncs of the store's log.", StoreWriteStats::walSyncs);
        CounterWithCallback.builder()
                .name("ferry_store_written_bytes_total")
                .help("Bytes RocksDB wrote, by what wrote them: log (the write-ahead log), flush (memtables to table"
                        + " and blob files), compaction.")
                .labelNames("by")
                .callback(cb -> {
                    try {
                        StoreWriteStats w = writes.get();
                        cb.call((double) w.walBytes(), "log");
                        cb.call((double) w.flushBytes(), "flush");
                        cb.call((double) w.compactionBytes(), "compaction");
                    } catch (RuntimeException e) {
                        // a store closing: leave the series out of this scrape
                    }
                })
                .register(registry);
    }

    private void writeGauge(
            Supplier<StoreWriteStats> writes, String name, String help, ToDoubleFunction<StoreWriteStats> value) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> {
                    try {
                        cb.call(value.applyAsDouble(writes.get()));
                    } catch (RuntimeException e) {
                        // a store closing: leave the series out of this scrape, as the write counters do (a NaN
                        // gauge beside absent counters would read as a value in alerts and graphs)
                    }
                })
                .register(registry);
    }

    private void writeCounter(
            Supplier<StoreWriteStats> writes, String name, String help, ToDoubleFunction<StoreWriteStats> value) {
        CounterWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> {
                    try {
                        cb.call(value.applyAsDouble(writes.get()));
                    } catch (RuntimeException e) {
                        // a store closing: leave the series out of this scrape
                    }
                })
                .register(registry);
    }

    private static double read(Supplier<StoreStats> stats, ToLongFunction<StoreStats> value) {
        try {
            return value.applyAsLong(stats.get());
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The JVM and process metrics being registered (null: not asked for). */
    private volatile CompletableFuture<Void> jvm;

    /**
     * Adds the JVM's and the process's own metrics (memory, GC, threads, CPU, open files): the server's, not tests'.
     * Registered off the starting thread: their MXBeans (JMX, JFR, platform classes, some 300 classes) took about
     * 0.4 s of a 3.4 s start on a loaded 2-core machine, and nothing that serves a request waits on them. A scrape
     * waits for them, so every scrape has them.
     */
    public FerryMetrics withJvmAndProcess() {
        jvm = CompletableFuture.runAsync(
                () -> JvmMetrics.builder().register(registry),
                task -> Thread.ofVirtual().name("ferry-jvm-metrics").start(task));
        return this;
    }

    /**
     * Exports each upstream's breaker state (0 closed, 1 open, 2 half-open), read at scrape time; every pool
     * watched (Go, each registry) shares the one gauge family.
     */
    public void watch(UpstreamPool pool) {
        watched.add(pool);
    }

    /** Exports how many jobs of this kind have not ended, read at scrape time. */
    public void jobs(Job kind, LongSupplier running) {
        synchronized (jobs) {
            jobs.put(kind, running);
        }
    }

    /** Every metric in the text format 0.0.4 ({@link #CONTENT_TYPE}). */
    public String scrape() {
        CompletableFuture<Void> registering = jvm;
        if (registering != null) {
            registering.join();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Records one finished HTTP request. */
    public void request(Endpoint endpoint, String method, int status, Cache cache, long bytes, long nanos) {
        int m = methodIndex(method);
        int s = status < 100 || status > 599 ? 500 : status;
        int index =
                ((endpoint.ordinal() * METHODS.length + m) * Cache.values().length + cache.ordinal()) * 500 + (s - 100);
        CounterDataPoint c = requestCounters.get(index);
        if (c == null) {
            c = requests.labelValues(endpoint.label, METHODS[m], Integer.toString(s), cache.label);
            requestCounters.lazySet(index, c);
        }
        c.inc();
        outcomes[cache.ordinal()].increment();
        if (bytes > 0) {
            bytesSent.add(bytes);
            responseBytes[endpoint.ordinal()].inc(bytes);
        }
        durations[endpoint.ordinal()].observe(nanos / 1e9);
    }

    private static int methodIndex(String method) {
        return switch (method) {
            case "GET" -> 0;
            case "HEAD" -> 1;
            case "POST" -> 2;
            case "PUT" -> 3;
            case "DELETE" -> 4;
            case "PATCH" -> 5;
            case "OPTIONS" -> 6;
            default -> 7;
        };
    }

    /** Requests answered with this cache outcome since start (all endpoints). */
    public long cacheOutcomes(Cache cache) {
        return outcomes[cache.ordinal()].sum();
    }

    /** Requests answered since start, every endpoint and outcome. */
    public long requestsTotal() {
        long n = 0;
        for (LongAdder a : outcomes) {
            n += a.sum();
        }
        return n;
    }

    /** Response body bytes sent since start, every endpoint. */
    public long bytesTotal() {
        return bytesSent.sum();
    }

    /** The last content refused from upstreams (what quarantined them), newest first. */
    public RecentRefusals refusals() {
        return refusals;
    }

    @Override
    public void committed(Durability durability, long nanos) {
        commits[durability.ordinal()].observe(nanos / 1e9);
    }

    @Override
    public void logSynced(long nanos) {
        logSyncs.observe(nanos / 1e9);
    }

    @Override
    public void verification(Result result) {
        verifications[result.ordinal()].inc();
    }

    @Override
    public void request(RequestKind kind) {
        sumdbRequests[kind.ordinal()].inc();
    }

    @Override
    public void response(String upstream, int status, Duration latency) {
        upstreamRequests.labelValues(label(upstream), Integer.toString(status)).inc();
        upstreamLatency.labelValues(label(upstream)).observe(latency.toNanos() / 1e9);
    }

    @Override
    public void failure(String upstream, String kind, String detail) {
        upstreamFailures.labelValues(label(upstream), label(kind)).inc();
    }

    @Override
    public void breaker(String upstream, BreakerState from, BreakerState to, String why) {
        breakerTransitions.labelValues(label(upstream), to.label()).inc();
    }

    @Override
    public void refused(String host) {
        directRefusals.inc();
    }

    @Override
    public void process(String outcome, java.time.Duration took) {
        directCommands.labelValues(outcome).inc();
    }

    @Override
    public void asked(String peer, String outcome) {
        peerRequests.labelValues(label(peer), outcome).inc();
    }

    /** A peer request answered: found, not_found, refused (no or a wrong token) or bad_request. */
    public void peerAnswered(String outcome) {
        peerAnswers.labelValues(outcome).inc();
    }

    @Override
    public void quarantined(String upstream, String subject, String why) {
        quarantines.labelValues(label(upstream)).inc();
        refusals.add(upstream, subject, why);
    }

    @Override
    public void bytes(String upstream, long count) {
        if (count > 0) {
            upstreamBytes.labelValues(label(upstream)).inc(count);
        }
    }

    private static String label(String value) {
        return value == null ? "" : value;
    }
}
