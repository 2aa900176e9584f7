package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Large objects' chunk bytes written without the log ({@link UnflushedChunks}): they stay out of the log, and a
 * commit that names such a chunk (its own, or one it found stored) flushes it first, so a store ended as a kill
 * ends it ({@link RocksContentStore#crashForTests}) loses nothing committed and keeps nothing half.
 */
class UnflushedChunksTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private final List<RocksContentStore> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(RocksContentStore::close);
    }

    private RocksContentStore open() throws IOException {
        RocksContentStore store = RocksContentStore.open(
                dir.resolve("store"), StoreOptions.defaults().withCloseTimeout(Duration.ofMillis(200)));
        open.add(store);
        return store;
    }

    private static byte[] readAll(ContentStore store, Sha256 digest) throws IOException {
        return TestData.readAll(
                store.read(digest, 0, store.object(digest).orElseThrow().size()));
    }

    private static void assertClean(RocksContentStore store) throws IOException {
        ScrubReport scrub = store.scrub();
        assertTrue(scrub.isClean(), scrub.toString());
    }

    private long logBytes() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("store"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log"))
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    private static List<byte[]> chunks(long seed, int count) {
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            chunks.add(TestData.random(seed + i, MIB));
        }
        return chunks;
    }

    private static byte[] concat(List<byte[]> parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    /** A 12 MiB object assembled in batches: the bytes past its first 4 MiB never reach the log; its commit flushes. */
    @Test
    void aLargeAssembledObjectsBytesStayOutOfTheLogAndItsCommitFlushesThem() throws IOException {
        RocksContentStore store = open();
        List<byte[]> parts = chunks(1, 12);
        byte[] data = concat(parts);
        long logBefore = logBytes();
        StoredObject stored;
        try (ObjectAssembler a = store.assembleInBatches()) {
            for (byte[] c : parts) {
                a.appendVerifiedChunk(TestData.sha256(c), c);
            }
            long logged = logBytes() - logBefore;
            // 12 MiB written, all in full batches of 4 MiB from LARGE_OBJECT_BYTES on: a few hundred bytes of counts
            // and references per chunk went through the log, none of the chunks' bytes.
            assertTrue(logged < MIB, "log grew by " + logged);
            assertTrue(store.unflushed().unflushed() > 0);
            assertEquals(0, store.unflushed().flushes());
            stored = a.commitLazily(TestData.sha256(data), b -> b.putName("big", TestData.sha256(data)));
        }
        assertEquals(1, store.unflushed().flushes());
        assertEquals(0, store.unflushed().unflushed());
        assertArrayEquals(data, readAll(store, stored.digest()));
    }

    /**
     * An object whose commit will be GROUPED (a mirrored Go zip) goes through the log up to GROUPED_LOGGED_BYTES, so
     * its commit makes no flush; killed after the commit, the store still has it whole (the log was written before the
     * name), and nothing half.
     */
    @Test
    void aGroupedObjectGoesThroughTheLogSoItsCommitNeedsNoFlushAndAKillKeepsIt() throws IOException {
        RocksContentStore store = open();
        byte[] data = TestData.random(7, 12 * MIB);
        try (ObjectWriter w = store.newObject(Chunking.FIXED, Durability.GROUPED)) {
            w.write(data);
            assertEquals(0, store.unflushed().unflushed(), "no chunk skipped the log");
            w.commit(TestData.sha256(data), b -> b.putName("grouped", TestData.sha256(data)), Durability.GROUPED);
        }
        assertEquals(0, store.unflushed().flushes(), "no flush on the commit's path");

        store.crashForTests();
        RocksContentStore reopened = open();
        assertArrayEquals(
                data,
                readAll(reopened, reopened.resolve("grouped").orElseThrow().digest()));
        assertClean(reopened);
    }

    /** Past GROUPED_LOGGED_BYTES a GROUPED object's bytes skip the log again, and its commit flushes them. */
    @Test
    void aGroupedObjectPastItsLoggedShareSkipsTheLogForTheRestAndItsCommitFlushes() throws IOException {
        RocksContentStore store = open();
        byte[] data = TestData.random(8, (int) UnflushedChunks.GROUPED_LOGGED_BYTES + 8 * MIB);
        long logBefore = logBytes();
        try (ObjectWriter w = store.newObject(Chunking.FIXED, Durability.GROUPED)) {
            w.write(data);
            long logged = logBytes() - logBefore;
            assertTrue(logged < UnflushedChunks.GROUPED_LOGGED_BYTES + MIB, "log grew by " + logged);
            assertTrue(store.unflushed().unflushed() > 0);
            w.commit(TestData.sha256(data), b -> {}, Durability.GROUPED);
        }
        assertEquals(1, store.unflushed().flushes());
        assertEquals(0, store.unflushed().unflushed());
    }

    /** A streamed 12 MiB object: the bytes past its first 4 MiB never reach the log; its commit flushes once. */
    @Test
    void aLargeStreamedObjectsBytesStayOutOfTheLogAndItsCommitFlushesThem() throws IOException {
        RocksContentStore store = open();
        byte[] data = TestData.random(1, 12 * MIB);
        long logBefore = logBytes();
        try (ObjectWriter w = store.newObject(Chunking.FIXED)) {
            w.write(data);
            long logged = logBytes() - logBefore;
            // The first LARGE_OBJECT_BYTES went through the log, the other 8 MiB did not (a few hundred bytes of
            // counts and references per chunk did).
            assertTrue(logged < UnflushedChunks.LARGE_OBJECT_BYTES + MIB, "log grew by " + logged);
            assertEquals(0, store.unflushed().flushes());
            w.commit(TestData.sha256(data), b -> {}, Durability.GROUPED);
        }
        assertEquals(1, store.unflushed().flushes());
        assertEquals(0, store.unflushed().unflushed());
        assertArrayEquals(data, readAll(store, TestData.sha256(data)));
    }

    /** Small objects, however many, take the log as before and never flush. */
    @Test
    void smallObjectsNeverFlush() throws IOException {
        RocksContentStore store = open();
        for (int i = 0; i < 200; i++) {
            byte[] data = TestData.random(10 + i, 1 + i * 300);
            try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
                w.write(data);
                w.commit(TestData.sha256(data), b -> {}, Durability.GROUPED);
            }
        }
        assertEquals(0, store.unflushed().flushes());
        assertEquals(0, store.unflushed().unflushed());
    }

    /**
     * A committed large object survives a kill (its bytes were flushed before its record was written), whether it
     * was streamed or assembled in batches; the large writes in progress at the kill are reclaimed whole: none of
     * their chunks, counts or references is left, and scrub is clean.
     */
    @Test
    void aKillKeepsCommittedLargeObjectsAndReclaimsTheOneInProgress() throws IOException {
        RocksContentStore store = open();
        byte[] streamed = TestData.random(2, 10 * MIB + 123);
        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(streamed);
            w.commit(
                    TestData.sha256(streamed),
                    b -> b.putName("streamed", TestData.sha256(streamed)),
                    Durability.GROUPED);
        }
        List<byte[]> parts = chunks(100, 9);
        byte[] assembled = concat(parts);
        try (ObjectAssembler a = store.assembleInBatches()) {
            for (byte[] c : parts) {
                a.appendVerifiedChunk(TestData.sha256(c), c);
            }
            a.commitLazily(TestData.sha256(assembled), b -> b.putName("assembled", TestData.sha256(assembled)));
        }
        StoreStats before = store.stats();
        List<byte[]> lost = chunks(200, 10);
        ObjectAssembler inProgress = store.assembleInBatches();
        for (byte[] c : lost) {
            inProgress.appendVerifiedChunk(TestData.sha256(c), c);
        }
        ObjectWriter streaming = store.newObject(Chunking.CONTENT_DEFINED);
        byte[] lostStream = TestData.random(3, 9 * MIB);
        streaming.write(lostStream);
        assertTrue(store.unflushed().unflushed() > 0, "the writes in progress skipped the log");

        store.crashForTests();
        inProgress.close();
        streaming.close();

        RocksContentStore reopened = open();
        assertEquals(2, reopened.reclaimedAtOpen());
        assertArrayEquals(
                streamed,
                readAll(reopened, reopened.resolve("streamed").orElseThrow().digest()));
        assertArrayEquals(
                assembled,
                readAll(reopened, reopened.resolve("assembled").orElseThrow().digest()));
        for (byte[] c : lost) {
            assertFalse(reopened.hasChunk(TestData.sha256(c)));
        }
        StoreStats after = reopened.stats();
        assertEquals(
                List.of(before.objects(), before.objectBytes(), before.chunks(), before.chunkBytes()),
                List.of(after.objects(), after.objectBytes(), after.chunks(), after.chunkBytes()));
        assertClean(reopened);
    }

    /** The three ways a writer takes a chunk it finds stored instead of storing it. */
    enum Dedup {
        REFERENCE_STORED,
        STREAMED_CHUNK,
        BATCHED_CHUNK
    }

    /**
     * A small object that takes a chunk a large write in progress stored without the log: its commit flushes that
     * chunk first, so after a kill (the large write never committed) the small object is whole and scrub clean.
     * Without the flush its chunk would be gone under a durable name.
     */
    @ParameterizedTest
    @EnumSource(Dedup.class)
    void aCommitNamingAChunkOfALargeWriteInProgressFlushesItFirst(Dedup dedup) throws IOException {
        RocksContentStore store = open();
        List<byte[]> parts = chunks(300, 8);
        ObjectAssembler large = store.assembleInBatches();
        for (byte[] c : parts) {
            large.appendVerifiedChunk(TestData.sha256(c), c);
        }
        byte[] shared = parts.get(5); // in the second batch: past LARGE_OBJECT_BYTES, so written without the log
        Sha256 digest = TestData.sha256(shared);
        assertTrue(store.hasChunk(digest));
        assertTrue(store.unflushed().ticket(digest) > 0);
        try (ObjectAssembler small = dedup == Dedup.BATCHED_CHUNK ? store.assembleInBatches() : store.assemble()) {
            switch (dedup) {
                case REFERENCE_STORED -> assertTrue(small.appendStoredChunk(digest, shared.length));
                case STREAMED_CHUNK -> small.appendChunk(shared, 0, shared.length);
                case BATCHED_CHUNK -> small.appendVerifiedChunk(digest, shared);
            }
            assertEquals(0, store.unflushed().flushes());
            small.commit(digest, b -> b.putName("small", digest));
        }
        long flushes = store.unflushed().flushes();
        long ticketAfter = store.unflushed().ticket(digest);

        store.crashForTests();
        large.close();

        RocksContentStore reopened = open();
        assertEquals(1, reopened.reclaimedAtOpen());
        assertArrayEquals(
                shared,
                readAll(reopened, reopened.resolve("small").orElseThrow().digest()));
        assertEquals(1, reopened.stats().chunks());
        for (byte[] c : parts) {
            assertEquals(Arrays.equals(c, shared), reopened.hasChunk(TestData.sha256(c)));
        }
        assertClean(reopened);
        assertEquals(1, flushes);
        assertEquals(0, ticketAfter);
    }
}
