package dev.ferry.upstreams.pool;

/**
 * Why one upstream attempt failed; {@link #label} is the stable string passed to
 * {@link UpstreamEvents#failure} (metrics label values must not change between releases).
 */
public enum FailureKind {
    /** TCP or TLS set-up failed or took longer than the connect timeout. */
    CONNECT("connect"),
    /** No response headers within the first-byte timeout. */
    TIMEOUT("timeout"),
    /** The body stopped flowing for longer than the stall timeout, or flowed slower than the floor rate. */
    STALL("stall"),
    /** The connection broke (reset, closed before headers, protocol error). */
    RESET("reset"),
    /** The body ended before its declared length, or its framing broke mid-body. */
    TRUNCATED("truncated"),
    STATUS_5XX("status_5xx"),
    /** 429 Too Many Requests: the upstream throttles us. */
    STATUS_429("status_429"),
    /** Any other unexpected status (4xx other than 404/410/429, unfollowed 3xx, a 206 that does not fit, ...). */
    STATUS_4XX("status_4xx"),
    /** The handler refused the bytes ({@link ContentRejected}). */
    REJECTED("rejected"),
    /**
     * The whole body arrived and failed its checksum or digest ({@link ContentMismatch}): the upstream is
     * quarantined.
     */
    MISMATCH("mismatch"),
    /**
     * The transfer was much slower than the pool's best upstream manages ({@link SpeedSettings}), whether it
     * completed, lost a hedge race, or was abandoned under the relative floor and continued elsewhere.
     */
    SLOW("slow"),
    /** The handler failed on its own side (e.g. the store could not write); not the upstream's fault as such. */
    HANDLER("handler");

    private final String label;

    FailureKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The failure an unexpected status stands for: 429 and 5xx have their own kinds, anything else is a 4xx. */
    public static FailureKind ofStatus(int status) {
        return status == 429 ? STATUS_429 : status >= 500 && status <= 599 ? STATUS_5XX : STATUS_4XX;
    }
}
