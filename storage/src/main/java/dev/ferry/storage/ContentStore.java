package dev.ferry.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * Content-addressed, chunked object store with names and metadata beside the objects.
 * Knows nothing of Go or OCI: names and metadata keys are opaque strings chosen by the layers above
 * (their grammar is documented where those layers define them). Thread-safe.
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

    /** Flushes and closes RocksDB; waits for writers in flight to finish or abort. */
    @Override
    void close();
}
