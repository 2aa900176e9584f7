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
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chunk family's blob GC ({@link BlobGarbage}): compactions leave the blob files of live chunks where they are,
 * and garbage left by deletes turns GC on until its files are rewritten, freeing the disk.
 */
class BlobGarbageTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private RocksContentStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private RocksContentStore open() throws IOException {
        store = RocksContentStore.open(
                dir.resolve("store"), StoreOptions.defaults().withCloseTimeout(Duration.ofMillis(200)));
        return store;
    }

    private Set<String> blobFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("store"))) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".blob"))
                    .collect(Collectors.toSet());
        }
    }

    private Sha256 put(byte[] data) throws IOException {
        try (ObjectWriter w = store.newObject(Chunking.FIXED)) {
            w.write(data);
            return w.commit(TestData.sha256(data), b -> {}, Durability.GROUPED).digest();
        }
    }

    /**
     * Large objects (each commit flushes its own blob file) then a compaction of the chunk family: every blob file
     * is still there. With RocksDB's GC on, as before, the compaction rewrote the oldest quarter of them.
     */
    @Test
    void compactionsLeaveLiveChunksInTheirBlobFiles() throws Exception {
        open();
        List<byte[]> objects = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            objects.add(TestData.random(100 + i, 6 * MIB));
            put(objects.get(i));
        }
        Set<String> before = blobFiles();
        assertTrue(before.size() >= 8, "blob files " + before);
        ChunkFamily.flushAndCompact(store);
        store.checkBlobGarbage();
        assertFalse(store.blobGarbageCollecting());
        assertTrue(blobFiles().containsAll(before), "rewritten: " + before + " -> " + blobFiles());
        for (byte[] data : objects) {
            Sha256 digest = TestData.sha256(data);
            assertArrayEquals(data, TestData.readAll(store.read(digest, 0, data.length)));
        }
    }

    /**
     * Deleting half of the objects whose chunks share one blob file leaves garbage there: the check turns GC on, a
     * compaction rewrites the file without it, and the next check turns GC off again. The rest reads back whole.
     */
    @Test
    void garbageTurnsCollectionOnUntilItIsGone() throws Exception {
        open();
        List<byte[]> objects = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            // 1 MiB each: through the log into one memtable, so their chunks share the blob file of one flush.
            objects.add(TestData.random(200 + i, MIB));
            put(objects.get(i));
        }
        ChunkFamily.flushAndCompact(store);
        for (int i = 0; i < 3; i++) {
            // Three younger blob files: RocksDB's GC rewrites only the oldest quarter of them, here the first.
            objects.add(TestData.random(300 + i, 6 * MIB));
            put(objects.getLast());
        }
        for (int i = 0; i < 8; i += 2) {
            assertTrue(store.delete(TestData.sha256(objects.get(i)), false));
        }
        store.awaitBackground();
        ChunkFamily.flushAndCompact(store); // drops the deleted chunks from the tables: their blobs become garbage
        assertTrue(ChunkFamily.property(store, "rocksdb.live-blob-file-garbage-size") >= 4L * MIB);
        store.checkBlobGarbage();
        assertTrue(store.blobGarbageCollecting());

        ChunkFamily.flushAndCompact(store);
        assertEquals(0, ChunkFamily.property(store, "rocksdb.live-blob-file-garbage-size"));
        assertEquals(
                4L * MIB + 3 * 6L * MIB,
                ChunkFamily.property(store, "rocksdb.live-blob-file-size"),
                1024 * 1024 / 8.0,
                "blob bytes left after collection");
        store.checkBlobGarbage();
        assertFalse(store.blobGarbageCollecting());
        for (int i = 1; i < objects.size(); i += i < 8 ? 2 : 1) {
            byte[] data = objects.get(i);
            assertArrayEquals(data, TestData.readAll(store.read(TestData.sha256(data), 0, data.length)));
        }
    }
}
