package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.ManualClock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/** Pins, delete, LRU eviction under a quota, access tracking and the lifecycle indexes, on a real RocksDB. */
class LifecycleTest {
    private static final ChunkSizes SMALL = new ChunkSizes(1024, 4096, 16384, 1);
    private static final int SIZE = 40_000;

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(Instant.ofEpochMilli(1_000L * 60_000));
    private RocksContentStore store;

    private RocksContentStore open(long quota, double watermark) throws IOException {
        // A flush interval of an hour: the tests flush explicitly (evict and close flush too), never by timing.
        store = RocksContentStore.open(
                dir,
                StoreOptions.defaults()
                        .withChunkSizes(SMALL)
                        .withClock(clock)
                        .withQuota(quota, watermark)
                        .withAccessTracking(Duration.ofHours(1), 1_000));
        return store;
    }

    private RocksContentStore reopen() throws IOException {
        StoreOptions options = StoreOptions.defaults()
                .withChunkSizes(SMALL)
                .withClock(clock)
                .withAccessTracking(Duration.ofHours(1), 1_000);
        store.close();
        store = RocksContentStore.open(dir, options);
        return store;
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private StoredObject put(byte[] data, String name) throws IOException {
        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(data);
            return w.commit(
                    null, b -> b.putName(name, b.committing().orElseThrow().digest()));
        }
    }

    private byte[] readAll(Sha256 digest) throws IOException {
        return TestData.readAll(
                store.read(digest, 0, store.object(digest).orElseThrow().size()));
    }

    private void assertClean() throws IOException {
        ScrubReport scrub = store.scrub();
        assertTrue(scrub.isClean(), scrub.toString());
    }

    @Test
    void evictionFreesLeastRecentlyUsedUnpinnedObjectsDownToTheTarget() throws Exception {
        open(0, 0.9);
        List<byte[]> data = new ArrayList<>();
        List<StoredObject> objects = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            data.add(TestData.random(100 + i, SIZE));
            objects.add(put(data.get(i), "obj/" + i));
            clock.advance(Duration.ofMinutes(1)); // commit minutes 1000..1019: object 0 is the oldest
        }
        assertEquals(20L * SIZE, store.size());
        store.pin("prewarm", objects.get(0).digest());
        store.pin("hosted", objects.get(1).digest());
        clock.advance(Duration.ofMinutes(100));
        readAll(objects.get(2).digest()); // used recently: only in memory until evict flushes
        assertTrue(store.resolve("obj/3").isPresent());

        EvictionReport report = store.evict(500_000);

        // 300,000 bytes to free: the 8 oldest unpinned and unused objects, 4..11.
        assertEquals(8, report.evictedObjects(), report.toString());
        assertEquals(8L * SIZE, report.evictedBytes());
        assertEquals(2, report.skippedPinned());
        assertTrue(report.reachedTarget());
        assertEquals(12L * SIZE, report.sizeAfter());
        assertEquals(12L * SIZE, store.size());
        for (int i = 0; i < 20; i++) {
            boolean gone = i >= 4 && i <= 11;
            assertEquals(gone, store.resolve("obj/" + i).isEmpty(), "obj/" + i);
            assertEquals(gone, store.object(objects.get(i).digest()).isEmpty(), "object " + i);
            if (!gone) {
                assertArrayEquals(data.get(i), readAll(objects.get(i).digest()), "object " + i);
            }
        }
        StoreStats stats = store.stats();
        assertEquals(12, stats.objects());
        assertEquals(8, stats.evictedObjects());
        assertEquals(8L * SIZE, stats.evictedBytes());
        assertEquals(2, stats.pinnedObjects());
        assertEquals(2L * SIZE, stats.pinnedBytes());
        assertClean();

