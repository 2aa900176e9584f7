package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.bundle.BundleFormatException;
import dev.ferry.protocols.bundle.Inventory;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cut set read into the heap and one read onto disk (past the heap's share) answer alike. */
class CutSetTest {
    @TempDir
    Path tmp;

    @Test
    void aCutPastTheHeapShareIsReadOntoDiskAndAnswersAsTheHeapOne() throws Exception {
        Inventory.Builder b = new Inventory.Builder();
        List<byte[]> absent = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            b.add(Inventory.chunkKey(new byte[] {(byte) i, (byte) (i >> 8)}));
            absent.add(Inventory.objectKey(new byte[] {(byte) i, (byte) (i >> 8)}));
        }
        Inventory inventory = b.build();
        Path file = write(inventory);
        Path scratch = tmp.resolve("scratch");

        try (CutSet heap = CutSet.read(file, 10_000, scratch);
                CutSet disk = CutSet.read(file, 9_999, scratch)) {
            assertFalse(heap.onDisk());
            assertTrue(disk.onDisk());
            assertTrue(Files.isDirectory(scratch));
            assertEquals(10_000, heap.size());
            assertEquals(10_000, disk.size());
            List<byte[]> heapKeys = new ArrayList<>();
            List<byte[]> diskKeys = new ArrayList<>();
            heap.forEach(heapKeys::add);
            disk.forEach(diskKeys::add);
            assertEquals(10_000, diskKeys.size());
            for (int i = 0; i < heapKeys.size(); i++) {
                assertArrayEquals(inventory.key(i), heapKeys.get(i), "heap key " + i);
                assertArrayEquals(inventory.key(i), diskKeys.get(i), "disk key " + i + ", in the inventory's order");
            }
            List<byte[]> asked = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                asked.add(inventory.key(i * 200));
                asked.add(absent.get(i));
            }
            BitSet want = new BitSet();
            for (int i = 0; i < asked.size(); i += 2) {
                want.set(i);
            }
            assertEquals(want, heap.containing(asked));
            assertEquals(want, disk.containing(asked));
            assertTrue(disk.contains(inventory.key(9_999)));
            assertFalse(disk.contains(absent.get(7)));
        }
        assertFalse(Files.exists(scratch), "closing removes the table");
    }

    @Test
    void aDamagedFileFoundPastTheHeapShareIsRefusedAndLeavesNothing() throws Exception {
        Inventory.Builder b = new Inventory.Builder();
        for (int i = 0; i < 1_000; i++) {
            b.add(Inventory.chunkKey(new byte[] {(byte) i, (byte) (i >> 8)}));
        }
        byte[] bytes = Files.readAllBytes(write(b.build()));
        Path truncated = Files.write(tmp.resolve("truncated"), java.util.Arrays.copyOf(bytes, bytes.length - 30));
        Path scratch = tmp.resolve("scratch");
        BundleFormatException e = assertThrows(BundleFormatException.class, () -> CutSet.read(truncated, 10, scratch));
        assertTrue(e.getMessage().startsWith("inventory is truncated or damaged"), e.getMessage());
        assertFalse(Files.exists(scratch), "nothing left behind");
    }

    /**
     * A good inventory whose keys this server cannot keep on its own disk (the scratch space is not writable) is this
     * server's failure, not the request's: the service says so (500 at the admin API), where it answered 400 as for
     * a bad file; a damaged file stays the request's fault.
     */
    @Test
    void aScratchSpaceThatFailsIsThisServersFailureNotABadInventory() throws Exception {
        Inventory.Builder b = new Inventory.Builder();
        for (int i = 0; i < 1_000; i++) {
            b.add(Inventory.chunkKey(new byte[] {(byte) i, (byte) (i >> 8)}));
        }
        Path good = write(b.build());
        Path blocked = Files.writeString(tmp.resolve("not-a-directory"), "a file where the scratch space should be");
        Path scratch = blocked.resolve("cut");

        assertThrows(dev.ferry.storage.ScratchTable.Failure.class, () -> CutSet.read(good, 10, scratch));
        BundleException failed =
                assertThrows(BundleException.class, () -> BundleService.readInventory(good, 10, scratch));
        assertEquals(BundleException.Kind.FAILED, failed.kind());
        assertTrue(
                failed.getMessage().startsWith("could not keep the inventory's keys on this server's disk"),
                failed.getMessage());
        try (CutSet inHeap = BundleService.readInventory(good, 1_000, scratch)) {
            assertEquals(1_000, inHeap.size(), "within the heap's share the scratch space is not needed");
        }

        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(tmp.resolve("truncated"), java.util.Arrays.copyOf(bytes, bytes.length - 30));
        BundleException bad = assertThrows(
                BundleException.class, () -> BundleService.readInventory(truncated, 10, tmp.resolve("scratch")));
        assertEquals(BundleException.Kind.BAD_REQUEST, bad.kind());
        assertFalse(Files.exists(tmp.resolve("scratch")), "nothing left behind");
    }

    private Path write(Inventory inventory) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        inventory.write(out);
        return Files.write(tmp.resolve("inventory-" + inventory.size()), out.toByteArray());
    }
}
