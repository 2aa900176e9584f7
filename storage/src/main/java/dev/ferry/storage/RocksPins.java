package dev.ferry.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

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
                withPrefix(store.pinSets, prefix, it -> {
                    for (it.seek(prefix);
                            it.isValid() && page.size() < PAGE && RocksContentStore.startsWith(it.key(), prefix);
                            it.next()) {
                        page.add(StoreLayout.Pin.objectOfSetKey(it.key()));
                    }
                });
                return null;
            });
            if (page.isEmpty()) {
                return removed;
            }
            store.update(b -> b.unpinAll(pinSet, page));
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
            withPrefix(store.pins, prefix, it -> {
                for (it.seek(prefix); it.isValid() && RocksContentStore.startsWith(it.key(), prefix); it.next()) {
                    sets.add(StoreLayout.Pin.setOf(it.key()));
                }
            });
            return sets;
        });
    }

    @Override
    public void scanPinSet(String pinSet, Predicate<Sha256> visitor) {
        byte[] prefix = StoreLayout.Pin.setPrefix(pinSet);
        store.query(() -> {
            withPrefix(store.pinSets, prefix, it -> {
                for (it.seek(prefix); it.isValid() && RocksContentStore.startsWith(it.key(), prefix); it.next()) {
                    if (!visitor.test(StoreLayout.Pin.objectOfSetKey(it.key()))) {
                        break;
                    }
                }
            });
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

    /**
     * The pin sets of each of {@code objects} (distinct, in ascending order), as committed, by one pass over the pins
     * family from the first object's key to past the last's, instead of a seek each: a seek positions an iterator in
     * every memtable, level-0 file and level, about as costly as stepping over dozens of keys, and an export pins
     * and later unpins every object it selects (two thirds of a small delta export's time against 20,000 objects
     * went to those seeks). The pass stops after {@code budget} entries (a few objects spread over a family of
     * millions of pins are cheaper a seek each); the objects it did not settle are left out of the answer.
     */
    java.util.Map<Sha256, List<String>> pinSetsOfAll(List<Sha256> objects, long budget) {
        java.util.Map<Sha256, List<String>> out = new java.util.HashMap<>();
        if (objects.isEmpty()) {
            return out;
        }
        byte[] first = StoreLayout.Pin.prefix(objects.getFirst());
        byte[] end = successor(StoreLayout.Pin.prefix(objects.getLast()));
        store.query(() -> {
            withRange(store.pins, end, it -> {
                int next = 0; // objects before it are settled
                long stepped = 0;
                for (it.seek(first); it.isValid() && next < objects.size(); it.next()) {
                    if (++stepped > budget) {
                        // Unsettled from here on, the object in hand too (its sets may not all be read yet).
                        for (int i = next; i < objects.size(); i++) {
                            out.remove(objects.get(i));
                        }
                        return;
                    }
                    byte[] key = it.key();
                    Sha256 object = StoreLayout.Pin.objectOf(key);
                    while (next < objects.size() && compare(objects.get(next), object) < 0) {
                        out.putIfAbsent(objects.get(next++), List.of()); // passed: no (more) pins
                    }
                    if (next < objects.size() && objects.get(next).equals(object)) {
                        out.computeIfAbsent(object, o -> new ArrayList<>()).add(StoreLayout.Pin.setOf(key));
                    }
                }
                while (next < objects.size()) {
                    out.putIfAbsent(objects.get(next++), List.of()); // the family ends before them
                }
            });
            return null;
        });
        return out;
    }

    /** Unsigned order of the digests' bytes, the pins family's key order. */
    static int compare(Sha256 a, Sha256 b) {
        return java.util.Arrays.compareUnsigned(a.bytes(), b.bytes());
    }

    /** What runs over an iterator of {@link #withPrefix}. */
    @FunctionalInterface
    private interface IteratorBody {
        void run(RocksIterator it) throws RocksDBException;
    }

    /**
     * Runs {@code body} over an iterator of {@code family} that ends where keys stop starting with {@code prefix}.
     * Unbounded, a seek that found no live key under the prefix stepped over every deleted key after it: an export
     * pins each object it ships and releases the pins at its end, so after one export each pin lookup of the next
     * walked the previous one's deletions (until a compaction), a third of that export's planning thread.
     */
    private void withPrefix(ColumnFamilyHandle family, byte[] prefix, IteratorBody body) throws RocksDBException {
        withRange(family, successor(prefix), body);
    }

    /** As {@link #withPrefix}, up to {@code end} (exclusive; null: no bound). */
    private void withRange(ColumnFamilyHandle family, byte[] end, IteratorBody body) throws RocksDBException {
        try (Slice bound = end == null ? null : new Slice(end);
                ReadOptions read = new ReadOptions();
                RocksIterator it =
                        store.db().newIterator(family, bound == null ? read : read.setIterateUpperBound(bound))) {
            body.run(it);
            it.status();
        }
    }

    /** The least key greater than every key starting with {@code prefix}; null when there is none (all 0xff). */
    static byte[] successor(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return java.util.Arrays.copyOf(end, i + 1);
            }
        }
        return null;
    }
}
