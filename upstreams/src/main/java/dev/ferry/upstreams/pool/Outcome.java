package dev.ferry.upstreams.pool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * What one attempt at one upstream came to, before the walk records what it says about the upstream
 * ({@link AttemptOutcome}) and what the request gets ({@link FetchResult}).
 */
public sealed interface Outcome<T> {
    /**
     * The value the handler made of a good answer; {@code bytes} and {@code bodyNanos} (time spent waiting for
     * them) time its 200 body, for the upstream's speed (bytes -1: not timed).
     */
    record Success<T>(T value, long bytes, long bodyNanos) implements Outcome<T> {
        public Success(T value) {
            this(value, -1, 0);
        }
    }

    /** The upstream does not have it (a status the client reads as not-found), with the start of its body. */
    record Missing<T>(int status, String reason) implements Outcome<T> {}

    /**
     * Counts against the upstream, unless {@code kind} is null (the caller was interrupted) or
     * {@link FailureKind#HANDLER}; see {@link AttemptOutcome.Failure} for {@code retryAfter} and {@code subject}.
     */
    record Failure<T>(FailureKind kind, String detail, Duration retryAfter, String subject) implements Outcome<T> {
        public Failure(FailureKind kind, String detail, Duration retryAfter) {
            this(kind, detail, retryAfter, null);
        }
    }

    static <T> Outcome<T> failure(FailureKind kind, String detail) {
        return new Failure<>(kind, detail, null);
    }

    /** The same failure or miss for another value type (a success has a value and cannot change type). */
    @SuppressWarnings("unchecked")
    default <U> Outcome<U> cast() {
        if (this instanceof Success<?>) {
            throw new IllegalStateException("only a non-success outcome changes type");
        }
        return (Outcome<U>) this;
    }

    /** A handler's work on a body that has arrived whole. */
    @FunctionalInterface
    interface Handling<T> {
        T handle() throws IOException, ContentRejected;
    }

    /**
     * What a handler made of a body that was read whole ({@code bytes} of it in {@code bodyNanos}): the transfer
     * is over, so whatever the handler throws is about the content (a mismatch quarantines) or about us.
     */
    static <T> Outcome<T> handled(Handling<T> handling, long bytes, long bodyNanos) {
        try {
            return new Success<>(handling.handle(), bytes, bodyNanos);
        } catch (ContentMismatch e) {
            return new Failure<>(FailureKind.MISMATCH, e.getMessage(), null, e.subject());
        } catch (ContentRejected e) {
            return failure(FailureKind.REJECTED, e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            return failure(
                    FailureKind.HANDLER, WatchedBody.describe(e instanceof UncheckedIOException u ? u.getCause() : e));
        }
    }
}
