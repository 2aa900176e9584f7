package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rocksdb.RocksIterator;

class RocksContentStoreTest {
    private static final ChunkSizes SMALL = new ChunkSizes(1024, 4096, 16384, 1);
    private TempStore temp;
    private RocksContentStore store;

    @BeforeEach
    void open() throws IOException {
        temp = new TempStore(SMALL);
        store = temp.store();
    }

    @AfterEach
    void close() throws IOException {
        temp.close();
    }

    private StoredObject put(byte[] data) throws IOException {
        return put(data, Chunking.CONTENT_DEFINED);
    }

    private StoredObject put(byte[] data, Chunking chunking) throws IOException {
        try (ObjectWriter w = store.newObject(chunking)) {
            w.write(data);
            return w.commit(null, b -> {});
        }
    }

    private byte[] readAll(Sha256 digest) throws IOException {
        StoredObject o = store.object(digest).orElseThrow();
        return TestData.readAll(store.read(digest, 0, o.size()));
    }

    @Test
    void writeCommitReadRoundTrip() throws IOException {
        byte[] data = TestData.random(10, 300_000);
        StoredObject o = put(data);
        assertEquals(new StoredObject(TestData.sha256(data), data.length), o);
        assertArrayEquals(data, readAll(o.digest()));
        assertTrue(store.scrub().isClean(), store.scrub().toString());
    }

