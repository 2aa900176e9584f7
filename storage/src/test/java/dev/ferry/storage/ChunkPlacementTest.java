package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where chunk bytes live: every chunk kept under its digest (longer than {@link ChunkStore#INLINE_MAX}) is in a blob
 * file, however small, so the chunk family's tables hold keys and blob references only and compaction never rewrites
 * chunk bytes (docs/storage.md, RocksDB options). A store written when chunks under 4 KiB stayed in tables reads the
 * same, and compaction moves those chunks into blob files; small chunks freed by deletes are blob garbage that GC
 * collects.
 */
class ChunkPlacementTest {
    @TempDir
    Path dir;

    private RocksContentStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private void open(StoreOptions options) throws IOException {
        if (store != null) {
            store.close();
        }
        store = RocksContentStore.open(dir.resolve("store"), options.withCloseTimeout(Duration.ofMillis(200)));
    }

    /** Objects of chunks of 257 bytes to 4 KiB (a Go module zip's file contents); the objects' bytes. */
    private List<byte[]> writeSmallChunkObjects(int objects) throws IOException {
        return writeSmallChunkObjects(objects, 0);
    }

    private List<byte[]> writeSmallChunkObjects(int objects, int seed) throws IOException {
        Random random = new Random(7 + seed);
        List<byte[]> written = new ArrayList<>();
        for (int o = 0; o < objects; o++) {
            ByteArrayOutputStream whole = new ByteArrayOutputStream();
            try (ObjectAssembler a = store.assembleInBatches()) {
                for (int c = 0; c < 40; c++) {
                    byte[] chunk = TestData.random(
                            1_000_000L * seed + 1000L * o + c,
                            ChunkStore.INLINE_MAX + 1 + random.nextInt(4096 - ChunkStore.INLINE_MAX));
                    a.appendChunk(chunk, 0, chunk.length);
                    whole.writeBytes(chunk);
                }
                byte[] data = whole.toByteArray();
                a.commit(TestData.sha256(data), b -> {});
                written.add(data);
            }
        }
        return written;
    }

    private void assertReadBack(List<byte[]> objects) throws IOException {
        for (byte[] data : objects) {
            assertArrayEquals(data, TestData.readAll(store.read(TestData.sha256(data), 0, data.length)));
        }
    }

    private static long bytes(List<byte[]> objects) {
        return objects.stream().mapToLong(d -> d.length).sum();
    }

    @Test
    void smallChunksKeptByDigestAreInBlobFiles() throws Exception {
        open(StoreOptions.defaults());
        List<byte[]> objects = writeSmallChunkObjects(20); // 800 chunks, about 1.7 MB
        ChunkFamily.flushAndCompact(store);
        long chunkBytes = bytes(objects);
        assertTrue(
                ChunkFamily.property(store, "rocksdb.live-blob-file-size") >= chunkBytes,
                "blob bytes " + ChunkFamily.property(store, "rocksdb.live-blob-file-size") + " for " + chunkBytes
                        + " chunk bytes");
        // Keys and blob references only: well under a tenth of the chunks' bytes.
        long tables = ChunkFamily.property(store, "rocksdb.total-sst-files-size");
        assertTrue(tables < chunkBytes / 10, "chunk tables " + tables + " bytes for " + chunkBytes + " chunk bytes");
        assertEquals(800, store.stats().chunks());
        assertReadBack(objects);
        ScrubReport scrub = store.scrub();
        assertTrue(scrub.isClean(), scrub::toString);
    }

    @Test
    void chunksAnOlderStoreKeptInTablesReadTheSameAndMoveToBlobFilesInCompaction() throws Exception {
        open(StoreOptions.defaults().withMinBlobBytes(4 << 10)); // this store's placement before session 16
        List<byte[]> objects = writeSmallChunkObjects(20);
        ChunkFamily.flushAndCompact(store);
        long chunkBytes = bytes(objects);
        assertEquals(0, ChunkFamily.property(store, "rocksdb.live-blob-file-size"));
        assertTrue(ChunkFamily.property(store, "rocksdb.total-sst-files-size") >= chunkBytes);

        open(StoreOptions.defaults());
        assertReadBack(objects);
        ChunkFamily.flushAndCompact(store);
        assertTrue(ChunkFamily.property(store, "rocksdb.live-blob-file-size") >= chunkBytes);
        assertTrue(ChunkFamily.property(store, "rocksdb.total-sst-files-size") < chunkBytes / 10);
        assertReadBack(objects);
        assertEquals(800, store.stats().chunks());
        ScrubReport scrub = store.scrub();
        assertTrue(scrub.isClean(), scrub::toString);
    }

    /**
     * Small chunks freed by deletes (eviction, a delete) are blob garbage now, not table entries that compaction
     * drops: the garbage check turns blob GC on, a compaction rewrites the file without them, and GC goes off again.
     */
    @Test
    void smallChunksFreedByDeletesAreCollectedFromTheirBlobFile() throws Exception {
        open(StoreOptions.defaults());
        List<byte[]> first = writeSmallChunkObjects(20);
        ChunkFamily.flushAndCompact(store);
        List<byte[]> later = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            // Three younger blob files: RocksDB's GC rewrites only the oldest quarter of them, here the first.
            later.addAll(writeSmallChunkObjects(5, i));
            ChunkFamily.flush(store);
        }
        long freed = 0;
        for (int i = 0; i < first.size(); i += 2) {
            assertTrue(store.delete(TestData.sha256(first.get(i)), false));
            freed += first.get(i).length;
        }
        store.awaitBackground();
        ChunkFamily.flushAndCompact(store);
        assertTrue(ChunkFamily.property(store, "rocksdb.live-blob-file-garbage-size") >= freed);
        store.checkBlobGarbage();
        assertTrue(store.blobGarbageCollecting());

        ChunkFamily.flushAndCompact(store);
        assertEquals(0, ChunkFamily.property(store, "rocksdb.live-blob-file-garbage-size"));
        store.checkBlobGarbage();
        assertFalse(store.blobGarbageCollecting());
        List<byte[]> kept = new ArrayList<>(later);
        for (int i = 1; i < first.size(); i += 2) {
            kept.add(first.get(i));
        }
        assertReadBack(kept);
        assertEquals(10 * 40 + 15 * 40, store.stats().chunks());
        ScrubReport scrub = store.scrub();
        assertTrue(scrub.isClean(), scrub::toString);
    }
}
