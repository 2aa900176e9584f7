package dev.ferry.upstreams;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A list of upstreams that serve the same content, with the health of each: which to ask, in which order, and
 * what each answer says about the one that gave it. Protocol-neutral: the GOPROXY client sits on top of it, and
 * the sumdb and OCI clients are meant to. A client asks {@link #plan()} for the order, {@link Member#tryAcquire()}
 * before each attempt (an open breaker says no) and then reports exactly one {@link AttemptOutcome}.
 *
 * <p>Health comes from every answer (passive) and, for upstreams whose breaker is open, from an active probe
 * once the cool-down is over ({@link #startProbing}), so an upstream that recovers is noticed even when no
 * client request happens to be let through.
 */
public final class UpstreamPool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(UpstreamPool.class.getName());
    private static final int RECENT_ERRORS = 10;

    /** Asks one upstream whether it is alive, outside any client request. */
    @FunctionalInterface
    public interface Probe {
        AttemptOutcome probe(Upstream upstream);
    }

    private final List<Member> members;
    private final PoolSettings settings;
    private final Clock clock;
    private ScheduledExecutorService prober;

    public UpstreamPool(List<Upstream> upstreams, PoolSettings settings, Clock clock, UpstreamEvents events) {
        this.settings = settings;
        this.clock = clock;
        List<Member> list = new ArrayList<>();
        for (Upstream u : upstreams) {
            list.add(new Member(u, events));
        }
        this.members = List.copyOf(list);
    }

    public PoolSettings settings() {
        return settings;
    }

    public List<Member> members() {
        return members;
    }

    public boolean isEmpty() {
        return members.isEmpty();
    }

    /**
     * The order to try the upstreams in for one request. Failover: as configured. Weighted: the next pick of
     * smooth weighted round-robin among the upstreams whose breakers would let a request through, then the rest
     * in configured order (a request should still succeed when its first pick fails).
     */
    public List<Member> plan() {
        if (settings.strategy() == Strategy.FAILOVER || members.size() < 2) {
            return members;
        }
        Member pick = pickWeighted();
        if (pick == null) {
            return members;
        }
        List<Member> order = new ArrayList<>(members.size());
        order.add(pick);
        for (Member m : members) {
            if (m != pick) {
                order.add(m);
            }
        }
        return order;
    }

    private synchronized Member pickWeighted() {
        int total = 0;
        Member best = null;
        for (Member m : members) {
            if (!m.breaker.available()) {
                continue;
            }
            m.currentWeight += m.upstream.weight();
            total += m.upstream.weight();
            if (best == null || m.currentWeight > best.currentWeight) {
                best = m;
            }
        }
        if (best != null) {
            best.currentWeight -= total;
        }
        return best;
    }

    public List<UpstreamStatus> status() {
        return members.stream().map(Member::status).toList();
    }

    /** Probes every upstream whose breaker is open and due, every {@code probeInterval}, on a daemon thread. */
    public synchronized void startProbing(Probe probe) {
        if (prober != null || members.isEmpty()) {
            return;
        }
        prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ferry-upstream-prober");
            t.setDaemon(true);
            return t;
        });
        long period = settings.probeInterval().toMillis();
        prober.scheduleWithFixedDelay(() -> probeDue(probe), period, period, TimeUnit.MILLISECONDS);
    }

    /** Runs the due probes now, one after another; public so tests drive it with their own clock. */
    public void probeDue(Probe probe) {
        for (Member m : members) {
            if (m.breaker.state() == BreakerState.OPEN && m.breaker.tryAcquire()) {
                AttemptOutcome outcome;
                try {
                    outcome = probe.probe(m.upstream);
                } catch (RuntimeException e) {
                    outcome = new AttemptOutcome.Failure(FailureKind.CONNECT, "probe: " + e, null);
                }
                m.record(outcome);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (prober != null) {
            prober.shutdownNow();
        }
    }

    /** One upstream in the pool with its breaker and counters. */
    public final class Member {
        private final Upstream upstream;
        private final CircuitBreaker breaker;
        private final UpstreamEvents events;
        private final EnumMap<FailureKind, Long> failures = new EnumMap<>(FailureKind.class);
        private final ArrayDeque<UpstreamStatus.RecentError> recent = new ArrayDeque<>();
        private long attempts;
        private long successes;
        private long notFound;
        private Instant lastSuccess;
        /** Smooth weighted round-robin state, guarded by the pool. */
        private int currentWeight;

        Member(Upstream upstream, UpstreamEvents events) {
            this.upstream = upstream;
            this.events = events;
            this.breaker = new CircuitBreaker(settings.breaker(), clock, (from, to, why) -> {
                System.Logger.Level level = to == BreakerState.OPEN ? System.Logger.Level.WARNING : System.Logger.Level.INFO;
                LOG.log(level, "upstream " + upstream.name() + ": circuit " + from.label() + " -> " + to.label() + ": " + why);
                events.breaker(upstream.name(), from, to, why);
            });
        }

        public Upstream upstream() {
            return upstream;
        }

        public CircuitBreaker breaker() {
            return breaker;
        }

        /** Whether a request may go to this upstream now (see {@link CircuitBreaker#tryAcquire}). */
        public boolean tryAcquire() {
            return breaker.tryAcquire();
        }

        /** Reports the outcome of an attempt that {@link #tryAcquire} allowed. */
        public void record(AttemptOutcome outcome) {
            synchronized (this) {
                switch (outcome) {
                    case AttemptOutcome.Success s -> {
                        attempts++;
                        successes++;
                        lastSuccess = clock.instant();
                    }
                    case AttemptOutcome.NotFound n -> {
                        attempts++;
                        notFound++;
                    }
                    case AttemptOutcome.Failure f -> {
                        attempts++;
                        failures.merge(f.kind(), 1L, Long::sum);
                        recent.addLast(new UpstreamStatus.RecentError(clock.instant(), f.kind().label(), f.detail()));
                        while (recent.size() > RECENT_ERRORS) {
                            recent.removeFirst();
                        }
                    }
                    case AttemptOutcome.Abandoned a -> { }
                }
            }
            switch (outcome) {
                case AttemptOutcome.Success s -> breaker.onSuccess();
                case AttemptOutcome.NotFound n -> breaker.onSuccess();
                case AttemptOutcome.Failure f -> {
                    events.failure(upstream.name(), f.kind().label(), f.detail());
                    breaker.onFailure(f.kind().label() + ": " + f.detail(), f.retryAfter());
                }
                case AttemptOutcome.Abandoned a -> breaker.onAbandoned();
            }
        }

        /**
         * Why a request skips this upstream: its breaker is open, until when, and the last failure that opened it,
         * so a client's error message names the cause (refused credentials, say) rather than only the breaker.
         */
        public synchronized String skippedBecause() {
            UpstreamStatus.RecentError last = recent.peekLast();
            return "skipped: circuit open until " + breaker.openUntil()
                    + (last == null ? "" : " after " + last.kind() + ": " + last.detail());
        }

        public synchronized UpstreamStatus status() {
            Map<String, Long> byKind = new LinkedHashMap<>();
            failures.forEach((k, v) -> byKind.put(k.label(), v));
            BreakerState state = breaker.state();
            return new UpstreamStatus(upstream.name(), upstream.base().toString(), upstream.weight(),
                    upstream.credentials().kind(), state, state == BreakerState.OPEN ? breaker.openUntil() : null,
                    attempts, successes, notFound, byKind, lastSuccess, List.copyOf(recent));
        }

        @Override
        public String toString() {
            return upstream.name();
        }
    }
}
