package dev.ferry.upstreams;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import javax.net.ssl.SSLException;

/**
 * {@link GoProxyClient} on the JDK HttpClient (HTTP/2 over TLS via ALPN, HTTP/1.1 for plain http because h2c
 * upgrades confuse some servers; redirects followed except https to http).
 *
 * <p>Each attempt asks one {@link Upstream}: the connect timeout bounds TCP+TLS set-up, the first-byte timeout
 * bounds request-sent to response-headers, and the stall timeout bounds every wait for body bytes (see
 * {@link WatchedBody}). Bodies stream to the handler; nothing is buffered whole. The walk over the list follows
 * the go command ({@code cmd/go/internal/modfetch/proxy.go}, tryProxies): 404/410 always moves on, any other
 * failure moves on only after a {@code |}; if any attempt failed for a reason other than not-found, the
 * result is {@link FetchResult.Failed} even when a later upstream said 404, because "not found" from a
 * fallback does not prove the module is absent.
 *
 * <p>The loop over upstreams is the seam for the next pieces (health checks, weights, circuit breakers,
 * retries, Range resume): they change which {@link Upstream}s are tried and how often, not {@link #attempt}.
 */
public final class HttpGoProxyClient implements GoProxyClient {
    private static final System.Logger LOG = System.getLogger(HttpGoProxyClient.class.getName());
    /** The go command shows a 404 body to the user; a few hundred characters are plenty and bound memory. */
    static final int REASON_LIMIT = 500;
    public static final String USER_AGENT = "ferry/" + buildVersion();

    private static final ScheduledThreadPoolExecutor WATCHDOG = newWatchdog();

    private final List<Upstream> upstreams;
    private final UpstreamTimeouts timeouts;
    private final UpstreamEvents events;
    private final HttpClient http;

    public HttpGoProxyClient(GoProxyList list, UpstreamTimeouts timeouts, UpstreamEvents events) {
        this(list, timeouts, events, HttpClient.newBuilder()
                .connectTimeout(timeouts.connect())
                .followRedirects(HttpClient.Redirect.NORMAL)
                .version(HttpClient.Version.HTTP_2)
                .build());
    }

    /** For callers that need their own HttpClient (proxy selector, TLS trust); its connect timeout is theirs. */
    public HttpGoProxyClient(GoProxyList list, UpstreamTimeouts timeouts, UpstreamEvents events, HttpClient http) {
        this.upstreams = list.entries().stream().map(Upstream::of).toList();
        this.timeouts = timeouts;
        this.events = events;
        this.http = http;
    }

    public List<Upstream> upstreams() {
        return upstreams;
    }

