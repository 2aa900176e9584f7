package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An import commits objects (pinned, unnamed) before the volumes' check has passed them all (issue 20, one pass): a
 * volume refused after those commits leaves nothing named, nothing pinned and none of those objects, in the same run
 * and in a rerun after a kill.
 */
class BundleLeftoversTest {
    @TempDir
    Path tmp;

    BundleFixture fx;
    Path bundle;
    String id;
    int objects = 8;

    @BeforeEach
    void setUp() throws Exception {
        fx = new BundleFixture(tmp);
        RocksContentStore a = fx.store("a");
        Random random = new Random(11);
        for (int i = 0; i < objects; i++) {
            byte[] data = new byte[400_000];
            random.nextBytes(data);
            BundleFixture.put(a, "obj/" + i, data);
        }
        a.update(x -> x.putMeta("m/1", "v".getBytes()));
        BundleService sa = fx.service(a, "a");
        BundleProgress p = BundleFixture.exportAll(sa, tmp.resolve("medium"), "", ExportRequest.MIN_MAX_VOLUME_SIZE);
        id = p.bundleId();
        bundle = tmp.resolve("medium").resolve(id);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    /** The last volume's file, whose trailer the check can read only once every object is committed (window 0). */
    Path lastVolume() throws Exception {
        try (var s = Files.list(bundle)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".fvol"))
                    .sorted()
                    .toList()
                    .getLast();
        }
    }

    /** Flips a bit of the last volume's trailer digest: every record still reads and every object verifies. */
    void damageLastTrailer() throws Exception {
        Path vol = lastVolume();
        byte[] bytes = Files.readAllBytes(vol);
        bytes[bytes.length - 1] ^= 0x01;
        Files.write(vol, bytes);
    }

    Importer importer(RocksContentStore store, String name) {
        return new Importer(
                        store,
                        new ImportRecords(tmp.resolve(name + "/data/bundles")),
                        Clock.systemUTC(),
                        BundleFixture.SYNTHETIC,
                        SumdbLatest.NONE,
                        tmp.resolve(name + "/data/bundles/scratch"))
                .volumeWindow(0);
    }

    ImportRequest request() {
        return new ImportRequest(List.of(bundle), List.of(fx.signer.verifier()));
    }

    /** Counts the objects committed (an item of the importing phase is reported after its object's commit). */
    static final class Committed implements BundleProgressSink {
        final AtomicLong items = new AtomicLong();
        private volatile String phase = "";

        @Override
        public void phase(String phase, long totalBytes, long totalItems) {
            this.phase = phase;
        }

        @Override
        public void bytes(long n) {}

        @Override
        public void item(String description) {
            if (phase.equals("importing")) {
                items.incrementAndGet();
            }
        }

        @Override
        public void note(String note) {}
    }

    static long count(RocksContentStore store) {
        AtomicLong n = new AtomicLong();
        store.scanObjects(o -> n.incrementAndGet() > 0);
        return n.get();
    }

    static long pinned(RocksContentStore store, String set) {
        AtomicLong n = new AtomicLong();
        store.scanPinSet(set, o -> n.incrementAndGet() > 0);
        return n.get();
    }

    @Test
    void aVolumeRefusedAfterItsObjectsWereCommittedLeavesNothingNamedPinnedOrStored() throws Exception {
        damageLastTrailer();
        RocksContentStore b = fx.store("b");
        BundleFixture.put(b, "already/here", "B's own content".getBytes());
        Map<String, String> before = BundleFixture.dump(b);
        Committed sink = new Committed();
        BundleException e =
                assertThrows(BundleException.class, () -> importer(b, "b").run(request(), sink));
        assertEquals(BundleException.Kind.REFUSED, e.kind());
        assertTrue(
                e.getMessage()
                        .contains("(" + lastVolume().getFileName() + ") at " + lastVolume()
                                + " is damaged: its sha256 does not match the manifest"),
                e.getMessage());
        assertEquals(objects, sink.items.get(), "every object was committed before the volume was refused");
        assertEquals(0, pinned(b, Importer.pinSet(id)));
        assertEquals(before, BundleFixture.dump(b), "names, metadata, pins and objects as before the import");
        assertTrue(b.scrub().isClean(), b.scrub().toString());
    }

    @Test
    void aRerunAfterAKillRefusingAVolumeGivesBackWhatTheKilledRunCommitted() throws Exception {
        Path store = tmp.resolve("b/store");
        RocksContentStore b =
                RocksContentStore.open(store, StoreOptions.defaults().withChunkSizes(BundleFixture.SMALL));
        Map<String, String> before;
        try {
            before = BundleFixture.dump(b);
            IllegalStateException crash = assertThrows(
                    IllegalStateException.class,
                    () -> importer(b, "b").run(request(), new BundleResumeTest.CrashAfter(3)));
            assertEquals("injected crash", crash.getMessage());
            assertEquals(3, count(b), "the killed run left its committed objects");
            assertEquals(3, pinned(b, Importer.pinSet(id)));
        } finally {
            b.close();
        }

        damageLastTrailer();
        RocksContentStore reopened =
                RocksContentStore.open(store, StoreOptions.defaults().withChunkSizes(BundleFixture.SMALL));
        try {
            List<Sha256> left = new ArrayList<>();
            reopened.scanObjects(o -> left.add(o.digest()));
            BundleException e = assertThrows(
                    BundleException.class, () -> importer(reopened, "b").run(request(), new Committed()));
            assertTrue(e.getMessage().contains("is damaged: its sha256 does not match the manifest"), e.getMessage());
            assertEquals(0, pinned(reopened, Importer.pinSet(id)), "nothing left pinned");
            for (Sha256 d : left) {
                assertEquals(Optional.empty(), reopened.object(d), "the killed run's object " + d + " is gone");
            }
            assertEquals(before, BundleFixture.dump(reopened));
            assertTrue(reopened.scrub().isClean(), reopened.scrub().toString());

            damageLastTrailer(); // flipped back: the intact bundle imports whole
            Importer.Result r = importer(reopened, "b").run(request(), BundleProgressSink.NONE);
            assertEquals(objects, r.objectsStored());
            assertTrue(BundleFixture.dump(reopened).containsKey("name obj/" + (objects - 1)));
            assertTrue(reopened.scrub().isClean(), reopened.scrub().toString());
        } finally {
            reopened.close();
        }
    }
}
