package dev.ferry.upstreams.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.testing.ManualClock;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class UpstreamPoolTest {
    private final ManualClock clock = new ManualClock();

    private static Upstream upstream(String name, int weight) {
        return new Upstream(
                URI.create("http://" + name),
                name,
                AfterFailure.MOVE_ON,
                weight,
                Credentials.NONE,
                UpstreamTimeouts.defaults());
    }

    private List<String> firstPicks(UpstreamPool pool, int n) {
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            picks.add(pool.plan().getFirst().upstream().name());
        }
        return picks;
    }

    @Test
    void weightedSpreadsSmoothlyAndKeepsTheOthersAsFallbacks() {
        UpstreamPool pool = new UpstreamPool(
                List.of(upstream("a", 3), upstream("b", 1)),
                PoolSettings.defaults().withStrategy(Strategy.WEIGHTED),
                clock,
                UpstreamEvents.NONE);
        assertEquals(List.of("a", "a", "b", "a", "a", "a", "b", "a"), firstPicks(pool, 8));
        assertEquals(2, pool.plan().size());
    }

    @Test
    void weightedSkipsAnUpstreamWhoseBreakerIsOpen() {
        UpstreamPool pool = new UpstreamPool(
                List.of(upstream("a", 3), upstream("b", 1)),
                PoolSettings.defaults().withStrategy(Strategy.WEIGHTED),
                clock,
                UpstreamEvents.NONE);
        UpstreamPool.Member a = pool.members().getFirst();
        a.tryAcquire();
        a.record(new AttemptOutcome.Failure(FailureKind.STATUS_5XX, "HTTP 503", Duration.ofSeconds(60)));
        assertEquals(List.of("b", "b", "b"), firstPicks(pool, 3));
    }

    @Test
    void failoverKeepsTheConfiguredOrder() {
        UpstreamPool pool = new UpstreamPool(
                List.of(upstream("a", 1), upstream("b", 5)), PoolSettings.defaults(), clock, UpstreamEvents.NONE);
        assertEquals(List.of("a", "a", "a"), firstPicks(pool, 3));
    }

    @Test
    void activeProbeClosesARecoveredUpstreamOnlyWhenDue() {
        List<String> events = new ArrayList<>();
        UpstreamEvents recording = new UpstreamEvents() {
            @Override
            public void breaker(String upstream, BreakerState from, BreakerState to, String why) {
                events.add(upstream + " " + from.label() + "->" + to.label());
            }
        };
        UpstreamPool pool = new UpstreamPool(List.of(upstream("a", 1)), PoolSettings.defaults(), clock, recording);
        UpstreamPool.Member a = pool.members().getFirst();
        a.tryAcquire();
        a.record(new AttemptOutcome.Failure(FailureKind.STATUS_429, "HTTP 429", Duration.ofSeconds(40)));
        AtomicInteger probes = new AtomicInteger();
        UpstreamPool.Probe healthy = u -> {
            probes.incrementAndGet();
            return new AttemptOutcome.Success();
        };
        pool.probeDue(healthy);
        assertEquals(0, probes.get(), "not before the cool-down");
        clock.advance(Duration.ofSeconds(40));
        pool.probeDue(healthy);
        assertEquals(1, probes.get());
        assertEquals(BreakerState.CLOSED, a.breaker().state());
        assertEquals(List.of("a closed->open", "a open->half_open", "a half_open->closed"), events);
        UpstreamStatus status = pool.status().getFirst();
        assertEquals(1L, status.failures().get("status_429"));
        assertEquals("none", status.credentials());
        assertEquals("status_429", status.recentErrors().getFirst().kind());
    }

    @Test
    void credentialsNeverShowInText() {
        Credentials basic = new Credentials.Basic("ci", "s3cret");
        Credentials bearer = new Credentials.Bearer("t0ken");
        assertEquals(false, basic.toString().contains("s3cret"));
        assertEquals(false, bearer.toString().contains("t0ken"));
        assertEquals(
                false,
                upstream("a", 1)
                        .withDetails(1, bearer, UpstreamTimeouts.defaults())
                        .toString()
                        .contains("t0ken"));
        assertEquals("Basic Y2k6czNjcmV0", basic.authorization().orElseThrow());
    }
}
