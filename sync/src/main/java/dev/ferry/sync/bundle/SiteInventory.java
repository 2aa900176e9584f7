package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.storage.ContentStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The inventory of what this site's store holds ({@code ferry inventory}): every chunk, object, name binding and
 * metadata entry, as {@link Inventory} keys. An exporting site leaves out of its bundle whatever this lists.
 */
final class SiteInventory {
    private SiteInventory() {}

    record Taken(Inventory inventory, long chunks, long objects, long names, long meta) {
        List<dev.ferry.sync.bundle.BundleProgress.Count> summary() {
            return List.of(
                    new BundleProgress.Count("chunks", chunks),
                    new BundleProgress.Count("objects", objects),
                    new BundleProgress.Count("names", names),
                    new BundleProgress.Count("metadata entries", meta),
                    new BundleProgress.Count("keys", inventory.size()));
        }
    }

    static Taken take(ContentStore store) throws BundleException {
        return take(store, HeapBudget.inventoryKeys());
    }

    /** Thrown from inside a store scan when the keys exceed the limit; turned into a BundleException. */
    private static final class Full extends RuntimeException {
        Full() {
            super(null, null, false, false);
        }
    }

    static Taken take(ContentStore store, int maxKeys) throws BundleException {
        try {
            return collect(store, maxKeys);
        } catch (Full e) {
            throw new BundleException(
                    BundleException.Kind.BAD_REQUEST,
                    HeapBudget.tooManyKeys("this site's inventory would hold", maxKeys));
        }
    }

    private static Taken collect(ContentStore store, int maxKeys) {
        Inventory.Builder b = new Inventory.Builder();
        long[] n = new long[4];
        store.scanChunks(d -> {
            add(b, maxKeys, Inventory.chunkKey(d.bytes()));
            n[0]++;
            return true;
        });
        store.scanObjects(o -> {
            add(b, maxKeys, Inventory.objectKey(o.digest().bytes()));
            n[1]++;
            return true;
        });
        store.scanNames("", (name, object) -> {
            add(b, maxKeys, Inventory.nameKey(name, object.hex()));
            n[2]++;
            return true;
        });
        store.scanMeta("", (key, value) -> {
            add(b, maxKeys, Inventory.metaKey(key, value));
            n[3]++;
            return true;
        });
        // Pins too, so a bundle cut against this inventory does not carry every pin the site already has.
        List<String> sets = new ArrayList<>();
        store.scanPinSets("", sets::add);
        for (String set : sets) {
            store.scanPinSet(set, o -> {
                add(b, maxKeys, Inventory.pinKey(set, o.hex()));
                return true;
            });
        }
        return new Taken(b.build(), n[0], n[1], n[2], n[3]);
    }

    private static void add(Inventory.Builder b, int maxKeys, byte[] key) {
        if (b.size() >= maxKeys) {
            throw new Full();
        }
        b.add(key);
    }

    /** Takes the inventory and writes it to {@code out} (whole or not at all). */
    static Taken write(ContentStore store, Path out) throws IOException, BundleException {
        Taken t = take(store);
        AtomicFiles.write(out, t.inventory()::write);
        return t;
    }
}
