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

    /** Flushes and closes the store; waits for writers in flight to finish or abort. */
    @Override
    void close();
}
