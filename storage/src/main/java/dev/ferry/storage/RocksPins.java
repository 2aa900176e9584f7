package dev.ferry.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.rocksdb.RocksIterator;

/**
 * The {@link PinStore} role over the {@code pins} and {@code pin_sets} families. Pins are written only through a
 * {@link StoreBatch} ({@link RocksStoreBatch} keeps the pair and the pinned counters exact); this reads them, and
 * empties a set page by page.
 */
final class RocksPins implements PinStore {
    /** Objects unpinned per batch by {@link #unpinAll}. */
    private static final int PAGE = 1024;

    private final RocksContentStore store;

    RocksPins(RocksContentStore store) {
        this.store = store;
    }

    @Override
    public void pin(String pinSet, Sha256 object) throws IOException {
        store.update(b -> b.pin(pinSet, object));
    }

    @Override
    public void unpin(String pinSet, Sha256 object) throws IOException {
        store.update(b -> b.unpin(pinSet, object));
    }

    @Override
    public long unpinAll(String pinSet) throws IOException {
        byte[] prefix = StoreLayout.Pin.setPrefix(pinSet);
        long removed = 0;
        while (true) {
            // Pages of their own batches: a set can hold a whole prewarm; each page is atomic, the whole is not.
            List<Sha256> page = new ArrayList<>();
            store.withDb(() -> {
                try (RocksIterator it = store.db().newIterator(store.pinSets)) {
                    for (it.seek(prefix);
                            it.isValid() && page.size() < PAGE && RocksContentStore.startsWith(it.key(), prefix);
                            it.next()) {
                        page.add(StoreLayout.Pin.objectOfSetKey(it.key()));
                    }
                    it.status();
                }
                return null;
            });
            if (page.isEmpty()) {
                return removed;
            }
            store.update(b -> page.forEach(object -> b.unpin(pinSet, object)));
            removed += page.size();
        }
    }

    @Override
    public boolean isPinned(Sha256 object) {
        return !pinSetsOf(object).isEmpty();
    }

    /** The pin sets holding {@code object}, as committed. */
    @Override
    public List<String> pinSetsOf(Sha256 object) {
        byte[] prefix = StoreLayout.Pin.prefix(object);
        return store.query(() -> {
            List<String> sets = new ArrayList<>();
            try (RocksIterator it = store.db().newIterator(store.pins)) {
                for (it.seek(prefix); it.isValid() && RocksContentStore.startsWith(it.key(), prefix); it.next()) {
                    sets.add(StoreLayout.Pin.setOf(it.key()));
                }
                it.status();
            }
            return sets;
        });
    }

    @Override
    public void scanPinSet(String pinSet, Predicate<Sha256> visitor) {
        byte[] prefix = StoreLayout.Pin.setPrefix(pinSet);
        store.query(() -> {
            try (RocksIterator it = store.db().newIterator(store.pinSets)) {
                for (it.seek(prefix); it.isValid() && RocksContentStore.startsWith(it.key(), prefix); it.next()) {
                    if (!visitor.test(StoreLayout.Pin.objectOfSetKey(it.key()))) {
                        break;
                    }
                }
                it.status();
            }
            return null;
        });
    }

    /** Seeks from set to set, so the cost is one seek per set, not one step per pin. */
    @Override
    public void scanPinSets(String prefix, Predicate<String> visitor) {
        byte[] start = StoreLayout.utf8(prefix);
        store.query(() -> {
            try (RocksIterator it = store.db().newIterator(store.pinSets)) {
                it.seek(start);
                while (it.isValid() && RocksContentStore.startsWith(it.key(), start)) {
                    String set = StoreLayout.Pin.setOfSetKey(it.key());
                    if (!visitor.test(set)) {
                        break;
                    }
                    // The next set: past every key of this one (its prefix ends with 0x00; 0x01 sorts after all).
                    byte[] next = StoreLayout.Pin.setPrefix(set);
                    next[next.length - 1] = 1;
                    it.seek(next);
                }
                it.status();
            }
            return null;
        });
    }
}
