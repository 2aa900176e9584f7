package dev.ferry.upstreams.pool;

/**
 * The body arrived whole but is not the content asked for: its hash differs from the checksum database's, from
 * the hash pinned earlier, or from the digest it was asked by. Unlike other rejections this is evidence that the
 * upstream lies, and the pool quarantines it ({@link PoolSettings#quarantine()}). {@code subject} names what
 * failed (a module version file, a blob digest) for the admin API.
 */
public class ContentMismatch extends ContentRejected {
    private final String subject;

    public ContentMismatch(String subject, String message) {
        super(message);
        this.subject = subject;
    }

    public String subject() {
        return subject;
    }
}
