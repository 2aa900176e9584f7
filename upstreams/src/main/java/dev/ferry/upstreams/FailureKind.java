package dev.ferry.upstreams;

/**
 * Why one upstream attempt failed; {@link #label} is the stable string passed to
 * {@link UpstreamEvents#failure} (metrics label values must not change between releases).
 */
public enum FailureKind {
    /** TCP or TLS set-up failed or took longer than the connect timeout. */
    CONNECT("connect"),
    /** No response headers within the first-byte timeout. */
    TIMEOUT("timeout"),
    /** The body stopped flowing for longer than the stall timeout. */
    STALL("stall"),
    /** The connection broke (reset, closed before headers, protocol error). */
    RESET("reset"),
    /** The body ended before its declared length, or its framing broke mid-body. */
    TRUNCATED("truncated"),
    STATUS_5XX("status_5xx"),
    /** Any other unexpected status (4xx other than 404/410, unfollowed 3xx, ...). */
    STATUS_4XX("status_4xx"),
    /** The handler refused the bytes ({@link ContentRejected}). */
    REJECTED("rejected"),
    /** The handler failed on its own side (e.g. the store could not write); not the upstream's fault as such. */
    HANDLER("handler");

    private final String label;

    FailureKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
