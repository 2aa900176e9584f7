package dev.ferry.storage;

import java.io.IOException;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * Builds {@code name_refs} and {@code access} once for a store written before they existed, at open before anything
 * else runs, then sets the {@code lifecycle} marker so later opens skip it. Objects get the open's minute as their
 * last use (their commit time was not recorded), so they age from there like new ones.
 *
 * <p>Written in batches of {@value #BATCH} keys; a crash before the marker just builds again (every put is
 * idempotent). The marker is written synced, after everything it vouches for.
 */
final class LifecycleIndex {
    private static final int BATCH = 10_000;

    private LifecycleIndex() {}

    /** Returns whether there was anything to build (false for stores that have the marker). */
    static boolean buildIfMissing(RocksContentStore store, long minuteNow) throws IOException {
        return store.withDb(() -> {
            if (store.db().get(StoreLayout.LIFECYCLE_KEY) != null) {
                return false;
            }
            try (Batches batches = new Batches(store)) {
                build(store, batches, minuteNow);
            }
            store.db().put(store.synced, StoreLayout.LIFECYCLE_KEY, StoreLayout.utf8("1"));
            return true;
        });
    }

    private static void build(RocksContentStore store, Batches batches, long minuteNow) throws RocksDBException {
        try (RocksIterator it = store.db().newIterator(store.names)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                String name = StoreLayout.Meta.decodeKey(it.key());
                batches.put(store.nameRefs, StoreLayout.NameRef.key(StoreLayout.Name.decode(it.value()), name));
            }
            it.status();
        }
        try (RocksIterator it = store.db().newIterator(store.objects)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                Sha256 object = Sha256.of(it.key());
                if (store.db().get(store.access, StoreLayout.Access.key(object)) == null) {
                    batches.batch.put(
                            store.access, StoreLayout.Access.key(object), StoreLayout.Access.value(minuteNow));
                    batches.put(store.accessByTime, StoreLayout.Access.timeKey(minuteNow, object));
                }
            }
            it.status();
        }
        batches.flush();
    }

    private static final class Batches implements AutoCloseable {
        final RocksContentStore store;
        final WriteBatch batch = new WriteBatch();

        Batches(RocksContentStore store) {
            this.store = store;
        }

        void put(org.rocksdb.ColumnFamilyHandle cf, byte[] key) throws RocksDBException {
            batch.put(cf, key, new byte[0]);
            if (batch.count() >= BATCH) {
                flush();
            }
        }

        void flush() throws RocksDBException {
            store.db().write(store.unsynced, batch);
            batch.clear();
        }

        @Override
        public void close() {
            batch.close();
        }
    }
}
