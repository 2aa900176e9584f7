package dev.ferry.upstreams.pool;

import java.time.Clock;
import java.time.Duration;
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
 * what each answer says about the one that gave it. Protocol-neutral: the GOPROXY client (sumdb lookups
 * included) and the OCI client walk it through {@link PoolWalk}, which asks {@link #plan()} for the order,
 * {@link Member#tryAcquire()} before each attempt (an open breaker says no) and then reports exactly one
 * {@link AttemptOutcome}.
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

    /** The member called {@code name}, or null. */
    public Member member(String name) {
        for (Member m : members) {
            if (m.upstream.name().equals(name)) {
                return m;
            }
        }
        return null;
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
        double total = 0;
        Member best = null;
        Instant now = clock.instant();
        for (Member m : members) {
            if (!m.breaker.available()) {
                continue;
            }
            double w = effectiveWeight(m, now);
            m.currentWeight += w;
            total += w;
            if (best == null || m.currentWeight > best.currentWeight) {
                best = m;
            }
        }
        if (best != null) {
            best.currentWeight -= total;
        }
        return best;
    }

    /** The least share of its configured weight a member keeps, so it is still measured and seen to recover. */
    static final double MIN_SHARE = 0.05;

    /**
     * A member's weight as measured: the configured weight times its health (the decaying share of attempts that
     * succeeded) times its speed (the pool's best mean time for a small body over its own, both plus the slow
     * minimum), at least
     * {@link #MIN_SHARE} of the configured weight. What is not known counts as 1.
     */
    double effectiveWeight(Member m, Instant now) {
        double best = Double.NaN;
        for (Member o : members) {
            double t = o.smallMillis(now);
            if (!Double.isNaN(t) && (Double.isNaN(best) || t < best)) {
                best = t;
            }
        }
        double mine = m.smallMillis(now);
        // Offset by the slow minimum, so differences of a few milliseconds (noise) do not move traffic.
        double floor = Math.min(settings.speed().minimum().toMillis(), 60_000);
        double speed = Double.isNaN(mine) || Double.isNaN(best) ? 1 : Math.min(1, (floor + best) / (floor + mine));
        double failed = m.failedShare(now);
        double health = Double.isNaN(failed) ? 1 : 1 - failed;
        return m.upstream.weight() * Math.max(MIN_SHARE, health * speed);
    }

    /**
     * How long to wait for an upstream (for a small body: for the whole body) before also asking the next one:
     * {@code hedgeAfter}, or less when the pool's fastest upstream is known to answer far sooner ({@code factor}
     * times its mean small-body time, not under the slow minimum), since waiting longer than a slow transfer
     * takes only delays the client. 0 when hedging is off.
     */
    public Duration hedgeDelay() {
        Duration after = settings.hedgeAfter();
        if (after.isZero() || settings.speed().isOff()) {
            return after;
        }
        double best = bestSmallMillis(null, clock.instant());
        if (Double.isNaN(best)) {
            return after;
        }
        long bar = Math.max(settings.speed().minimum().toMillis(), (long)
                Math.ceil(settings.speed().factor() * best));
        return bar < after.toMillis() ? Duration.ofMillis(bar) : after;
    }

    /** The fastest mean small-body time among healthy members other than {@code except}, or NaN. */
    private double bestSmallMillis(Member except, Instant now) {
        double best = Double.NaN;
        for (Member o : members) {
            if (o == except || o.breaker.state() != BreakerState.CLOSED) {
                continue;
            }
            double t = o.smallMillis(now);
            if (!Double.isNaN(t) && (Double.isNaN(best) || t < best)) {
                best = t;
            }
        }
        return best;
    }

    private double bestRate(Member except, Instant now) {
        double best = Double.NaN;
        for (Member o : members) {
            if (o == except || o.breaker.state() != BreakerState.CLOSED) {
                continue;
            }
            double r = o.rate(now);
            if (!Double.isNaN(r) && (Double.isNaN(best) || r > best)) {
                best = r;
            }
        }
        return best;
    }

    /**
     * The rate in bytes per second under which a large body from {@code m} is abandoned as slow while it arrives
     * (measured over {@link SpeedSettings#window()}): the fastest other healthy member's mean rate divided by the
     * slow factor; 0 when there is nothing to compare with.
     */
    public long relativeFloor(Member m) {
        if (settings.speed().isOff()) {
            return 0;
        }
        double best = bestRate(m, clock.instant());
        return Double.isNaN(best) ? 0 : (long) (best / settings.speed().factor());
    }

    /** Why {@code t} from {@code m} was slow, or null when it was not (see {@link SpeedSettings}). */
    String slowness(Member m, Transfer t) {
        SpeedSettings speed = settings.speed();
        if (speed.isOff()) {
            return null;
        }
        Instant now = clock.instant();
        long totalMillis = t.totalNanos() / 1_000_000;
        if (totalMillis <= speed.minimum().toMillis()) {
            return null;
        }
        if (t.bytes() <= speed.smallBody()) {
            double best = bestSmallMillis(m, now);
            if (Double.isNaN(best) || totalMillis <= speed.factor() * best) {
                return null;
            }
            return "a body of " + t.bytes() + " bytes took " + totalMillis + " ms, the pool's best upstream takes "
                    + Math.round(best) + " ms";
        }
        double best = bestRate(m, now);
        double rate = t.rate();
        if (Double.isNaN(best) || rate * speed.factor() >= best) {
            return null;
        }
        return "a body of " + t.bytes() + " bytes came at " + Math.round(rate)
                + " B/s, the pool's best upstream manages " + Math.round(best) + " B/s";
    }

    /**
     * The longest a small body from {@code m} may take before it counts as slow: {@code factor} times the fastest
     * other healthy member's mean, at least the slow minimum; Long.MAX_VALUE when there is nothing to compare with.
     */
    long slowAfterNanos(Member m) {
        SpeedSettings speed = settings.speed();
        if (speed.isOff()) {
            return Long.MAX_VALUE;
        }
        double best = bestSmallMillis(m, clock.instant());
        if (Double.isNaN(best)) {
            return Long.MAX_VALUE;
        }
        return Math.max(speed.minimum().toNanos(), (long) (speed.factor() * best * 1_000_000));
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
        // Nobody waits on the schedule's future: probeDue catches what a probe throws, and close() ends it.
        var unused = prober.scheduleWithFixedDelay(() -> probeDue(probe), period, period, TimeUnit.MILLISECONDS);
    }

    /** Runs the due probes now, one after another; public so tests drive it with their own clock. */
    public void probeDue(Probe probe) {
        for (Member m : members) {
            if (m.breaker.state() == BreakerState.OPEN && !m.breaker.quarantined() && m.breaker.tryAcquire()) {
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

    /** One upstream in the pool with its breaker, counters and speed averages. */
    public final class Member {
        private final Upstream upstream;
        private final CircuitBreaker breaker;
        private final UpstreamEvents events;
        private final EnumMap<FailureKind, Long> failures = new EnumMap<>(FailureKind.class);
        private final ArrayDeque<UpstreamStatus.RecentError> recent = new ArrayDeque<>();
        private final SpeedMeter speed = new SpeedMeter();
        private long attempts;
        private long successes;
        private long notFound;
        private long quarantines;
        private Instant lastSuccess;
        private UpstreamStatus.Quarantine quarantine;
        /** Smooth weighted round-robin state, guarded by the pool. */
        private double currentWeight;

        Member(Upstream upstream, UpstreamEvents events) {
            this.upstream = upstream;
            this.events = events;
            this.breaker = new CircuitBreaker(settings.breaker(), clock, (from, to, why) -> {
                System.Logger.Level level =
                        to == BreakerState.OPEN ? System.Logger.Level.WARNING : System.Logger.Level.INFO;
                LOG.log(
                        level,
                        "upstream " + upstream.name() + ": circuit " + from.label() + " -> " + to.label() + ": " + why);
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

        synchronized double smallMillis(Instant now) {
            return speed.smallMillis.mean(now);
        }

        synchronized double rate(Instant now) {
            return speed.rate.mean(now);
        }

        synchronized double failedShare(Instant now) {
            return speed.failed.mean(now);
        }

        /** Reports the outcome of an attempt that {@link #tryAcquire} allowed. */
        public void record(AttemptOutcome outcome) {
            if (outcome instanceof AttemptOutcome.Success(Transfer t) && t != null) {
                // Judged against the others before this sample moves our own averages (no lock of ours held:
                // the others' locks are taken one at a time).
                String slow = UpstreamPool.this.slowness(this, t);
                measure(t);
                if (slow != null) {
                    outcome = new AttemptOutcome.Failure(FailureKind.SLOW, slow, null);
                }
            }
            count(outcome);
            tellBreaker(outcome);
        }

        /** Adds the outcome to the counters, recent errors and failed share the admin API shows. */
        private synchronized void count(AttemptOutcome outcome) {
            Instant now = clock.instant();
            switch (outcome) {
                case AttemptOutcome.Success s -> {
                    attempts++;
                    successes++;
                    lastSuccess = now;
                    speed.failed.add(now, 0);
                }
                case AttemptOutcome.NotFound n -> {
                    attempts++;
                    notFound++;
                    speed.failed.add(now, 0);
                }
                case AttemptOutcome.Failure f -> {
                    attempts++;
                    failures.merge(f.kind(), 1L, Long::sum);
                    speed.failed.add(now, 1);
                    recent.addLast(new UpstreamStatus.RecentError(now, f.kind().label(), f.detail()));
                    while (recent.size() > RECENT_ERRORS) {
                        recent.removeFirst();
                    }
                    if (f.kind() == FailureKind.MISMATCH) {
                        quarantines++;
                        quarantine = new UpstreamStatus.Quarantine(
                                now, now.plus(settings.quarantine()), f.subject(), f.detail());
                    }
                }
                case AttemptOutcome.Abandoned a -> {}
            }
        }

        /** Moves the breaker (a mismatch quarantines) and reports failures, outside the member's lock. */
        private void tellBreaker(AttemptOutcome outcome) {
            switch (outcome) {
                case AttemptOutcome.Success s -> breaker.onSuccess();
                case AttemptOutcome.NotFound n -> breaker.onSuccess();
                case AttemptOutcome.Failure f
                when f.kind() == FailureKind.MISMATCH -> {
                    events.failure(upstream.name(), f.kind().label(), f.detail());
                    events.quarantined(upstream.name(), f.subject(), f.detail());
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "upstream " + upstream.name() + " quarantined for "
                                    + settings.quarantine().toMinutes() + " min: it served "
                                    + (f.subject() == null ? "content" : f.subject()) + " that failed its check: "
                                    + f.detail());
                    breaker.quarantine(settings.quarantine(), "mismatch: " + f.detail());
                }
                case AttemptOutcome.Failure f -> {
                    events.failure(upstream.name(), f.kind().label(), f.detail());
                    breaker.onFailure(f.kind().label() + ": " + f.detail(), f.retryAfter());
                }
                case AttemptOutcome.Abandoned a -> breaker.onAbandoned();
            }
        }

        /** Adds a completed 200 transfer to the averages. */
        private synchronized void measure(Transfer t) {
            Instant now = clock.instant();
            speed.firstByteMillis.add(now, t.firstByteNanos() / 1e6);
            if (t.bytes() <= settings.speed().smallBody()) {
                speed.smallMillis.add(now, t.totalNanos() / 1e6);
            }
            if (t.bytes() >= 1024) {
                speed.rate.add(now, t.rate());
            }
        }

        /**
         * A request to this upstream lost a hedge race after {@code elapsedNanos} without a complete answer. When
         * that is already past the slow bar, it is recorded now as a {@code slow} failure (its time as a lower
         * bound of this upstream's small-body time) and true is returned: the request may run on, but its end
         * says nothing more. Otherwise nothing is recorded and false is returned.
         */
        public boolean recordLoss(long elapsedNanos, String winner) {
            long bar = UpstreamPool.this.slowAfterNanos(this);
            if (elapsedNanos <= bar) {
                return false;
            }
            synchronized (this) {
                speed.smallMillis.add(clock.instant(), elapsedNanos / 1e6);
            }
            record(new AttemptOutcome.Failure(
                    FailureKind.SLOW,
                    "no complete answer after " + elapsedNanos / 1_000_000 + " ms, when " + winner
                            + " had already answered (slow after " + bar / 1_000_000 + " ms)",
                    null));
            return true;
        }

        /** Ends a quarantine (or any open state) now, on an admin's word; says what was lifted. */
        public String release(String who) {
            UpstreamStatus.Quarantine lifted;
            synchronized (this) {
                lifted = quarantine;
                quarantine = null;
                consecutiveReset();
            }
            String what = lifted == null
                    ? "circuit state " + breaker.state().label()
                    : "quarantine for " + (lifted.subject() == null ? "a mismatch" : lifted.subject());
            breaker.release("released by " + who + " (" + what + ")");
            LOG.log(System.Logger.Level.WARNING, "upstream " + upstream.name() + ": " + what + " released by " + who);
            return what;
        }

        private void consecutiveReset() {
            speed.failed.clear();
        }

        /**
         * Why a request skips this upstream: its breaker is open, until when, and the last failure that opened it,
         * so a client's error message names the cause (refused credentials, say) rather than only the breaker.
         */
        public synchronized String skippedBecause() {
            UpstreamStatus.RecentError last = recent.peekLast();
            if (quarantine != null && breaker.quarantined()) {
                return "skipped: quarantined until " + breaker.openUntil() + " after serving "
                        + (quarantine.subject() == null ? "content" : quarantine.subject()) + " that failed its check";
            }
            return "skipped: circuit open until " + breaker.openUntil()
                    + (last == null ? "" : " after " + last.kind() + ": " + last.detail());
        }

        public UpstreamStatus status() {
            Instant now = clock.instant();
            double effective = effectiveWeight(this, now);
            synchronized (this) {
                Map<String, Long> byKind = new LinkedHashMap<>();
                failures.forEach((k, v) -> byKind.put(k.label(), v));
                BreakerState state = breaker.state();
                UpstreamStatus.Quarantine q = quarantine != null && breaker.quarantined() ? quarantine : null;
                UpstreamStatus.Speed measured = new UpstreamStatus.Speed(
                        mean(speed.firstByteMillis, now),
                        mean(speed.smallMillis, now),
                        mean(speed.rate, now),
                        mean(speed.failed, now),
                        Math.round(effective * 1000) / 1000.0);
                return new UpstreamStatus(
                        upstream.name(),
                        upstream.base().toString(),
                        upstream.weight(),
                        upstream.credentials().kind(),
                        state,
                        state == BreakerState.OPEN ? breaker.openUntil() : null,
                        attempts,
                        successes,
                        notFound,
                        byKind,
                        lastSuccess,
                        List.copyOf(recent),
                        measured,
                        q,
                        quarantines);
            }
        }

        private static Double mean(SpeedMeter.Average a, Instant now) {
            double m = a.mean(now);
            return Double.isNaN(m) ? null : Math.round(m * 1000) / 1000.0;
        }

        @Override
        public String toString() {
            return upstream.name();
        }
    }
}
