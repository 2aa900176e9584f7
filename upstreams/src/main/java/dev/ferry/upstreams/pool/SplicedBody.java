package dev.ferry.upstreams.pool;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The body the handler reads: the first upstream's, and when that breaks or stalls part-way, the rest of it
 * from the next upstreams the list allows, asked with {@code Range: bytes=N-} (a 206 must fit exactly; a
 * 200 of the same length is read past the first N bytes). Only for bodies of declared length, because a
 * splice must be checked against it. The upstreams left behind are recorded as failed here; the one the
 * body ends on is the attempt's, recorded by the walk.
 *
 * <p>A client may also allow a few continuations from the upstream the body broke on, before moving on
 * ({@code sameUpstreamResumes}): the OCI client does, because a registry often has a single endpoint and a
 * connection that broke once usually works on the next try. Those are part of the same attempt, so nothing is
 * recorded for them.
 */
final class SplicedBody extends InputStream {
    /** How the client sends a request and watches a body; SplicedBody asks for continuations with it. */
    interface Transport {
        /** The request again, for the rest of the body from byte {@code rangeFrom}. */
        Sent send(Upstream upstream, long rangeFrom);

        WatchedBody watch(Upstream upstream, HttpResponse<InputStream> response, long declared);

        /**
         * Whether requests to {@code upstream} have been waiting for an answer longer than the hedge delay (a black
         * hole): a continuation is not sent there, since nothing hedges it and it would wait the whole timeout.
         */
        default boolean hanging(Upstream upstream) {
            return false;
        }

        /**
         * How long a continuation waits for its answer before the next upstream the list allows is asked as well
         * (0: no bound but the upstream's own first-byte timeout). The request left waiting runs on; it is used if
         * every later upstream fails, and its end is recorded either way.
         */
        default Duration hedgeDelay() {
            return Duration.ZERO;
        }
    }

    /** A continuation request still waiting for its answer when the next upstream was asked. */
    private record Pending(int index, long startedNanos, CompletableFuture<Sent> answer) {}

    private static final System.Logger LOG = System.getLogger(SplicedBody.class.getName());
    private final Transport transport;
    private final UpstreamEvents events;
    private final Strategy strategy;
    private final List<UpstreamPool.Member> plan;
    private final String path;
    private final long declared;
    private int index;
    /** Plan indexes that could not be reached for a continuation; the walk does not ask them again. */
    private final Set<Integer> unreachable = new HashSet<>();

    private WatchedBody current;
    /** When the request for {@code current} was sent and answered (System.nanoTime), when it is a continuation. */
    private long currentSent;

    private long currentAnswered;
    private long currentSentCandidate;
    private long currentAnsweredCandidate;
    private long position;
    private int sameUpstreamResumes;

    SplicedBody(
            Transport transport,
            UpstreamEvents events,
            Strategy strategy,
            List<UpstreamPool.Member> plan,
            int index,
            String path,
            WatchedBody first,
            long declared,
            int sameUpstreamResumes) {
        this.sameUpstreamResumes = sameUpstreamResumes;
        this.transport = transport;
        this.events = events;
        this.strategy = strategy;
        this.plan = plan;
        this.index = index;
        this.path = path;
        this.current = first;
        this.declared = declared;
    }

    int index() {
        return index;
    }

    Set<Integer> unreachable() {
        return unreachable;
    }

    /**
     * How the last continuation's part of the body arrived, for the averages of the upstream that finished it (its
     * rate is as real a sample as a whole body's); null when the body came from the first upstream only.
     */
    public Transfer continuedTransfer() {
        if (currentSent == 0) {
            return null;
        }
        long toHeaders = currentAnswered - currentSent;
        return new Transfer(current.count(), toHeaders, toHeaders + current.readNanos());
    }

    /** The failure of the body the handler is reading now, for classifying what the handler threw. */
    TransferFailure failure() {
        return current.failure();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (true) {
            try {
                int n = current.read(b, off, len);
                if (n > 0) {
                    position += n;
                }
                return n;
            } catch (TransferFailure f) {
                if (!resume(f)) {
                    throw f;
                }
            }
        }
    }

    private boolean resume(TransferFailure f) {
        if (declared <= 0
                || position == 0
                || position >= declared
                || Thread.currentThread().isInterrupted()) {
            return false;
        }
        // A broken connection usually works on the next try; a body that trickled or stalled would do the same
        // again from the same upstream, so it is asked again only when there is no other to move on to.
        boolean broken = f.kind() == FailureKind.RESET || f.kind() == FailureKind.TRUNCATED;
        if (sameUpstreamResumes > 0 && f.kind() != FailureKind.SLOW && (broken || !anotherAvailable())) {
            sameUpstreamResumes--;
            if (resumeHere(f)) {
                return true;
            }
        }
        return moveOn(f);
    }

