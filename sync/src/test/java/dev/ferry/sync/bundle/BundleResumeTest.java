package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.ContentStore;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

        @Override
        public void phase(String phase, long totalBytes, long totalItems) {
            this.phase = phase;
        }

        @Override
        public void bytes(long n) {}

        @Override
        public void item(String description) {
            if (phase.equals("importing") && items.incrementAndGet() == k) {
                throw new IllegalStateException("injected crash");
            }
        }

        @Override
        public void note(String note) {}
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
            BundleProgress p =
                    BundleFixture.exportAll(sa, tmp.resolve("medium"), "", ExportRequest.DEFAULT_MAX_VOLUME_SIZE);
            bundle = tmp.resolve("medium").resolve(p.bundleId());
            ImportRequest request = new ImportRequest(List.of(bundle), List.of(fx.signer.verifier()));

            RocksContentStore c = fx.store("c");
            new Importer(
                            c,
                            new ImportRecords(tmp.resolve("c/data/bundles")),
                            Clock.systemUTC(),
                            BundleFixture.SYNTHETIC,
                            SumdbLatest.NONE,
                            tmp.resolve("c/data/bundles/scratch"))
                    .run(request, BundleProgressSink.NONE);
            Map<String, String> uninterrupted = BundleFixture.dump(c);

            String id = p.bundleId();
            RocksContentStore b = RocksContentStore.open(
                    tmp.resolve("b/store"), StoreOptions.defaults().withChunkSizes(BundleFixture.SMALL));
            try {
                Importer importer = new Importer(
                        b,
                        new ImportRecords(tmp.resolve("b/data/bundles")),
                        Clock.systemUTC(),
                        BundleFixture.SYNTHETIC,
                        SumdbLatest.NONE,
                        tmp.resolve("b/data/bundles/scratch"));
                IllegalStateException crash =
                        assertThrows(IllegalStateException.class, () -> importer.run(request, new CrashAfter(3)));
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

            RocksContentStore reopened = RocksContentStore.open(
                    tmp.resolve("b/store"), StoreOptions.defaults().withChunkSizes(BundleFixture.SMALL));
            try {
                Importer.Result r = new Importer(
                                reopened,
                                new ImportRecords(tmp.resolve("b/data/bundles")),
                                Clock.systemUTC(),
                                BundleFixture.SYNTHETIC,
                                SumdbLatest.NONE,
                                tmp.resolve("b/data/bundles/scratch"))
                        .run(request, BundleProgressSink.NONE);
                assertEquals(3, r.objectsPresent());
                assertEquals(objects - 3, r.objectsStored());
                assertEquals(uninterrupted, BundleFixture.dump(reopened));
                assertTrue(uninterrupted.containsKey("name obj/7"));
            } finally {
                reopened.close();
            }
        }
    }

    /**
     * {@code store}, except that the {@code n}th {@code assemble()} or {@code assembleInBatches()} (the import storing its {@code n}th object) waits
     * for {@code release} after counting {@code reached} down: the import is then surely half-way.
     */
    static ContentStore pausingAt(ContentStore store, int n, CountDownLatch reached, CountDownLatch release) {
        AtomicInteger assembles = new AtomicInteger();
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().startsWith("assemble") && assembles.incrementAndGet() == n) {
                reached.countDown();
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            }
            try {
                return method.invoke(store, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (ContentStore)
                Proxy.newProxyInstance(ContentStore.class.getClassLoader(), new Class<?>[] {ContentStore.class}, h);
    }

    @Test
    void anImportCancelledHalfWayShowsNothingAndARerunFinishesIt() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            Random random = new Random(7);
            int objects = 6;
            for (int i = 0; i < objects; i++) {
                byte[] data = new byte[50_000];
                random.nextBytes(data);
                BundleFixture.put(a, "obj/" + i, data);
            }
            a.update(x -> x.putMeta("m/1", "v".getBytes()));
            BundleService sa = fx.service(a, "a");
            BundleProgress p =
                    BundleFixture.exportAll(sa, tmp.resolve("medium"), "", ExportRequest.DEFAULT_MAX_VOLUME_SIZE);
            ImportRequest request = new ImportRequest(
                    List.of(tmp.resolve("medium").resolve(p.bundleId())), List.of(fx.signer.verifier()));

            RocksContentStore c = fx.store("c");
            BundleService sc = fx.service(c, "c");
            assertEquals(
                    BundleProgress.State.SUCCEEDED,
                    sc.await(sc.importBundle(request).id()).orElseThrow().state());
            Map<String, String> uninterrupted = BundleFixture.dump(c);

            RocksContentStore b = fx.store("b");
            CountDownLatch third = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            BundleService sb = new BundleService(
                    pausingAt(b, 3, third, release),
                    tmp.resolve("b/data"),
                    Optional::empty,
                    Clock.systemUTC(),
                    10,
                    s -> BundleFixture.everything(b),
                    BundleFixture.SYNTHETIC);
            try (sb) {
                String job = sb.importBundle(request).id();
                assertTrue(third.await(30, TimeUnit.SECONDS), "the import never reached its third object");
                assertTrue(sb.cancel(job));
                release.countDown();
                BundleProgress cancelled = sb.await(job).orElseThrow();
                assertEquals(BundleProgress.State.CANCELLED, cancelled.state(), cancelled.error());

                AtomicLong names = new AtomicLong();
                b.scanNames("", (n, d) -> names.incrementAndGet() > 0);
                assertEquals(0, names.get(), "names visible after a cancelled import");
                assertEquals(Optional.empty(), b.meta("m/1"));
                AtomicLong stored = new AtomicLong();
                b.scanObjects(o -> stored.incrementAndGet() > 0);
                // The third object, being assembled when the cancel came, is committed; the loop stops before the
                // fourth.
                assertEquals(3, stored.get());
                AtomicLong pinned = new AtomicLong();
                b.scanPinSet("bundle:" + p.bundleId(), o -> pinned.incrementAndGet() > 0);
                assertEquals(3, pinned.get(), "objects a cancelled import stored must be pinned");

                BundleProgress rerun = sb.await(sb.importBundle(request).id()).orElseThrow();
                assertEquals(BundleProgress.State.SUCCEEDED, rerun.state(), rerun.error());
                assertTrue(
                        rerun.summary().contains(new BundleProgress.Count("objects already here", 3)),
                        rerun.summary().toString());
                assertTrue(
                        rerun.summary().contains(new BundleProgress.Count("objects stored", objects - 3)),
                        rerun.summary().toString());
                assertEquals(uninterrupted, BundleFixture.dump(b));
            }
        }
    }
}
