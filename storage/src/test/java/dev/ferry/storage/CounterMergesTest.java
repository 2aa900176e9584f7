package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The counters and chunk reference counts are merges, and past {@link RocksHandles#MAX_SUCCESSIVE_MERGES} operands
 * of one key in the memtable RocksDB folds them on write: the counts stay exact through folds by concurrent writers,
 * a delete's negative operands and a reopen.
 */
class CounterMergesTest {
    /** Objects this size and up are stored under their digest, counted as chunks (not inline). */
    private static final int STORED = ChunkStore.INLINE_MAX + 1;

    @TempDir
    Path dir;

    @Test
    void countsStayExactAcrossFoldedMerges() throws Exception {
        int writers = 4;
        int each = 50; // 200 objects: every counter takes ~12 times MAX_SUCCESSIVE_MERGES operands
        byte[] shared = TestData.random(7, STORED);
        List<Sha256> digests = new ArrayList<>();
        long bytes = 0;
        try (RocksContentStore store = RocksContentStore.open(dir, StoreOptions.defaults());
                ExecutorService pool = Executors.newFixedThreadPool(writers)) {
            List<Future<List<Sha256>>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    List<Sha256> mine = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        byte[] data = TestData.random(1000L * writer + i, STORED + i);
                        try (ObjectWriter out = store.newObject(Chunking.FIXED)) {
                            out.write(data);
                            mine.add(out.commit(TestData.sha256(data), null, Durability.GROUPED)
                                    .digest());
                        }
                    }
                    return mine;
                }));
            }
            for (Future<List<Sha256>> f : done) {
                digests.addAll(f.get());
            }
            for (int w = 0; w < writers; w++) {
                for (int i = 0; i < each; i++) {
                    bytes += STORED + i;
                }
            }
            // one chunk many objects share: its reference count is a chain of merges too
            for (int i = 0; i < 40; i++) {
                try (ObjectWriter out = store.newObject(Chunking.FIXED)) {
                    out.write(shared);
                    out.commit(TestData.sha256(shared), b -> {}, Durability.GROUPED);
                }
            }
            StoreStats stats = store.stats();
            assertEquals(writers * each + 1, stats.objects());
            assertEquals(bytes + shared.length, stats.objectBytes());
            assertEquals(writers * each + 1, stats.chunks());
            for (int i = 0; i < 100; i++) {
                assertTrue(store.delete(digests.get(i), false));
            }
            assertEquals(writers * each + 1 - 100, store.stats().objects());
            assertTrue(store.scrub().isClean(), store.scrub().toString());
        }
        try (RocksContentStore store = RocksContentStore.open(dir, StoreOptions.defaults())) {
            StoreStats stats = store.stats();
            assertEquals(writers * each + 1 - 100, stats.objects());
            assertEquals(writers * each + 1 - 100, stats.chunks());
            assertTrue(store.scrub().isClean(), store.scrub().toString());
        }
    }
}
