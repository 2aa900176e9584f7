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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;

/**
 * {@link GoProxyClient} on the JDK HttpClient (HTTP/2 over TLS via ALPN, HTTP/1.1 for plain http because h2c
 * upgrades confuse some servers; redirects followed except https to http), over an {@link UpstreamPool}.
 *
 * <p>Each attempt asks one {@link Upstream}: the connect timeout bounds TCP+TLS set-up, the first-byte timeout
 * bounds request-sent to response-headers, and the stall timeout and floor rate bound the body (see
 * {@link WatchedBody}). Bodies stream to the handler; nothing is buffered whole. The walk over the list follows
 * the go command ({@code cmd/go/internal/modfetch/proxy.go}, tryProxies): 404/410 always moves on, any other
 * failure moves on only after a {@code |}; if any attempt failed for a reason other than not-found, the
 * result is {@link FetchResult.Failed} even when a later upstream said 404, because "not found" from a
 * fallback does not prove the module is absent. On top of that, the pool's health decides: an upstream whose
 * breaker is open is skipped (under either separator, and without making a later 404 a failure: it was not
 * asked), a walk that failed is repeated after a jittered backoff within the retry budget, and a body that
 * breaks or stalls part-way is continued from the next upstream with a Range request ({@link SplicedBody}).
 */
