package dev.ferry.upstreams.pool;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.IntPredicate;

/**
 * The requests of one walk over a plan while they wait for their answer: the response headers, and for a small
 * body the whole body (the sender reads it ahead). When the upstream being waited for
 * has not answered within {@code after}, the next upstream the list lets a failure move on to is asked too,
 * without giving up on the first: a black hole then costs a client {@code after}, not the whole first-byte
 * timeout. A 200 from a later upstream wins at once (its body is checked like any other); anything else from it
 * waits its turn, because the go command's order says the earlier upstream's answer comes first. Requests that
 * lose stay under way in the background until they end, so their upstream's health is still recorded.
 *
 * <p>A body handler is only ever called for the one winner. A request that lost and is still under way when the
 * walk ends is judged then: past the pool's slow bar it counts as a {@code slow} failure at once (it may run on,
 * which keeps new requests off the upstream while it does; see {@link UpstreamPool.Member#recordLoss}); otherwise
 * its own end is recorded. Used by one walk thread.
 */
final class HedgedRequests {
    private static final System.Logger LOG = System.getLogger(HedgedRequests.class.getName());

    @FunctionalInterface
    interface Sender {
        Sent send(Upstream upstream);
    }

    record Winner(int index, Sent sent) {}

    private final List<UpstreamPool.Member> plan;
    private final Sender sender;
    private final long afterNanos;
    private final Strategy strategy;
    private final Map<Integer, CompletableFuture<Sent>> started = new HashMap<>();
    private final Map<Integer, Long> startedAt = new HashMap<>();
    private final Semaphore changed = new Semaphore(0);
    private int considered = -1;

    HedgedRequests(List<UpstreamPool.Member> plan, Sender sender, Duration after, Strategy strategy) {
        this.plan = plan;
        this.sender = sender;
        this.afterNanos = after.toNanos();
        this.strategy = strategy;
    }

    boolean isStarted(int index) {
        return started.containsKey(index);
    }

    /** Whether no request of this walk is under way (or done and not yet used). */
    boolean idle() {
        return started.isEmpty();
    }

    /**
     * Waits for the headers of {@code plan[index]} (whose breaker already let it through), hedging to later
     * upstreams that {@code mayStart} accepts (it must take their breaker's permit).
     */
    Winner await(int index, IntPredicate mayStart) {
        CompletableFuture<Sent> mine = started.computeIfAbsent(index, this::start);
        considered = Math.max(considered, index);
        long hedgeAt = System.nanoTime() + afterNanos;
        while (true) {
            if (mine.isDone()) {
                started.remove(index);
                return new Winner(index, mine.join());
            }
            for (Map.Entry<Integer, CompletableFuture<Sent>> e : started.entrySet()) {
                if (e.getKey() > index
                        && e.getValue().isDone()
                        && e.getValue().join() instanceof Sent.Answered a
                        && a.status() == 200) {
                    started.remove(e.getKey());
                    return new Winner(e.getKey(), a);
                }
            }
            long now = System.nanoTime();
            if (now >= hedgeAt) {
                hedgeAt = hedge(mayStart) ? now + afterNanos : Long.MAX_VALUE;
            }
            try {
                long wait = hedgeAt == Long.MAX_VALUE ? TimeUnit.SECONDS.toNanos(1) : Math.max(1, hedgeAt - now);
                changed.tryAcquire(wait, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Winner(index, new Sent.Failed(null, "interrupted"));
            }
        }
    }

    /** Starts the next upstream after the ones considered so far, if the list lets a failure reach it. */
    private boolean hedge(IntPredicate mayStart) {
        for (int n = considered + 1; n < plan.size(); n++) {
            if (!plan.get(n - 1).upstream().movesOnAfterFailure(strategy)) {
                return false;
            }
            considered = n;
            if (mayStart.test(n)) {
                started.put(n, start(n));
                return true;
            }
        }
        return false;
    }

    private CompletableFuture<Sent> start(int n) {
        CompletableFuture<Sent> f = new CompletableFuture<>();
        startedAt.put(n, System.nanoTime());
        Upstream upstream = plan.get(n).upstream();
        Thread.ofVirtual().name("upstream-request " + upstream.name()).start(() -> {
            f.complete(send(upstream));
            changed.release();
        });
        return f;
    }

    /** The request to {@code plan[n]} on the calling thread, for one that nothing can hedge (see PoolWalk.ask). */
    Sent sendHere(int n) {
        return send(plan.get(n).upstream());
    }

    private Sent send(Upstream upstream) {
        try {
            return sender.send(upstream);
        } catch (RuntimeException e) {
            return new Sent.Failed(FailureKind.RESET, e.toString());
        }
    }

    /**
     * Hands every request still under way (or done but not used) to {@code settle} once it ends; when the walk
     * was won by {@code winner} (else null), a request still under way past the slow bar is recorded as slow now
     * and handed to {@code discard} when it ends instead.
     */
    void settleRest(String winner, BiConsumer<Integer, Sent> settle, BiConsumer<Integer, Sent> discard) {
        long now = System.nanoTime();
        started.forEach((n, f) -> {
            boolean judged = winner != null
                    && !f.isDone()
                    && plan.get(n).recordLoss(now - startedAt.getOrDefault(n, now), winner);
            f.thenAccept(sent -> (judged ? discard : settle).accept(n, sent)).exceptionally(e -> {
                LOG.log(System.Logger.Level.WARNING, "recording a hedged request's end failed", e);
                return null;
            });
        });
        started.clear();
    }
}
