package dev.ferry.upstreams.pool;

import java.io.IOException;

/** A body read that failed, with the label the events and {@link FetchResult.Failed} report it under. */
final class TransferFailure extends IOException {
    private final FailureKind kind;

    public TransferFailure(FailureKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public FailureKind kind() {
        return kind;
    }
}
