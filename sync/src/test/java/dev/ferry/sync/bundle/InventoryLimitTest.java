package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.storage.RocksContentStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inventories too large for the heap are refused with the way out, not an OutOfMemoryError. */
class InventoryLimitTest {
    @TempDir
    Path tmp;

    @Test
    void theLimitIsAQuarterOfTheHeapAtSixtyFourBytesAKey() {
        assertEquals(1_572_864, InventoryLimit.maxKeys(384L << 20));
        assertEquals(8_388_608, InventoryLimit.maxKeys(2L << 30));
        assertEquals(1 << 16, InventoryLimit.maxKeys(1L << 20), "a floor for tiny heaps");
        assertEquals(Inventory.MAX_KEYS, InventoryLimit.maxKeys(1L << 40), "and the format's own cap");
    }

    @Test
    void aSiteWhoseInventoryWouldNotFitIsToldSo() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore store = fx.store("b");
            for (int i = 0; i < 3; i++) {
                BundleFixture.put(store, "n/" + i, ("content " + i).getBytes());
            }
            BundleException e = assertThrows(BundleException.class, () -> SiteInventory.take(store, 4));
            assertEquals(BundleException.Kind.BAD_REQUEST, e.kind());
            assertTrue(e.getMessage().startsWith("this site's inventory would hold more than 4 keys"), e.getMessage());
            assertTrue(e.getMessage().contains("FERRY_JAVA_OPTS=-Xmx2g"), e.getMessage());
            // with room, the same store's inventory is taken: 3 chunks, 3 objects, 3 names
            assertEquals(9, SiteInventory.take(store, 100).inventory().size());
        }
    }

    @Test
    void readingStopsAtTheCallersLimit() throws Exception {
        Inventory.Builder b = new Inventory.Builder();
        for (int i = 0; i < 5; i++) {
            b.add(Inventory.chunkKey(new byte[] {(byte) i}));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b.build().write(out);
        byte[] file = out.toByteArray();
        assertEquals(5, Inventory.read(new ByteArrayInputStream(file), 5).size());
        Inventory.TooLarge e = assertThrows(Inventory.TooLarge.class,
                () -> Inventory.read(new ByteArrayInputStream(file), 4));
        assertEquals("inventory holds more than 4 keys", e.getMessage());
    }
}