        // Everything unpinned may go: the pinned objects stay even when the target cannot be reached.
        EvictionReport all = store.evict(0);
        assertFalse(all.reachedTarget());
        assertEquals(2L * SIZE, store.size());
        assertArrayEquals(data.get(0), readAll(objects.get(0).digest()));
        assertArrayEquals(data.get(1), readAll(objects.get(1).digest()));
        assertClean();
    }

    @Test
    void aCommitPastTheQuotaEvictsInTheBackgroundDownToTheWatermark() throws Exception {
        long quota = 10L * SIZE;
        open(quota, 0.5);
        StoredObject last = null;
        for (int i = 0; i < 25; i++) {
            last = put(TestData.random(300 + i, SIZE), "q/" + i);
            clock.advance(Duration.ofMinutes(1));
            store.awaitBackground();
            assertTrue(store.size() <= quota, "after commit " + i + ": " + store.size());
        }
        StoreStats stats = store.stats();
        assertEquals(quota, stats.quotaBytes());
        assertTrue(stats.evictedObjects() >= 15, stats.toString());
        assertTrue(store.resolve("q/24").isPresent());
        assertEquals(last, store.object(last.digest()).orElseThrow());
        assertTrue(store.resolve("q/0").isEmpty());
        assertClean();
    }

    @Test
    void deleteRemovesTheObjectAndItsNamesAndKeepsChunksOthersShare() throws Exception {
        open(0, 0.9);
        byte[] shared = TestData.random(7, 200_000);
        byte[] longer = new byte[shared.length + 50_000];
        System.arraycopy(shared, 0, longer, 0, shared.length);
        System.arraycopy(TestData.random(8, 50_000), 0, longer, shared.length, 50_000);
        StoredObject a = put(shared, "a/1");
        store.update(b -> b.putName("a/2", a.digest()));
        StoredObject b = put(longer, "b");
        long before = store.size();

        assertTrue(store.delete(a.digest(), false));

        assertTrue(store.resolve("a/1").isEmpty());
        assertTrue(store.resolve("a/2").isEmpty());
        assertTrue(store.object(a.digest()).isEmpty());
        assertThrows(NoSuchElementException.class, () -> store.read(a.digest(), 0, 1));
        assertArrayEquals(longer, readAll(b.digest()));
        assertTrue(store.size() < before, "the last chunk of a is a's alone");
        assertTrue(store.size() >= longer.length, "b's chunks all stay");
        assertFalse(store.delete(a.digest(), false), "already gone");
        assertClean();

        // Stored again after deletion: a fresh object, named again.
        StoredObject again = put(shared, "a/1");
        assertEquals(a, again);
        assertArrayEquals(shared, readAll(a.digest()));
        assertClean();
    }

    @Test
    void renamesKeepTheReverseIndexExact() throws Exception {
        open(0, 0.9);
        StoredObject x = put(TestData.random(1, 5_000), "x");
        StoredObject y = put(TestData.random(2, 5_000), "y");
        store.update(b -> {
            b.putName("n", x.digest());
            b.putName("n", y.digest()); // twice in one batch: only the last target may keep a reverse entry
            b.putName("m", x.digest());
            b.deleteName("m");
        });
        store.update(b -> b.putName("x", y.digest())); // re-pointed: no longer a name of x
        assertClean();
        assertTrue(store.delete(x.digest(), false));
        assertEquals(y, store.resolve("n").orElseThrow());
        assertEquals(y, store.resolve("x").orElseThrow());
        assertClean();
    }

    @Test
    void deleteRefusesPinnedObjectsUnlessForced() throws Exception {
        open(0, 0.9);
        StoredObject o = put(TestData.random(3, SIZE), "o");
        StoredObject p = put(TestData.random(4, SIZE), "p");
        store.pin("set-a", o.digest());
        store.pin("set-b", o.digest());
        store.pin("set-b", p.digest());
        store.pin("set-b", p.digest()); // idempotent
        assertEquals(2, store.stats().pinnedObjects());
        assertEquals(2L * SIZE, store.stats().pinnedBytes());

        assertThrows(ObjectPinnedException.class, () -> store.delete(o.digest(), false));
        assertTrue(store.resolve("o").isPresent());
        store.unpin("set-a", o.digest());
        assertTrue(store.isPinned(o.digest()), "set-b still holds it");
        List<Sha256> inB = new ArrayList<>();
        store.scanPinSet("set-b", inB::add);
        assertEquals(2, inB.size());
        store.pin("set-b2", p.digest());
        List<String> sets = new ArrayList<>();
        store.scanPinSets("", sets::add);
        assertEquals(List.of("set-b", "set-b2"), sets, "each set once, in name order");
        sets.clear();
        store.scanPinSets("set-b2", sets::add);
        assertEquals(List.of("set-b2"), sets);
        store.unpinAll("set-b2");
        assertEquals(2, store.unpinAll("set-b"));
        assertFalse(store.isPinned(o.digest()));
        assertEquals(0, store.stats().pinnedBytes());
        assertTrue(store.delete(o.digest(), false));

        store.pin("set-c", p.digest());
        assertTrue(store.delete(p.digest(), true), "forced");
        assertFalse(store.isPinned(p.digest()));
        assertEquals(0, store.stats().pinnedObjects());
        assertEquals(0, store.stats().pinnedBytes());
        assertThrows(IllegalArgumentException.class, () -> store.pin("set-c", p.digest()), "no such object");
        assertClean();
    }

    /**
     * Pin lookups stop at their key prefix (a seek used to step over every deleted pin after it: an export's released
     * pins, one per object): released pins are gone, pins under other objects and sets are not mistaken for them.
     */
    @Test
    void pinLookupsSeeOnlyTheirOwnPrefixAmongReleasedPins() throws Exception {
        open(0, 0.9);
        List<StoredObject> objects = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            objects.add(put(TestData.random(100 + i, 1000), "o" + i));
        }
        for (StoredObject o : objects) {
            store.pin("bundle-export:x", o.digest());
        }
        assertEquals(20, store.unpinAll("bundle-export:x"));
        StoredObject last = objects.getLast();
        store.pin("keep", last.digest());
        store.pin("keep2", last.digest());
        for (StoredObject o : objects) {
            assertEquals(o == last ? List.of("keep", "keep2") : List.of(), store.pinSetsOf(o.digest()));
        }
        List<Sha256> kept = new ArrayList<>();
        store.scanPinSet("keep", kept::add);
        assertEquals(List.of(last.digest()), kept);
        assertEquals(0, store.unpinAll("bundle-export:x"));
        assertArrayEquals(new byte[] {1, 3}, RocksPins.successor(new byte[] {1, 2, (byte) 0xff}));
        assertNull(RocksPins.successor(new byte[] {(byte) 0xff, (byte) 0xff}));
    }

    /**
     * Pinning and unpinning many objects in one batch (an export's selection, a pin set's pages) reads their current
     * pins in one pass over the pins family instead of a seek each: the result is exactly what one by one gives, with
     * objects already pinned by other sets, objects whose earlier pins were released (deleted keys in the pass), and
     * a selection spread among so many other pins that the pass gives up and the rest are looked up one by one.
     */
    @Test
    void pinningManyObjectsTogetherGivesWhatOneByOneGives() throws Exception {
        open(0, 0.9);
        List<StoredObject> objects = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            objects.add(put(TestData.random(1_000 + i, 300), "o" + i));
        }
        List<Sha256> all = objects.stream().map(StoredObject::digest).toList();
        for (int i = 0; i < all.size(); i += 5) {
            store.pin("old", all.get(i));
        }
        assertEquals(80, store.unpinAll("old"), "released: deleted keys the pass steps over");
        for (int i = 0; i < all.size(); i += 3) {
            store.pin("other", all.get(i));
            if (i % 2 == 0) {
                store.pin("zz-third", all.get(i));
            }
        }
        long otherBytes = 0;
        for (int i = 0; i < all.size(); i += 3) {
            otherBytes += objects.get(i).size();
        }
        assertEquals(134, store.stats().pinnedObjects());

        store.update(b -> b.pinAll("bundle-export:a", all));
        long allBytes = objects.stream().mapToLong(StoredObject::size).sum();
        assertEquals(400, store.stats().pinnedObjects());
        assertEquals(allBytes, store.stats().pinnedBytes());
        for (int i = 0; i < all.size(); i++) {
            List<String> want = new ArrayList<>(List.of("bundle-export:a"));
            if (i % 3 == 0) {
                want.add("other");
                if (i % 2 == 0) {
                    want.add("zz-third");
                }
            }
            assertEquals(want, store.pinSetsOf(all.get(i)), "object " + i);
        }

        // Few objects among many other pins (eight sets of every object, 3,200 entries in the pass's range against
        // its budget of 64 an object, 2,176): the pass stops and the rest are looked up one by one, alike.
        for (int set = 0; set < 6; set++) {
            String name = "p" + set;
            store.update(b -> b.pinAll(name, all));
        }
        List<Sha256> few = new ArrayList<>(all.subList(0, 33));
        few.add(all.get(0)); // twice: pinned once
        store.update(b -> b.pinAll("bundle-export:b", few));
        assertEquals(400, store.stats().pinnedObjects());
        assertEquals(
                List.of("bundle-export:a", "bundle-export:b", "other", "p0", "p1", "p2", "p3", "p4", "p5", "zz-third"),
                store.pinSetsOf(all.get(0)));
        assertEquals(
                List.of("bundle-export:a", "bundle-export:b", "p0", "p1", "p2", "p3", "p4", "p5"),
                store.pinSetsOf(all.get(32)));
        for (int set = 0; set < 6; set++) {
            assertEquals(400, store.unpinAll("p" + set));
        }

        assertEquals(400, store.unpinAll("bundle-export:a"));
        assertEquals(33, store.unpinAll("bundle-export:b"));
        assertEquals(134, store.stats().pinnedObjects());
        assertEquals(otherBytes, store.stats().pinnedBytes());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(
                    i % 3 != 0 ? List.of() : i % 2 == 0 ? List.of("other", "zz-third") : List.of("other"),
                    store.pinSetsOf(all.get(i)),
                    "object " + i);
        }
        ScrubReport scrub = store.scrub();
        assertEquals(0, scrub.pinMismatches(), scrub.toString());
        assertTrue(scrub.isClean(), scrub.toString());
    }

    /** The pass's answers, and what it leaves out when it stops in the middle of an object's pins. */
    @Test
    void pinsLookedUpTogetherLeaveOutWhatThePassDidNotFinish() throws Exception {
        open(0, 0.9);
        List<Sha256> three = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            three.add(put(TestData.random(2_000 + i, 300), "t" + i).digest());
        }
        three.sort(RocksPins::compare);
        Sha256 x = three.get(0);
        Sha256 y = three.get(1);
        Sha256 z = three.get(2);
        store.pin("a", x);
        for (String set : List.of("a", "b", "c")) {
            store.pin(set, y);
        }
        assertEquals(Map.of(x, List.of("a"), y, List.of("a", "b", "c"), z, List.of()), store.pinSetsOfAll(three, 100));
        // two entries: x's and y's first; y's others unread, so y (and z after it) are not answered
        assertEquals(Map.of(x, List.of("a")), store.pinSetsOfAll(three, 2));
        assertEquals(Map.of(), store.pinSetsOfAll(three, 0));
    }

    @Test
    void deleteIfUnreferencedTakesOnlyObjectsNoNameAndNoPinHolds() throws Exception {
        open(0, 0.9);
        StoredObject named = put(TestData.random(5, SIZE), "named");
        StoredObject pinned;
        StoredObject loose;
        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(TestData.random(6, SIZE));
            pinned = w.commit(
                    null, b -> b.pin("set", b.committing().orElseThrow().digest()));
        }
        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(TestData.random(7, SIZE));
            loose = w.commit(null, b -> {});
        }

        assertFalse(store.deleteIfUnreferenced(named.digest()), "a name holds it");
        assertTrue(store.resolve("named").isPresent());
        assertFalse(store.deleteIfUnreferenced(pinned.digest()), "a pin holds it");
        assertTrue(store.object(pinned.digest()).isPresent());
        assertTrue(store.deleteIfUnreferenced(loose.digest()));
        assertFalse(store.object(loose.digest()).isPresent());
        assertFalse(store.deleteIfUnreferenced(loose.digest()), "gone already");

        store.unpinAll("set");
        assertTrue(store.deleteIfUnreferenced(pinned.digest()));
        store.update(b -> b.deleteName("named"));
        assertTrue(store.deleteIfUnreferenced(named.digest()), "its name was deleted");
        assertEquals(0, store.stats().objects());
        assertClean();
    }

    @Test
    void pinsInACommitBatchAreAtomicWithTheObject() throws Exception {
        open(0, 0.9);
        byte[] data = TestData.random(5, SIZE);
        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(data);
            assertThrows(
                    IllegalStateException.class,
                    () -> w.commit(null, b -> {
                        Sha256 d = b.committing().orElseThrow().digest();
                        b.putName("pinned", d);
                        b.pin("hosted", d);
                        throw new IllegalStateException("callback fails after pinning");
                    }));
        }
        Sha256 digest = TestData.sha256(data);
        assertTrue(store.object(digest).isEmpty());
        assertFalse(store.isPinned(digest));
        assertEquals(0, store.stats().pinnedObjects());

        StoredObject o;
        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(data);
            o = w.commit(digest, b -> {
                b.putName("pinned", digest);
                b.pin("hosted", digest);
            });
        }
        assertTrue(store.isPinned(o.digest()));
        assertEquals(SIZE, store.stats().pinnedBytes());
        // A batch that pins a missing object applies nothing.
        Sha256 missing = TestData.sha256(new byte[] {1});
        assertThrows(
                IllegalArgumentException.class,
                () -> store.update(b -> {
                    b.unpin("hosted", digest);
                    b.pin("hosted", missing);
                }));
        assertTrue(store.isPinned(o.digest()));
        assertEquals(0, store.evict(0).evictedObjects());
        assertArrayEquals(data, readAll(digest));
        assertClean();
    }

    @Test
    void aReadStreamingADeletedObjectFinishesWithTheRightBytes() throws Exception {
        open(0, 0.9);
        byte[] data = TestData.random(6, 300_000);
        StoredObject o = put(data, "big");
        byte[] got = new byte[data.length];
        try (InputStream in = store.read(o.digest(), 0, data.length)) {
            int n = in.readNBytes(got, 0, 10_000);
            assertEquals(10_000, n);
            assertEquals(1, store.openReads());

            Deleter.Deleted outcome = store.deleteObject(o.digest(), false, false);
            assertTrue(outcome.deleted());
            assertTrue(outcome.deferred(), "a read is open: chunks wait for it");
            assertTrue(store.object(o.digest()).isEmpty());
            assertThrows(NoSuchElementException.class, () -> store.read(o.digest(), 0, 1), "new reads find nothing");
            assertEquals(data.length, store.size(), "the chunks are still there");
            assertEquals(1, store.scrub().pendingWrites(), "pending/<id> keeps the chunks reclaimable");

            in.readNBytes(got, 10_000, data.length - 10_000);
        }
        assertArrayEquals(data, got);
        store.awaitBackground(); // the last read's end queued the reclaim
        assertEquals(0, store.openReads());
        assertEquals(0, store.size());
        assertClean();
    }

    @Test
    void chunksOfADeletedObjectWithAnAbandonedReadAreReclaimedAtTheNextOpen() throws Exception {
        open(0, 0.9);
        byte[] data = TestData.random(9, 100_000);
        StoredObject o = put(data, "big");
        InputStream abandoned = store.read(o.digest(), 0, data.length);
        abandoned.readNBytes(1000);
        assertTrue(store.deleteObject(o.digest(), false, false).deferred());
        reopen();
        assertEquals(1, store.reclaimedAtOpen());
        assertEquals(0, store.size());
        assertClean();
    }

    @Test
    void aWriterRelyingOnChunksOfAnObjectBeingDeletedLosesNothing() throws Exception {
        open(0, 0.9);
        byte[] data = TestData.random(11, 200_000);
        StoredObject first = put(data, "first");
        StoredObject second;
        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(data, 0, 150_000); // these chunks dedup against first's
            assertTrue(store.delete(first.digest(), false));
            w.write(data, 150_000, data.length - 150_000);
            second = w.commit(first.digest(), b -> b.putName("second", first.digest()));
        }
        assertEquals(first, second);
        assertArrayEquals(data, readAll(second.digest()));
        assertEquals(data.length, store.size());
        assertClean();
    }

    @Test
    void accessTimesAreFlushedAndSurviveARestart() throws Exception {
        open(0, 0.9);
        StoredObject o = put(TestData.random(12, 5_000), "o");
        long committed = StoreLayout.Access.minute(clock.millis());
        assertEquals(Optional.of(committed), store.lastUsedMinute(o.digest()), "commit time is the first use");
        clock.advance(Duration.ofMinutes(30));
        readAll(o.digest());
        assertEquals(Optional.of(committed), store.lastUsedMinute(o.digest()), "reads write nothing by themselves");
        assertEquals(1, store.flushAccess());
        assertEquals(Optional.of(committed + 30), store.lastUsedMinute(o.digest()));

        clock.advance(Duration.ofMinutes(30));
        assertTrue(store.resolve("o").isPresent());
        reopen(); // close flushes
        assertEquals(Optional.of(committed + 60), store.lastUsedMinute(o.digest()));
        assertClean();
    }

    @Test
    void indexesAreBuiltOnceForAStoreWrittenBeforeThem() throws Exception {
        open(0, 0.9);
        StoredObject o = put(TestData.random(13, 50_000), "o/1");
        store.update(b -> b.putName("o/2", o.digest()));
        StoredObject p = put(TestData.random(14, 50_000), "p");
        assertFalse(store.lifecycleBuiltAtOpen(), "a new store has nothing to build");
        forgetLifecycle(store);
        assertFalse(store.scrub().isClean());

        reopen();
        assertTrue(store.lifecycleBuiltAtOpen());
        assertClean();
        assertTrue(store.delete(o.digest(), false));
        assertTrue(store.resolve("o/1").isEmpty());
        assertTrue(store.resolve("o/2").isEmpty());
        assertEquals(p, store.resolve("p").orElseThrow());
        reopen();
        assertFalse(store.lifecycleBuiltAtOpen());
        assertClean();
    }

    /** Turns the store into one written before name_refs and access existed. */
    private static void forgetLifecycle(RocksContentStore store) throws Exception {
        store.withDb(() -> {
            try (WriteBatch batch = new WriteBatch()) {
                for (var cf : List.of(store.nameRefs, store.access, store.accessByTime)) {
                    try (RocksIterator it = store.db().newIterator(cf)) {
                        for (it.seekToFirst(); it.isValid(); it.next()) {
                            batch.delete(cf, it.key());
                        }
                    }
                }
                batch.delete(StoreLayout.LIFECYCLE_KEY);
                store.db().write(store.synced, batch);
            }
            return null;
        });
    }

    /**
     * Writers (whose objects share most chunks with each other and with objects being evicted), readers and an
     * evictor all at once: readers get the right bytes or a clean failure, never wrong bytes; every commit reads
     * back digest-verified; the store is consistent afterwards.
     */
    @Test
    void readsAndWritesStayCorrectWhileEvictionAndGcRun() throws Exception {
        open(0, 0.9);
        List<byte[]> segments = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            segments.add(TestData.random(1000 + i, 20_000));
        }
        Map<Sha256, Boolean> known = new ConcurrentHashMap<>();
        for (int i = 0; i < 10; i++) {
            known.put(
                    put(compose(segments, new SplittableRandom(i)), "seed/" + i).digest(), true);
        }
        int writers = 2;
        int perWriter = 25;
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong goodReads = new AtomicLong();
        AtomicLong cleanFailures = new AtomicLong();
        AtomicLong evicted = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(writers + 3);
        try {
            List<Future<?>> writerDone = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                int me = t;
                writerDone.add(pool.submit(() -> {
                    start.await();
                    SplittableRandom random = new SplittableRandom(100 + me);
                    for (int i = 0; i < perWriter; i++) {
                        byte[] data = compose(segments, random);
                        StoredObject o;
                        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
                            w.write(data);
                            // Pinned in the commit so the read-back is not raced by the evictor.
                            o = w.commit(TestData.sha256(data), b -> {
                                Sha256 d = b.committing().orElseThrow().digest();
                                b.putName("w/" + me + "/" + d.hex(), d);
                                b.pin("checking-" + me, d);
                            });
                        }
                        assertEquals(o.digest(), TestData.sha256(readAll(o.digest())));
                        store.unpin("checking-" + me, o.digest());
                        known.put(o.digest(), true);
                    }
                    return null;
                }));
            }
            List<Future<?>> others = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int me = t;
                others.add(pool.submit(() -> {
                    start.await();
                    SplittableRandom random = new SplittableRandom(200 + me);
                    while (writing.get()) {
                        List<Sha256> digests = new ArrayList<>(known.keySet());
                        Sha256 d = digests.get(random.nextInt(digests.size()));
                        try (InputStream in = store.read(
                                d, 0, store.object(d).map(StoredObject::size).orElse(0L))) {
                            byte[] bytes = in.readAllBytes();
                            // Wrong bytes are the one outcome that must never happen.
                            assertEquals(d, TestData.sha256(bytes), "read of " + d);
                            goodReads.incrementAndGet();
                        } catch (NoSuchElementException | IndexOutOfBoundsException | IOException e) {
                            cleanFailures.incrementAndGet(); // evicted before or while the read started
                        }
                    }
                    return null;
                }));
            }
            others.add(pool.submit(() -> {
                start.await();
                while (writing.get()) {
                    evicted.addAndGet(store.evict(store.size() / 2).evictedObjects());
                }
                return null;
            }));
            start.countDown();
            for (Future<?> f : writerDone) {
                f.get();
            }
            writing.set(false);
            for (Future<?> f : others) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        store.awaitBackground();
        assertTrue(goodReads.get() > 0);
        assertTrue(evicted.get() > 0, "the evictor ran");
        assertEquals(0, store.openReads());
        for (Sha256 d : known.keySet()) {
            if (store.object(d).isPresent()) {
                assertEquals(d, TestData.sha256(readAll(d)));
            }
        }
        assertClean();
        assertEquals(0, store.stats().pinnedObjects());
    }

    /** 3-8 segments in random order, one of them cut short: objects share most chunks, never all. */
    private static byte[] compose(List<byte[]> segments, SplittableRandom random) {
        int n = 3 + random.nextInt(6);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            byte[] s = segments.get(random.nextInt(segments.size()));
            out.write(s, 0, i == 0 ? 1 + random.nextInt(s.length) : s.length);
        }
        return out.toByteArray();
    }
}
