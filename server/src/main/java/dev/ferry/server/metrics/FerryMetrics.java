package dev.ferry.server.metrics;

import dev.ferry.mirror.sumdb.SumdbEvents;
import dev.ferry.storage.StoreStats;
import dev.ferry.upstreams.pool.BreakerState;
import dev.ferry.upstreams.pool.UpstreamEvents;
import dev.ferry.upstreams.pool.UpstreamPool;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Map;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * Every metric ferry exports, with the label sets resolved ahead of the hot path. Also the {@link UpstreamEvents}
 * the upstream clients report to.
 */
public final class FerryMetrics implements UpstreamEvents, SumdbEvents {

    /** The {@code endpoint} label. */
    public enum Endpoint {
        LIST, LATEST, INFO, MOD, ZIP, SUMDB, HEALTH, METRICS, ADMIN,
        /** {@code /v2/}, the registry's version check. */
        OCI_BASE, OCI_MANIFEST, OCI_BLOB, OCI_UPLOAD, OCI_TAGS, OCI_REFERRERS, OCI_CATALOG, OCI_TOKEN, OTHER;
        final String label = name().toLowerCase(Locale.ROOT);

        public String label() {
            return label;
        }
    }

    /** The {@code cache} label. */
    public enum Cache {
        HIT, MISS, STALE, NEGATIVE_HIT, NONE;
        final String label = name().toLowerCase(Locale.ROOT);

        public String label() {
            return label;
        }
    }

    private static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"};

    private final MetricRegistry registry = new MetricRegistry();
    private final CounterFamily requests;
    private final CounterFamily.Counter[] responseBytes;
    private final HistogramFamily.Histogram[] durations;
    /** [endpoint][method][cache][status - 100], filled lazily. */
    private final AtomicReferenceArray<CounterFamily.Counter> requestCounters;
    private final CounterFamily upstreamRequests;
    private final CounterFamily upstreamFailures;
    private final HistogramFamily upstreamLatency;
    private final CounterFamily upstreamBytes;
    private final CounterFamily breakerTransitions;
    private final CounterFamily quarantines;
    private final CounterFamily.Counter[] verifications;
    private final CounterFamily.Counter[] sumdbRequests;
    private final List<UpstreamPool> watched = new CopyOnWriteArrayList<>();
    /** Requests by cache outcome, whatever the endpoint: the admin API's hit ratio. */
    private final java.util.concurrent.atomic.LongAdder[] outcomes = new java.util.concurrent.atomic.LongAdder[Cache.values().length];

