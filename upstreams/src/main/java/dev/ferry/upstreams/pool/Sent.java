package dev.ferry.upstreams.pool;

import java.io.InputStream;
import java.net.http.HttpResponse;

/** What sending one request came to; {@code kind == null} means interrupted. */
public sealed interface Sent {
    /**
     * Response headers, and for a small 200 body the whole body already read ({@code body}, else null).
     * {@code startedNanos}, {@code headersNanos} and {@code doneNanos} are System.nanoTime() values: request sent,
     * headers in, body in (equal to headersNanos when the body was not read).
     */
    record Answered(
            HttpResponse<InputStream> response,
            int status,
            long startedNanos,
            long headersNanos,
            byte[] body,
            long doneNanos)
            implements Sent {
        /** The same answer to a request that began at {@code nanos} (before the requests that led to this one). */
        public Answered startedAt(long nanos) {
            return new Answered(response, status, nanos, headersNanos, body, doneNanos);
        }

        /** How the read-ahead body arrived, or null when it was not read ahead. */
        public Transfer transfer() {
            return body == null
                    ? null
                    : new Transfer(body.length, headersNanos - startedNanos, doneNanos - startedNanos);
        }
    }

    record Failed(FailureKind kind, String detail) implements Sent {}
}
