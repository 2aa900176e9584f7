package dev.ferry.server.registryauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.ManualClock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Failed console sign-ins per address: a few are free, then the address waits until its oldest failure ages out. */
class SignInThrottleTest {
    private final ManualClock clock = new ManualClock();
    private final SignInThrottle throttle = new SignInThrottle(clock, 3, Duration.ofMinutes(10));

    @Test
    void afterTheMaximumOfFailuresTheAddressWaitsForItsOldestToAgeOut() {
        throttle.failed("10.0.0.1");
        clock.advance(Duration.ofMinutes(1));
        throttle.failed("10.0.0.1");
        assertEquals(Optional.empty(), throttle.retryAfter("10.0.0.1"), "two failures of three allowed");
        clock.advance(Duration.ofMinutes(1));
        throttle.failed("10.0.0.1");
        assertEquals(Optional.of(Duration.ofMinutes(8)), throttle.retryAfter("10.0.0.1"));

        clock.advance(Duration.ofMinutes(8).minusSeconds(1));
        assertEquals(Optional.of(Duration.ofSeconds(1)), throttle.retryAfter("10.0.0.1"));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Optional.empty(), throttle.retryAfter("10.0.0.1"), "the first failure aged out: one more try");
        throttle.failed("10.0.0.1");
        assertEquals(
                Optional.of(Duration.ofMinutes(1)),
                throttle.retryAfter("10.0.0.1"),
                "refused again until the second failure ages out");
    }

    @Test
    void otherAddressesAndOldFailuresDoNotCount() {
        for (int i = 0; i < 3; i++) {
            throttle.failed("10.0.0.1");
        }
        assertTrue(throttle.retryAfter("10.0.0.1").isPresent());
        assertEquals(Optional.empty(), throttle.retryAfter("10.0.0.2"), "another address has its own count");
        assertEquals(Optional.empty(), throttle.retryAfter("::1"));

        // Failures spread wider than the window never add up to a refusal.
        for (int i = 0; i < 20; i++) {
            throttle.failed("10.0.0.3");
            clock.advance(Duration.ofMinutes(5).plusSeconds(1));
            assertEquals(Optional.empty(), throttle.retryAfter("10.0.0.3"), "failure " + i);
        }
    }

    @Test
    void failuresWhileRefusedKeepTheWaitBounded() {
        // However many attempts come in while refused (the handler does not count them, but a caller might), the wait
        // never grows past the window.
        for (int i = 0; i < 1000; i++) {
            throttle.failed("10.0.0.1");
        }
        assertEquals(Optional.of(Duration.ofMinutes(10)), throttle.retryAfter("10.0.0.1"));
        clock.advance(Duration.ofMinutes(10));
        assertEquals(Optional.empty(), throttle.retryAfter("10.0.0.1"));
    }

    @Test
    void theDefaultsAllowTenFailuresInTenMinutes() {
        SignInThrottle defaults = new SignInThrottle(clock);
        for (int i = 0; i < SignInThrottle.MAX_FAILURES; i++) {
            assertEquals(Optional.empty(), defaults.retryAfter("10.0.0.1"), "attempt " + i);
            defaults.failed("10.0.0.1");
        }
        assertEquals(Optional.of(SignInThrottle.WINDOW), defaults.retryAfter("10.0.0.1"));
    }

    @Test
    void aSuccessForgetsTheFailuresOfItsKeyOnly() {
        for (int i = 0; i < 3; i++) {
            throttle.failed("alice");
            throttle.failed("bob");
        }
        assertTrue(throttle.retryAfter("alice").isPresent());
        throttle.succeeded("alice");
        assertEquals(Optional.empty(), throttle.retryAfter("alice"));
        assertTrue(throttle.retryAfter("bob").isPresent(), "bob's failures stay");
        throttle.failed("alice");
        throttle.failed("alice");
        assertEquals(Optional.empty(), throttle.retryAfter("alice"), "counting starts again from none");
    }
}
