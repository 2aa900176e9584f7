package dev.ferry.upstreams.pool;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntPredicate;

/**
 * How one client request goes over an {@link UpstreamPool}, for every protocol: the upstreams are asked in the
 * pool's {@link UpstreamPool#plan() order}; an upstream whose breaker is open is skipped (without making a later
 * not-found a failure: it was not asked); a failure moves on only where the upstream's {@link AfterFailure} (or a
 * weighted pool) allows; if any attempt failed, the result is {@link FetchResult.Failed} even when a later upstream
 * said not-found, because not-found from a fallback does not prove absence. A first request with no answer within
 * the hedge delay may be hedged to the next upstream ({@link HedgedRequests}); a 200 body that breaks, stalls or is
 * too slow part-way is continued from the next upstream with a Range request ({@link SplicedBody}). Each answer
 * is recorded against its upstream (breaker, speed, slowness, quarantine). A walk that failed is repeated after a
 * jittered backoff within the retry budget ({@link PoolSettings#retry()}). A failure on ferry's own side (the
 * handler's IOException, an interrupt) is no upstream's fault: no penalty, and the walk stops.
 *
 * <p>What differs between protocols is in {@link Rules}, and in the {@link UpstreamCall} each request is.
 */
public final class PoolWalk {
    private static final System.Logger LOG = System.getLogger(PoolWalk.class.getName());

    /**
     * @param hedgeFirstRequests whether a first request that has no answer within the hedge delay is hedged to
     *                           the next upstream the plan allows, and an upstream whose requests already hang is
     *                           skipped (continuations are hedged either way)
     * @param missIsFinal        whether a not-found ends the walk when no upstream before it failed (replicas of
     *                           one registry); else the next upstream is asked (a GOPROXY list's proxies, any of
     *                           which may have what another lacks)
     * @param notFound           the statuses that mean not-found
     */
    public record Rules(boolean hedgeFirstRequests, boolean missIsFinal, IntPredicate notFound) {}

    private final UpstreamPool pool;
    private final UpstreamHttp http;
    private final UpstreamEvents events;
    private final Rules rules;

    public PoolWalk(UpstreamPool pool, UpstreamHttp http, UpstreamEvents events, Rules rules) {
        this.pool = pool;
        this.http = http;
        this.events = events;
        this.rules = rules;
    }

