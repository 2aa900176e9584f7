package dev.ferry.upstreams.pool;

import java.util.List;

/** The outcome of asking an upstream list for one path. */
public sealed interface FetchResult<T> {

    /** An upstream answered 200 and the handler accepted the body. */
    record Fetched<T>(T value, String upstream) implements FetchResult<T> {}

    /** Every upstream asked answered 404/410 (or the list is off); {@code message} is the last upstream's reason. */
    record NotFound<T>(int status, String message) implements FetchResult<T> {}

    /** No upstream gave an answer: the attempts say what went wrong where, in order. */
    record Failed<T>(List<Attempt> attempts) implements FetchResult<T> {
        public String summary() {
            return attempts.isEmpty()
                    ? "no upstream configured"
                    : String.join(
                            "; ",
                            attempts.stream()
                                    .map(a -> a.upstream() + ": " + a.problem())
                                    .toList());
        }
    }

    /** One failed attempt: which upstream, and what went wrong in words. */
    record Attempt(String upstream, String problem) {}
}
