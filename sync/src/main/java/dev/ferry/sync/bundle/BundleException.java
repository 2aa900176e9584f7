package dev.ferry.sync.bundle;

/**
 * A request that cannot be carried out as asked (bad path, unknown base bundle, unreadable inventory, untrusted
 * signature, damaged volume...), or that this server failed to carry out ({@link Kind#FAILED}: its own disk). The
 * message is for the user, complete and specific; the admin API answers 400 for {@link Kind#BAD_REQUEST} and
 * {@link Kind#REFUSED}, 404 for {@link Kind#NOT_FOUND} and 500 for {@link Kind#FAILED}, and a job reports it as its
 * failure.
 */
public final class BundleException extends Exception {
    public enum Kind {
        BAD_REQUEST,
        NOT_FOUND,
        REFUSED,
        /** Not the request's fault: this server's own scratch space or store failed under it. */
        FAILED
    }

    private final Kind kind;

    public BundleException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public BundleException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
