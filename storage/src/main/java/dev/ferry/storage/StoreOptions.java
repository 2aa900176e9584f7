package dev.ferry.storage;

/**
 * Tuning for the RocksDB store. STUB: the storage work decides the fields (block cache size, blob threshold, ...)
 * and documents each in docs/storage.md.
 */
public record StoreOptions(long blockCacheBytes) {
    public static StoreOptions defaults() {
        return new StoreOptions(64L << 20);
    }
}
