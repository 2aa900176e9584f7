package dev.ferry.storage;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Builds an object from chunks cut elsewhere (a bundle's exporting store): each chunk is stored or referenced as
 * given, never re-cut, so the importing store ends up with the exporter's chunks and later bundles can skip them.
 */
final class RocksObjectAssembler extends ObjectAssembler {
    private final PendingObject object;
    private final boolean batched;

    /** {@code batched}: chunks written in batches ({@link ChunkBatch}), else each chunk at once. */
    RocksObjectAssembler(PendingObject object, boolean batched) {
        this.object = object;
        this.batched = batched;
    }

    @Override
    public void appendChunk(byte[] bytes, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        if (length == 0) {
            // An empty chunk would share its index key (the offset) with the next one.
            throw new IllegalArgumentException("a chunk holds at least one byte");
        }
        object.ensureOpen();
        if (!batched) {
            object.hash(bytes, offset, length);
            object.storeChunk(bytes, offset, length);
            return;
        }
        byte[] own = Arrays.copyOfRange(bytes, offset, offset + length);
        object.hash(own, 0, length);
        object.bufferChunk(Sha256.of(RocksObjectWriter.sha256().digest(own)), own);
    }

    @Override
    public void appendVerifiedChunk(Sha256 digest, byte[] bytes) throws IOException {
        Objects.requireNonNull(digest, "digest");
        if (bytes.length == 0) {
            throw new IllegalArgumentException("a chunk holds at least one byte");
        }
        object.ensureOpen();
        object.hash(bytes, 0, bytes.length);
        if (batched) {
            object.bufferChunk(digest, bytes);
        } else {
            object.storeChunk(bytes, 0, bytes.length, digest.bytes());
        }
    }

    @Override
    public boolean appendStoredChunk(Sha256 digest, int length) throws IOException {
        Objects.requireNonNull(digest, "digest");
        object.ensureOpen();
        if (length <= 0) {
            return false; // no stored chunk is empty
        }
        byte[] bytes = batched ? object.bufferStored(digest, length) : object.referenceStored(digest, length);
        if (bytes == null) {
            return false;
        }
        object.hash(bytes, 0, bytes.length);
        return true;
    }

    @Override
    public void writeAppended() throws IOException {
        object.ensureOpen();
        object.writeBuffered();
    }

    @Override
    public long written() {
        return object.stored();
    }

    @Override
    public StoredObject commit(Sha256 expected, Consumer<StoreBatch> changes) throws IOException {
        return object.commit(expected, changes, Durability.SYNCED);
    }

    @Override
    public StoredObject commitLazily(Sha256 expected, Consumer<StoreBatch> changes) throws IOException {
        return object.commit(expected, changes, Durability.GROUPED);
    }

    @Override
    public void abort() {
        object.abort();
    }
}
