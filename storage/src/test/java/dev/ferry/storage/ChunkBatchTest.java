package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Assembly in batches ({@link ChunkStore#assembleInBatches}, {@link ChunkBatch}): an object's chunks written a few
 * at a time, as bundle import writes them, with the guarantees of the chunk-by-chunk path.
 */
class ChunkBatchTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private final List<RocksContentStore> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(RocksContentStore::close);
    }

    private RocksContentStore open(String name, Duration closeTimeout) throws IOException {
        RocksContentStore store = RocksContentStore.open(
                dir.resolve(name),
                StoreOptions.defaults()
                        .withChunkSizes(new ChunkSizes(1024, 4096, 16384, 1))
                        .withCloseTimeout(closeTimeout));
        open.add(store);
        return store;
    }

    private RocksContentStore open(String name) throws IOException {
        return open(name, Duration.ofSeconds(10));
    }

    private static List<Long> counts(RocksContentStore store) {
        StoreStats s = store.stats();
        return List.of(s.objects(), s.objectBytes(), s.chunks(), s.chunkBytes());
    }

    private static void assertClean(RocksContentStore store) throws IOException {
        ScrubReport scrub = store.scrub();
        assertTrue(scrub.isClean(), scrub.toString());
    }

    private static byte[] readAll(ContentStore store, Sha256 digest) throws IOException {
        return TestData.readAll(
                store.read(digest, 0, store.object(digest).orElseThrow().size()));
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    /**
     * Chunks written by {@link ObjectAssembler#writeAppended} on the assembling thread are in the store, counted,
     * before the commit, which another thread makes; the counters count each new chunk once, in one merge per batch.
     */
    @Test
    void chunksWrittenBeforeACommitOnAnotherThreadAreStoredAndCountedOnce() throws Exception {
        RocksContentStore store = open("w");
        SplittableRandom random = new SplittableRandom(3);
        List<byte[]> parts = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            byte[] c = new byte[ChunkStore.INLINE_MAX + 1 + random.nextInt(200)]; // stored under their digest
            random.nextBytes(c);
            parts.add(c);
        }
        parts.add(parts.get(7)); // a chunk twice in one object: stored and counted once
        byte[] whole = concat(parts);
        Sha256 digest = Sha256.of(RocksObjectWriter.sha256().digest(whole));
        ObjectAssembler a = store.assembleInBatches();
        for (byte[] c : parts) {
            a.appendVerifiedChunk(Sha256.of(RocksObjectWriter.sha256().digest(c)), c);
        }
        a.writeAppended();
        for (byte[] c : parts) {
            assertTrue(store.hasChunk(Sha256.of(RocksObjectWriter.sha256().digest(c))));
        }
        long bytes = parts.subList(0, 3000).stream().mapToLong(c -> c.length).sum();
        assertEquals(List.of(0L, 0L, 3000L, bytes), counts(store));
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            other.submit(() -> {
                        try (a) {
                            return a.commit(digest, b -> b.putName("o", digest));
                        }
                    })
                    .get();
        } finally {
            other.shutdown();
        }
        assertArrayEquals(whole, readAll(store, digest));
        assertEquals(List.of(1L, (long) whole.length, 3000L, bytes), counts(store));
        assertClean(store);
    }

    /**
     * A refused object (its digest does not match) whose chunks went to RocksDB in several batches before the
     * commit: once refused, none of its new chunks is left, the counters are as before, and the stored chunk it
     * referenced is still held only by its owner.
     */
    @Test
    void aRefusedObjectWrittenInSeveralBatchesLeavesNothing() throws IOException {
        RocksContentStore store = open("a");
        byte[] held = TestData.random(1, MIB);
        StoredObject owner;
        try (ObjectAssembler a = store.assemble()) {
            a.appendChunk(held, 0, held.length);
            owner = a.commit(
                    null, b -> b.putName("owner", b.committing().orElseThrow().digest()));
        }
        List<Long> before = counts(store);
        List<byte[]> fresh = new ArrayList<>();
        for (int i = 0; i < 3 * (int) (ChunkBatch.WRITE_BYTES / MIB); i++) {
            fresh.add(TestData.random(100 + i, MIB));
        }
        ObjectAssembler a = store.assembleInBatches();
        assertTrue(a.appendStoredChunk(TestData.sha256(held), held.length));
        for (byte[] chunk : fresh) {
            a.appendVerifiedChunk(TestData.sha256(chunk), chunk);
        }
        // The first batches are in RocksDB already (not held in memory to the end), and invisible.
        assertTrue(store.hasChunk(TestData.sha256(fresh.getFirst())));
        assertEquals(before.subList(0, 2), counts(store).subList(0, 2)); // no object yet
        Sha256 claimed = TestData.sha256(new byte[] {42});
        assertThrows(DigestMismatchException.class, () -> a.commit(claimed, b -> b.putName("refused", claimed)));
        a.close();
        for (byte[] chunk : fresh) {
            assertFalse(store.hasChunk(TestData.sha256(chunk)));
        }
        assertTrue(store.resolve("refused").isEmpty());
        assertTrue(store.object(claimed).isEmpty());
        assertEquals(before, counts(store));
        assertArrayEquals(held, readAll(store, owner.digest()));
        assertClean(store);
        // The owner's reference is its only one again: deleting it frees everything.
        assertTrue(store.delete(owner.digest(), false));
        assertEquals(List.of(0L, 0L, 0L, 0L), counts(store));
        assertClean(store);
    }

    /** The same object assembled in batches and chunk by chunk ends as the same chunks, counted once. */
    @Test
    void batchesStoreWhatTheChunkByChunkPathStores() throws IOException {
        RocksContentStore batched = open("batched");
        RocksContentStore single = open("single");
        List<byte[]> chunks = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 3000; i++) {
            // a repeated chunk inside one batch and across batches, as zips repeat identical entries
            chunks.add(i % 97 == 5 ? chunks.get(3) : TestData.random(1000 + i, 1 + r.nextInt(6000)));
        }
        byte[] whole = concat(chunks);
        Sha256 digest = TestData.sha256(whole);
        for (RocksContentStore store : List.of(batched, single)) {
            try (ObjectAssembler a = store == batched ? store.assembleInBatches() : store.assemble()) {
                for (byte[] c : chunks) {
                    if (store == batched) {
                        a.appendVerifiedChunk(TestData.sha256(c), c);
                    } else {
                        a.appendChunk(c, 0, c.length);
                    }
                }
                assertEquals(whole.length, a.written());
                assertEquals(
                        digest,
                        a.commitLazily(digest, b -> b.putName("o", digest)).digest());
            }
            assertArrayEquals(whole, readAll(store, digest));
            assertClean(store);
        }
        assertEquals(counts(single), counts(batched));
        assertEquals(single.chunksOf(digest), batched.chunksOf(digest));
    }

    /**
     * Batched assemblers, chunk-by-chunk assemblers and a deleter at once, all on the same small pool of chunks that
     * none of them holds at first: every new chunk is stored and counted once (a writer meeting a chunk another's
     * batch is about to store waits for it), none is taken while an unwritten batch relies on it, and what is left
     * reads back whole with exact counters.
     */
    @Test
    void concurrentBatchesWritersAndDeletesCountEveryChunkOnce() throws Exception {
        RocksContentStore store = open("a");
        List<byte[]> pool = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            pool.add(TestData.random(500 + i, 512 + 97 * i));
        }
        int threads = 4;
        int objectsEach = 40;
        ExecutorService executor = Executors.newFixedThreadPool(threads + 1);
        List<Future<List<byte[]>>> kept = new ArrayList<>();
        List<Future<Integer>> deleted = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                kept.add(executor.submit(() -> {
                    SplittableRandom r = new SplittableRandom(thread);
                    List<byte[]> objects = new ArrayList<>();
                    for (int i = 0; i < objectsEach; i++) {
                        List<byte[]> parts = new ArrayList<>();
                        for (int c = 0; c < 2 + r.nextInt(40); c++) {
                            parts.add(pool.get(r.nextInt(pool.size())));
                        }
                        parts.add(TestData.random(10_000L * thread + i, 700)); // unique to the object
                        byte[] whole = concat(parts);
                        Sha256 digest = TestData.sha256(whole);
                        try (ObjectAssembler a = thread % 2 == 0 ? store.assembleInBatches() : store.assemble()) {
                            for (byte[] p : parts) {
                                if (thread % 2 == 0
                                        && r.nextInt(3) == 0
                                        && a.appendStoredChunk(TestData.sha256(p), p.length)) {
                                    continue;
                                }
                                if (thread % 2 == 0) {
                                    a.appendVerifiedChunk(TestData.sha256(p), p);
                                } else {
                                    a.appendChunk(p, 0, p.length);
                                }
                            }
                            String name = "t" + thread + "/" + i;
                            a.commit(digest, b -> b.putName(name, digest));
                        }
                        objects.add(whole);
                    }
                    return objects;
                }));
            }
            // Deletes every third object as soon as it is named, while the others keep writing.
            deleted.add(executor.submit(() -> {
                int n = 0;
                for (int i = 0; i < objectsEach; i += 3) {
                    for (int t = 0; t < threads; t++) {
                        String name = "t" + t + "/" + i;
                        Sha256 d;
                        while (true) {
                            var o = store.resolve(name);
                            if (o.isPresent()) {
                                d = o.get().digest();
                                break;
                            }
                            if (kept.stream().allMatch(Future::isDone)
                                    && store.resolve(name).isEmpty()) {
                                throw new AssertionError(name + " was never committed");
                            }
                            Thread.onSpinWait();
                        }
                        if (store.delete(d, false)) {
                            n++;
                        }
                    }
                }
                return n;
            }));
            List<byte[]> all = new ArrayList<>();
            for (Future<List<byte[]>> f : kept) {
                all.addAll(f.get());
            }
            int gone = deleted.getFirst().get();
            assertTrue(gone > 0);
            Set<Sha256> expectedChunks = new HashSet<>();
            long chunkBytes = 0;
            int present = 0;
            for (byte[] whole : all) {
                Sha256 d = TestData.sha256(whole);
                if (store.object(d).isEmpty()) {
                    continue; // deleted (objects are unique: each has its own last chunk)
                }
                present++;
                assertArrayEquals(whole, readAll(store, d));
                for (StoredChunk c : store.chunksOf(d).orElseThrow()) {
                    if (expectedChunks.add(c.digest())) {
                        chunkBytes += c.length();
                    }
                }
            }
            assertEquals(threads * objectsEach - gone, present);
            StoreStats s = store.stats();
            assertEquals(expectedChunks.size(), s.chunks());
            assertEquals(chunkBytes, s.chunkBytes());
            Set<Sha256> stored = new HashSet<>();
            store.scanChunks(stored::add);
            assertEquals(expectedChunks, stored);
            assertEquals(0, store.inFlightChunks().size());
            assertClean(store);
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * A batch decides for all its chunks with one lookup; a chunk-by-chunk writer storing the same new chunks at the
     * same moment must not slip in between that lookup and the batch's write (both would store and count the chunk):
     * the batch stages its chunks before it looks. Many short races on new chunks, each started together.
     */
    @Test
    void aBatchAndAWriterRacingForTheSameNewChunksStoreEachOnce() throws Exception {
        RocksContentStore store = open("a");
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 300; round++) {
                List<byte[]> chunks = newChunks(round);
                CyclicBarrier start = new CyclicBarrier(2);
                String name = Integer.toString(round);
                Future<?> batched = executor.submit(() -> write(store, chunks, start, true, "b" + name));
                Future<?> single = executor.submit(() -> write(store, chunks, start, false, "s" + name));
                batched.get();
                single.get();
                assertEquals(14L * (round + 1), store.stats().chunks(), "round " + round);
            }
            assertClean(store);
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * Batches of different writers are decided and written side by side; two that hold the same new chunks at once
     * must still store and count each once (the second leaves a chunk the first has staged for a later write of its
     * own, decided after the first landed). Two batched writers, the second with the chunks in another order so that
     * each stages some first; many short races, each started together; both objects read back.
     */
    @Test
    void twoBatchesRacingForTheSameNewChunksStoreAndCountEachOnce() throws Exception {
        RocksContentStore store = open("a");
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 300; round++) {
                List<byte[]> chunks = newChunks(round);
                List<byte[]> shuffled = new ArrayList<>(chunks);
                java.util.Collections.shuffle(shuffled, new java.util.Random(round));
                CyclicBarrier start = new CyclicBarrier(2);
                String name = Integer.toString(round);
                Future<Sha256> first = executor.submit(() -> write(store, chunks, start, true, "x" + name));
                Future<Sha256> second = executor.submit(() -> write(store, shuffled, start, true, "y" + name));
                Sha256 a = first.get();
                Sha256 b = second.get();
                assertEquals(14L * (round + 1), store.stats().chunks(), "round " + round);
                for (byte[] chunk : chunks) {
                    byte[] count =
                            store.db().get(store.refs, TestData.sha256(chunk).bytes());
                    assertEquals(2, StoreLayout.Count.decode(count), "round " + round);
                }
                assertArrayEquals(concat(withOwn(chunks, "x" + name)), readAll(store, a));
                assertArrayEquals(concat(withOwn(shuffled, "y" + name)), readAll(store, b));
            }
            assertEquals(0, store.inFlightChunks().size());
            assertClean(store);
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * A batch that finds a chunk staged by another leaves it out, writes the rest, and decides on the chunk only
     * once the other batch is done; when that batch failed (it wrote nothing), the waiting one stores the chunk
     * itself, once. The "other batch" here is a stage made by hand and given up without a write.
     */
    @Test
    void aChunkAnotherBatchStagedAndNeverWroteIsStoredByTheBatchThatWaited() throws Exception {
        RocksContentStore store = open("a");
        byte[] shared = TestData.random(7, 3000);
        Sha256 sharedDigest = TestData.sha256(shared);
        java.util.concurrent.CompletableFuture<Void> other = new java.util.concurrent.CompletableFuture<>();
        assertEquals(null, store.inFlight().stage(sharedDigest, other));
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            List<byte[]> parts = List.of(TestData.random(8, 2000), shared, TestData.random(9, 2500));
            Sha256 digest = TestData.sha256(concat(parts));
            Thread[] writer = new Thread[1];
            Future<?> written = executor.submit(() -> {
                writer[0] = Thread.currentThread();
                try (ObjectAssembler a = store.assembleInBatches()) {
                    for (byte[] p : parts) {
                        a.appendVerifiedChunk(TestData.sha256(p), p);
                    }
                    a.commit(digest, b -> b.putName("o", digest));
                }
                return null;
            });
            // The writer has written what it could and waits for the other batch: its two own chunks are stored,
            // the shared one is not.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (writer[0] == null || writer[0].getState() != Thread.State.WAITING) {
                assertTrue(System.nanoTime() < deadline, "the writer never waited for the other batch");
                assertFalse(written.isDone(), "the writer finished without waiting for the other batch");
                Thread.onSpinWait();
            }
            assertEquals(2, store.stats().chunks());
            assertEquals(null, store.db().get(store.refs, sharedDigest.bytes()));
            store.inFlight().release(sharedDigest, other); // the other batch gives up, unwritten
            other.complete(null);
            written.get();
            assertEquals(3, store.stats().chunks());
            assertEquals(1, StoreLayout.Count.decode(store.db().get(store.refs, sharedDigest.bytes())));
            assertArrayEquals(concat(parts), readAll(store, digest));
            assertEquals(0, store.inFlightChunks().size());
            assertClean(store);
        } finally {
            executor.shutdownNow();
        }
    }

    /** Twelve chunks of 300-311 bytes (stored under their digests), new in each round. */
    private static List<byte[]> newChunks(int round) {
        List<byte[]> chunks = new ArrayList<>();
        for (int c = 0; c < 12; c++) {
            chunks.add(TestData.random(round * 100L + c, 300 + c));
        }
        return chunks;
    }

    /** Writes {@code chunks} and a chunk of its own as one object named {@code name}, batched or chunk by chunk. */
    private static Sha256 write(
            RocksContentStore store, List<byte[]> chunks, CyclicBarrier start, boolean batched, String name)
            throws Exception {
        List<byte[]> parts = withOwn(chunks, name);
        Sha256 digest = TestData.sha256(concat(parts));
        try (ObjectAssembler a = batched ? store.assembleInBatches() : store.assemble()) {
            start.await();
            for (byte[] p : parts) {
                if (batched) {
                    a.appendVerifiedChunk(TestData.sha256(p), p);
                } else {
                    a.appendChunk(p, 0, p.length);
                }
            }
            a.commit(digest, b -> b.putName(name, digest));
        }
        return digest;
    }

    /** {@code chunks} and, last, a chunk of the object's own, long enough to be stored under its digest. */
    private static List<byte[]> withOwn(List<byte[]> chunks, String name) {
        List<byte[]> parts = new ArrayList<>(chunks);
        parts.add((name + " ".repeat(ChunkStore.INLINE_MAX)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return parts;
    }

    /**
     * An assembly whose first batches are written when the store closes under it (a crash is the same for the
     * disk: pending/id is in the first batch) is reclaimed at the next open; objects committed lazily before it
     * and made durable by a synced write are all there.
     */
    @Test
    void aBatchedAssemblyCutShortIsReclaimedAndWhatWasAcknowledgedStays() throws IOException {
        RocksContentStore store = open("a", Duration.ofMillis(200));
        List<byte[]> committed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            byte[] data = TestData.random(300 + i, 3 * MIB + 17);
            Sha256 digest = TestData.sha256(data);
            try (ObjectAssembler a = store.assembleInBatches()) {
                for (int at = 0; at < data.length; at += MIB) {
                    byte[] c = java.util.Arrays.copyOfRange(data, at, Math.min(data.length, at + MIB));
                    a.appendVerifiedChunk(TestData.sha256(c), c);
                }
                a.commitLazily(digest, b -> b.pin("bundle:x", digest));
            }
            committed.add(data);
        }
        store.update(b -> b.putMeta("done", new byte[] {1})); // synced: every lazy commit before it is durable
        List<Long> before = counts(store);
        ObjectAssembler left = store.assembleInBatches();
        List<byte[]> fresh = new ArrayList<>();
        for (int i = 0; i < 2 * (int) (ChunkBatch.WRITE_BYTES / MIB); i++) {
            fresh.add(TestData.random(400 + i, MIB));
            left.appendVerifiedChunk(TestData.sha256(fresh.getLast()), fresh.getLast());
        }
        assertTrue(store.hasChunk(TestData.sha256(fresh.getFirst())));
        store.close(); // waits its timeout for the assembler, then closes with pending/<id> on disk
        left.close();

        RocksContentStore reopened = open("a");
        assertEquals(1, reopened.reclaimedAtOpen());
        for (byte[] c : fresh) {
            assertFalse(reopened.hasChunk(TestData.sha256(c)));
        }
        assertEquals(before, counts(reopened));
        for (byte[] data : committed) {
            assertArrayEquals(data, readAll(reopened, TestData.sha256(data)));
            assertTrue(reopened.isPinned(TestData.sha256(data)));
        }
        assertClean(reopened);
    }
}
