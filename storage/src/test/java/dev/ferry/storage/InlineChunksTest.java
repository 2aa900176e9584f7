package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.StoreLayout.IndexEntry;
import dev.ferry.storage.StoreLayout.ObjectRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rocksdb.RocksIterator;

/**
 * Chunks of at most {@link ChunkStore#INLINE_MAX} bytes kept in their index entry (StoreLayout, format 2): written by
 * every write path, read back whole and in every range, listed with their bytes, never seen as stored chunks, counted
 * in the store's bytes only, given back by deletes and aborts, checked by reads and the scrub, mended by repair.
 */
class InlineChunksTest {
    /** Lengths around the limit, so both kinds alternate within one object. */
    private static final int[] LENGTHS = {90, 5_000, 1, 300, 256, 257, 40, 12_000, 255};

    private TempStore temp;
    private RocksContentStore store;

    @BeforeEach
    void open() throws IOException {
        temp = new TempStore(new ChunkSizes(1024, 4096, 16384, 1));
        store = temp.store();
    }

    @AfterEach
    void close() throws IOException {
        temp.close();
    }

    private static List<byte[]> chunks(long seed) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < LENGTHS.length; i++) {
            out.add(TestData.random(seed + i, LENGTHS[i]));
        }
        return out;
    }

    private static byte[] concat(List<byte[]> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        chunks.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private Sha256 assemble(Supplier<ObjectAssembler> how, List<byte[]> chunks) throws IOException {
        try (ObjectAssembler a = how.get()) {
            for (byte[] c : chunks) {
                if (c.length % 2 == 0) {
                    a.appendVerifiedChunk(TestData.sha256(c), c);
                } else {
                    a.appendChunk(c, 0, c.length);
                }
            }
            return a.commit(TestData.sha256(concat(chunks)), b -> {}).digest();
        }
    }

    private long storedBytes(List<byte[]> chunks) {
        return chunks.stream().mapToLong(c -> c.length).sum();
    }

    private long storedUnderDigest(List<byte[]> chunks) {
        return chunks.stream().filter(c -> c.length > ChunkStore.INLINE_MAX).count();
    }

    private void assertReadsBack(Sha256 digest, byte[] data) throws IOException {
        assertArrayEquals(data, TestData.readAll(store.read(digest, 0, data.length)));
        ByteArrayOutputStream viaTransfer = new ByteArrayOutputStream();
        try (InputStream in = store.read(digest, 0, data.length)) {
            in.transferTo(viaTransfer);
        }
        assertArrayEquals(data, viaTransfer.toByteArray());
        // Ranges starting and ending inside inline chunks and across them, read both ways.
        long[] cuts = {0, 45, 90, 5_089, 5_090, 5_091, 5_200, 5_390, 5_646, 5_903, 5_943, data.length - 100};
        for (long from : cuts) {
            for (long to : cuts) {
                if (to <= from) {
                    continue;
                }
                byte[] want = java.util.Arrays.copyOfRange(data, (int) from, (int) to);
                assertArrayEquals(want, TestData.readAll(store.read(digest, from, to - from)), from + "-" + to);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (InputStream in = store.read(digest, from, to - from)) {
                    in.transferTo(out);
                }
                assertArrayEquals(want, out.toByteArray(), "transferTo " + from + "-" + to);
            }
        }
    }

    @Test
    void everyAssemblyPathKeepsSmallChunksInlineAndReadsThemBack() throws IOException {
        List<Supplier<ObjectAssembler>> paths =
                List.of(store::assemble, store::assembleInBatches, store::assembleInBulk);
        long objects = 0;
        long bytes = 0;
        long underDigest = 0;
        for (int p = 0; p < paths.size(); p++) {
            List<byte[]> chunks = chunks(100L * p);
            byte[] data = concat(chunks);
            Sha256 digest = assemble(paths.get(p), chunks);
            objects++;
            bytes += storedBytes(chunks);
            underDigest += storedUnderDigest(chunks);

            List<StoredChunk> listed = store.chunksOf(digest).orElseThrow();
            assertEquals(chunks.size(), listed.size());
            for (int i = 0; i < chunks.size(); i++) {
                StoredChunk c = listed.get(i);
                byte[] want = chunks.get(i);
                assertEquals(TestData.sha256(want), c.digest());
                assertEquals(want.length, c.length());
                if (want.length <= ChunkStore.INLINE_MAX) {
                    assertArrayEquals(want, c.inline(), "chunk " + i + " of path " + p);
                    assertFalse(store.hasChunk(c.digest()), "an inline chunk is not a stored chunk");
                    assertTrue(store.chunk(c.digest()).isEmpty());
                } else {
                    assertNull(c.inline(), "chunk " + i + " of path " + p);
                    assertTrue(store.hasChunk(c.digest()));
                }
            }
            assertReadsBack(digest, data);
            StoreStats stats = store.stats();
            assertEquals(objects, stats.objects());
            assertEquals(underDigest, stats.chunks(), "only chunks under their digest are counted as chunks");
            assertEquals(bytes, stats.chunkBytes(), "inline bytes count in the store's bytes");
            assertTrue(store.scrub().isClean(), store.scrub().toString());
        }
        store = temp.reopen();
        assertReadsBack(TestData.sha256(concat(chunks(0))), concat(chunks(0)));
        assertEquals(bytes, store.stats().chunkBytes());
    }

    @Test
    void theStreamingWriterKeepsTinyObjectsInTheirRecord() throws Exception {
        byte[] info = "{\"Version\":\"v1.2.3\",\"Time\":\"2024-01-02T03:04:05Z\"}".getBytes(StandardCharsets.UTF_8);
        Sha256 digest;
        try (ObjectWriter w = store.newObject(Chunking.FIXED)) {
            w.write(info);
            digest = w.commit(TestData.sha256(info), b -> b.putName("m/@v/v1.2.3.info", TestData.sha256(info)))
                    .digest();
        }
        ObjectRecord record = ObjectRecord.decode(store.db().get(store.objects, digest.bytes()));
        assertArrayEquals(info, record.soleInline(), "one get reads a tiny object");
        assertEquals(ChunkChecksum.of(info), record.soleChecksum());
        assertEquals(
                List.of(new StoredChunk(TestData.sha256(info), info.length, info)),
                store.chunksOf(digest).orElseThrow());
        store = temp.reopen();
        assertArrayEquals(info, TestData.readAll(store.read(digest, 0, info.length)));
        assertArrayEquals(java.util.Arrays.copyOfRange(info, 5, 9), TestData.readAll(store.read(digest, 5, 4)));
        assertEquals(0, store.stats().chunks());
        assertEquals(info.length, store.stats().chunkBytes());
        assertTrue(store.scrub().isClean(), store.scrub().toString());
    }

    @Test
    void deletesAndAbortsGiveInlineBytesBack() throws Exception {
        List<byte[]> chunks = chunks(7);
        Sha256 digest = assemble(store::assembleInBatches, chunks);
        try (ObjectAssembler a = store.assembleInBatches()) {
            for (byte[] c : chunks(900)) {
                a.appendChunk(c, 0, c.length);
            }
            a.writeAppended();
            assertEquals(
                    storedBytes(chunks) + storedBytes(chunks(900)),
                    store.stats().chunkBytes());
        } // closed without a commit: aborted
        assertEquals(storedBytes(chunks), store.stats().chunkBytes());
        assertTrue(store.scrub().isClean(), store.scrub().toString());

        assertTrue(store.delete(digest, false));
        assertEquals(0, store.stats().chunkBytes());
        assertEquals(0, store.stats().chunks());
        try (RocksIterator it = store.db().newIterator(store.index)) {
            it.seekToFirst();
            assertFalse(it.isValid(), "no index entry left");
        }
        assertTrue(store.scrub().isClean(), store.scrub().toString());
    }

    @Test
    void damagedInlineBytesAreCaughtByReadsAndScrubAndMendedByRepair() throws Exception {
        List<byte[]> chunks = chunks(31);
        byte[] data = concat(chunks);
        Sha256 digest = assemble(store::assembleInBatches, chunks);
        byte[] tiny = TestData.random(77, 120);
        Sha256 sole = assemble(store::assembleInBatches, List.of(tiny));

        // Flip a bit of the first inline chunk's bytes in its entry, and of the tiny object's bytes in its record.
        long id = ObjectRecord.decode(store.db().get(store.objects, digest.bytes()))
                .id();
        byte[] key = IndexEntry.key(id, 0);
        byte[] entry = store.db().get(store.index, key);
        assertNotNull(IndexEntry.inlineOf(entry));
        entry[entry.length - 1] ^= 0x10;
        store.db().put(store.index, key, entry);
        byte[] record = store.db().get(store.objects, sole.bytes());
        record[record.length - 1] ^= 0x01;
        store.db().put(store.objects, sole.bytes(), record);
        store = temp.reopen(); // nothing cached

        assertThrows(ChunkDamagedException.class, () -> TestData.readAll(store.read(digest, 0, data.length)));
        assertThrows(ChunkDamagedException.class, () -> TestData.readAll(store.read(digest, 10, 20)));
        assertThrows(
                ChunkDamagedException.class,
                () -> store.read(sole, 0, tiny.length).transferTo(new ByteArrayOutputStream()));
        ScrubReport scrub = store.scrub();
        assertEquals(2, scrub.missingChunks(), scrub.toString());
        assertFalse(scrub.isClean());

        // ferry verify --repair writes the good bytes again: the objects' entries are replaced.
        store.repairDamagedChunksOnWrite(true);
        assertEquals(digest, assemble(store::assembleInBatches, chunks));
        assertEquals(sole, assemble(store::assemble, List.of(tiny)));
        store.repairDamagedChunksOnWrite(false);
        assertReadsBack(digest, data);
        assertArrayEquals(tiny, TestData.readAll(store.read(sole, 0, tiny.length)));
        assertTrue(store.scrub().isClean(), store.scrub().toString());
        assertEquals(2, store.stats().objects());
        assertEquals(storedBytes(chunks) + tiny.length, store.stats().chunkBytes());
    }

    /**
     * A store written before inline chunks holds small chunks under their digest (counted, referenced, in
     * {@code chunks}): written here entry by entry as format 1 wrote them, then opened again. They read, list,
     * deduplicate and delete as before, beside new objects that keep the same bytes inline.
     */
    @Test
    void smallChunksStoredByDigestBeforeFormatTwoStillReadShareAndDelete() throws Exception {
        byte[] small = TestData.random(41, 120);
        Sha256 chunk = TestData.sha256(small);
        long id = 1_000;
        long checksum = ChunkChecksum.of(small);
        try (org.rocksdb.WriteBatch b = new org.rocksdb.WriteBatch();
                org.rocksdb.WriteOptions synced = new org.rocksdb.WriteOptions().setSync(true)) {
            b.put(store.chunks, chunk.bytes(), small);
            b.put(store.refs, chunk.bytes(), StoreLayout.Count.PLUS_ONE);
            b.put(store.index, IndexEntry.key(id, 0), IndexEntry.value(chunk.bytes(), small.length, checksum));
            b.put(store.objects, chunk.bytes(), new ObjectRecord(small.length, id, chunk.bytes(), checksum).encode());
            for (StoreLayout.Counter c : List.of(StoreLayout.Counter.OBJECTS, StoreLayout.Counter.CHUNKS)) {
                b.merge(store.counters, c.key(), StoreLayout.Count.PLUS_ONE);
            }
            for (StoreLayout.Counter c : List.of(StoreLayout.Counter.OBJECT_BYTES, StoreLayout.Counter.CHUNK_BYTES)) {
                b.merge(store.counters, c.key(), StoreLayout.Count.encode(small.length));
            }
            b.put(store.access, StoreLayout.Access.key(chunk), StoreLayout.Access.value(1));
            b.put(store.accessByTime, StoreLayout.Access.timeKey(1, chunk), new byte[0]);
            b.put(StoreLayout.FORMAT_KEY, StoreLayout.utf8(StoreLayout.FORMAT_1));
            store.db().write(synced, b);
        }
        store = temp.reopen();
        assertTrue(store.scrub().isClean(), store.scrub().toString());
        assertArrayEquals(small, TestData.readAll(store.read(chunk, 0, small.length)));
        assertEquals(
                List.of(new StoredChunk(chunk, small.length)),
                store.chunksOf(chunk).orElseThrow());
        assertTrue(store.hasChunk(chunk));

        // A new object referencing the old chunk by digest shares it; one writing the same bytes keeps them inline.
        byte[] tail = TestData.random(42, 1_000);
        Sha256 sharing;
        try (ObjectAssembler a = store.assembleInBatches()) {
            assertTrue(a.appendStoredChunk(chunk, small.length));
            a.appendChunk(tail, 0, tail.length);
            sharing = a.commit(TestData.sha256(concat(List.of(small, tail))), b -> {})
                    .digest();
        }
        Sha256 copy = assemble(store::assembleInBatches, List.of(small, tail));
        assertEquals(sharing, copy, "the same bytes: one object");
        byte[] other = concat(List.of(tail, small));
        Sha256 inlineCopy = assemble(store::assembleInBatches, List.of(tail, small));
        assertArrayEquals(other, TestData.readAll(store.read(inlineCopy, 0, other.length)));
        assertTrue(store.chunksOf(inlineCopy).orElseThrow().get(1).isInline());
        assertFalse(store.chunksOf(sharing).orElseThrow().get(0).isInline());
        assertTrue(store.scrub().isClean(), store.scrub().toString());

        assertTrue(store.delete(chunk, false));
        assertTrue(store.hasChunk(chunk), "still referenced by the sharing object");
        assertTrue(store.delete(sharing, false));
        assertFalse(store.hasChunk(chunk), "gone with its last reference");
        assertTrue(store.delete(inlineCopy, false));
        assertEquals(0, store.stats().chunks());
        assertEquals(0, store.stats().chunkBytes());
        assertTrue(store.scrub().isClean(), store.scrub().toString());
    }

    @Test
    void aFormatOneStoreOpensAsFormatTwoAndOtherFormatsAreRefused() throws Exception {
        byte[] small = TestData.random(3, 100);
        Sha256 digest;
        store.db().put(StoreLayout.FORMAT_KEY, StoreLayout.utf8(StoreLayout.FORMAT_1));
        store = temp.reopen();
        assertEquals(StoreLayout.FORMAT, new String(store.db().get(StoreLayout.FORMAT_KEY), StandardCharsets.UTF_8));
        digest = assemble(store::assembleInBatches, List.of(small));
        assertArrayEquals(small, TestData.readAll(store.read(digest, 0, small.length)));

        store.db().put(StoreLayout.FORMAT_KEY, StoreLayout.utf8("ferry-storage/9"));
        store.close();
        IOException refused =
                assertThrows(IOException.class, () -> RocksContentStore.open(temp.dir(), StoreOptions.defaults()));
        assertTrue(refused.getMessage().contains("ferry-storage/9"), refused.getMessage());
    }
}
