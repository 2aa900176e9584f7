package dev.ferry.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * A {@link StoreBatch} over one RocksDB write batch; only ever used under the store's commit lock. Every key it reads
 * or writes first waits for commits still writing that key ({@link CommitsInFlight}), and is recorded in
 * {@code touched} so later commits wait for this one in turn.
 */
final class RocksStoreBatch implements StoreBatch {
    private final RocksContentStore store;
    private final WriteBatch batch;
    private final StoredObject committing;
    private final CommitsInFlight inFlight;
    private final List<String> touched;

    RocksStoreBatch(RocksContentStore store, WriteBatch batch, StoredObject committing, CommitsInFlight inFlight,
            List<String> touched) {
        this.store = store;
        this.batch = batch;
        this.committing = committing;
        this.inFlight = inFlight;
        this.touched = touched;
    }

    private void touch(String key) {
        inFlight.awaitQuiet(key);
        touched.add(key);
    }

    @Override
    public Optional<StoredObject> committing() {
        return Optional.ofNullable(committing);
    }

    @Override
    public void putName(String name, Sha256 digest) {
        if (committing == null || !digest.equals(committing.digest())) {
            inFlight.awaitQuiet(CommitsInFlight.object(digest));
            if (store.record(digest) == null) {
                throw new IllegalArgumentException("cannot name " + digest + ": no such object");
            }
        }
        touch(CommitsInFlight.name(name));
        write(() -> batch.put(store.names, StoreLayout.Name.key(name), digest.bytes()));
    }

    @Override
    public void deleteName(String name) {
        touch(CommitsInFlight.name(name));
        write(() -> batch.delete(store.names, StoreLayout.Name.key(name)));
    }

    @Override
    public void putMeta(String key, byte[] value) {
        touch(CommitsInFlight.meta(key));
        write(() -> batch.put(store.meta, StoreLayout.Meta.key(key), value));
    }

    @Override
    public void deleteMeta(String key) {
        touch(CommitsInFlight.meta(key));
        write(() -> batch.delete(store.meta, StoreLayout.Meta.key(key)));
    }

    @Override
    public Optional<StoredObject> currentName(String name) {
        inFlight.awaitQuiet(CommitsInFlight.name(name));
        return store.resolve(name);
    }

    @Override
    public Optional<byte[]> currentMeta(String key) {
        inFlight.awaitQuiet(CommitsInFlight.meta(key));
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