    /** Continues from the upstream the body broke on; false when it cannot give the rest. */
    private boolean resumeHere(TransferFailure f) {
        UpstreamPool.Member same = plan.get(index);
        WatchedBody body = continuation(same, index);
        if (body == null) {
            return false;
        }
        closeQuietly();
        events.bytes(same.upstream().name(), current.count());
        LOG.log(
                System.Logger.Level.INFO,
                "continuing " + path + " at byte " + position + " of " + declared + " from "
                        + same.upstream().name() + " again after: " + f.getMessage());
        current = body;
        currentSent = currentSentCandidate;
        currentAnswered = currentAnsweredCandidate;
        return true;
    }

    /**
     * Continues from the first later upstream the plan allows that gives the rest (hedged after the hedge delay);
     * the one left behind is recorded as failed. False when none can.
     */
    private boolean moveOn(TransferFailure f) {
        List<Pending> waiting = new ArrayList<>();
        WatchedBody body = null;
        int to = -1;
        for (int j = index + 1; j < plan.size() && body == null; j++) {
            if (!plan.get(j - 1).upstream().movesOnAfterFailure(strategy)) {
                break;
            }
            UpstreamPool.Member next = plan.get(j);
            if (unreachable.contains(j) || transport.hanging(next.upstream()) || !next.tryAcquire()) {
                continue;
            }
            Duration bound = laterAllowed(j) ? transport.hedgeDelay() : Duration.ZERO;
            Sent sent = sendWithin(next.upstream(), bound, j, waiting);
            if (sent != null) {
                body = continuation(next, j, sent);
                to = j;
            }
        }
        // Every later upstream failed: the answers still on their way are the last chance, in list order.
        while (body == null && !waiting.isEmpty()) {
            Pending p = waiting.removeFirst();
            body = continuation(plan.get(p.index()), p.index(), await(p));
            to = p.index();
        }
        String winner = body == null ? null : plan.get(to).upstream().name();
        waiting.forEach(p -> settle(p, winner));
        if (body != null) {
            int j = to;
            UpstreamPool.Member next = plan.get(j);
            // From here the next upstream owns the attempt; the one left behind failed.
            UpstreamPool.Member left = plan.get(index);
            closeQuietly();
            events.bytes(left.upstream().name(), current.count());
            TransferFailure why = current.failure() != null ? current.failure() : f;
            left.record(new AttemptOutcome.Failure(why.kind(), why.getMessage(), null));
            LOG.log(
                    System.Logger.Level.INFO,
                    "continuing " + path + " at byte " + position + " of " + declared + " from "
                            + next.upstream().name() + " after "
                            + left.upstream().name() + ": " + why.getMessage());
            index = j;
            current = body;
            currentSent = currentSentCandidate;
            currentAnswered = currentAnsweredCandidate;
            return true;
        }
        return false;
    }

    /** Whether a later upstream the list allows could be asked for the rest now. */
    private boolean anotherAvailable() {
        for (int j = index + 1; j < plan.size(); j++) {
            if (!plan.get(j - 1).upstream().movesOnAfterFailure(strategy)) {
                return false;
            }
            if (!unreachable.contains(j) && plan.get(j).breaker().available()) {
                return true;
            }
        }
        return false;
    }

    /** Whether the list lets a failure at {@code plan[j]} move on to a later upstream. */
    private boolean laterAllowed(int j) {
        return j + 1 < plan.size() && plan.get(j).upstream().movesOnAfterFailure(strategy);
    }

