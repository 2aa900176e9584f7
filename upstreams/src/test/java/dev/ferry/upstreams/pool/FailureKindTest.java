package dev.ferry.upstreams.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The one classification of an unexpected status, shared by every client, continuation and probe. */
class FailureKindTest {

    @Test
    void everyUnexpectedStatusHasOneKind() {
        assertEquals(FailureKind.STATUS_429, FailureKind.ofStatus(429));
        for (int status : new int[] {500, 502, 503, 504, 599}) {
            assertEquals(FailureKind.STATUS_5XX, FailureKind.ofStatus(status), "HTTP " + status);
        }
        for (int status : new int[] {301, 400, 401, 403, 404, 410, 416, 428, 600, 999}) {
            assertEquals(FailureKind.STATUS_4XX, FailureKind.ofStatus(status), "HTTP " + status);
        }
    }
}
