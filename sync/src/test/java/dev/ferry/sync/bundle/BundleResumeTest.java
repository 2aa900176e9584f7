package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An import cut short shows nothing, and run again finishes exactly as an uninterrupted one. */
class BundleResumeTest {
    @TempDir
    Path tmp;

    /** Dies (as a crash would, from inside the work) after {@code k} objects were stored. */
    static final class CrashAfter implements BundleProgressSink {
        private final long k;
        private final AtomicLong items = new AtomicLong();
        private volatile String phase = "";

        CrashAfter(long k) {
            this.k = k;
        }

        @Override public void phase(String phase, long totalBytes, long totalItems) {
            this.phase = phase;
        }

        @Override public void bytes(long n) {}

        @Override public void item(String description) {
            if (phase.equals("importing") && items.incrementAndGet() == k) {
                throw new IllegalStateException("injected crash");
            }
        }

        @Override public void note(String note) {}
    }

    @Test
    void interruptedImportResumes() throws Exception {
        Path bundle;
        int objects = 8;
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            Random random = new Random(5);
            byte[] shared = new byte[60_000];
            random.nextBytes(shared);
            for (int i = 0; i < objects; i++) {
                byte[] data = new byte[120_000];
                random.nextBytes(data);
                System.arraycopy(shared, 0, data, 30_000, shared.length);
                BundleFixture.put(a, "obj/" + i, data);
            }
            a.update(x -> x.putMeta("m/1", "v".getBytes()));
            BundleService sa = fx.service(a, "a");
            BundleProgress p = sa.await(sa.export(new ExportRequest(tmp.resolve("medium"), Selection.all(),
                    BundleFormat.BUNDLE, "", Optional.empty(), Optional.empty(),
                    ExportRequest.DEFAULT_MAX_VOLUME_SIZE, Map.of())).id()).orElseThrow();
            assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
            bundle = tmp.resolve("medium").resolve(p.bundleId());
            ImportRequest request = new ImportRequest(List.of(bundle), List.of(fx.signer.verifier()));

            RocksContentStore c = fx.store("c");
            new Importer(c, new ImportRecords(tmp.resolve("c/data/bundles")), Clock.systemUTC())
                    .run(request, BundleProgressSink.NONE);
            Map<String, String> uninterrupted = BundleFixture.dump(c);

            String id = p.bundleId();
            RocksContentStore b = RocksContentStore.open(tmp.resolve("b/store"),
                    StoreOptions.defaults().withChunkSizes(BundleFixture.SMALL));
            try {
                Importer importer = new Importer(b, new ImportRecords(tmp.resolve("b/data/bundles")),
                        Clock.systemUTC());
                IllegalStateException crash = assertThrows(IllegalStateException.class,
                        () -> importer.run(request, new CrashAfter(3)));
                assertEquals("injected crash", crash.getMessage());
                AtomicLong names = new AtomicLong();
                b.scanNames("", (n, d) -> names.incrementAndGet() > 0);
                assertEquals(0, names.get(), "names visible before the import finished");
                assertEquals(Optional.empty(), b.meta("m/1"));
                AtomicLong stored = new AtomicLong();
                b.scanObjects(o -> stored.incrementAndGet() > 0);
                AtomicLong pinned = new AtomicLong();
                b.scanPinSet("bundle:" + id, o -> pinned.incrementAndGet() > 0);
                assertEquals(3, stored.get());
                assertEquals(3, pinned.get(), "objects stored by a cut-short import must be pinned");
            } finally {
                b.close();
            }

            RocksContentStore reopened = RocksContentStore.open(tmp.resolve("b/store"),
                    StoreOptions.defaults().withChunkSizes(BundleFixture.SMALL));
            try {
                Importer.Result r = new Importer(reopened, new ImportRecords(tmp.resolve("b/data/bundles")),
                        Clock.systemUTC()).run(request, BundleProgressSink.NONE);
                assertEquals(3, r.objectsPresent());
                assertEquals(objects - 3, r.objectsStored());
                assertEquals(uninterrupted, BundleFixture.dump(reopened));
                assertTrue(uninterrupted.containsKey("name obj/7"));
            } finally {
                reopened.close();
            }
        }
    }
}
