package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.RocksContentStore;
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
            return List.of(new BundleProgress.Count("chunks", chunks), new BundleProgress.Count("objects", objects),
                    new BundleProgress.Count("names", names), new BundleProgress.Count("metadata entries", meta),
                    new BundleProgress.Count("keys", inventory.size()));
        }
    }

    static Taken take(ContentStore store) {
        Inventory.Builder b = new Inventory.Builder();
        long[] n = new long[4];
        store.scanChunks(d -> {
            b.add(Inventory.chunkKey(d.bytes()));
            n[0]++;
            return true;
        });
        if (store instanceof RocksContentStore rocks) {
            rocks.scanObjects(o -> {
                b.add(Inventory.objectKey(o.digest().bytes()));
                n[1]++;
                return true;
            });
        }
        store.scanNames("", (name, object) -> {
            b.add(Inventory.nameKey(name, object.hex()));
            if (!(store instanceof RocksContentStore)) {
                b.add(Inventory.objectKey(object.bytes()));
                n[1]++;
            }
            n[2]++;
            return true;
        });
        store.scanMeta("", (key, value) -> {
            b.add(Inventory.metaKey(key, value));
            n[3]++;
            return true;
        });
        if (store instanceof RocksContentStore) {
            // Pins too, so a bundle cut against this inventory does not carry every pin the site already has.
            List<String> sets = new ArrayList<>();
            store.scanPinSets("", sets::add);
            for (String set : sets) {
                store.scanPinSet(set, o -> {
                    b.add(Inventory.pinKey(set, o.hex()));
                    return true;
                });
            }
        }
        return new Taken(b.build(), n[0], n[1], n[2], n[3]);
    }

    /** Takes the inventory and writes it to {@code out} (whole or not at all). */
    static Taken write(ContentStore store, Path out) throws IOException {
        Taken t = take(store);
        AtomicFiles.write(out, t.inventory()::write);
        return t;
    }
}