    /**
     * Sends the continuation to {@code upstream}; with a bound, gives up waiting after it (a black hole, or an
     * upstream far slower than the pool's best) and returns null, leaving the request in {@code waiting}.
     */
    private Sent sendWithin(Upstream upstream, Duration bound, int j, List<Pending> waiting) {
        long from = position;
        if (bound.isZero()) {
            return transport.send(upstream, from);
        }
        CompletableFuture<Sent> answer = new CompletableFuture<>();
        long started = System.nanoTime();
        Thread.ofVirtual().name("upstream-continuation " + upstream.name()).start(() -> {
            Sent sent;
            try {
                sent = transport.send(upstream, from);
            } catch (RuntimeException e) {
                sent = new Sent.Failed(FailureKind.RESET, e.toString());
            }
            answer.complete(sent);
        });
        try {
            return answer.get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "continuation of " + path + " from " + upstream.name() + " has no answer after " + bound.toMillis()
                            + " ms; asking the next upstream as well");
            waiting.add(new Pending(j, started, answer));
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            waiting.add(new Pending(j, started, answer));
            return new Sent.Failed(null, "interrupted");
        } catch (ExecutionException e) {
            return new Sent.Failed(FailureKind.RESET, String.valueOf(e.getCause()));
        }
    }

    private static Sent await(Pending p) {
        try {
            return p.answer().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Sent.Failed(null, "interrupted");
        } catch (ExecutionException e) {
            return new Sent.Failed(FailureKind.RESET, String.valueOf(e.getCause()));
        }
    }

    /** Records a continuation nobody used once it ends, so its upstream's health still learns from it. */
    private void settle(Pending p, String winner) {
        UpstreamPool.Member member = plan.get(p.index());
        long lostAfter = System.nanoTime() - p.startedNanos();
        boolean judged = winner != null && !p.answer().isDone() && member.recordLoss(lostAfter, winner);
        p.answer()
                .thenAccept(sent -> {
                    if (sent instanceof Sent.Answered a) {
                        UpstreamHttp.closeQuietly(a.response().body());
                    }
                    if (judged) {
                        return;
                    }
                    switch (sent) {
                        case Sent.Failed f ->
                            member.record(
                                    f.kind() == null
                                            ? new AttemptOutcome.Abandoned(f.detail())
                                            : new AttemptOutcome.Failure(f.kind(), f.detail(), null));
                        case Sent.Answered a
                        when a.status() == 200 || a.status() == 206 ->
                            member.record(new AttemptOutcome.Abandoned("continuation not used"));
                        case Sent.Answered a ->
                            member.record(new AttemptOutcome.Failure(
                                    FailureKind.ofStatus(a.status()),
                                    "HTTP " + a.status() + " to a Range request",
                                    null));
                    }
                })
                .exceptionally(e -> {
                    LOG.log(System.Logger.Level.WARNING, "recording an unused continuation's end failed", e);
                    return null;
                });
    }

    /**
     * The rest of the body from {@code upstream}, or null (then the failure is recorded, unless the member is the
     * one the attempt is on: the walk records that one).
     */
    private WatchedBody continuation(UpstreamPool.Member member, int j) {
        return continuation(member, j, transport.send(member.upstream(), position));
    }

    private WatchedBody continuation(UpstreamPool.Member member, int j, Sent sent) {
        Upstream upstream = member.upstream();
        boolean same = j == index;
        if (sent instanceof Sent.Failed failed) {
            if (!same) {
                member.record(
                        failed.kind() == null
                                ? new AttemptOutcome.Abandoned(failed.detail())
                                : new AttemptOutcome.Failure(failed.kind(), failed.detail(), null));
                // Not worth asking again from the start in this walk.
                unreachable.add(j);
            }
            return null;
        }
        Sent.Answered answered = (Sent.Answered) sent;
        HttpResponse<InputStream> response = answered.response();
        currentSentCandidate = answered.startedNanos();
        currentAnsweredCandidate = answered.headersNanos();
        long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        String problem = null;
        if (response.statusCode() == 206) {
            String range = response.headers().firstValue("Content-Range").orElse("");
            String expected = "bytes " + position + "-" + (declared - 1) + "/" + declared;
            if (!range.strip().equals(expected) || (length >= 0 && length != declared - position)) {
                problem = "206 with Content-Range \"" + range + "\", expected \"" + expected + "\"";
            } else {
                return transport.watch(upstream, response, declared - position);
            }
        } else if (response.statusCode() == 200 && length != declared) {
            // One of the two lies about the length, and we cannot tell which: no penalty, and the walk
            // asks this upstream again from the start.
            UpstreamHttp.closeQuietly(response.body());
            if (!same) {
                member.record(new AttemptOutcome.Abandoned("length differs from the first upstream's"));
            }
            return null;
        } else if (response.statusCode() == 200) {
            WatchedBody whole = transport.watch(upstream, response, declared);
            try {
                // No Range support: read past what the previous upstream already gave.
                whole.skipNBytes(position);
                return whole;
            } catch (IOException e) {
                UpstreamHttp.closeQuietly(whole);
                TransferFailure t = whole.failure();
                if (same) {
                    return null;
                }
                member.record(new AttemptOutcome.Failure(
                        t != null ? t.kind() : FailureKind.RESET,
                        t != null ? t.getMessage() : WatchedBody.describe(e),
                        null));
                return null;
            }
        } else {
            problem =
                    "HTTP " + response.statusCode() + " to a Range request for bytes " + position + "- of " + declared;
        }
        UpstreamHttp.closeQuietly(response.body());
        if (same) {
            return null;
        }
        member.record(new AttemptOutcome.Failure(FailureKind.ofStatus(response.statusCode()), problem, null));
        return null;
    }

    void closeQuietly() {
        UpstreamHttp.closeQuietly(current);
    }

    /** Bytes of the upstream that owns the attempt now (those left behind were reported on leaving). */
    void reportBytes() {
        events.bytes(plan.get(index).upstream().name(), current.count());
    }

    @Override
    public void close() {
        // The client closes the body when the attempt ends; a handler closing early must not end it sooner.
    }
}
