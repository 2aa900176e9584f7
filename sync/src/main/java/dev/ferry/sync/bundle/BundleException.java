package dev.ferry.sync.bundle;

/**
 * A request that cannot be carried out as asked (bad path, unknown base bundle, unreadable inventory, untrusted
 * signature, damaged volume...). The message is for the user, complete and specific; the admin API answers 400
 * for {@link Kind#BAD_REQUEST} and 404 for {@link Kind#NOT_FOUND}, and a job reports it as its failure.
 */
public final class BundleException extends Exception {
    public enum Kind {
        BAD_REQUEST,
        NOT_FOUND,
        REFUSED
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