    @Override
    public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
        if (path == null || path.isEmpty() || path.startsWith("/")) {
            throw new IllegalArgumentException("upstream path must be relative and non-empty: " + path);
        }
        if (upstreams.isEmpty()) {
            return new FetchResult.NotFound<>(404, "module lookups disabled by GOPROXY=off");
        }
        List<FetchResult.Attempt> attempts = new ArrayList<>();
        boolean failed = false;
        Outcome.Missing<T> lastMissing = null;
        for (Upstream upstream : upstreams) {
            Outcome<T> outcome = attempt(upstream, path, handler);
            switch (outcome) {
                case Outcome.Success<T> s -> {
                    return new FetchResult.Fetched<>(s.value(), upstream.name());
                }
                case Outcome.Missing<T> m -> {
                    lastMissing = m;
                    attempts.add(new FetchResult.Attempt(upstream.name(), "not found (" + m.status() + ")"));
                }
                case Outcome.Failure<T> f when f.kind() == null -> {
                    attempts.add(new FetchResult.Attempt(upstream.name(), f.detail()));
                    return new FetchResult.Failed<>(List.copyOf(attempts));
                }
                case Outcome.Failure<T> f -> {
                    failed = true;
                    attempts.add(new FetchResult.Attempt(upstream.name(), f.kind().label() + ": " + f.detail()));
                    events.failure(upstream.name(), f.kind().label(), f.detail());
                    LOG.log(System.Logger.Level.DEBUG, () -> upstream.name() + "/" + path + ": " + f.kind().label() + ": " + f.detail());
                    if (upstream.fallThrough() != GoProxyList.FallThrough.ANY_ERROR) {
                        return new FetchResult.Failed<>(List.copyOf(attempts));
                    }
                }
            }
        }
        if (failed || lastMissing == null) {
            return new FetchResult.Failed<>(List.copyOf(attempts));
        }
        return new FetchResult.NotFound<>(lastMissing.status(), lastMissing.reason());
    }

    /** One request to one upstream, start to end, classified. */
    private <T> Outcome<T> attempt(Upstream upstream, String path, BodyHandler<T> handler) {
        URI uri = upstream.resolve(path);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .GET()
                .timeout(timeouts.firstByte())
                .header("User-Agent", USER_AGENT)
                .version("http".equalsIgnoreCase(uri.getScheme()) ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2)
                .build();
        long started = System.nanoTime();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            return failure(FailureKind.CONNECT, "no connection within " + timeouts.connect().toMillis() + " ms");
        } catch (HttpTimeoutException e) {
            return failure(FailureKind.TIMEOUT, "no response headers within " + timeouts.firstByte().toMillis() + " ms");
        } catch (ConnectException | SSLException e) {
            return failure(FailureKind.CONNECT, WatchedBody.describe(e));
        } catch (IOException e) {
            return failure(FailureKind.RESET, WatchedBody.describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // Not a fault of the upstream: stop here rather than try the next one.
            return new Outcome.Failure<>(null, "interrupted");
        }
        int status = response.statusCode();
        events.response(upstream.name(), status, Duration.ofNanos(System.nanoTime() - started));
        long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        try (WatchedBody body = new WatchedBody(response.body(), declared, timeouts.stall(), WATCHDOG)) {
            try {
                if (status == 200) {
                    return deliver(upstream, handler, body, declared);
                }
                String reason = reason(body);
                if (status == 404 || status == 410) {
                    return new Outcome.Missing<>(status, reason);
                }
                String detail = "HTTP " + status + (reason.isEmpty() ? "" : ": " + firstLine(reason));
                return failure(status >= 500 && status <= 599 ? FailureKind.STATUS_5XX : FailureKind.STATUS_4XX, detail);
            } finally {
                events.bytes(upstream.name(), body.count());
            }
        } catch (IOException e) {
            // Closing the body failed; nothing more can go wrong with this attempt than already has.
            return failure(FailureKind.RESET, WatchedBody.describe(e));
        }
    }

    private static <T> Outcome<T> deliver(Upstream upstream, BodyHandler<T> handler, WatchedBody body, long declared) {
        try {
            return new Outcome.Success<>(handler.handle(body, declared, upstream.name()));
        } catch (ContentRejected e) {
            // A parser that choked on a cut-off body is a transfer failure, not bad content.
            TransferFailure cause = body.failure();
            return cause != null ? failure(cause.kind(), cause.getMessage()) : failure(FailureKind.REJECTED, e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            TransferFailure cause = body.failure();
            return cause != null ? failure(cause.kind(), cause.getMessage())
                    : failure(FailureKind.HANDLER, WatchedBody.describe(e instanceof UncheckedIOException u ? u.getCause() : e));
        }
    }

    /** The start of a non-200 body as plain text: printable, one space for control runs, bounded. */
    private static String reason(WatchedBody body) {
        byte[] buffer = new byte[REASON_LIMIT * 4];
        int filled = 0;
        try {
            int n;
            while (filled < buffer.length && (n = body.read(buffer, filled, buffer.length - filled)) > 0) {
                filled += n;
            }
        } catch (IOException e) {
            // The reason is a courtesy; a broken error body does not change the status.
        }
        String text = new String(buffer, 0, filled, StandardCharsets.UTF_8)
                .replaceAll("[\\p{Cntrl}&&[^\n]]+", " ")
                .strip();
        return text.length() > REASON_LIMIT ? text.substring(0, REASON_LIMIT) + "…" : text;
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    private static <T> Outcome<T> failure(FailureKind kind, String detail) {
        return new Outcome.Failure<>(kind, detail);
    }

    /** What one attempt came to; {@code kind == null} means the caller was interrupted. */
    private sealed interface Outcome<T> {
        record Success<T>(T value) implements Outcome<T> {}

        record Missing<T>(int status, String reason) implements Outcome<T> {}

        record Failure<T>(FailureKind kind, String detail) implements Outcome<T> {}
    }

    private static String buildVersion() {
        try (InputStream in = HttpGoProxyClient.class.getResourceAsStream("ferry-upstreams.properties")) {
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