public final class HttpGoProxyClient implements GoProxyClient, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HttpGoProxyClient.class.getName());
    /** The go command shows a 404 body to the user; a few hundred characters are plenty and bound memory. */
    static final int REASON_LIMIT = 500;
    public static final String USER_AGENT = "ferry/" + buildVersion();

    private static final ScheduledThreadPoolExecutor WATCHDOG = newWatchdog();

    private final UpstreamPool pool;
    private final UpstreamEvents events;
    private final Map<String, HttpClient> clients = new HashMap<>();
    private final NotFoundMemory notFound;
    private final Clock clock;
    /** Requests waiting for response headers, by upstream name: request id to the nanoTime it was sent. */
    private final Map<String, ConcurrentHashMap<Long, Long>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong();
    private final SplicedBody.Transport transport = new SplicedBody.Transport() {
        @Override
        public Sent send(Upstream upstream, String path, long rangeFrom) {
            return HttpGoProxyClient.this.send(upstream, path, rangeFrom);
        }

        @Override
        public WatchedBody watch(Upstream upstream, HttpResponse<InputStream> response, long declared) {
            return HttpGoProxyClient.this.watch(upstream, response, declared);
        }

        @Override
        public boolean hanging(Upstream upstream) {
            Duration delay = pool.hedgeDelay();
            return !delay.isZero() && waitingLongerThan(upstream, delay);
        }

        @Override
        public Duration hedgeDelay() {
            return pool.hedgeDelay();
        }
    };

    /** One walk, no retries, nothing remembered, default breakers: the go command's behaviour, for tests and simple callers. */
    public HttpGoProxyClient(GoProxyList list, UpstreamTimeouts timeouts, UpstreamEvents events) {
        this(upstreams(list, timeouts), goCommandLike(), events, Clock.systemUTC(), null);
    }

    /** For callers that need their own HttpClient (proxy selector, TLS trust); its connect timeout is theirs. */
    public HttpGoProxyClient(GoProxyList list, UpstreamTimeouts timeouts, UpstreamEvents events, HttpClient http) {
        this(upstreams(list, timeouts), goCommandLike(), events, Clock.systemUTC(), http);
    }

    private static PoolSettings goCommandLike() {
        return PoolSettings.defaults().withRetry(RetryPolicy.none()).withNotFoundMemory(Duration.ZERO)
                .withHedgeAfter(Duration.ZERO);
    }

    public HttpGoProxyClient(List<Upstream> upstreams, PoolSettings settings, UpstreamEvents events, Clock clock) {
        this(upstreams, settings, events, clock, null);
    }

    private HttpGoProxyClient(List<Upstream> upstreams, PoolSettings settings, UpstreamEvents events, Clock clock, HttpClient http) {
        this.pool = new UpstreamPool(upstreams, settings, clock, events);
        this.events = events;
        this.clock = clock;
        this.notFound = new NotFoundMemory(settings.notFoundMemory(), clock);
        for (Upstream u : upstreams) {
            clients.put(u.name(), http != null ? http : HttpClient.newBuilder()
                    .connectTimeout(u.timeouts().connect())
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .version(HttpClient.Version.HTTP_2)
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
        RetryPolicy retry = pool.settings().retry();
        long deadline = System.nanoTime() + retry.budget().toNanos();
        for (int walk = 1; ; walk++) {
            Walk<T> result = walk(path, handler, deadline);
            if (!result.retryable() || walk >= retry.attempts()) {
                return result.result();
            }
            long wait = retry.backoff(walk).toNanos();
            if (System.nanoTime() + wait >= deadline) {
                return result.result();
            }
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return result.result();
            }
        }
    }

    /** One pass over the pool's plan; retryable when some upstream failed in a way that may pass. */
    private record Walk<T>(FetchResult<T> result, boolean retryable) {}

    private <T> Walk<T> walk(String path, BodyHandler<T> handler, long deadline) {
        List<UpstreamPool.Member> plan = pool.plan();
        boolean weighted = pool.settings().strategy() == Strategy.WEIGHTED;
        List<FetchResult.Attempt> attempts = new ArrayList<>();
        boolean failed = false;
        boolean retryable = false;
        int missingStatus = 0;
        String missingReason = null;
        Set<Integer> skip = new HashSet<>();
        Duration hedgeAfter = pool.hedgeDelay();
        HedgedRequests hedges = hedgeAfter.isZero() ? null
                : new HedgedRequests(plan, u -> send(u, path, 0, true), hedgeAfter, weighted);
        String[] won = new String[1];
        try {
            for (int i = 0; i < plan.size(); i++) {
                if (skip.contains(i)) {
                    continue;
                }
                UpstreamPool.Member member = plan.get(i);
                Upstream upstream = member.upstream();
                boolean hedged = hedges != null && hedges.isStarted(i);
                NotFoundMemory.Miss remembered = hedged ? null : notFound.get(upstream.name(), path);
                if (remembered != null) {
                    missingStatus = remembered.status();
                    missingReason = remembered.reason();
                    attempts.add(new FetchResult.Attempt(upstream.name(), "not found (" + remembered.status() + ", remembered)"));
                    continue;
                }
                if (!hedged && hedges != null && i + 1 < plan.size() && movesOnAfterFailure(upstream, weighted)
                        && waitingLongerThan(upstream, hedgeAfter)) {
                    // Requests to it are already hanging: go to the next upstream at once instead of hedging late.
                    attempts.add(new FetchResult.Attempt(upstream.name(), "skipped: earlier requests still wait for its answer"));
                    continue;
                }
                if (!hedged && System.nanoTime() >= deadline) {
                    attempts.add(new FetchResult.Attempt(upstream.name(), "not asked: retry budget of "
                            + pool.settings().retry().budget().toMillis() + " ms used up"));
                    failed = true;
                    break;
                }
                if (!hedged && !member.tryAcquire()) {
                    attempts.add(new FetchResult.Attempt(upstream.name(), member.skippedBecause()));
                    continue;
                }
                int from = i;
                HedgedRequests.Winner winner = hedges == null ? new HedgedRequests.Winner(i, send(upstream, path, 0, true))
                        : hedges.await(i, n -> mayHedgeTo(plan.get(n), path, deadline, skip.contains(n)));
                if (winner.index() != from) {
                    LOG.log(System.Logger.Level.DEBUG, () -> path + ": " + plan.get(winner.index()).upstream().name()
                            + " answered first, " + plan.get(from).upstream().name() + " still had not");
                }
                Attempted<T> attempted = attempt(plan, winner.index(), winner.sent(), path, handler);
                UpstreamPool.Member last = plan.get(attempted.index());
                i = attempted.index();
                skip.addAll(attempted.unreachable());
                switch (attempted.outcome()) {
                    case Outcome.Success<T> s -> {
                        won[0] = last.upstream().name();
                        last.record(new AttemptOutcome.Success(s.transfer()));
                        return new Walk<>(new FetchResult.Fetched<>(s.value(), last.upstream().name()), false);
                    }
                    case Outcome.Missing<T> m -> {
                        last.record(new AttemptOutcome.NotFound(m.status()));
                        notFound.put(last.upstream().name(), path, m.status(), m.reason());
                        missingStatus = m.status();
                        missingReason = m.reason();
                        attempts.add(new FetchResult.Attempt(last.upstream().name(), "not found (" + m.status() + ")"));
                    }
                    case Outcome.Failure<T> f when f.kind() == null || f.kind() == FailureKind.HANDLER -> {
                        // Not a fault of the upstream (we were interrupted, our disk failed): stop, and say why.
                        last.record(new AttemptOutcome.Abandoned(f.detail()));
                        String problem = f.kind() == null ? f.detail() : f.kind().label() + ": " + f.detail();
                        attempts.add(new FetchResult.Attempt(last.upstream().name(), problem));
                        return new Walk<>(new FetchResult.Failed<>(List.copyOf(attempts)), false);
                    }
                    case Outcome.Failure<T> f -> {
                        failed = true;
                        retryable |= f.kind() != FailureKind.REJECTED && f.kind() != FailureKind.MISMATCH;
                        last.record(new AttemptOutcome.Failure(f.kind(), f.detail(), f.retryAfter(), f.subject()));
                        attempts.add(new FetchResult.Attempt(last.upstream().name(), f.kind().label() + ": " + f.detail()));
                        LOG.log(System.Logger.Level.DEBUG, () -> last.upstream().name() + "/" + path + ": " + f.kind().label() + ": " + f.detail());
                        if (!weighted && last.upstream().afterFailure() != AfterFailure.MOVE_ON) {
                            return new Walk<>(new FetchResult.Failed<>(List.copyOf(attempts)), retryable);
                        }
                    }
                }
            }
            if (failed || missingReason == null) {
                return new Walk<>(new FetchResult.Failed<>(List.copyOf(attempts)), retryable);
            }
            return new Walk<>(new FetchResult.NotFound<>(missingStatus, missingReason), false);
        } finally {
            if (hedges != null) {
                hedges.settleRest(won[0], (n, sent) -> settle(plan.get(n), sent), (n, sent) -> discard(sent));
            }
        }
    }

    private static boolean movesOnAfterFailure(Upstream upstream, boolean weighted) {
        return weighted || upstream.afterFailure() == AfterFailure.MOVE_ON;
    }

    /** Whether a hedge may go to {@code member}: same rules as the walk, and it takes the breaker's permit. */
    private boolean mayHedgeTo(UpstreamPool.Member member, String path, long deadline, boolean skipped) {
        return !skipped && System.nanoTime() < deadline && notFound.get(member.upstream().name(), path) == null
                && member.tryAcquire();
    }

    /** Records a request the walk did not use (it lost a hedge race): its answer still says how the upstream is. */
    private void settle(UpstreamPool.Member member, Sent sent) {
        switch (sent) {
            case Sent.Failed f -> member.record(f.kind() == null ? new AttemptOutcome.Abandoned(f.detail())
                    : new AttemptOutcome.Failure(f.kind(), f.detail(), null));
            case Sent.Answered a -> {
                SplicedBody.closeQuietly(a.response().body());
                int status = a.status();
                if (status == 200) {
                    member.record(new AttemptOutcome.Success(a.transfer()));
                } else if (status == 404 || status == 410) {
                    member.record(new AttemptOutcome.NotFound(status));
                } else {
                    member.record(new AttemptOutcome.Failure(statusKind(status), "HTTP " + status,
                            retryAfter(a.response(), status)));
                }
            }
        }
    }

    private static void discard(Sent sent) {
        if (sent instanceof Sent.Answered a) {
            SplicedBody.closeQuietly(a.response().body());
        }
    }

    private static FailureKind statusKind(int status) {
        return status == 429 ? FailureKind.STATUS_429
                : status >= 500 && status <= 599 ? FailureKind.STATUS_5XX : FailureKind.STATUS_4XX;
    }

    private Duration retryAfter(HttpResponse<InputStream> response, int status) {
        return status == 429 || status == 503
                ? RetryAfter.parse(response.headers().firstValue("Retry-After").orElse(null), clock.instant()) : null;
    }

    private boolean waitingLongerThan(Upstream upstream, Duration d) {
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

    /** An attempt's outcome and the plan index of the upstream it ended on (later than the start after a splice). */
    private record Attempted<T>(Outcome<T> outcome, int index, Set<Integer> unreachable) {
        Attempted(Outcome<T> outcome, int index) {
            this(outcome, index, Set.of());
        }
    }


    private Sent send(Upstream upstream, String path, long rangeFrom) {
        return send(upstream, path, rangeFrom, false);
    }

    /**
     * One request; with {@code readSmall}, a 200 body of declared length up to {@link SpeedSettings#smallBody} is
     * read whole before returning, so a hedge races the whole transfer and the request counts as waiting until
     * its last byte.
     */
    private Sent send(Upstream upstream, String path, long rangeFrom, boolean readSmall) {
        URI uri = upstream.resolve(path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .GET()
                .timeout(upstream.timeouts().firstByte())
                .header("User-Agent", USER_AGENT)
                .version("http".equalsIgnoreCase(uri.getScheme()) ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2);
        upstream.credentials().authorization().ifPresent(v -> b.header("Authorization", v));
        if (rangeFrom > 0) {
            b.header("Range", "bytes=" + rangeFrom + "-");
        }
        long started = System.nanoTime();
        long id = requestIds.incrementAndGet();
        var pending = waiting.computeIfAbsent(upstream.name(), k -> new ConcurrentHashMap<>());
        pending.put(id, started);
        try {
            HttpResponse<InputStream> response;
            try {
                response = clients.get(upstream.name()).send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (HttpConnectTimeoutException e) {
                return new Sent.Failed(FailureKind.CONNECT, "no connection within " + upstream.timeouts().connect().toMillis() + " ms");
            } catch (HttpTimeoutException e) {
                return new Sent.Failed(FailureKind.TIMEOUT, "no response headers within " + upstream.timeouts().firstByte().toMillis() + " ms");
            } catch (ConnectException | SSLException e) {
                return new Sent.Failed(FailureKind.CONNECT, WatchedBody.describe(e));
            } catch (IOException e) {
                return new Sent.Failed(FailureKind.RESET, WatchedBody.describe(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Sent.Failed(null, "interrupted");
            }
            long headers = System.nanoTime();
            events.response(upstream.name(), response.statusCode(), Duration.ofNanos(headers - started));
            long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (!readSmall || response.statusCode() != 200 || declared < 0 || declared > pool.settings().speed().smallBody()) {
                return new Sent.Answered(response, response.statusCode(), started, headers, null, headers);
            }
            WatchedBody body = watch(upstream, response, declared);
            try (body) {
                byte[] bytes = body.readAllBytes();
                return new Sent.Answered(response, 200, started, headers, bytes, headers + body.readNanos());
            } catch (IOException e) {
                TransferFailure t = body.failure();
                return t != null ? new Sent.Failed(t.kind(), t.getMessage()) : new Sent.Failed(FailureKind.RESET, WatchedBody.describe(e));
            } finally {
                events.bytes(upstream.name(), body.count());
            }
        } finally {
            pending.remove(id);
        }
    }

    private WatchedBody watch(Upstream upstream, HttpResponse<InputStream> response, long declared) {
        return watch(upstream, response, declared, 0);
    }

    private WatchedBody watch(Upstream upstream, HttpResponse<InputStream> response, long declared, long relativeFloor) {
        PoolSettings s = pool.settings();
        return new WatchedBody(response.body(), declared, upstream.timeouts().stall(), s.stallFloorBytesPerSecond(),
                s.stallFloorWindow(), relativeFloor, s.speed().window(), WATCHDOG);
    }

    /**
     * The relative floor for a large body from {@code plan[index]}: only when the list lets a slow body be
     * continued from a later upstream, else a slow body is still better than none.
     */
    private long relativeFloor(List<UpstreamPool.Member> plan, int index, boolean weighted) {
        for (int j = index + 1; j < plan.size(); j++) {
            if (!weighted && plan.get(j - 1).upstream().afterFailure() != AfterFailure.MOVE_ON) {
                return 0;
            }
            if (plan.get(j).breaker().available()) {
                return pool.relativeFloor(plan.get(index));
            }
        }
        return 0;
    }

    /** The rest of one request to the upstream at {@code plan[index]}, whose headers are {@code sent}, classified. */
    private <T> Attempted<T> attempt(List<UpstreamPool.Member> plan, int index, Sent sent, String path, BodyHandler<T> handler) {
        Upstream upstream = plan.get(index).upstream();
        Sent.Answered answered;
        switch (sent) {
            case Sent.Failed f -> {
                return new Attempted<>(new Outcome.Failure<>(f.kind(), f.detail(), null), index);
            }
            case Sent.Answered a -> answered = a;
        }
        HttpResponse<InputStream> response = answered.response();
        int status = response.statusCode();
        if (status == 200 && answered.body() != null) {
            return new Attempted<>(deliverRead(upstream, handler, answered), index);
        }
        long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        boolean weighted = pool.settings().strategy() == Strategy.WEIGHTED;
        WatchedBody body = status == 200 ? watch(upstream, response, declared, relativeFloor(plan, index, weighted))
                : watch(upstream, response, declared);
        if (status == 200) {
            SplicedBody spliced = new SplicedBody(transport, events, weighted, plan, index, path, body, declared);
            try {
                Outcome<T> outcome = deliver(upstream, handler, spliced, declared);
                if (outcome instanceof Outcome.Success<T> s && spliced.index() == index) {
                    long toHeaders = answered.headersNanos() - answered.startedNanos();
                    outcome = new Outcome.Success<>(s.value(), new Transfer(body.count(), toHeaders, toHeaders + body.readNanos()));
                }
                return new Attempted<>(outcome, spliced.index(), spliced.unreachable());
            } finally {
                spliced.closeQuietly();
            }
        }
        try (body) {
            String reason = reason(body);
            if (status == 404 || status == 410) {
                return new Attempted<>(new Outcome.Missing<>(status, reason), index);
            }
            String detail = "HTTP " + status + (reason.isEmpty() ? "" : ": " + firstLine(reason));
            return new Attempted<>(new Outcome.Failure<>(statusKind(status), detail, retryAfter(response, status)), index);
        } catch (IOException e) {
            return new Attempted<>(failure(FailureKind.RESET, WatchedBody.describe(e)), index);
        } finally {
            events.bytes(upstream.name(), body.count());
        }
    }

    /** A small body read ahead: the transfer is over, so whatever the handler throws is about the content or us. */
    private <T> Outcome<T> deliverRead(Upstream upstream, BodyHandler<T> handler, Sent.Answered answered) {
        byte[] bytes = answered.body();
        try {
            return new Outcome.Success<>(handler.handle(new java.io.ByteArrayInputStream(bytes), bytes.length, upstream.name()),
                    answered.transfer());
        } catch (ContentMismatch e) {
            return new Outcome.Failure<>(FailureKind.MISMATCH, e.getMessage(), null, e.subject());
        } catch (ContentRejected e) {
            return failure(FailureKind.REJECTED, e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            return failure(FailureKind.HANDLER, WatchedBody.describe(e instanceof UncheckedIOException u ? u.getCause() : e));
        }
    }

    private <T> Outcome<T> deliver(Upstream upstream, BodyHandler<T> handler, SplicedBody body, long declared) {
        try {
            return new Outcome.Success<>(handler.handle(body, declared, upstream.name()));
        } catch (ContentMismatch e) {
            TransferFailure cause = body.failure();
            return cause != null ? failure(cause.kind(), cause.getMessage())
                    : new Outcome.Failure<>(FailureKind.MISMATCH, e.getMessage(), null, e.subject());
        } catch (ContentRejected e) {
            // A parser that choked on a cut-off body is a transfer failure, not bad content.
            TransferFailure cause = body.failure();
            return cause != null ? failure(cause.kind(), cause.getMessage()) : failure(FailureKind.REJECTED, e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            TransferFailure cause = body.failure();
            return cause != null ? failure(cause.kind(), cause.getMessage())
                    : failure(FailureKind.HANDLER, WatchedBody.describe(e instanceof UncheckedIOException u ? u.getCause() : e));
        } finally {
            body.reportBytes();
        }
    }

    /** The most of a probe's body read to time it: enough to see the rate, little for a big home page. */
    private static final int PROBE_BODY = 4096;

    /**
     * The active probe: the upstream's base URL; any answer below 500 other than 429 means it is back, if it came
     * fast enough: the start of its body is read, and the whole is timed like a small body (so a mirror that
     * answers at once but trickles fails the probe as slow).
     */
    private AttemptOutcome probe(Upstream upstream) {
        Sent sent = send(upstream, "", 0);
        if (sent instanceof Sent.Answered a && a.status() < 500 && a.status() != 429) {
            WatchedBody body = watch(upstream, a.response(), -1);
            try (body) {
                int n = body.readNBytes(PROBE_BODY).length;
                long toHeaders = a.headersNanos() - a.startedNanos();
                return new AttemptOutcome.Success(new Transfer(n, toHeaders, toHeaders + body.readNanos()));
            } catch (IOException e) {
                TransferFailure t = body.failure();
                return new AttemptOutcome.Failure(t != null ? t.kind() : FailureKind.RESET,
                        "probe: " + (t != null ? t.getMessage() : WatchedBody.describe(e)), null);
            }
        }
        switch (sent) {
            case Sent.Failed f -> {
                return f.kind() == null ? new AttemptOutcome.Abandoned(f.detail())
                        : new AttemptOutcome.Failure(f.kind(), "probe: " + f.detail(), null);
            }
            case Sent.Answered a -> {
                SplicedBody.closeQuietly(a.response().body());
                int status = a.status();
                if (status >= 500 || status == 429) {
                    return new AttemptOutcome.Failure(status == 429 ? FailureKind.STATUS_429 : FailureKind.STATUS_5XX,
                            "probe: HTTP " + status, RetryAfter.parse(a.response().headers().firstValue("Retry-After")
                                    .orElse(null), clock.instant()));
                }
                return new AttemptOutcome.Success();
            }
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
        return new Outcome.Failure<>(kind, detail, null);
    }

    /** What one attempt came to; {@code kind == null} means the caller was interrupted. */
    private sealed interface Outcome<T> {
        record Success<T>(T value, Transfer transfer) implements Outcome<T> {
            Success(T value) {
                this(value, null);
            }
        }

        record Missing<T>(int status, String reason) implements Outcome<T> {}

        record Failure<T>(FailureKind kind, String detail, Duration retryAfter, String subject) implements Outcome<T> {
            Failure(FailureKind kind, String detail, Duration retryAfter) {
                this(kind, detail, retryAfter, null);
            }
        }
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
