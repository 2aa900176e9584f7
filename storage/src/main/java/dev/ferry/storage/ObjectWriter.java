package dev.ferry.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.Consumer;

/**
 * Streams one new object into the store. Nothing written is visible until {@link #commit} returns;
 * closing without a commit aborts and reclaims the space. Not thread-safe: one writer per thread.
 */
public abstract class ObjectWriter extends OutputStream {

    /** Bytes written so far. */
    public abstract long written();

    /**
     * Makes the object durable and visible, together with {@code changes}, in one synced batch.
     *
     * @param expected the digest the bytes must have, or null to accept whatever was written
     * @throws DigestMismatchException when the bytes do not hash to {@code expected}; nothing is stored
     */
    public StoredObject commit(Sha256 expected, Consumer<StoreBatch> changes) throws IOException {
        return commit(expected, changes, Durability.SYNCED);
    }

    /**
     * Makes the object visible, together with {@code changes}, in one batch, durable as {@code durability} says.
     *
     * @throws DigestMismatchException when the bytes do not hash to {@code expected}; nothing is stored
     */
    public abstract StoredObject commit(Sha256 expected, Consumer<StoreBatch> changes, Durability durability)
            throws IOException;

    /**
     * Checks, before the commit, that the bytes written hash to {@code expected}, so a caller may hand them on (a
     * mirror's clients following the download) while the commit makes them durable. Afterwards only
     * {@link #commit} or {@link #abort}: a write fails. On a mismatch the writer is aborted.
     *
     * @throws DigestMismatchException when the bytes do not hash to {@code expected}; nothing is stored
     */
    public abstract void check(Sha256 expected) throws IOException;

    /** Drops everything written; idempotent, also called by close() when there was no commit. */
    public abstract void abort();
}
