package dev.ferry.storage;

import java.io.IOException;
import java.nio.file.Path;

/** The RocksDB-backed {@link ContentStore}. STUB: the storage work fills it in. */
public abstract class RocksContentStore implements ContentStore {
    /** Opens (creating if needed) the one RocksDB under {@code dir}, reclaiming writes a crash interrupted. */
    public static RocksContentStore open(Path dir, StoreOptions options) throws IOException {
        throw new UnsupportedOperationException("todo");
    }
}