    public FerryMetrics(Supplier<StoreStats> storeStats) {
        for (int i = 0; i < outcomes.length; i++) {
            outcomes[i] = new java.util.concurrent.atomic.LongAdder();
        }
        requests = registry.counter("ferry_http_requests_total", "HTTP requests answered.",
                "endpoint", "method", "status", "cache");
        CounterFamily bytes = registry.counter("ferry_http_response_bytes_total", "Response body bytes sent.", "endpoint");
        HistogramFamily duration = registry.histogram("ferry_http_request_duration_seconds",
                "Time from request to the end of the response.", HistogramFamily.LATENCY_SECONDS, "endpoint");
        Endpoint[] endpoints = Endpoint.values();
        responseBytes = new CounterFamily.Counter[endpoints.length];
        durations = new HistogramFamily.Histogram[endpoints.length];
        for (Endpoint e : endpoints) {
            responseBytes[e.ordinal()] = bytes.labels(e.label);
            durations[e.ordinal()] = duration.labels(e.label);
        }
        requestCounters = new AtomicReferenceArray<>(endpoints.length * METHODS.length * Cache.values().length * 500);

        upstreamRequests = registry.counter("ferry_upstream_requests_total", "Upstream responses by status.",
                "upstream", "status");
        upstreamFailures = registry.counter("ferry_upstream_failures_total", "Failed upstream attempts by kind.",
                "upstream", "kind");
        upstreamLatency = registry.histogram("ferry_upstream_latency_seconds", "Upstream time to first byte.",
                HistogramFamily.LATENCY_SECONDS, "upstream");
        upstreamBytes = registry.counter("ferry_upstream_bytes_total", "Body bytes received from upstreams.", "upstream");
        breakerTransitions = registry.counter("ferry_upstream_breaker_transitions_total",
                "Circuit breaker state changes by the state entered.", "upstream", "state");
        quarantines = registry.counter("ferry_upstream_quarantines_total",
                "Upstreams quarantined for serving content that failed its checksum or digest.", "upstream");

        CounterFamily verified = registry.counter("ferry_sumdb_verifications_total",
                "Downloaded .mod and .zip files checked against the checksum database or a pinned hash, by result.", "result");
        verifications = new CounterFamily.Counter[Result.values().length];
        for (Result r : Result.values()) {
            verifications[r.ordinal()] = verified.labels(r.name().toLowerCase(Locale.ROOT));
        }
        CounterFamily asked = registry.counter("ferry_sumdb_requests_total",
                "Requests ferry sent towards checksum databases (through proxies or directly), by kind.", "kind");
        sumdbRequests = new CounterFamily.Counter[RequestKind.values().length];
        for (RequestKind k : RequestKind.values()) {
            sumdbRequests[k.ordinal()] = asked.labels(k.name().toLowerCase(Locale.ROOT));
        }

        if (storeStats != null) {
            registry.gauge("ferry_store_objects", "Objects in the content store.", () -> storeStats.get().objects());
            registry.gauge("ferry_store_bytes", "Total size of the objects in the content store.",
                    () -> storeStats.get().objectBytes());
            registry.gauge("ferry_store_chunks", "Chunks in the content store.", () -> storeStats.get().chunks());
            registry.gauge("ferry_store_disk_bytes", "Disk used by the content store: every file in DATA/store (SST and blob files, WAL, MANIFEST, OPTIONS, logs).",
                    () -> storeStats.get().diskBytes());
        }
    }

    /**
     * Exports each upstream's breaker state (0 closed, 1 open, 2 half-open), read at scrape time; every pool
     * watched (Go, each registry) shares the one gauge family.
     */
    public void watch(UpstreamPool pool) {
        boolean first;
        synchronized (watched) {
            first = watched.isEmpty();
            watched.add(pool);
        }
        if (first) {
            registry.gauges("ferry_upstream_breaker_state", "Circuit breaker state: 0 closed, 1 open, 2 half-open.",
                    "upstream", () -> {
                        Map<String, Double> states = new LinkedHashMap<>();
                        for (UpstreamPool p : watched) {
                            for (UpstreamPool.Member m : p.members()) {
                                states.putIfAbsent(m.upstream().name(), (double) m.breaker().state().gauge());
                            }
                        }
                        return states;
                    });
        }
    }

    public MetricRegistry registry() {
        return registry;
    }

    /** Records one finished HTTP request. */
    public void request(Endpoint endpoint, String method, int status, Cache cache, long bytes, long nanos) {
        int m = methodIndex(method);
        int s = status < 100 || status > 599 ? 500 : status;
        int index = ((endpoint.ordinal() * METHODS.length + m) * Cache.values().length + cache.ordinal()) * 500 + (s - 100);
        CounterFamily.Counter c = requestCounters.get(index);
        if (c == null) {
            c = requests.labels(endpoint.label, METHODS[m], Integer.toString(s), cache.label);
            requestCounters.lazySet(index, c);
        }
        c.inc();
        outcomes[cache.ordinal()].increment();
        responseBytes[endpoint.ordinal()].add(bytes);
        durations[endpoint.ordinal()].observeNanos(nanos);
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
        upstreamRequests.labels(upstream, Integer.toString(status)).inc();
        upstreamLatency.labels(upstream).observeNanos(latency.toNanos());
    }

    @Override
    public void failure(String upstream, String kind, String detail) {
        upstreamFailures.labels(upstream, kind).inc();
    }

    @Override
    public void breaker(String upstream, BreakerState from, BreakerState to, String why) {
        breakerTransitions.labels(upstream, to.label()).inc();
    }

    @Override
    public void quarantined(String upstream, String subject, String why) {
        quarantines.labels(upstream).inc();
    }

    @Override
    public void bytes(String upstream, long count) {
        upstreamBytes.labels(upstream).add(count);
    }
}
