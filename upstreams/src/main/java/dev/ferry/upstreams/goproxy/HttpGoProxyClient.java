package dev.ferry.upstreams.goproxy;

import dev.ferry.upstreams.pool.Answer;
import dev.ferry.upstreams.pool.AttemptOutcome;
import dev.ferry.upstreams.pool.Attempted;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.FailureKind;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.Outcome;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.PoolWalk;
import dev.ferry.upstreams.pool.RedirectPolicy;
import dev.ferry.upstreams.pool.RetryPolicy;
import dev.ferry.upstreams.pool.Sent;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamCall;
import dev.ferry.upstreams.pool.UpstreamEvents;
import dev.ferry.upstreams.pool.UpstreamHttp;
import dev.ferry.upstreams.pool.UpstreamPool;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@link GoProxyClient} on the JDK HttpClient (HTTP/2 over TLS via ALPN, HTTP/1.1 for plain http because h2c
 * upgrades confuse some servers; redirects followed except https to http), over an {@link UpstreamPool}.
 *
 * <p>Each attempt asks one {@link Upstream}: the connect timeout bounds TCP+TLS set-up, the first-byte timeout
 * bounds request-sent to response-headers, and the stall timeout and floor rate bound the body (the pool's
 * stall watchdog, {@link UpstreamHttp}). Bodies stream to the handler; nothing is buffered whole but a small body, read ahead so a
 * hedge races the whole transfer. The walk over the list ({@link PoolWalk}) follows the go command
 * ({@code cmd/go/internal/modfetch/proxy.go}, tryProxies): 404/410 always moves on, any other failure moves on
 * only after a {@code |}; if any attempt failed for a reason other than not-found, the result is
 * {@link FetchResult.Failed} even when a later upstream said 404, because "not found" from a fallback does not
 * prove the module is absent. On top of that, the pool's health decides: an upstream whose breaker is open is
 * skipped (under either separator, and without making a later 404 a failure: it was not asked), a walk that
 * failed is repeated after a jittered backoff within the retry budget, and a body that breaks or stalls part-way
 * is continued from the next upstream with a Range request. A 404 or 410 is remembered for a few seconds per
 * upstream and path ({@link PoolSettings#notFoundMemory()}), so repeats go straight to the next upstream.
 */
public final class HttpGoProxyClient implements GoProxyClient, AutoCloseable {
    /** The go command shows a 404 body to the user; a few hundred characters are plenty and bound memory. */
    static final int REASON_LIMIT = 500;
    /** A 404 or 410 moves on to the next proxy, which may have what this one lacks; first requests are hedged. */
    private static final PoolWalk.Rules GOPROXY =
            new PoolWalk.Rules(true, false, status -> status == 404 || status == 410);

    /**
     * The clients' own tasks (completing a response, handing body buffers on) on virtual threads instead of the
     * JDK's default cached pool of platform threads: on the loaded 2-core machine a small GET to a loopback nginx
     * took 0.26 ms median and 0.38 ms p90 this way against 0.39 and 2.6 ms (bench/cold README), and every cold
     * .mod and .info waits for one.
     */
    private static final ExecutorService CLIENT_TASKS = Executors.newVirtualThreadPerTaskExecutor();

    private final UpstreamPool pool;
    private final UpstreamHttp http;
    private final PoolWalk walk;
    private final Map<String, HttpClient> clients = new HashMap<>();
    private final NotFoundMemory notFound;

    /** One walk, no retries, nothing remembered, default breakers: the go command's behaviour, for tests and simple callers. */
    public HttpGoProxyClient(GoProxyList list, UpstreamTimeouts timeouts, UpstreamEvents events) {
        this(upstreams(list, timeouts), goCommandLike(), events, Clock.systemUTC(), null);
    }

    /** For callers that need their own HttpClient (proxy selector, TLS trust); its connect timeout is theirs. */
    public HttpGoProxyClient(GoProxyList list, UpstreamTimeouts timeouts, UpstreamEvents events, HttpClient http) {
        this(upstreams(list, timeouts), goCommandLike(), events, Clock.systemUTC(), http);
    }

    private static PoolSettings goCommandLike() {
        return PoolSettings.defaults()
                .withRetry(RetryPolicy.none())
                .withNotFoundMemory(Duration.ZERO)
                .withHedgeAfter(Duration.ZERO);
    }

    public HttpGoProxyClient(List<Upstream> upstreams, PoolSettings settings, UpstreamEvents events, Clock clock) {
        this(upstreams, settings, events, clock, null);
    }

    private HttpGoProxyClient(
            List<Upstream> upstreams, PoolSettings settings, UpstreamEvents events, Clock clock, HttpClient http) {
        this.pool = new UpstreamPool(upstreams, settings, clock, events);
        this.http = new UpstreamHttp(pool, events, clock);
        this.walk = new PoolWalk(pool, this.http, events, GOPROXY);
        this.notFound = new NotFoundMemory(settings.notFoundMemory(), clock);
        for (Upstream u : upstreams) {
            clients.put(
                    u.name(),
                    http != null
                            ? http
                            : HttpClient.newBuilder()
                                    .connectTimeout(u.timeouts().connect())
                                    // followed here (send), where the target is checked first
                                    .followRedirects(HttpClient.Redirect.NEVER)
                                    .version(HttpClient.Version.HTTP_2)
                                    .executor(CLIENT_TASKS)
                                    .build());
        }
    }

    private static List<Upstream> upstreams(GoProxyList list, UpstreamTimeouts timeouts) {
        return list.entries().stream().map(e -> e.upstream(timeouts)).toList();
    }

    public List<Upstream> upstreams() {
        return pool.members().stream().map(UpstreamPool.Member::upstream).toList();
    }

    public UpstreamPool pool() {
        return pool;
    }

    /** Starts the active probe of upstreams whose breakers are open (a GET of the base URL: any answer below 500 but 429 is alive). */
    public void startProbing() {
        pool.startProbing(this::probe);
    }

    /** Runs the due active probes now, on this thread (tests drive it with their own clock). */
    public void probeDue() {
        pool.probeDue(this::probe);
    }

    @Override
    public void close() {
        pool.close();
    }

    @Override
    public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
        if (path == null || path.isEmpty() || path.startsWith("/")) {
            throw new IllegalArgumentException("upstream path must be relative and non-empty: " + path);
        }
        if (pool.isEmpty()) {
            return new FetchResult.NotFound<>(404, "module lookups disabled by GOPROXY=off");
        }
        return walk.fetch(new ProxyCall<>(path, handler));
    }

    /** One GOPROXY path, as the walk asks it of each proxy. */
    private final class ProxyCall<T> implements UpstreamCall<T> {
        private final String path;
        private final BodyHandler<T> handler;

        ProxyCall(String path, BodyHandler<T> handler) {
            this.path = path;
            this.handler = handler;
        }

        @Override
        public String path() {
            return path;
        }

        /** A first request reads a small body ahead (see {@link UpstreamHttp#send(HttpClient, Upstream, HttpRequest, boolean)}). */
        @Override
        public Sent send(Upstream upstream, long rangeFrom) {
            return HttpGoProxyClient.this.send(upstream, path, rangeFrom, rangeFrom == 0);
        }

        @Override
        public Attempted<T> read(Answer answer) {
            if (answer.status() != 200) {
                return walk.refused(answer, HttpGoProxyClient::reason);
            }
            // A small body read ahead is handed over whole; a larger one streams (see PoolWalk.stream).
            return walk.stream(this, answer, handler, 0);
        }

        @Override
        public String describe(Upstream upstream) {
            return upstream.name() + "/" + path;
        }

        @Override
        public Outcome.Missing<T> remembered(Upstream upstream) {
            NotFoundMemory.Miss miss = notFound.get(upstream.name(), path);
            return miss == null ? null : new Outcome.Missing<>(miss.status(), miss.reason());
        }

        @Override
        public void missed(Upstream upstream, Outcome.Missing<T> missing) {
            notFound.put(upstream.name(), path, missing.status(), missing.reason());
        }
    }

    /** Most redirects followed for one request, as the go command's HTTP client allows ten. */
    static final int MAX_REDIRECTS = 10;

    /**
     * One request and the redirects it answers with: each target is checked against the pool's
     * {@link RedirectPolicy} before it is asked, https never leads to plain http, and the upstream's credentials go
     * to its own origin only.
     */
    private Sent send(Upstream upstream, String path, long rangeFrom, boolean readSmall) {
        URI uri = upstream.resolve(path);
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = UpstreamHttp.request(uri, upstream).GET();
            if (sameOrigin(upstream.base(), uri)) {
                upstream.credentials().authorization().ifPresent(v -> b.header("Authorization", v));
            }
            if (rangeFrom > 0) {
                b.header("Range", "bytes=" + rangeFrom + "-");
            }
            Sent sent = http.send(clients.get(upstream.name()), upstream, b.build(), readSmall);
            if (!(sent instanceof Sent.Answered a) || !isRedirect(a.status())) {
                return sent;
            }
            UpstreamHttp.closeQuietly(a.response().body());
            if (hop >= MAX_REDIRECTS) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "more than " + MAX_REDIRECTS + " redirects");
            }
            String location = a.response().headers().firstValue("Location").orElse("");
            URI next;
            try {
                next = uri.resolve(location.strip());
            } catch (IllegalArgumentException e) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "HTTP " + a.status() + " with an unusable Location");
            }
            String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
            if (location.isBlank() || !(scheme.equals("http") || scheme.equals("https")) || next.getHost() == null) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "HTTP " + a.status() + " without an http(s) Location");
            }
            if (scheme.equals("http") && "https".equalsIgnoreCase(uri.getScheme())) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "redirect from https to plain http refused");
            }
            var refused = pool.settings().redirects().refusal(upstream.base(), next);
            if (refused.isPresent()) {
                return new Sent.Failed(FailureKind.STATUS_4XX, refused.get());
            }
            uri = next;
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null
                && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** The active probe: the upstream's base URL (see {@link UpstreamHttp#probed}). */
    private AttemptOutcome probe(Upstream upstream) {
        return http.probed(upstream, send(upstream, "", 0, false));
    }

    /** The start of a non-200 body as plain text: printable, one space for control runs, bounded. */
    private static String reason(InputStream body) {
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
}
