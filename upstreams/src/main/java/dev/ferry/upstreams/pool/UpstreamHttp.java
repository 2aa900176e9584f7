package dev.ferry.upstreams.pool;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;

/**
 * HTTP to the upstreams of one pool, the same for every protocol: ferry's User-Agent; HTTP/1.1 for plain http
 * (h2c upgrades confuse some servers) and HTTP/2 where TLS can negotiate it; what a request that got no answer
 * failed of; which requests still wait for their answer (so a walk can hedge past a black hole); the watchdog
 * over every body ({@link WatchedBody}); and what an active probe's answer says.
 */
public final class UpstreamHttp {
    public static final String USER_AGENT = "ferry/" + buildVersion();
    /** The most of a probe's body read to time it: enough to see the rate, little for a big home page. */
    static final int PROBE_BODY = 4096;

    private static final ScheduledThreadPoolExecutor WATCHDOG = newWatchdog();

    private final UpstreamPool pool;
    private final UpstreamEvents events;
    private final Clock clock;
    /** Requests waiting for their answer, by upstream name: request id to the nanoTime it was sent. */
    private final Map<String, ConcurrentHashMap<Long, Long>> waiting = new ConcurrentHashMap<>();

    private final AtomicLong requestIds = new AtomicLong();

    public UpstreamHttp(UpstreamPool pool, UpstreamEvents events, Clock clock) {
        this.pool = pool;
        this.events = events;
        this.clock = clock;
    }

    /** A request to {@code uri} of {@code upstream}: its first-byte timeout, ferry's User-Agent, the version for the scheme. */
    public static HttpRequest.Builder request(URI uri, Upstream upstream) {
        return HttpRequest.newBuilder(uri)
                .timeout(upstream.timeouts().firstByte())
                .header("User-Agent", USER_AGENT)
                .version(
                        "http".equalsIgnoreCase(uri.getScheme())
                                ? HttpClient.Version.HTTP_1_1
                                : HttpClient.Version.HTTP_2);
    }

    /** What one request to {@code upstream} came to: the response headers (the body still to read), or why none came. */
    public Sent send(HttpClient client, Upstream upstream, HttpRequest request) {
        return send(client, upstream, request, false);
    }

    /**
     * One request; with {@code readSmall}, a 200 body of declared length up to {@link SpeedSettings#smallBody} is
     * read whole before returning, so a hedge races the whole transfer and the request counts as waiting until
     * its last byte.
     */
    public Sent send(HttpClient client, Upstream upstream, HttpRequest request, boolean readSmall) {
        long started = System.nanoTime();
        long id = requestIds.incrementAndGet();
        var pending = waiting.computeIfAbsent(upstream.name(), k -> new ConcurrentHashMap<>());
        pending.put(id, started);
        try {
            HttpResponse<InputStream> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                return failure(upstream, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Sent.Failed(null, "interrupted");
            }
            long headers = System.nanoTime();
            events.response(upstream.name(), response.statusCode(), Duration.ofNanos(headers - started));
            long declared =
                    response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (!readSmall
                    || response.statusCode() != 200
                    || declared < 0
                    || declared > pool.settings().speed().smallBody()) {
                return new Sent.Answered(response, response.statusCode(), started, headers, null, headers);
            }
            return readAhead(upstream, response, declared, started, headers);
        } finally {
            pending.remove(id);
        }
    }

    /**
     * {@code sent} with a small 200 body read whole (as {@link #send(HttpClient, Upstream, HttpRequest, boolean)}
     * does with {@code readSmall}), for a client that reaches the final answer through several requests (auth,
     * redirects) and so cannot ask the first one to read ahead.
     */
    public Sent readSmall(Upstream upstream, Sent sent) {
        if (!(sent instanceof Sent.Answered a) || a.body() != null || a.status() != 200) {
            return sent;
        }
        long declared =
                a.response().headers().firstValueAsLong("Content-Length").orElse(-1);
        if (declared < 0 || declared > pool.settings().speed().smallBody()) {
            return sent;
        }
        // Waiting until the last byte, as a request that reads ahead itself does: a trickle makes it hang.
        long id = requestIds.incrementAndGet();
        var pending = waiting.computeIfAbsent(upstream.name(), k -> new ConcurrentHashMap<>());
        pending.put(id, a.startedNanos());
        try {
            return readAhead(upstream, a.response(), declared, a.startedNanos(), a.headersNanos());
        } finally {
            pending.remove(id);
        }
    }

    private Sent readAhead(
            Upstream upstream, HttpResponse<InputStream> response, long declared, long started, long headers) {
        WatchedBody body = watch(upstream, response, declared);
        try (body) {
            byte[] bytes = body.readAllBytes();
            return new Sent.Answered(response, 200, started, headers, bytes, headers + body.readNanos());
        } catch (IOException e) {
            TransferFailure t = body.failure();
            return t != null
                    ? new Sent.Failed(t.kind(), t.getMessage())
                    : new Sent.Failed(FailureKind.RESET, WatchedBody.describe(e));
        } finally {
            events.bytes(upstream.name(), body.count());
        }
    }

    /** Why a request to {@code upstream} got no response headers. */
    static Sent.Failed failure(Upstream upstream, IOException e) {
        return switch (e) {
            case HttpConnectTimeoutException t ->
                new Sent.Failed(
                        FailureKind.CONNECT,
                        "no connection within " + upstream.timeouts().connect().toMillis() + " ms");
            case HttpTimeoutException t ->
                new Sent.Failed(
                        FailureKind.TIMEOUT,
                        "no response headers within "
                                + upstream.timeouts().firstByte().toMillis() + " ms");
            case ConnectException c -> new Sent.Failed(FailureKind.CONNECT, WatchedBody.describe(e));
            case SSLException s -> new Sent.Failed(FailureKind.CONNECT, WatchedBody.describe(e));
            default -> new Sent.Failed(FailureKind.RESET, WatchedBody.describe(e));
        };
    }

