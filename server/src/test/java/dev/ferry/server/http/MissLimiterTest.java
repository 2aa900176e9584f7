package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ferry.upstreams.pool.MissCharge;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MissLimiterTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void aBurstThenTheRateAndRetryAfterSaysWhenTheNextTokenComes() {
        MissLimiter limiter = new MissLimiter(0.5, 3, now::get);
        for (int i = 0; i < 3; i++) {
            limiter.take("10.0.0.1");
        }
        MissCharge.Refused refused = assertThrows(MissCharge.Refused.class, () -> limiter.take("10.0.0.1"));
        assertEquals(2, refused.retryAfter().toSeconds(), "one token at 0.5/s takes 2 s");
        limiter.take("10.0.0.2"); // another address, another bucket

        now.addAndGet(1_000_000_000L); // half a token back
        refused = assertThrows(MissCharge.Refused.class, () -> limiter.take("10.0.0.1"));
        assertEquals(1, refused.retryAfter().toSeconds());
        now.addAndGet(1_000_000_000L);
        limiter.take("10.0.0.1");
        now.addAndGet(3_600_000_000_000L); // idle for an hour: the bucket is full again, no fuller
        for (int i = 0; i < 3; i++) {
            limiter.take("10.0.0.1");
        }
        assertThrows(MissCharge.Refused.class, () -> limiter.take("10.0.0.1"));
    }

    @Test
    void aRequestPaysOnceHoweverManyWalksItStarts() {
        MissLimiter limiter = new MissLimiter(0.001, 2, now::get);
        MissCharge.Payer request = limiter.payer("10.0.0.1");
        MissCharge.chargedTo(request, () -> {
            MissCharge.charge();
            MissCharge.charge(); // a tag's HEAD and then its manifest
            return null;
        });
        limiter.take("10.0.0.1"); // the second token is still there
        assertThrows(MissCharge.Refused.class, () -> limiter.take("10.0.0.1"));
        MissCharge.charge(); // outside a request nobody pays: no refusal
    }
}
