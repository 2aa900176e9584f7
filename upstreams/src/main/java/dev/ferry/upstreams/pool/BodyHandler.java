package dev.ferry.upstreams.pool;

import java.io.IOException;
import java.io.InputStream;

/**
 * Consumes one upstream response body. Throwing {@link ContentRejected} says the bytes are wrong (bad format,
 * failed verification); an IOException from reading {@code body} is a transfer failure. Either way the upstream
 * counts as failed and the pool may try the next one, calling the handler again from scratch.
 */
@FunctionalInterface
public interface BodyHandler<T> {
    /** @param contentLength the declared length, or -1 when the upstream did not declare one */
    T handle(InputStream body, long contentLength, String upstream) throws IOException, ContentRejected;
}