    /** Whether a request to {@code upstream} has been waiting for its answer longer than {@code d}. */
    boolean waitingLongerThan(Upstream upstream, Duration d) {
        var pending = waiting.get(upstream.name());
        if (pending == null) {
            return false;
        }
        long limit = System.nanoTime() - d.toNanos();
        for (long since : pending.values()) {
            if (since < limit) {
                return true;
            }
        }
        return false;
    }

    /** The body of {@code response} under the upstream's stall timeout and the pool's stall floor. */
    WatchedBody watch(Upstream upstream, HttpResponse<InputStream> response, long declared) {
        return watch(upstream, response, declared, 0);
    }

    /** As {@link #watch(Upstream, HttpResponse, long)}, abandoned as slow under {@code relativeFloor} B/s too. */
    WatchedBody watch(Upstream upstream, HttpResponse<InputStream> response, long declared, long relativeFloor) {
        PoolSettings s = pool.settings();
        return new WatchedBody(
                response.body(),
                declared,
                upstream.timeouts().stall(),
                s.stallFloorBytesPerSecond(),
                s.stallFloorWindow(),
                relativeFloor,
                s.speed().window(),
                WATCHDOG);
    }

    /** The answer's body read whole, or the body already read ahead; as {@link #readWhole(Upstream, HttpResponse, int, String)}. */
    public Outcome<byte[]> readWhole(Answer answer, int limit, String what) {
        Sent.Answered a = answer.sent();
        if (a.body() == null) {
            return readWhole(answer.upstream(), answer.response(), limit, what);
        }
        if (a.body().length > limit) {
            return Outcome.failure(
                    FailureKind.REJECTED,
                    what + " of " + a.body().length + " bytes is larger than the limit of " + limit);
        }
        return new Outcome.Success<>(a.body(), a.body().length, a.doneNanos() - a.headersNanos());
    }

    /** The whole 200 body, at most {@code limit} bytes (a larger declared length is refused before reading). */
    public Outcome<byte[]> readWhole(Upstream upstream, HttpResponse<InputStream> response, int limit, String what) {
        long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (declared > limit) {
            closeQuietly(response.body());
            return Outcome.failure(
                    FailureKind.REJECTED, what + " of " + declared + " bytes is larger than the limit of " + limit);
        }
        WatchedBody body = watch(upstream, response, declared);
        try (body) {
            byte[] bytes = body.readNBytes(limit + 1);
            if (bytes.length > limit) {
                return Outcome.failure(FailureKind.REJECTED, what + " is larger than the limit of " + limit + " bytes");
            }
            return new Outcome.Success<>(bytes, bytes.length, body.readNanos());
        } catch (IOException e) {
            TransferFailure t = body.failure();
            return t != null
                    ? Outcome.failure(t.kind(), t.getMessage())
                    : Outcome.failure(FailureKind.RESET, WatchedBody.describe(e));
        } finally {
            events.bytes(upstream.name(), body.count());
        }
    }

    /** Whatever 429 or 503 {@code response} asked for in its Retry-After, or null. */
    public Duration retryAfter(HttpResponse<?> response) {
        return RetryAfter.of(response, clock.instant());
    }

    /**
     * What the answer to an active probe says: any status below 500 other than 429 means the upstream is back, if
     * it came fast enough. The start of its body is read, and the whole is timed like a small body (so an
     * upstream that answers at once but trickles fails the probe as slow).
     */
    public AttemptOutcome probed(Upstream upstream, Sent sent) {
        switch (sent) {
            case Sent.Failed f -> {
                return f.kind() == null
                        ? new AttemptOutcome.Abandoned(f.detail())
                        : new AttemptOutcome.Failure(f.kind(), "probe: " + f.detail(), null);
            }
            case Sent.Answered a -> {
                int status = a.status();
                if (status >= 500 || status == 429) {
                    closeQuietly(a.response().body());
                    return new AttemptOutcome.Failure(
                            FailureKind.ofStatus(status), "probe: HTTP " + status, retryAfter(a.response()));
                }
                WatchedBody body = watch(upstream, a.response(), -1);
                try (body) {
                    int n = body.readNBytes(PROBE_BODY).length;
                    long toHeaders = a.headersNanos() - a.startedNanos();
                    return new AttemptOutcome.Success(new Transfer(n, toHeaders, toHeaders + body.readNanos()));
                } catch (IOException e) {
                    TransferFailure t = body.failure();
                    return new AttemptOutcome.Failure(
                            t != null ? t.kind() : FailureKind.RESET,
                            "probe: " + (t != null ? t.getMessage() : WatchedBody.describe(e)),
                            null);
                }
            }
        }
    }

    public static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException | RuntimeException ignored) {
            // the attempt's outcome is already decided
        }
    }

    private static String buildVersion() {
        try (InputStream in =
                UpstreamHttp.class.getResourceAsStream("/dev/ferry/upstreams/ferry-upstreams.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "");
                if (!v.isBlank() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through to the placeholder
        }
        return "dev";
    }

    private static ScheduledThreadPoolExecutor newWatchdog() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ferry-upstream-stall-watchdog");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }
}