    /**
     * The writer's buffer starts small and grows: the cuts must not depend on it, so the same bytes written in small
     * pieces (growing it step by step) and whole are stored as the same chunks.
     */
    @Test
    void cutsDoNotDependOnHowTheBytesArriveWhileTheBufferGrows() throws IOException {
        byte[] data = TestData.random(11, 3 << 20);
        StoredObject whole;
        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(data);
            whole = w.commit(
                    null, b -> b.putName("whole", b.committing().orElseThrow().digest()));
        }
        long chunks = store.stats().chunks();
        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
            for (int at = 0; at < data.length; at += 7919) {
                w.write(data, at, Math.min(7919, data.length - at));
            }
            assertEquals(
                    whole,
                    w.commit(
                            null,
                            b -> b.putName(
                                    "pieces", b.committing().orElseThrow().digest())));
        }
        assertEquals(chunks, store.stats().chunks(), "no new chunk: the same cuts");
        assertArrayEquals(data, readAll(whole.digest()));
    }

    /** Grouped commits are visible at once, and a later synced commit and a reopen keep them. */
    @Test
    void groupedCommitsAreVisibleAtOnceAndKeptOverAReopen() throws IOException {
        List<StoredObject> grouped = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String name = "grouped/" + i;
            try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
                w.write(TestData.random(200 + i, 100 + i));
                StoredObject o = w.commit(
                        null, b -> b.putName(name, b.committing().orElseThrow().digest()), Durability.GROUPED);
                assertEquals(Optional.of(o), store.resolve(name), "visible as soon as the commit returns");
                grouped.add(o);
            }
        }
        StoredObject synced = put(TestData.random(300, 5000));
        store = temp.reopen();
        for (int i = 0; i < grouped.size(); i++) {
            assertEquals(Optional.of(grouped.get(i)), store.resolve("grouped/" + i));
        }
        assertTrue(store.object(synced.digest()).isPresent());
        assertTrue(store.scrub().isClean(), store.scrub().toString());
    }

    /**
     * The disk figure counts every file of the store, WAL included: just after writes, before any flush, nearly all
     * the bytes are in the WAL, which RocksDB's SST and blob size properties leave out (they said a few KiB here).
     */
    @Test
    void diskBytesCountEveryFileOfTheStore() throws IOException {
        long written = 0;
        for (int i = 0; i < 6; i++) {
            written += put(TestData.random(100 + i, 2 << 20)).size();
        }
        long reported = store.stats().diskBytes();
        assertTrue(reported >= written, "disk used " + reported + " < " + written + " bytes written");
        long files;
        try (var walk = java.nio.file.Files.walk(store.directory())) {
            files = walk.filter(java.nio.file.Files::isRegularFile)
                    .mapToLong(f -> f.toFile().length())
                    .sum();
        }
        assertTrue(
                Math.abs(reported - files) <= files / 20,
                "disk used " + reported + " vs " + files + " in the directory");
    }

    /**
     * Synced writes run outside the commit lock so concurrent commits share fsyncs; a commit that reads a key
     * another commit is still writing must still see that write, or read-modify-write loses updates.
     */
    @Test
    void concurrentReadModifyWriteThroughUpdateLosesNothing() throws Exception {
        int threads = 8;
        int rounds = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                done.add(pool.submit(() -> {
                    for (int round = 0; round < rounds; round++) {
                        int i = round;
                        store.update(b -> {
                            long n = b.currentMeta("counter")
                                    .map(v -> Long.parseLong(new String(v)))
                                    .orElse(0L);
                            b.putMeta("counter", Long.toString(n + 1).getBytes());
                            b.putMeta("last/" + me, Integer.toString(i).getBytes());
                        });
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(
                Long.toString((long) threads * rounds),
                new String(store.meta("counter").orElseThrow()));
        store = temp.reopen();
        assertEquals(
                Long.toString((long) threads * rounds),
                new String(store.meta("counter").orElseThrow()));
    }

    /** Two writers of the same bytes racing to commit: exactly one stores the object, and both can name it. */
    @Test
    void twinCommitsRacingStoreOneObjectAndBothNamesResolve() throws Exception {
        byte[] data = TestData.random(77, 200_000);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<StoredObject>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                String name = "twin/" + t;
                done.add(pool.submit(() -> {
                    try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
                        w.write(data);
                        return w.commit(
                                TestData.sha256(data),
                                b -> b.putName(
                                        name, b.committing().orElseThrow().digest()));
                    }
                }));
            }
            for (Future<StoredObject> f : done) {
                assertEquals(TestData.sha256(data), f.get().digest());
            }
        } finally {
            pool.shutdown();
        }
        for (int t = 0; t < 4; t++) {
            assertArrayEquals(
                    data, readAll(store.resolve("twin/" + t).orElseThrow().digest()));
        }
        assertEquals(1, store.stats().objects());
        assertTrue(store.scrub().isClean(), store.scrub().toString());
    }

    /**
     * Writing an object's good bytes again mends a damaged chunk only in repair mode (dedup reuses it otherwise).
     * Until then every read refuses it: the bytes no longer match the CRC32C recorded when they were written.
     */
    @Test
    void repairModeRewritesAChunkWhoseBytesNoLongerMatchItsDigest() throws Exception {
        byte[] data = TestData.random(91, 600); // below the minimum chunk size: one chunk, addressed like the object
        Sha256 digest = put(data).digest();
        byte[] damaged = data.clone();
        damaged[100] ^= 0x20;
        store.db().put(store.chunks, digest.bytes(), damaged);
        assertThrows(ChunkDamagedException.class, () -> readAll(digest), "the damage is caught");

        put(data);
        assertThrows(
                ChunkDamagedException.class, () -> readAll(digest), "a plain write reuses the stored chunk as it is");
        assertArrayEquals(damaged, store.db().get(store.chunks, digest.bytes()));

        store.repairDamagedChunksOnWrite(true);
        put(data);
        assertArrayEquals(data, readAll(digest));
        assertEquals(1, store.chunksRepaired());
        put(data);
        assertEquals(1, store.chunksRepaired(), "an intact chunk is not rewritten");
        assertTrue(store.scrub().isClean(), store.scrub().toString());
    }

    /**
     * A chunk damaged on disk in a way RocksDB's own checksums do not see (rewritten through it, as a disk's flipped
     * bit would be under a recomputed checksum) fails its recorded CRC32C: the read stops before any of its bytes
     * reach the caller, through read() and transferTo() alike, and ranges that do not touch it still read.
     */
    @Test
    void aDamagedChunkIsRefusedBeforeAnyOfItsBytesAreHandedOut() throws Exception {
        byte[] data = TestData.random(92, 300_000); // about 70 chunks, some inline in tables, some in blob files
        Sha256 digest = put(data).digest();
        List<StoredChunk> chunks = store.chunksOf(digest).orElseThrow();
        assertTrue(chunks.size() > 10, chunks.size() + " chunks");
        int victim = chunks.size() / 2;
        int start = 0;
        for (int i = 0; i < victim; i++) {
            start += chunks.get(i).length();
        }
        int end = start + chunks.get(victim).length();
        Sha256 damagedChunk = chunks.get(victim).digest();
        byte[] bytes = store.db().get(store.chunks, damagedChunk.bytes());
        bytes[7] ^= 0x20;
        store.db().put(store.chunks, damagedChunk.bytes(), bytes);

        ByteArrayOutputStream transferred = new ByteArrayOutputStream();
        try (InputStream in = store.read(digest, 0, data.length)) {
            ChunkDamagedException e = assertThrows(ChunkDamagedException.class, () -> in.transferTo(transferred));
            assertTrue(e.getMessage().contains("chunk " + damagedChunk), e.getMessage());
            assertTrue(e.getMessage().contains("damaged on disk"), e.getMessage());
        }
        assertArrayEquals(Arrays.copyOf(data, start), transferred.toByteArray(), "the chunks before it, no more");

        ByteArrayOutputStream read = new ByteArrayOutputStream();
        try (InputStream in = store.read(digest, 0, data.length)) {
            byte[] buffer = new byte[1000];
            assertThrows(ChunkDamagedException.class, () -> {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    read.write(buffer, 0, n);
                }
            });
        }
        assertArrayEquals(Arrays.copyOf(data, start), read.toByteArray(), "the chunks before it, no more");

        assertArrayEquals(Arrays.copyOf(data, start), TestData.readAll(store.read(digest, 0, start)));
        assertArrayEquals(
                Arrays.copyOfRange(data, end, data.length),
                TestData.readAll(store.read(digest, end, data.length - end)));
    }

    /**
     * A bit flipped in a blob file on disk, under RocksDB: a chunk read skips RocksDB's checksums, so the recorded
     * CRC32C is what refuses it; the object's other chunks still read.
     */
    @Test
    void aBitFlippedInABlobFileOnDiskIsRefused() throws Exception {
        byte[] data = TestData.random(95, 3 << 20);
        Sha256 digest = put(data, Chunking.FIXED).digest();
        store = temp.reopen(); // flushed: the 1 MiB chunks are in a blob file
        List<Path> blobs;
        try (var files = Files.list(temp.dir())) {
            blobs = files.filter(f -> f.toString().endsWith(".blob")).toList();
        }
        assertEquals(1, blobs.size(), blobs.toString());
        byte[] file = Files.readAllBytes(blobs.getFirst());
        // The second chunk's bytes, found in the file by a run of them (random bytes: one match).
        int second = 1 << 20;
        byte[] marker = Arrays.copyOfRange(data, second + 4096, second + 4096 + 64);
        int at = -1;
        for (int i = 0; i + marker.length <= file.length && at < 0; i++) {
            if (Arrays.equals(file, i, i + marker.length, marker, 0, marker.length)) {
                at = i;
            }
        }
        assertTrue(at >= 0, "the chunk's bytes are in " + blobs.getFirst());
        try (FileChannel ch = FileChannel.open(blobs.getFirst(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {(byte) (file[at] ^ 0x01)}), at);
        }
        store = temp.reopen();

        assertThrows(ChunkDamagedException.class, () -> readAll(digest));
        assertArrayEquals(Arrays.copyOf(data, second), TestData.readAll(store.read(digest, 0, second)));
        assertArrayEquals(
                Arrays.copyOfRange(data, 2 << 20, data.length),
                TestData.readAll(store.read(digest, 2 << 20, data.length - (2 << 20))));
    }

    /**
     * References written before chunks carried a CRC32C (or by an older ferry) are read with RocksDB's own check, and
     * the new values only add a field at the end, so an older ferry decodes them by position as before.
     */
    @Test
    void referencesWithoutAChecksumReadAsBeforeAndNewValuesExtendTheOldOnes() throws Exception {
        byte[] data = TestData.random(93, 300_000);
        byte[] small = TestData.random(94, 600);
        Sha256 digest = put(data).digest();
        Sha256 sole = put(small).digest();

        byte[] record = store.db().get(store.objects, sole.bytes());
        assertEquals(16 + 32 + 4, record.length);
        StoreLayout.ObjectRecord r = StoreLayout.ObjectRecord.decode(record);
        assertEquals(ChunkChecksum.of(small), r.soleChecksum());
        byte[] old = new StoreLayout.ObjectRecord(r.size(), r.id(), r.soleChunk(), ChunkChecksum.NONE).encode();
        assertArrayEquals(old, Arrays.copyOf(record, 48), "the old record is the new one's start");
        store.db().put(store.objects, sole.bytes(), old);
        int entries = 0;
        try (RocksIterator it = store.db().newIterator(store.index)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                StoreLayout.IndexEntry e = StoreLayout.IndexEntry.decode(it.key(), it.value());
                if (e.inline() != null) {
                    continue; // a last chunk of at most ChunkStore.INLINE_MAX bytes: inline entries came later
                }
                assertEquals(32 + 4 + 4, it.value().length);
                assertEquals(ChunkChecksum.of(store.db().get(store.chunks, e.chunk())), e.checksum());
                byte[] stripped = StoreLayout.IndexEntry.value(e.chunk(), e.length(), ChunkChecksum.NONE);
                assertArrayEquals(stripped, Arrays.copyOf(it.value(), 36), "the old entry is the new one's start");
                store.db().put(store.index, it.key(), stripped);
                entries++;
            }
        }
        assertTrue(entries > 10, entries + " entries");
        store = temp.reopen(); // nothing of the old values cached

        assertArrayEquals(data, readAll(digest));
        assertArrayEquals(small, readAll(sole));
        assertEquals(
                ChunkChecksum.NONE,
                StoreLayout.ObjectRecord.decode(store.db().get(store.objects, sole.bytes()))
                        .soleChecksum());
        assertTrue(store.scrub().isClean(), store.scrub().toString());
    }

    @Test
    void nothingIsVisibleBeforeCommit() throws IOException {
        byte[] data = TestData.random(11, 100_000);
        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(data);
            assertEquals(data.length, w.written());
            assertEquals(Optional.empty(), store.object(TestData.sha256(data)));
            assertEquals(0, store.stats().objects());
            w.commit(TestData.sha256(data), b -> b.putName("n", TestData.sha256(data)));
        }
        assertEquals(data.length, store.resolve("n").orElseThrow().size());
    }

    @Test
    void commitAppliesNamesAndMetaAtomicallyAndSurvivesReopen() throws IOException {
        byte[] data = TestData.random(12, 50_000);
        Sha256 digest = TestData.sha256(data);
        try (ObjectWriter w = store.newObject(Chunking.ZIP_ENTRIES)) {
            w.write(data);
            w.commit(digest, b -> {
                b.putName("mod@v1.zip", digest);
                b.putMeta("mod/list", "v1".getBytes(StandardCharsets.UTF_8));
            });
        }
        store = temp.reopen();
        assertEquals(Optional.of(new StoredObject(digest, data.length)), store.resolve("mod@v1.zip"));
        assertArrayEquals(
                "v1".getBytes(StandardCharsets.UTF_8), store.meta("mod/list").orElseThrow());
        assertArrayEquals(data, readAll(digest));
        store.update(b -> {
            b.deleteName("mod@v1.zip");
            b.deleteMeta("mod/list");
        });
        assertEquals(Optional.empty(), store.resolve("mod@v1.zip"));
        assertEquals(Optional.empty(), store.meta("mod/list"));
    }

    @Test
    void digestMismatchStoresNothing() throws IOException {
        byte[] data = TestData.random(13, 80_000);
        Sha256 wrong = TestData.sha256(new byte[] {1});
        ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED);
        w.write(data);
        DigestMismatchException e = assertThrows(DigestMismatchException.class, () -> w.commit(wrong, b -> {}));
        assertEquals(TestData.sha256(data), e.actual());
        assertEquals(Optional.empty(), store.object(TestData.sha256(data)));
        assertEquals(new StoreStats(0, 0, 0, 0, store.stats().diskBytes()), store.stats());
        ScrubReport report = store.scrub();
        assertTrue(report.isClean() && report.chunks() == 0, report.toString());
    }

    @Test
    void checkBeforeTheCommitRefusesAMismatchAndEndsTheWrites() throws IOException {
        byte[] data = TestData.random(16, 9 << 20); // past LARGE_OBJECT_BYTES: the commit flushes behind the check
        ObjectWriter refused = store.newObject(Chunking.FIXED);
        refused.write(data);
        Sha256 wrong = TestData.sha256(new byte[] {2});
        DigestMismatchException e = assertThrows(DigestMismatchException.class, () -> refused.check(wrong));
        assertEquals(TestData.sha256(data), e.actual());
        assertThrows(IOException.class, () -> refused.commit(TestData.sha256(data), b -> {}), "aborted by the check");

        ObjectWriter checked = store.newObject(Chunking.FIXED);
        checked.write(data);
        checked.check(TestData.sha256(data));
        assertThrows(IllegalStateException.class, () -> checked.write(data, 0, 1), "no bytes after the check");
        assertEquals(Optional.empty(), store.object(TestData.sha256(data)), "checked is not stored yet");
        assertEquals(
                TestData.sha256(data),
                checked.commit(TestData.sha256(data), b -> {}).digest());
        assertArrayEquals(data, readAll(TestData.sha256(data)));
        ScrubReport report = store.scrub();
        assertTrue(report.isClean(), report.toString());
    }

    @Test
    void abortAndCloseWithoutCommitReclaimAtOnce() throws IOException {
        ObjectWriter aborted = store.newObject(Chunking.CONTENT_DEFINED);
        aborted.write(TestData.random(14, 200_000));
        aborted.abort();
        aborted.abort();
        try (ObjectWriter closed = store.newObject(Chunking.CONTENT_DEFINED)) {
            closed.write(TestData.random(15, 200_000));
        }
        assertEquals(0, store.stats().chunks());
        ScrubReport report = store.scrub();
        assertTrue(report.isClean() && report.chunks() == 0, report.toString());
        assertThrows(IOException.class, () -> aborted.write(1));
    }

    @Test
    void identicalContentIsStoredOnce() throws IOException {
        byte[] data = TestData.random(16, 200_000);
        StoredObject a = put(data);
        long chunks = store.stats().chunks();
        long chunkBytes = store.stats().chunkBytes();
        StoredObject b = put(data);
        assertEquals(a, b);
        assertEquals(
                new StoreStats(1, data.length, chunks, chunkBytes, store.stats().diskBytes()), store.stats());
        assertEquals(data.length, chunkBytes);
        assertTrue(store.scrub().isClean());
    }

    @Test
    void reusedChunksAreNotRewritten() throws Exception {
        byte[] data = TestData.random(27, 300_000);
        put(data);
        long puts = store.db().getLongProperty(store.chunks, "rocksdb.num-entries-active-mem-table");
        byte[] again = Arrays.copyOf(data, data.length + 1); // a different object made of the same chunks but the last
        put(again);
        long added = store.db().getLongProperty(store.chunks, "rocksdb.num-entries-active-mem-table") - puts;
        assertTrue(added <= 1, "only the changed last chunk is written, not " + added);
    }

    @Test
    void objectsSharingContentShareChunks() throws IOException {
        byte[] common = TestData.random(17, 200_000);
        byte[] longer = Arrays.copyOf(common, 260_000);
        System.arraycopy(TestData.random(18, 60_000), 0, longer, 200_000, 60_000);
        put(common);
        long before = store.stats().chunkBytes();
        put(longer);
        long added = store.stats().chunkBytes() - before;
        assertTrue(added < 60_000 + 2 * SMALL.max(), "added " + added);
        assertArrayEquals(longer, readAll(TestData.sha256(longer)));
        assertTrue(store.scrub().isClean());
    }

    @Test
    void rangesAtTheEdges() throws IOException {
        byte[] data = TestData.random(19, 100_000);
        Sha256 d = put(data).digest();
        assertArrayEquals(new byte[0], TestData.readAll(store.read(d, 0, 0)));
        assertArrayEquals(new byte[0], TestData.readAll(store.read(d, data.length, 0)));
        assertArrayEquals(new byte[] {data[data.length - 1]}, TestData.readAll(store.read(d, data.length - 1, 1)));
        // Every boundary-crossing range of a few sizes, so some start and end exactly on chunk edges.
        for (int offset = 0; offset < data.length; offset += 3_337) {
            for (int length : new int[] {1, 4095, 4096, 20_000}) {
                int n = Math.min(length, data.length - offset);
                assertArrayEquals(
                        Arrays.copyOfRange(data, offset, offset + n),
                        TestData.readAll(store.read(d, offset, n)),
                        offset + "+" + n);
            }
        }
        assertThrows(IndexOutOfBoundsException.class, () -> store.read(d, 0, data.length + 1));
        assertThrows(IndexOutOfBoundsException.class, () -> store.read(d, data.length, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> store.read(d, -1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> store.read(d, 1, Long.MAX_VALUE));
        assertThrows(NoSuchElementException.class, () -> store.read(TestData.sha256(new byte[0]), 0, 0));
    }

    /** Records each write's array and range, so a test can see the bytes came as whole chunks, uncopied. */
    private static final class WriteLog extends java.io.OutputStream {
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        final List<Integer> lengths = new ArrayList<>();
        final List<byte[]> arrays = new ArrayList<>();

        @Override
        public void write(int b) {
            throw new AssertionError("transferTo must not write single bytes");
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
            lengths.add(len);
            arrays.add(b);
        }
    }

    @Test
    void transferToWritesEachChunkOnceForAnyRange() throws IOException {
        byte[] data = TestData.random(21, 100_000);
        Sha256 d = put(data).digest();
        List<Integer> cuts = TestData.cut(Chunker.of(Chunking.CONTENT_DEFINED, SMALL), data);
        List<Long> starts = new ArrayList<>();
        long at = 0;
        for (int n : cuts) {
            starts.add(at);
            at += n;
        }
        assertTrue(cuts.size() > 5, "several chunks: " + cuts);
        // Ranges starting and ending inside, on, and one byte either side of chunk boundaries.
        List<Long> edges = new ArrayList<>();
        for (long start : starts) {
            for (long e = start - 1; e <= start + 1; e++) {
                if (e >= 0 && e <= data.length) {
                    edges.add(e);
                }
            }
        }
        edges.add((long) data.length);
        for (int i = 0; i < edges.size(); i += 2) {
            for (int j = i; j < edges.size(); j += 3) {
                long from = edges.get(i);
                long to = Math.max(from, edges.get(j));
                WriteLog log = new WriteLog();
                try (var in = store.read(d, from, to - from)) {
                    assertEquals(to - from, in.transferTo(log));
                    assertEquals(-1, in.read());
                }
                assertArrayEquals(
                        Arrays.copyOfRange(data, (int) from, (int) to), log.bytes.toByteArray(), from + ".." + to);
                // One write per chunk the range touches, no empty writes.
                long touched = 0;
                for (int c = 0; c < cuts.size(); c++) {
                    if (starts.get(c) < to && starts.get(c) + cuts.get(c) > from) {
                        touched++;
                    }
                }
                assertEquals(from == to ? 0 : touched, log.lengths.size(), from + ".." + to + " " + log.lengths);
                assertFalse(log.lengths.contains(0));
            }
        }
    }

    @Test
    void transferToAfterPartialReadContinuesWhereTheReadStopped() throws IOException {
        byte[] data = TestData.random(22, 60_000);
        Sha256 d = put(data).digest();
        try (var in = store.read(d, 5, 50_000)) {
            byte[] head = in.readNBytes(7_000);
            WriteLog log = new WriteLog();
            assertEquals(43_000, in.transferTo(log));
            assertArrayEquals(Arrays.copyOfRange(data, 5, 7_005), head);
            assertArrayEquals(Arrays.copyOfRange(data, 7_005, 50_005), log.bytes.toByteArray());
        }
    }

    @Test
    void fixedChunkingCutsMebibyteChunksAndReadsBackAnyRange() throws IOException {
        int chunk = Chunker.FIXED_CHUNK;
        byte[] data = TestData.random(23, 2 * chunk + 12_345);
        StoredObject o;
        try (ObjectWriter w = store.newObject(Chunking.FIXED)) {
            for (int off = 0; off < data.length; off += 65_536) { // the tee's write size
                w.write(data, off, Math.min(65_536, data.length - off));
            }
            o = w.commit(TestData.sha256(data), b -> {});
        }
        assertEquals(3, store.stats().chunks());
        WriteLog log = new WriteLog();
        try (var in = store.read(o.digest(), 0, data.length)) {
            in.transferTo(log);
        }
        assertEquals(List.of(chunk, chunk, 12_345), log.lengths);
        assertArrayEquals(data, log.bytes.toByteArray());
        for (long[] r : new long[][] {{chunk - 1, 2}, {chunk, chunk}, {chunk - 10, chunk + 20}, {1, data.length - 2}}) {
            WriteLog part = new WriteLog();
            try (var in = store.read(o.digest(), r[0], r[1])) {
                in.transferTo(part);
            }
            assertArrayEquals(
                    Arrays.copyOfRange(data, (int) r[0], (int) (r[0] + r[1])),
                    part.bytes.toByteArray(),
                    r[0] + "+" + r[1]);
        }
        // A blob of exactly one chunk is a one-chunk object: served as a single write.
        byte[] one = Arrays.copyOf(data, chunk);
        StoredObject single;
        try (ObjectWriter w = store.newObject(Chunking.FIXED)) {
            w.write(one);
            single = w.commit(null, b -> {});
        }
        WriteLog whole = new WriteLog();
        try (var in = store.read(single.digest(), 0, chunk)) {
            in.transferTo(whole);
        }
        assertEquals(List.of(chunk), whole.lengths);
        assertTrue(store.scrub().isClean(), store.scrub().toString());
    }

    @Test
    void skipThenReadAcrossChunks() throws IOException {
        byte[] data = TestData.random(20, 100_000);
        Sha256 d = put(data).digest();
        try (var in = store.read(d, 10, 90_000)) {
            assertEquals(data[10] & 0xff, in.read());
            assertEquals(50_000, in.skip(50_000));
            byte[] rest = in.readAllBytes();
            assertArrayEquals(Arrays.copyOfRange(data, 50_011, 90_010), rest);
        }
    }

    @Test
    void emptyAndOneChunkObjects() throws IOException {
        StoredObject empty = put(new byte[0]);
        assertEquals(0, empty.size());
        assertArrayEquals(new byte[0], readAll(empty.digest()));
        byte[] small = "module example.com/m\n".getBytes(StandardCharsets.UTF_8);
        StoredObject one = put(small);
        assertArrayEquals(small, readAll(one.digest()));
        assertArrayEquals(Arrays.copyOfRange(small, 7, 14), TestData.readAll(store.read(one.digest(), 7, 7)));
        store = temp.reopen();
        assertArrayEquals(small, readAll(one.digest()));
        assertTrue(store.scrub().isClean());
    }

    @Test
    void scanMetaVisitsPrefixInKeyOrderUntilFalse() throws IOException {
        store.update(b -> {
            for (String k : List.of("b/2", "a/1", "b/1", "b/10", "c", "b")) {
                b.putMeta(k, k.getBytes(StandardCharsets.UTF_8));
            }
        });
        List<String> seen = new ArrayList<>();
        store.scanMeta("b/", (k, v) -> seen.add(k + "=" + new String(v, StandardCharsets.UTF_8)));
        assertEquals(List.of("b/1=b/1", "b/10=b/10", "b/2=b/2"), seen);
        List<String> first = new ArrayList<>();
        store.scanMeta("", (k, v) -> first.add(k) && first.size() < 2);
        assertEquals(List.of("a/1", "b"), first);
    }

    @Test
    void batchReadsSeeCommittedStateForCheckThenPut() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 100; i++) {
                        store.update(b -> {
                            long n = b.currentMeta("counter")
                                    .map(v -> Long.parseLong(new String(v)))
                                    .orElse(0L);
                            b.putMeta("counter", Long.toString(n + 1).getBytes(StandardCharsets.UTF_8));
                        });
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals("800", new String(store.meta("counter").orElseThrow(), StandardCharsets.UTF_8));
    }

    @Test
    void namingAMissingObjectIsRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> store.update(b -> b.putName("x", TestData.sha256(new byte[] {42}))));
        assertEquals(Optional.empty(), store.resolve("x"));
    }

    @Test
    void failingCallbackAbortsTheObject() throws IOException {
        byte[] data = TestData.random(21, 50_000);
        ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED);
        w.write(data);
        assertThrows(
                IllegalStateException.class,
                () -> w.commit(null, b -> {
                    throw new IllegalStateException("caller changed its mind");
                }));
        assertEquals(Optional.empty(), store.object(TestData.sha256(data)));
        assertTrue(store.scrub().isClean());
        assertEquals(0, store.scrub().chunks());
    }

    @Test
    void concurrentWritersOfIdenticalContent() throws Exception {
        byte[] data = TestData.random(22, 500_000);
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<StoredObject>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                futures.add(pool.submit(() -> {
                    try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
                        start.await();
                        for (int i = 0; i < data.length; i += 10_000) {
                            w.write(data, i, Math.min(10_000, data.length - i));
                        }
                        Sha256 d = TestData.sha256(data);
                        return w.commit(d, b -> b.putName("copy" + id, d));
                    }
                }));
            }
            for (Future<StoredObject> f : futures) {
                assertEquals(data.length, f.get().size());
            }
        } finally {
            pool.shutdown();
        }
        StoreStats stats = store.stats();
        assertEquals(1, stats.objects());
        assertEquals(data.length, stats.chunkBytes(), "every chunk stored once");
        for (int t = 0; t < threads; t++) {
            assertEquals(data.length, store.resolve("copy" + t).orElseThrow().size());
        }
        assertArrayEquals(data, readAll(TestData.sha256(data)));
        ScrubReport report = store.scrub();
        assertTrue(report.isClean(), report.toString());
    }

    @Test
    void abortKeepsChunksAnotherInFlightWriterUses() throws IOException {
        byte[] data = TestData.random(23, 120_000);
        ObjectWriter first = store.newObject(Chunking.CONTENT_DEFINED);
        ObjectWriter second = store.newObject(Chunking.CONTENT_DEFINED);
        first.write(data);
        second.write(data);
        first.abort();
        StoredObject o = second.commit(TestData.sha256(data), b -> {});
        assertArrayEquals(data, readAll(o.digest()));
        ScrubReport report = store.scrub();
        assertTrue(report.isClean(), report.toString());
    }

    @Test
    void abortNeverDeletesAPinnedChunk() throws IOException {
        byte[] data = TestData.random(24, 500); // below min: one chunk, whose digest is the object's
        Sha256 chunk = TestData.sha256(data);
        ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED);
        w.write(data);
        w.commit(null, b -> {}); // force the chunk out so the writer's reference exists
        ObjectWriter loser = store.newObject(Chunking.CONTENT_DEFINED);
        loser.write(data);
        store.inFlightChunks().pin(chunk); // another writer has just seen the chunk and relies on it
        try {
            loser.abort();
            assertArrayEquals(data, readAll(chunk));
        } finally {
            store.inFlightChunks().unpin(chunk);
        }
        assertEquals(0, store.inFlightChunks().size());
        assertTrue(store.scrub().isClean());
    }

    /**
     * A clean close marks the store so that the next open skips the sweep of every chunk count; the open takes the
     * mark away (a crash later must sweep), and a close after a chunk was kept at count zero for a pin is not clean,
     * so the next open still deletes that chunk.
     */
    @Test
    void onlyACleanCloseLetsTheNextOpenSkipTheZeroCountSweep() throws Exception {
        put(TestData.random(26, 10_000));
        store.close();
        store = temp.reopen();
        assertNull(store.db().get(StoreLayout.CLEAN_CLOSE_KEY), "the open takes the mark");

        List<Sha256> before = new ArrayList<>();
        store.scanChunks(before::add);
        ObjectWriter loser = store.newObject(Chunking.CONTENT_DEFINED);
        loser.write(TestData.random(27, 100_000)); // past the largest chunk: its first chunks are stored now
        List<Sha256> written = new ArrayList<>();
        store.scanChunks(c -> before.contains(c) || written.add(c));
        assertFalse(written.isEmpty());
        Sha256 chunk = written.get(0);
        store.inFlightChunks().pin(chunk); // a writer has just seen the chunk and relies on it
        try {
            loser.abort(); // the last reference goes, the chunk stays at count zero for the pin
            assertTrue(store.hasChunk(chunk));
        } finally {
            store.inFlightChunks().unpin(chunk);
        }
        store.close();
        store = temp.reopen();
        assertFalse(store.hasChunk(chunk), "the sweep at open deleted the chunk left at count zero");
        ScrubReport report = store.scrub();
        assertTrue(report.isClean(), report.toString());
    }

    @Test
    void secondOpenOfTheSameDirectoryIsRefusedClearly() {
        IOException e =
                assertThrows(IOException.class, () -> RocksContentStore.open(temp.dir(), StoreOptions.defaults()));
        assertTrue(
                e.getMessage().contains("data directory " + temp.dir() + " is in use by another ferry"),
                e.getMessage());
    }

    @Test
    void closeIsIdempotentAndLaterCallsFail() throws IOException {
        put(TestData.random(25, 10_000));
        store.close();
        store.close();
        assertThrows(IllegalStateException.class, () -> store.newObject(Chunking.CONTENT_DEFINED));
        assertThrows(RuntimeException.class, () -> store.stats());
        store = temp.reopen();
        assertEquals(1, store.stats().objects());
    }

    @Test
    void closeGivesUpOnAbandonedWritersAndOpenReclaimsThem() throws IOException {
        Path dir = temp.dir();
        store.close();
        StoreOptions quick = StoreOptions.defaults().withChunkSizes(SMALL).withCloseTimeout(Duration.ofMillis(50));
        RocksContentStore s = RocksContentStore.open(dir, quick);
        byte[] kept = TestData.random(28, 40_000);
        ObjectWriter committed = s.newObject(Chunking.CONTENT_DEFINED);
        committed.write(kept);
        committed.commit(null, b -> {});
        ObjectWriter abandoned = s.newObject(Chunking.CONTENT_DEFINED);
        abandoned.write(TestData.random(29, 100_000)); // chunks and pending/<id> are in RocksDB now
        s.close();
        assertThrows(IOException.class, () -> abandoned.write(new byte[100_000]));
        abandoned.close(); // cannot reclaim a closed store: the next open must
        store = temp.reopen();
        assertEquals(1, store.reclaimedAtOpen());
        ScrubReport report = store.scrub();
        assertTrue(report.isClean(), report.toString());
        assertEquals(
                new StoreStats(
                        1,
                        kept.length,
                        report.chunks(),
                        kept.length,
                        store.stats().diskBytes()),
                store.stats());
        assertArrayEquals(kept, readAll(TestData.sha256(kept)));
    }

    @Test
    void concurrentWritersAbortingAndCommittingOverlappingContentStayConsistent() throws Exception {
        // Objects made of 8 KiB blocks drawn from a pool of 12, so writers keep sharing chunks; a third abort.
        byte[][] pool = new byte[12][];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = TestData.random(100 + i, 8192);
        }
        int threads = 4;
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        List<Future<List<byte[]>>> futures = new ArrayList<>();
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            for (int t = 0; t < threads; t++) {
                long seed = t;
                futures.add(exec.submit(() -> {
                    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
                    List<byte[]> committed = new ArrayList<>();
                    start.await();
                    for (int i = 0; i < 40; i++) {
                        java.io.ByteArrayOutputStream content = new java.io.ByteArrayOutputStream();
                        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
                            for (int k = 0, n = 2 + r.nextInt(12); k < n; k++) {
                                byte[] block = pool[r.nextInt(pool.length)];
                                w.write(block);
                                content.write(block);
                            }
                            if (r.nextInt(3) == 0) {
                                w.abort();
                            } else {
                                w.commit(null, b -> {});
                                committed.add(content.toByteArray());
                            }
                        }
                    }
                    return committed;
                }));
            }
            for (Future<List<byte[]>> f : futures) {
                for (byte[] data : f.get()) {
                    assertArrayEquals(data, readAll(TestData.sha256(data)));
                }
            }
        } finally {
            exec.shutdown();
        }
        assertEquals(0, store.inFlightChunks().size());
        ScrubReport report = store.scrub();
        assertTrue(report.isClean(), report.toString());
        assertEquals(report.chunks(), store.stats().chunks());
    }

    @Test
    void statsCountObjectsAndChunks() throws IOException {
        byte[] data = TestData.random(26, 100_000);
        put(data);
        StoreStats stats = store.stats();
        assertEquals(1, stats.objects());
        assertEquals(data.length, stats.objectBytes());
        assertEquals(data.length, stats.chunkBytes());
        assertEquals(store.scrub().chunks(), stats.chunks());
        assertFalse(stats.diskBytes() < 0);
    }
}
