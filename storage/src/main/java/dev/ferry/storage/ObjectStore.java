package dev.ferry.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The objects role of a {@link ContentStore}: content-addressed objects, written whole and read by any range.
 * {@link #object} and {@link #read} count as a use for least-recently-used eviction.
 */
public interface ObjectStore {

    /** Starts a new object; see {@link ObjectWriter}. */
    ObjectWriter newObject(Chunking chunking);

    /**
     * Starts a new object whose commit will be {@code durability}, so that the store can write it accordingly
     * (RocksDB: how much of it goes through the log); the commit still names its own durability.
     */
    default ObjectWriter newObject(Chunking chunking, Durability durability) {
        return newObject(chunking);
    }

    Optional<StoredObject> object(Sha256 digest);

    /**
     * Streams {@code length} bytes of an object from {@code offset}, reading chunk by chunk (bounded memory).
     * @throws java.util.NoSuchElementException when there is no such object
     * @throws IndexOutOfBoundsException when the range is not inside the object
     */
    InputStream read(Sha256 digest, long offset, long length) throws IOException;

    /** Visits committed objects in digest order until the visitor returns false (not a use). */
    void scanObjects(Predicate<StoredObject> visitor);
}
