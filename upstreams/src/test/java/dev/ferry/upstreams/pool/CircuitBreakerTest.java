package dev.ferry.upstreams.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
    private final ManualClock clock = new ManualClock();
    private final List<String> transitions = new ArrayList<>();
    private final BreakerSettings settings =
            new BreakerSettings(3, 0.5, Duration.ofSeconds(10), 6, Duration.ofSeconds(30), Duration.ofSeconds(100));
    private final CircuitBreaker breaker =
            new CircuitBreaker(settings, clock, (from, to, why) -> transitions.add(from + "->" + to));

    private void fail() {
        assertTrue(breaker.tryAcquire());
        breaker.onFailure("test", null);
    }

    private void succeed() {
        assertTrue(breaker.tryAcquire());
        breaker.onSuccess();
    }

    @Test
    void opensAfterConsecutiveFailuresAndStaysOpenForTheCoolDown() {
        fail();
        fail();
        assertEquals(BreakerState.CLOSED, breaker.state());
        fail();
        assertEquals(BreakerState.OPEN, breaker.state());
        assertFalse(breaker.tryAcquire());
        clock.advance(Duration.ofSeconds(29));
        assertFalse(breaker.tryAcquire());
        clock.advance(Duration.ofSeconds(1));
        assertTrue(breaker.available());
        assertTrue(breaker.tryAcquire(), "one probe after the cool-down");
        assertEquals(BreakerState.HALF_OPEN, breaker.state());
        assertFalse(breaker.tryAcquire(), "only one probe at a time");
        breaker.onSuccess();
        assertEquals(BreakerState.CLOSED, breaker.state());
        assertEquals(List.of("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED"), transitions);
    }

    @Test
    void aSuccessResetsTheRunOfFailures() {
        fail();
        fail();
        succeed();
        fail();
        fail();
        assertEquals(BreakerState.CLOSED, breaker.state());
    }

    @Test
    void opensOnTheErrorRateOnceEnoughRequestsWereSeen() {
        // Alternating: never three in a row, but half of them fail.
        succeed();
        fail();
        succeed();
        fail();
        succeed();
        assertEquals(BreakerState.CLOSED, breaker.state(), "five requests are below the minimum of six");
        fail();
        assertEquals(BreakerState.OPEN, breaker.state());
    }

    @Test
    void oldRequestsLeaveTheWindow() {
        succeed();
        fail();
        succeed();
        fail();
        succeed();
        clock.advance(Duration.ofSeconds(11));
        fail();
        succeed();
        fail();
        assertEquals(BreakerState.CLOSED, breaker.state(), "the early requests aged out of the 10 s window");
    }

    @Test
    void failedProbeReopensForLongerCappedAtTheMaximum() {
        fail();
        fail();
        fail();
        clock.advance(Duration.ofSeconds(30));
        fail();
        assertEquals(BreakerState.OPEN, breaker.state());
        assertEquals(clock.instant().plusSeconds(60), breaker.openUntil());
        clock.advance(Duration.ofSeconds(60));
        fail();
        clock.advance(Duration.ofSeconds(100));
        fail();
        assertEquals(clock.instant().plusSeconds(100), breaker.openUntil(), "capped at the maximum cool-down");
    }

    @Test
    void retryAfterOpensAtOnceForAsLongAsAsked() {
        assertTrue(breaker.tryAcquire());
        breaker.onFailure("HTTP 503", Duration.ofSeconds(70));
        assertEquals(BreakerState.OPEN, breaker.state());
        assertEquals(clock.instant().plusSeconds(70), breaker.openUntil());
        assertTrue(breaker.tryAcquire() == false);
        assertTrue(breaker.tryAcquire() == false);
        assertEquals(List.of("CLOSED->OPEN"), transitions, "logged once, not per refused request");
    }

    @Test
    void abandonedProbeFreesTheHalfOpenSlot() {
        fail();
        fail();
        fail();
        clock.advance(Duration.ofSeconds(30));
        assertTrue(breaker.tryAcquire());
        breaker.onAbandoned();
        assertTrue(breaker.tryAcquire());
    }
}
