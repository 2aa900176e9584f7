package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.bundle.BundleNote;
import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.storage.RocksContentStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inventories and format-1 import manifests too large for the heap are refused with the way out; export plans and
 * format-2 manifests are not held in the heap.
 */
class HeapBudgetTest {
    @TempDir
    Path tmp;

    @Test
    void theLimitIsAQuarterOfTheHeapAtSixtyFourBytesAKey() {
        assertEquals(1_572_864, HeapBudget.inventoryKeys(384L << 20));
        assertEquals(8_388_608, HeapBudget.inventoryKeys(2L << 30));
        assertEquals(1 << 16, HeapBudget.inventoryKeys(1L << 20), "a floor for tiny heaps");
        assertEquals(Inventory.MAX_KEYS, HeapBudget.inventoryKeys(1L << 40), "and the format's own cap");
    }

    @Test
    void aSiteWhoseInventoryOutgrowsItsHeapShareWritesItThroughAScratchTable() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore store = fx.store("b");
            for (int i = 0; i < 3; i++) {
                // larger than ChunkStore.INLINE_MAX: a chunk the inventory lists
                BundleFixture.put(store, "n/" + i, ("content " + i).repeat(40).getBytes());
            }
            store.pin("kept", store.resolve("n/0").orElseThrow().digest());
            Path scratch = tmp.resolve("scratch");
            SiteInventory.Taken inHeap = SiteInventory.write(store, tmp.resolve("heap.inv"), 100, scratch);
            // 3 chunks, 3 objects, 3 names and a pin; from the fifth key on, on disk
            SiteInventory.Taken onDisk = SiteInventory.write(store, tmp.resolve("disk.inv"), 4, scratch);
            assertEquals(10, inHeap.keys());
            assertEquals(inHeap, onDisk);
            assertArrayEquals(Files.readAllBytes(tmp.resolve("heap.inv")), Files.readAllBytes(tmp.resolve("disk.inv")));
            assertFalse(Files.exists(scratch), "the scratch table is removed");
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
        Inventory.TooLarge e =
                assertThrows(Inventory.TooLarge.class, () -> Inventory.read(new ByteArrayInputStream(file), 4));
        assertEquals("inventory holds more than 4 keys", e.getMessage());
    }

    @Test
    void theChunkBudgetIsHalfTheHeapAtTwoHundredBytesAChunk() {
        assertEquals(1_006_632, HeapBudget.chunks(384L << 20));
        assertEquals(1 << 16, HeapBudget.chunks(1L << 20), "a floor for tiny heaps");
    }

    @Test
    void onlyAFormat1ImportIsLimitedByTheHeapAndItsRefusalChangesNothing() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            byte[] data = new byte[400_000];
            new Random(3).nextBytes(data);
            BundleFixture.put(a, "big", data);
            long chunks = a.chunksOf(a.resolve("big").orElseThrow().digest())
                    .orElseThrow()
                    .size();
            assertTrue(chunks > 2, "want an object of several chunks, got " + chunks);

            Path bundle1 = export(fx, a, BundleNote.FORMAT_1, "medium1");
            Path bundle2 = export(fx, a, BundleNote.FORMAT_2, "medium2");
            RocksContentStore b = fx.store("b");
            Map<String, String> before = BundleFixture.dump(b);
            BundleException refused = assertThrows(
                    BundleException.class,
                    () -> importer(b, chunks - 1).run(request(fx, bundle1), BundleProgressSink.NONE));
            assertEquals(BundleException.Kind.REFUSED, refused.kind());
            assertTrue(
                    refused.getMessage()
                            .startsWith("format-1 bundle " + bundle1.getFileName() + " lists more than " + (chunks - 1)
                                    + " chunks"),
                    refused.getMessage());
            assertEquals(before, BundleFixture.dump(b));
            assertEquals(List.of(), scratch(), "a refused import leaves no scratch files");

            // format 2 keeps no per-chunk state in the heap: the same limit does not apply
            importer(b, 1).run(request(fx, bundle2), BundleProgressSink.NONE);
            assertEquals(BundleFixture.content(a), BundleFixture.content(b));
            assertEquals(List.of(), scratch(), "an import removes its scratch files");
        }
    }

    private Path export(BundleFixture fx, RocksContentStore a, int format, String to) throws Exception {
        Path medium = Files.createDirectories(tmp.resolve(to));
        Exporter.Result r = new Exporter(
                        a, Clock.systemUTC(), new SecureRandom(), id -> false, tmp.resolve("a/scratch"), format)
                .export(
                        new Exporter.Job(
                                BundleFixture.everything(a),
                                CutSet.empty(),
                                Optional.empty(),
                                false,
                                "",
                                medium,
                                ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                                Map.of(),
                                fx.signer),
                        BundleProgressSink.NONE);
        return medium.resolve(r.record().id());
    }

    private Importer importer(RocksContentStore b, long maxFormat1Chunks) {
        return new Importer(
                b,
                new ImportRecords(tmp.resolve("b/data/bundles")),
                Clock.systemUTC(),
                maxFormat1Chunks,
                BundleFixture.SYNTHETIC,
                SumdbLatest.NONE,
                tmp.resolve("b/scratch"));
    }

    private static ImportRequest request(BundleFixture fx, Path bundle) {
        return new ImportRequest(List.of(bundle), List.of(fx.signer.verifier()));
    }

    private List<Path> scratch() throws Exception {
        Path dir = tmp.resolve("b/scratch");
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.toList();
        }
    }
}
