package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** Inventories, export plans and import manifests too large for the heap are refused with the way out. */
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
    void anExportOrImportOfMoreChunksThanTheHeapHoldsIsRefusedWithNothingChanged() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            byte[] data = new byte[400_000];
            new Random(3).nextBytes(data);
            BundleFixture.put(a, "big", data);
            long chunks = a.chunksOf(a.resolve("big").orElseThrow().digest())
                    .orElseThrow()
                    .size();
            assertTrue(chunks > 2, "want an object of several chunks, got " + chunks);

            Exporter small = new Exporter(a, Clock.systemUTC(), new SecureRandom(), id -> false, chunks - 1);
            Path medium = Files.createDirectories(tmp.resolve("medium"));
            Exporter.Job job = new Exporter.Job(
                    BundleFixture.everything(a),
                    Inventory.empty(),
                    Optional.empty(),
                    false,
                    "",
                    medium,
                    ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                    Map.of(),
                    fx.signer);
            BundleException e = assertThrows(BundleException.class, () -> small.export(job, BundleProgressSink.NONE));
            assertEquals(BundleException.Kind.BAD_REQUEST, e.kind());
            assertTrue(
                    e.getMessage().startsWith("this export selects more than " + (chunks - 1) + " chunks"),
                    e.getMessage());
            try (var left = Files.list(medium)) {
                assertEquals(List.of(), left.toList(), "a refused export leaves nothing on the medium");
            }

            Exporter.Result r = new Exporter(a, Clock.systemUTC(), new SecureRandom(), id -> false, chunks)
                    .export(job, BundleProgressSink.NONE);
            Path bundle = medium.resolve(r.record().id());
            RocksContentStore b = fx.store("b");
            Map<String, String> before = BundleFixture.dump(b);
            ImportRequest request = new ImportRequest(List.of(bundle), List.of(fx.signer.verifier()));
            BundleException refused = assertThrows(
                    BundleException.class,
                    () -> new Importer(
                                    b,
                                    new ImportRecords(tmp.resolve("b/data/bundles")),
                                    Clock.systemUTC(),
                                    chunks - 1,
                                    BundleFixture.SYNTHETIC,
                                    SumdbLatest.NONE)
                            .run(request, BundleProgressSink.NONE));
            assertEquals(BundleException.Kind.REFUSED, refused.kind());
            assertTrue(
                    refused.getMessage()
                            .startsWith("bundle " + r.record().id() + " lists more than " + (chunks - 1) + " chunks"),
                    refused.getMessage());
            assertEquals(before, BundleFixture.dump(b));
            new Importer(
                            b,
                            new ImportRecords(tmp.resolve("b/data/bundles")),
                            Clock.systemUTC(),
                            chunks,
                            BundleFixture.SYNTHETIC,
                            SumdbLatest.NONE)
                    .run(request, BundleProgressSink.NONE);
            assertEquals(BundleFixture.content(a), BundleFixture.content(b));
        }
    }
}
