package dev.ferry.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Content-addressed, chunked object store with names and metadata beside the objects.
 * Knows nothing of Go or OCI: names and metadata keys are opaque strings chosen by the layers above
 * (their grammar is documented where those layers define them). Thread-safe.
 *
 * <p>Lifecycle: objects can be pinned into named pin sets (the layers above choose the set names: prewarm jobs,
 * mirror sets, hosted content, {@code ferry pin}); an object is pinned while any set holds it, and pinned objects
 * are never evicted or deleted without force. {@link #read}, {@link #resolve} and {@link #object} count as a use for
 * least-recently-used eviction. Stores without a lifecycle (test doubles) throw
 * {@link UnsupportedOperationException} from the lifecycle methods.
 */
public interface ContentStore extends AutoCloseable {

    /** Starts a new object; see {@link ObjectWriter}. */
    ObjectWriter newObject(Chunking chunking);

    Optional<StoredObject> object(Sha256 digest);

    /**
     * Streams {@code length} bytes of an object from {@code offset}, reading chunk by chunk (bounded memory).
     * @throws java.util.NoSuchElementException when there is no such object
     * @throws IndexOutOfBoundsException when the range is not inside the object
     */
    InputStream read(Sha256 digest, long offset, long length) throws IOException;

    /** The object {@code name} points at. */
    Optional<StoredObject> resolve(String name);

    Optional<byte[]> meta(String key);

    /** Visits metadata entries whose key starts with {@code prefix}, in key order, until the visitor returns false. */
    void scanMeta(String prefix, BiPredicate<String, byte[]> visitor);

    /** Applies name and metadata changes atomically and durably. */
    void update(Consumer<StoreBatch> changes) throws IOException;

    StoreStats stats();

    /** Adds {@code object} to {@code pinSet} (durably; no-op when it is there already). */
    default void pin(String pinSet, Sha256 object) throws IOException {
        update(b -> b.pin(pinSet, object));
    }

    /** Removes {@code object} from {@code pinSet}; it stays pinned while another set holds it. */
    default void unpin(String pinSet, Sha256 object) throws IOException {
        update(b -> b.unpin(pinSet, object));
    }

    /** Empties {@code pinSet}; returns how many objects it held. */
    default long unpinAll(String pinSet) throws IOException {
        throw new UnsupportedOperationException("this store has no pins");
    }

    /** Whether any pin set holds {@code object}. */
    default boolean isPinned(Sha256 object) {
        throw new UnsupportedOperationException("this store has no pins");
    }

    /** The pin sets holding {@code object}, in name order; empty when none does. */
    default List<String> pinSetsOf(Sha256 object) {
        throw new UnsupportedOperationException("this store has no pins");
    }

    /** Visits the objects of {@code pinSet} in digest order until the visitor returns false. */
    default void scanPinSet(String pinSet, Predicate<Sha256> visitor) {
        throw new UnsupportedOperationException("this store has no pins");
    }

    /**
     * Visits the names of the non-empty pin sets that start with {@code prefix}, in name (UTF-8 byte) order, until
     * the visitor returns false. Seeks from set to set, so the cost is one seek per set, not one step per pin.
     */
    default void scanPinSets(String prefix, Predicate<String> visitor) {
        throw new UnsupportedOperationException("this store has no pins");
    }

    /**
     * Deletes {@code object}, every name pointing at it, and its access record, and gives its chunk references back
     * (chunks no other object uses are deleted; for reads still streaming the object, only once they end).
     * Metadata is not touched: the layers above treat a name that no longer resolves as not stored.
     *
     * @param force also delete a pinned object (and drop it from its pin sets)
     * @return false when there was no such object
     * @throws ObjectPinnedException when the object is pinned and {@code force} is false; nothing is deleted
     */
    default boolean delete(Sha256 object, boolean force) throws IOException {
        throw new UnsupportedOperationException("this store cannot delete");
    }

    /**
     * Deletes least recently used unpinned objects until the store's size ({@link StoreStats#chunkBytes()}) is at
     * most {@code targetBytes} or nothing unpinned is left. Runs alongside reads and writes.
     */
    default EvictionReport evict(long targetBytes) throws IOException {
        throw new UnsupportedOperationException("this store cannot evict");
    }

    // ---- chunk-level access, for export bundles and inventories (docs/bundles.md) ----------------------------------

    /** Visits names starting with {@code prefix} and their objects, in name (UTF-8 byte) order, until false. */
    default void scanNames(String prefix, BiPredicate<String, Sha256> visitor) {
        throw new UnsupportedOperationException("this store cannot list names");
    }

    /** The chunks of a committed object in order (offsets are the running sum of lengths); empty when absent. */
    default Optional<List<StoredChunk>> chunksOf(Sha256 object) {
        throw new UnsupportedOperationException("this store has no chunk access");
    }

    /** The bytes of a stored chunk, or empty when the store holds no such chunk. */
    default Optional<byte[]> chunk(Sha256 digest) throws IOException {
        throw new UnsupportedOperationException("this store has no chunk access");
    }

    /** Whether the store holds chunk {@code digest}. */
    default boolean hasChunk(Sha256 digest) {
        throw new UnsupportedOperationException("this store has no chunk access");
    }

    /** Visits every stored chunk's digest, in digest order, until the visitor returns false. */
    default void scanChunks(Predicate<Sha256> visitor) {
        throw new UnsupportedOperationException("this store has no chunk access");
    }

    /**
     * Starts an object built from explicit chunks (bundle import): cut exactly as the exporting store cut it, so
     * the chunks a site already holds are reused, not sent again. See {@link ObjectAssembler}.
     */
    default ObjectAssembler assemble() {
        throw new UnsupportedOperationException("this store cannot assemble objects");
    }

    /** Flushes and closes RocksDB; waits for writers in flight to finish or abort. */
    @Override
    void close();
}
