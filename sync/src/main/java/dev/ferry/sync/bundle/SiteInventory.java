package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.storage.ContentStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The inventory of what this site's store holds ({@code ferry inventory}): every chunk, object, name binding,
 * metadata entry and pin, as {@link Inventory} keys. An exporting site leaves out of its bundle whatever this lists.
 * The keys are gathered in the heap while they fit the inventory budget ({@link HeapBudget#inventoryKeys()}), and
 * sorted through a scratch table on disk beyond it, so a site of any size can write one at the default heap.
 */
final class SiteInventory {
    private SiteInventory() {}

    record Taken(long keys, long chunks, long objects, long names, long meta) {
        List<BundleProgress.Count> summary() {
            return List.of(
                    new BundleProgress.Count("chunks", chunks),
                    new BundleProgress.Count("objects", objects),
                    new BundleProgress.Count("names", names),
                    new BundleProgress.Count("metadata entries", meta),
                    new BundleProgress.Count("keys", keys));
        }
    }

    /** Takes the inventory and writes it to {@code out} (whole or not at all), sorting in {@code scratch} if need be. */
    static Taken write(ContentStore store, Path out, Path scratch) throws IOException {
        return write(store, out, HeapBudget.inventoryKeys(), scratch);
    }

    static Taken write(ContentStore store, Path out, int heapKeys, Path scratch) throws IOException {
        try (Keys keys = new Keys(heapKeys, scratch)) {
            long[] n = collect(store, keys);
            long written = keys.writeTo(out);
            return new Taken(written, n[0], n[1], n[2], n[3]);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Adds every key of the store to {@code keys}; the counts of chunks, objects, names and metadata entries. */
    private static long[] collect(ContentStore store, Keys keys) {
        long[] n = new long[4];
        store.scanChunks(d -> {
            keys.add(Inventory.chunkKey(d.bytes()));
            n[0]++;
            return true;
        });
        store.scanObjects(o -> {
            keys.add(Inventory.objectKey(o.digest().bytes()));
            n[1]++;
            return true;
        });
        store.scanNames("", (name, object) -> {
            keys.add(Inventory.nameKey(name, object.hex()));
            n[2]++;
            return true;
        });
        store.scanMeta("", (key, value) -> {
            keys.add(Inventory.metaKey(key, value));
            n[3]++;
            return true;
        });
        // Pins too, so a bundle cut against this inventory does not carry every pin the site already has.
        List<String> sets = new ArrayList<>();
        store.scanPinSets("", sets::add);
        for (String set : sets) {
            store.scanPinSet(set, o -> {
                keys.add(Inventory.pinKey(set, o.hex()));
                return true;
            });
        }
        return n;
    }

    /**
     * Keys in any order, with repeats: in an {@link Inventory.Builder} up to {@code heapKeys} of them, then moved to a
     * scratch table (which sorts and deduplicates them on disk) with all that follow. Called from store scans, so
     * its I/O failures are unchecked.
     */
    private static final class Keys implements AutoCloseable {
        private final int heapKeys;
        private final Path scratch;
        private Inventory.Builder heap = new Inventory.Builder();
        private DiskKeys disk;

        Keys(int heapKeys, Path scratch) {
            this.heapKeys = heapKeys;
            this.scratch = scratch;
        }

        void add(byte[] key) {
            try {
                if (disk == null && heap.size() < heapKeys) {
                    heap.add(key);
                    return;
                }
                if (disk == null) {
                    disk = new DiskKeys(scratch);
                    Inventory held = heap.build();
                    heap = null; // the heap's share, free again for the rest of the scan
                    for (int i = 0; i < held.size(); i++) {
                        disk.add(held.key(i));
                    }
                }
                disk.add(key);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Writes the inventory file; the number of distinct keys. */
        long writeTo(Path out) throws IOException {
            if (disk == null) {
                Inventory inventory = heap.build();
                AtomicFiles.write(out, inventory::write);
                return inventory.size();
            }
            long[] n = new long[1];
            AtomicFiles.write(out, stream -> {
                Inventory.SortedWriter w = new Inventory.SortedWriter(stream);
                disk.forEach(w::add);
                w.finish();
                n[0] = w.size();
            });
            return n[0];
        }

        @Override
        public void close() throws IOException {
            if (disk != null) {
                disk.close();
            }
        }
    }
}
