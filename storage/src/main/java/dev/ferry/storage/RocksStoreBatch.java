package dev.ferry.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/** A {@link StoreBatch} over one RocksDB write batch; only ever used under the store's commit lock. */
final class RocksStoreBatch implements StoreBatch {
    private final RocksContentStore store;
    private final WriteBatch batch;
    private final StoredObject committing;

    RocksStoreBatch(RocksContentStore store, WriteBatch batch, StoredObject committing) {
        this.store = store;
        this.batch = batch;
        this.committing = committing;
    }

    @Override
    public Optional<StoredObject> committing() {
        return Optional.ofNullable(committing);
    }

    @Override
    public void putName(String name, Sha256 digest) {
        if ((committing == null || !digest.equals(committing.digest())) && store.record(digest) == null) {
            throw new IllegalArgumentException("cannot name " + digest + ": no such object");
        }
        write(() -> batch.put(store.names, StoreLayout.Name.key(name), digest.bytes()));
    }

    @Override
    public void deleteName(String name) {
        write(() -> batch.delete(store.names, StoreLayout.Name.key(name)));
    }

    @Override
    public void putMeta(String key, byte[] value) {
        write(() -> batch.put(store.meta, StoreLayout.Meta.key(key), value));
    }

    @Override
    public void deleteMeta(String key) {
        write(() -> batch.delete(store.meta, StoreLayout.Meta.key(key)));
    }

    @Override
    public Optional<StoredObject> currentName(String name) {
        return store.resolve(name);
    }

    @Override
    public Optional<byte[]> currentMeta(String key) {
        return store.meta(key);
    }

    private interface BatchOp {
        void run() throws RocksDBException;
    }

    private static void write(BatchOp op) {
        try {
            op.run();
        } catch (RocksDBException e) {
            throw new UncheckedIOException(new IOException("RocksDB: " + e.getMessage(), e));
        }
    }
}
