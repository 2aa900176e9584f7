package dev.ferry.mirror.sumdb;

/** Why a downloaded .mod or .zip may not be stored. Each case maps to one HTTP status at the edge. */
public abstract sealed class ChecksumFailure extends Exception {
    ChecksumFailure(String message) {
        super(message, null, false, false);
    }

    /** The content is wrong (or the database lied): refused for good, from this upstream. */
    public static final class Refused extends ChecksumFailure {
        private final boolean mismatch;

        public Refused(String message) {
            this(message, false);
        }

        /** @param mismatch the database knows the version and lists another hash: the upstream served wrong bytes */
        public Refused(String message, boolean mismatch) {
            super(message);
            this.mismatch = mismatch;
        }

        public boolean mismatch() {
            return mismatch;
        }
    }

    /** The database could not be asked or gave no usable answer: the version cannot be served yet. */
    public static final class Unverifiable extends ChecksumFailure {
        public Unverifiable(String message) {
            super(message);
        }
    }
}