    /** Walks the plan for {@code call}, again after a backoff while it failed in a way that may pass. */
    public <T> FetchResult<T> fetch(UpstreamCall<T> call) {
        MissCharge.charge();
        RetryPolicy retry = pool.settings().retry();
        long deadline = System.nanoTime() + retry.budget().toNanos();
        for (int walk = 1; ; walk++) {
            Walked<T> walked = new Pass<>(call, deadline).walk();
            if (!walked.retryable() || walk >= retry.attempts()) {
                return walked.result();
            }
            long wait = retry.backoff(walk).toNanos();
            if (System.nanoTime() + wait >= deadline) {
                return walked.result();
            }
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return walked.result();
            }
        }
    }

    /** One pass over the pool's plan; retryable when some upstream failed in a way that may pass. */
    private record Walked<T>(FetchResult<T> result, boolean retryable) {}

    /** The state of one pass over the plan: what was tried, whether something failed, the not-found to answer with. */
    private final class Pass<T> {
        private final UpstreamCall<T> call;
        private final long deadline;
        private final List<UpstreamPool.Member> plan = pool.plan();
        private final Strategy strategy = pool.settings().strategy();
        private final List<FetchResult.Attempt> attempts = new ArrayList<>();
        /** Plan indexes not to ask (again) in this pass. */
        private final Set<Integer> skip = new HashSet<>();

        private final Duration hedgeAfter;
        private final HedgedRequests hedges;
        private boolean failed;
        private boolean retryable;
        private Outcome.Missing<T> missing;
        private String won;

        Pass(UpstreamCall<T> call, long deadline) {
            this.call = call;
            this.deadline = deadline;
            this.hedgeAfter = rules.hedgeFirstRequests() ? pool.hedgeDelay() : Duration.ZERO;
            this.hedges =
                    hedgeAfter.isZero() ? null : new HedgedRequests(plan, u -> call.send(u, 0), hedgeAfter, strategy);
        }

        Walked<T> walk() {
            try {
                for (int i = 0; i < plan.size(); i++) {
                    if (skip.contains(i)) {
                        continue;
                    }
                    if (!(hedges != null && hedges.isStarted(i))) {
                        Step step = before(i);
                        if (step == Step.NEXT) {
                            continue;
                        }
                        if (step == Step.STOP) {
                            break;
                        }
                    }
                    HedgedRequests.Winner winner = ask(i);
                    Attempted<T> attempted = attempt(winner);
                    i = attempted.index();
                    skip.addAll(attempted.unreachable());
                    Walked<T> ended = record(attempted, winner);
                    if (ended != null) {
                        return ended;
                    }
                }
                return result();
            } finally {
                if (hedges != null) {
                    hedges.settleRest(won, (n, sent) -> settle(plan.get(n), sent), (n, sent) -> discard(sent));
                }
            }
        }

        /** Whether to ask {@code plan[i]} (not yet asked by a hedge) now; when not, the attempts say why. */
        private Step before(int i) {
            UpstreamPool.Member member = plan.get(i);
            Upstream upstream = member.upstream();
            Outcome.Missing<T> remembered = call.remembered(upstream);
            if (remembered != null) {
                return miss(remembered, upstream, ", remembered") ? Step.STOP : Step.NEXT;
            }
            if (hedges != null
                    && i + 1 < plan.size()
                    && upstream.movesOnAfterFailure(strategy)
                    && http.waitingLongerThan(upstream, hedgeAfter)) {
                // Requests to it are already hanging: go to the next upstream at once instead of hedging late.
                attempts.add(new FetchResult.Attempt(
                        upstream.name(), "skipped: earlier requests still wait for its answer"));
                return Step.NEXT;
            }
            if (System.nanoTime() >= deadline) {
                attempts.add(new FetchResult.Attempt(
                        upstream.name(),
                        "not asked: retry budget of "
                                + pool.settings().retry().budget().toMillis() + " ms used up"));
                failed = true;
                return Step.STOP;
            }
            if (!member.tryAcquire() && !(noOtherAfter(i) && member.breaker().tryAcquireAsLastResort())) {
                attempts.add(new FetchResult.Attempt(upstream.name(), member.skippedBecause()));
                return Step.NEXT;
            }
            return Step.ASK;
        }

        /** Whether no upstream after {@code plan[i]} could be asked now: a quarantined one is then the last resort. */
        private boolean noOtherAfter(int i) {
            for (int j = i + 1; j < plan.size(); j++) {
                if (plan.get(j).breaker().available()) {
                    return false;
                }
            }
            return true;
        }

        /** Sends the request to {@code plan[i]} and waits for an answer: its own, or a hedge's that came first. */
        private HedgedRequests.Winner ask(int i) {
            if (hedges == null) {
                return new HedgedRequests.Winner(i, call.send(plan.get(i).upstream(), 0));
            }
            // The last upstream of the plan has nothing to hedge to: asked on this thread, without the hand-off to a
            // request thread and back (a cold .mod's upstream request is most of its time with one upstream).
            if (i == plan.size() - 1 && hedges.idle()) {
                return new HedgedRequests.Winner(i, hedges.sendHere(i));
            }
            HedgedRequests.Winner winner = hedges.await(i, this::mayHedgeTo);
            if (winner.index() != i) {
                LOG.log(
                        System.Logger.Level.DEBUG,
                        () -> call.path() + ": "
                                + plan.get(winner.index()).upstream().name() + " answered first, "
                                + plan.get(i).upstream().name() + " still had not");
            }
            return winner;
        }

        /** Whether a hedge may go to {@code plan[n]}: same rules as the walk, and it takes the breaker's permit. */
        private boolean mayHedgeTo(int n) {
            UpstreamPool.Member member = plan.get(n);
            return !skip.contains(n)
                    && System.nanoTime() < deadline
                    && call.remembered(member.upstream()) == null
                    && member.tryAcquire();
        }

        /** The rest of the attempt whose request ended in {@code winner}'s answer (or failure), classified. */
        private Attempted<T> attempt(HedgedRequests.Winner winner) {
            return switch (winner.sent()) {
                case Sent.Failed f ->
                    new Attempted<>(new Outcome.Failure<>(f.kind(), f.detail(), null), winner.index());
                case Sent.Answered a -> call.read(new Answer(plan, winner.index(), a));
            };
        }

        /** Records what the attempt says about the upstream it ended on; the walk's result when it ends the walk. */
        private Walked<T> record(Attempted<T> attempted, HedgedRequests.Winner winner) {
            UpstreamPool.Member last = plan.get(attempted.index());
            Upstream upstream = last.upstream();
            switch (attempted.outcome()) {
                case Outcome.Success<T> s -> {
                    won = upstream.name();
                    last.record(new AttemptOutcome.Success(transfer(s, attempted, winner)));
                    return new Walked<>(new FetchResult.Fetched<>(s.value(), upstream.name()), false);
                }
                case Outcome.Missing<T> m -> {
                    last.record(new AttemptOutcome.NotFound(m.status()));
                    call.missed(upstream, m);
                    return miss(m, upstream, "") ? result() : null;
                }
                case Outcome.Failure<T> f
                when f.kind() == null || f.kind() == FailureKind.HANDLER -> {
                    // Not a fault of the upstream (we were interrupted, our disk failed): stop, and say why.
                    last.record(new AttemptOutcome.Abandoned(f.detail()));
                    String problem = f.kind() == null ? f.detail() : f.kind().label() + ": " + f.detail();
                    attempts.add(new FetchResult.Attempt(upstream.name(), problem));
                    return new Walked<>(new FetchResult.Failed<>(List.copyOf(attempts)), false);
                }
                case Outcome.Failure<T> f -> {
                    failed = true;
                    retryable |= f.kind() != FailureKind.REJECTED && f.kind() != FailureKind.MISMATCH;
                    last.record(new AttemptOutcome.Failure(f.kind(), f.detail(), f.retryAfter(), f.subject()));
                    attempts.add(
                            new FetchResult.Attempt(upstream.name(), f.kind().label() + ": " + f.detail()));
                    LOG.log(
                            System.Logger.Level.DEBUG,
                            () -> call.describe(upstream) + ": " + f.kind().label() + ": " + f.detail());
                    return upstream.movesOnAfterFailure(strategy) ? null : result();
                }
            }
        }

        /**
         * Takes a not-found from {@code upstream} as the answer so far; true when it ends the walk
         * ({@link Rules#missIsFinal}), else the attempts say so and the next upstream is asked.
         */
        private boolean miss(Outcome.Missing<T> m, Upstream upstream, String note) {
            missing = m;
            if (rules.missIsFinal() && !failed) {
                return true;
            }
            attempts.add(new FetchResult.Attempt(upstream.name(), "not found (" + m.status() + note + ")"));
            return false;
        }

        /** The answer when no upstream succeeded: a failure outranks a not-found. */
        private Walked<T> result() {
            if (failed || missing == null) {
                return new Walked<>(new FetchResult.Failed<>(List.copyOf(attempts)), retryable);
            }
            return new Walked<>(new FetchResult.NotFound<>(missing.status(), missing.reason()), false);
        }
    }

    private enum Step {
        ASK,
        NEXT,
        STOP
    }

    /**
     * How a successful attempt's 200 body arrived, for its upstream's speed: when the body was timed and came whole
     * from the upstream whose answer it was, or for a spliced body the part the upstream that finished it sent.
     */
    private static Transfer transfer(Outcome.Success<?> s, Attempted<?> attempted, HedgedRequests.Winner winner) {
        if (attempted.index() != winner.index()) {
            return attempted.continued();
        }
        if (s.bytes() < 0 || attempted.index() != winner.index() || !(winner.sent() instanceof Sent.Answered a)) {
            return null;
        }
        long toHeaders = a.headersNanos() - a.startedNanos();
        return new Transfer(s.bytes(), toHeaders, toHeaders + s.bodyNanos());
    }

    /** Records a request the walk did not use (it lost a hedge race): its answer still says how the upstream is. */
    private void settle(UpstreamPool.Member member, Sent sent) {
        switch (sent) {
            case Sent.Failed f ->
                member.record(
                        f.kind() == null
                                ? new AttemptOutcome.Abandoned(f.detail())
                                : new AttemptOutcome.Failure(f.kind(), f.detail(), null));
            case Sent.Answered a -> {
                UpstreamHttp.closeQuietly(a.response().body());
                int status = a.status();
                if (status == 200) {
                    member.record(new AttemptOutcome.Success(a.transfer()));
                } else if (rules.notFound().test(status)) {
                    member.record(new AttemptOutcome.NotFound(status));
                } else {
                    member.record(new AttemptOutcome.Failure(
                            FailureKind.ofStatus(status), "HTTP " + status, http.retryAfter(a.response())));
                }
            }
        }
    }

    private static void discard(Sent sent) {
        if (sent instanceof Sent.Answered a) {
            UpstreamHttp.closeQuietly(a.response().body());
        }
    }

    /**
     * An answer other than the one the call reads: not-found for the {@link Rules#notFound} statuses, else a failure
     * of the status's kind (with what a 429 or 503 asked for in Retry-After); {@code reason} makes text of the start
     * of the body (it must not throw: the reason is a courtesy, a broken error body does not change the status).
     */
    public <T> Attempted<T> refused(Answer answer, Function<InputStream, String> reason) {
        Upstream upstream = answer.upstream();
        HttpResponse<InputStream> response = answer.response();
        int status = response.statusCode();
        WatchedBody body = http.watch(upstream, response, -1);
        try (body) {
            String text = reason.apply(body);
            if (rules.notFound().test(status)) {
                return new Attempted<>(new Outcome.Missing<>(status, text), answer.index());
            }
            // An error body is the upstream's words (or, after a redirect, anyone's): only a registry's error codes
            // are repeated in ferry's messages, never free text.
            String detail = "HTTP " + status + (ERROR_CODES.matcher(text).matches() ? ": " + text : "");
            return new Attempted<>(
                    new Outcome.Failure<>(FailureKind.ofStatus(status), detail, http.retryAfter(response)),
                    answer.index());
        } catch (IOException e) {
            return new Attempted<>(Outcome.failure(FailureKind.RESET, WatchedBody.describe(e)), answer.index());
        } finally {
            events.bytes(upstream.name(), body.count());
        }
    }

    /** What of a failure's body is repeated: OCI error codes ("DENIED", "TOOMANYREQUESTS, UNAUTHORIZED"). */
    private static final java.util.regex.Pattern ERROR_CODES =
            java.util.regex.Pattern.compile("[A-Z][A-Z_]{0,39}(, [A-Z][A-Z_]{0,39}){0,4}");

    /**
     * A 200 body streamed to {@code handler} as it arrives; when it breaks, stalls or is too slow part-way, the rest
     * comes from the next upstreams the plan allows ({@link SplicedBody}), after up to
     * {@code sameUpstreamResumes} continuations from the upstream it broke on. Timed only when it came whole.
     */
    public <T> Attempted<T> stream(
            UpstreamCall<T> call, Answer answer, BodyHandler<T> handler, int sameUpstreamResumes) {
        Sent.Answered a = answer.sent();
        if (a.body() != null) {
            // A small body the hedge raced whole: the transfer is over, only the handler's verdict is left.
            byte[] bytes = a.body();
            String name = answer.upstream().name();
            return new Attempted<>(
                    Outcome.handled(
                            () -> handler.handle(new ByteArrayInputStream(bytes), bytes.length, name),
                            bytes.length,
                            a.doneNanos() - a.headersNanos()),
                    answer.index());
        }
        List<UpstreamPool.Member> plan = answer.plan();
        int index = answer.index();
        long declared = answer.declaredLength();
        WatchedBody first = http.watch(answer.upstream(), answer.response(), declared, relativeFloor(plan, index));
        SplicedBody body = new SplicedBody(
                continuations(call),
                events,
                pool.settings().strategy(),
                plan,
                index,
                call.path(),
                first,
                declared,
                sameUpstreamResumes);
        try {
            Outcome<T> outcome = deliver(handler, body, declared, answer.upstream());
            if (outcome instanceof Outcome.Success<T> s && body.index() == index) {
                outcome = new Outcome.Success<>(s.value(), first.count(), first.readNanos());
            }
            return new Attempted<>(outcome, body.index(), body.unreachable(), body.continuedTransfer());
        } finally {
            body.closeQuietly();
        }
    }

    /** How a spliced body of {@code call} asks for the rest of itself. */
    private SplicedBody.Transport continuations(UpstreamCall<?> call) {
        return new SplicedBody.Transport() {
            @Override
            public Sent send(Upstream upstream, long rangeFrom) {
                return call.send(upstream, rangeFrom);
            }

            @Override
            public WatchedBody watch(Upstream upstream, HttpResponse<InputStream> response, long declared) {
                return http.watch(upstream, response, declared);
            }

            @Override
            public boolean hanging(Upstream upstream) {
                Duration delay = pool.hedgeDelay();
                return rules.hedgeFirstRequests() && !delay.isZero() && http.waitingLongerThan(upstream, delay);
            }

            @Override
            public Duration hedgeDelay() {
                return pool.hedgeDelay();
            }
        };
    }

    /**
     * The relative floor for a large body from {@code plan[index]}: only when the plan lets a slow body be
     * continued from a later upstream, else a slow body is still better than none.
     */
    private long relativeFloor(List<UpstreamPool.Member> plan, int index) {
        Strategy strategy = pool.settings().strategy();
        for (int j = index + 1; j < plan.size(); j++) {
            if (!plan.get(j - 1).upstream().movesOnAfterFailure(strategy)) {
                return 0;
            }
            if (plan.get(j).breaker().available()) {
                return pool.relativeFloor(plan.get(index));
            }
        }
        return 0;
    }

    /** What the handler made of a streamed body; a failure of the transfer beneath outranks what it threw. */
    private static <T> Outcome<T> deliver(BodyHandler<T> handler, SplicedBody body, long declared, Upstream first) {
        try {
            return new Outcome.Success<>(handler.handle(body, declared, first.name()));
        } catch (ContentMismatch e) {
            TransferFailure cause = body.failure();
            return cause != null
                    ? Outcome.failure(cause.kind(), cause.getMessage())
                    : new Outcome.Failure<>(FailureKind.MISMATCH, e.getMessage(), null, e.subject());
        } catch (ContentRejected e) {
            // A parser that choked on a cut-off body is a transfer failure, not bad content.
            TransferFailure cause = body.failure();
            return cause != null
                    ? Outcome.failure(cause.kind(), cause.getMessage())
                    : Outcome.failure(FailureKind.REJECTED, e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            TransferFailure cause = body.failure();
            return cause != null
                    ? Outcome.failure(cause.kind(), cause.getMessage())
                    : Outcome.failure(
                            FailureKind.HANDLER,
                            WatchedBody.describe(e instanceof UncheckedIOException u ? u.getCause() : e));
        } finally {
            body.reportBytes();
        }
    }
}
