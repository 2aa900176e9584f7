package dev.ferry.storage;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * Builds one object from explicit chunks, in order: new chunks given as bytes, and chunks the store already holds
 * given by digest. The object's digest is computed over every byte (stored chunks are read back for it), so a
 * commit with an expected digest proves the assembly whatever the chunk list claimed. Nothing is visible until
 * {@link #commit}; closing without a commit aborts and gives the chunk references back. Not thread-safe.
 */
public abstract class ObjectAssembler implements AutoCloseable {

    /** Appends a chunk given as bytes (stored under its sha256 unless the store holds it already). */
    public abstract void appendChunk(byte[] bytes, int offset, int length) throws IOException;

    /**
     * Appends {@code bytes} as a chunk whose sha256 the caller has already checked to be {@code digest} (a bundle's
     * reader, against the signed manifest), so the store does not hash it a second time for its address; the object
     * digest still covers every byte at {@link #commit}. The array becomes the assembler's: the caller must not
     * change it afterwards. A wrong {@code digest} would store the bytes under another chunk's address: only for
     * callers that have just computed it over these very bytes.
     */
    public void appendVerifiedChunk(Sha256 digest, byte[] bytes) throws IOException {
        appendChunk(bytes, 0, bytes.length);
    }

    /**
     * Appends a chunk the store holds, taking a reference to it at once (so reclaim cannot take it from now on).
     * @return false, appending nothing, when the store does not hold {@code digest} (or holds it at another length)
     */
    public abstract boolean appendStoredChunk(Sha256 digest, int length) throws IOException;

    /**
     * Writes the chunks appended so far now (with their references, and durable as far as a commit needs them), so
     * that a {@link #commit} on another thread writes little more than the object's record: for a caller that
     * assembles objects on several threads and commits them in order on one (a bundle import). Optional: a commit
     * writes whatever is still buffered itself. For {@link ChunkStore#assembleInBulk} the bytes are made durable by
     * the commit instead (one flush for every bulk object written before it).
     */
    public void writeAppended() throws IOException {}

    /** Bytes appended so far. */
    public abstract long written();

    /**
     * As {@link ObjectWriter#commit}: durable and visible together with {@code changes}, in one synced batch.
     * @throws DigestMismatchException when the bytes do not hash to {@code expected}; nothing is stored
     */
    public abstract StoredObject commit(Sha256 expected, Consumer<StoreBatch> changes) throws IOException;

    /**
     * As {@link #commit}, but without waiting for the disk: the object is visible at once and durable with the
     * store's next synced write (a commit, a name update). A crash before that loses it whole, never in part, and
     * loses it only with every later write: for a caller that makes many objects and then one synced batch that
     * refers to them (a bundle import), which is what makes a kill or power loss in between safe to resume.
     */
    public abstract StoredObject commitLazily(Sha256 expected, Consumer<StoreBatch> changes) throws IOException;

    /** Drops everything appended; idempotent. */
    public abstract void abort();

    @Override
    public void close() {
        abort();
    }
}
