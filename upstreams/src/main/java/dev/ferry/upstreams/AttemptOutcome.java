package dev.ferry.upstreams;

import java.time.Duration;

/** What one request to one upstream told us about that upstream; the pool turns it into health. */
public sealed interface AttemptOutcome {
    /** A good answer. */
    record Success() implements AttemptOutcome {}

    /** 404/410: the upstream is fine, it just does not have it. No penalty. */
    record NotFound(int status) implements AttemptOutcome {}

    /** Counts against the upstream; {@code retryAfter} is what a 429/503 asked for, or null. */
    record Failure(FailureKind kind, String detail, Duration retryAfter) implements AttemptOutcome {}

    /** No verdict: the caller gave up, or our side failed. */
    record Abandoned(String why) implements AttemptOutcome {}
}
