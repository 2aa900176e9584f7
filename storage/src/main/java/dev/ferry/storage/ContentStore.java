package dev.ferry.storage;

/**
 * Content-addressed, chunked object store with names and metadata beside the objects: every role at once, as the
 * store is opened ({@link RocksContentStore#open}) and handed out by the wiring. Knows nothing of Go or OCI: names
 * and metadata keys are opaque strings chosen by the layers above (their grammar is documented where those layers
 * define them). Thread-safe.
 *
 * <p>Code that uses the store depends on the roles it needs, not on this: {@link ObjectStore} (objects),
 * {@link NameStore} (names and metadata), {@link NamedObjectStore} (the two together, what the mirrors use),
 * {@link PinStore} (pins), {@link ChunkStore} (chunk access, for bundles) and {@link StoreMaintenance} (size,
 * delete, eviction).
 */
public interface ContentStore extends NamedObjectStore, PinStore, ChunkStore, StoreMaintenance, AutoCloseable {

    /**
     * An object's record without counting it as a use: listings (the web console's) must not make what an operator
     * looks at look recently used to the eviction. This default, for stores without access times, is a lookup.
     */
    default java.util.Optional<StoredObject> peek(Sha256 object) {
        return object(object);
    }

    /** When {@code object} was last used as far as the store knows on disk, as an epoch minute; empty if unknown. */
    default java.util.Optional<Long> lastUsedMinute(Sha256 object) {
        return java.util.Optional.empty();
    }

    /** Flushes and closes the store; waits for writers in flight to finish or abort. */
    @Override
    void close();
}
