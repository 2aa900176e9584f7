package dev.ferry.upstreams.pool;

import java.time.Duration;

/** What one request to one upstream told us about that upstream; the pool turns it into health. */
public sealed interface AttemptOutcome {
    /** A good answer; {@code transfer} (null when not measured) says how fast, and may make it a slow failure. */
    record Success(Transfer transfer) implements AttemptOutcome {
        public Success() {
            this(null);
        }
    }

    /** 404/410: the upstream is fine, it just does not have it. No penalty. */
    record NotFound(int status) implements AttemptOutcome {}

    /**
     * Counts against the upstream; {@code retryAfter} is what a 429/503 asked for, or null; {@code subject} is
     * what failed its check, for a {@link FailureKind#MISMATCH} (which quarantines the upstream), else null.
     */
    record Failure(FailureKind kind, String detail, Duration retryAfter, String subject) implements AttemptOutcome {
        public Failure(FailureKind kind, String detail, Duration retryAfter) {
            this(kind, detail, retryAfter, null);
        }
    }

    /** No verdict: the caller gave up, or our side failed. */
    record Abandoned(String why) implements AttemptOutcome {}
}
