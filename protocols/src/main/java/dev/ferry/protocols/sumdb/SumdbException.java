package dev.ferry.protocols.sumdb;

import dev.ferry.protocols.FormatException;

/**
 * A checksum database answer that could not be verified, with the {@link Kind} of failure. It is a FormatException so
 * that parsers and fuzz properties keep one contract ("bad input throws FormatException"), but a caller must look at
 * {@link #kind()}: {@link Kind#isSecurityEvent()} separates a database that lied or forked from a garbled response.
 */
public class SumdbException extends FormatException {

    /** Why verification failed. */
    public enum Kind {
        /** The response breaks a format rule (note, tree, record, tile length). Retry or report; not evidence of lying. */
        MALFORMED(false),
        /** The note carries no signature by a key we trust (possibly a key rotation or a wrong GOSUMDB). */
        UNKNOWN_KEY(false),
        /** A signature names our key (name and key hash) but does not verify: a forgery or corruption. */
        BAD_SIGNATURE(true),
        /**
         * Two signed tree heads that cannot both be true: same size with different hashes, or one not a prefix of the
         * other. The database forked or rolled back; keep both notes as evidence.
         */
        INCONSISTENT_TREE(true),
        /**
         * Tile hashes do not lead to the signed tree hash. The tiles come from an untrusted channel (upstream, cache),
         * so this alone does not prove the database lied: evict the tiles and retry from upstream once.
         */
        BAD_PROOF(false),
        /**
         * The tiles are authenticated by the signed tree, but the record text served by lookup is not the one in the
         * log: the database served a record it did not log.
         */
        RECORD_MISMATCH(true);

        private final boolean securityEvent;

        Kind(boolean securityEvent) {
            this.securityEvent = securityEvent;
        }

        /** Whether this failure is evidence that the database (not the transport) misbehaved. */
        public boolean isSecurityEvent() {
            return securityEvent;
        }
    }

    private final Kind kind;

    public SumdbException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public SumdbException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
