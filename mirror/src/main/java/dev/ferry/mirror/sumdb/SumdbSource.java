package dev.ferry.mirror.sumdb;

import dev.ferry.upstreams.goproxy.GoProxyClient;
import dev.ferry.upstreams.pool.ContentRejected;
import dev.ferry.upstreams.pool.FetchResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Where ferry asks a checksum database: through the upstream proxies at {@code sumdb/<db>/<path>} (as the go command
 * does when a proxy supports it), then at the database's own URL. When the GOSUMDB setting names a URL there are no
 * proxies, as for the go command. Only {@link GoProxyClient#fetch} is used, so the upstream client can change freely.
 */
public final class SumdbSource {
    private final String db;
    private final GoProxyClient proxies;
    private final GoProxyClient direct;
    private final SumdbEvents events;
    private final ConcurrentHashMap<String, CompletableFuture<FetchResult<Fetched>>> inFlight =
            new ConcurrentHashMap<>();

    /** @param proxies the upstream proxies, or null to go to {@code direct} only */
    public SumdbSource(String db, GoProxyClient proxies, GoProxyClient direct, SumdbEvents events) {
        this.db = db;
        this.proxies = proxies;
        this.direct = direct;
        this.events = events;
    }

    public String db() {
        return db;
    }

    /**
     * The body of {@code path} (relative to the database URL), at most {@code max} bytes. Concurrent fetches of one
     * path share one request: the first verifications after a start all want the same tiles.
     */
    public FetchResult<Fetched> fetch(String path, SumdbEvents.RequestKind kind, int max) {
        return fetch(path, kind, max, f -> {});
    }

    /**
     * As {@link #fetch(String, SumdbEvents.RequestKind, int)}, calling {@code keep} with a fetched body before
     * concurrent callers are released, so that a caller arriving just after finds it stored instead of fetching again.
     */
    public FetchResult<Fetched> fetch(String path, SumdbEvents.RequestKind kind, int max, Consumer<Fetched> keep) {
        CompletableFuture<FetchResult<Fetched>> mine = new CompletableFuture<>();
        CompletableFuture<FetchResult<Fetched>> running = inFlight.putIfAbsent(path, mine);
        if (running != null) {
            return running.join();
        }
        try {
            FetchResult<Fetched> r = fetchOnce(path, kind, max);
            if (r instanceof FetchResult.Fetched<Fetched> f) {
                keep.accept(f.value());
            }
            inFlight.remove(path, mine);
            mine.complete(r);
            return r;
        } catch (RuntimeException | Error e) {
            inFlight.remove(path, mine);
            mine.completeExceptionally(e);
            throw e;
        }
    }

    private FetchResult<Fetched> fetchOnce(String path, SumdbEvents.RequestKind kind, int max) {
        FetchResult<Fetched> viaProxy = null;
        if (proxies != null) {
            events.request(kind);
            viaProxy = proxies.fetch(
                    "sumdb/" + db + "/" + path, (body, length, from) -> read(body, length, from, max, path));
            if (viaProxy instanceof FetchResult.Fetched<Fetched>) {
                return viaProxy;
            }
        }
        events.request(kind);
        FetchResult<Fetched> r = direct.fetch(path, (body, length, from) -> read(body, length, from, max, path));
        if (r instanceof FetchResult.Failed<Fetched> f && viaProxy instanceof FetchResult.Failed<Fetched> p) {
            List<FetchResult.Attempt> all = new ArrayList<>(p.attempts());
            all.addAll(f.attempts());
            return new FetchResult.Failed<>(all);
        }
        return r;
    }

    /** A fetched body and the upstream it came from. */
    public record Fetched(byte[] bytes, String from) {}

    private static Fetched read(java.io.InputStream body, long length, String from, int max, String path)
            throws java.io.IOException, ContentRejected {
        if (length > max) {
            throw new ContentRejected(path + " from " + from + " rejected: " + length + " bytes, more than " + max);
        }
        byte[] bytes = body.readNBytes(max + 1);
        if (bytes.length > max) {
            throw new ContentRejected(path + " from " + from + " rejected: more than " + max + " bytes");
        }
        return new Fetched(bytes, from);
    }

    /** One line saying why nothing usable came back. */
    public static String why(FetchResult<?> r) {
        return switch (r) {
            case FetchResult.Fetched<?> f -> "fetched";
            case FetchResult.NotFound<?> n ->
                "not found (" + n.status()
                        + (n.message() == null || n.message().isBlank()
                                ? ""
                                : ": " + n.message().strip()) + ")";
            case FetchResult.Failed<?> f -> f.summary();
        };
    }
}
