package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the store reports for /metrics: each commit's time with its durability, the group sync, and RocksDB's write
 * stalls ({@link StoreWriteStats}), which move when a write is really held back.
 */
class StoreEventsTest {
    @TempDir
    Path dir;

    /** Records every event. */
    private static final class Recorder implements StoreEvents {
        final ConcurrentLinkedQueue<Durability> commits = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> nanos = new ConcurrentLinkedQueue<>();
        final CountDownLatch synced = new CountDownLatch(1);

        @Override
        public void committed(Durability durability, long took) {
            commits.add(durability);
            nanos.add(took);
        }

        @Override
        public void logSynced(long took) {
            assertTrue(took > 0);
            synced.countDown();
        }
    }

    private static StoredObject put(RocksContentStore store, byte[] data, Durability durability) throws IOException {
        try (ObjectWriter w = store.newObject(Chunking.FIXED)) {
            w.write(data);
            return w.commit(TestData.sha256(data), null, durability);
        }
    }

    @Test
    void everyCommitIsReportedWithItsDurabilityAndGroupedOnesWithTheirSync() throws Exception {
        try (RocksContentStore store = RocksContentStore.open(dir, StoreOptions.defaults())) {
            Recorder events = new Recorder();
            store.events(events);
            put(store, TestData.random(1, 300), Durability.SYNCED);
            assertEquals(List.of(Durability.SYNCED), List.copyOf(events.commits));
            assertEquals(1, events.synced.getCount(), "a synced commit needs no group sync");

            put(store, TestData.random(2, 300), Durability.GROUPED);
            store.update(b -> b.putMeta("k", new byte[] {1}));
            assertEquals(
                    List.of(Durability.SYNCED, Durability.GROUPED, Durability.SYNCED), List.copyOf(events.commits));
            assertTrue(events.nanos.stream().allMatch(n -> n > 0), events.nanos.toString());
            assertTrue(events.synced.await(10, TimeUnit.SECONDS), "the grouped commit's log sync was reported");

            store.events(null);
            put(store, TestData.random(3, 300), Durability.SYNCED);
            assertEquals(3, events.commits.size(), "no longer reported");
        }
    }

    /**
     * With RocksDB's background work paused, the chunks family's two 1 MiB memtables fill and RocksDB stops the next
     * write: the figures show it while it lasts, and count it, its time and its reason once it went through.
     */
    @Test
    void aStoppedWriteIsCountedAndTimed() throws Exception {
        StoreOptions defaults = StoreOptions.defaults();
        StoreOptions small = new StoreOptions(
                defaults.blockCacheBytes(),
                defaults.minBlobBytes(),
                1L << 20,
                2,
                0,
                defaults.maxWalBytes(),
                defaults.objectCacheEntries(),
                defaults.chunkSizes(),
                defaults.closeTimeout(),
                0,
                0.9,
                Duration.ofMinutes(10),
                1000,
                Clock.systemUTC());
        try (RocksContentStore store = RocksContentStore.open(dir, small)) {
            StoreWriteStats before = store.writeStats();
            assertEquals(0, before.stalledWrites());
            assertEquals(0, before.stallMicros());
            assertFalse(before.writesStopped());

            store.db().pauseBackgroundWork();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < 16; i++) {
                        put(store, TestData.random(100 + i, 512 << 10), Durability.GROUPED);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            StoreWriteStats during = store.writeStats();
            while (!during.writesStopped() && !writer.isDone() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                during = store.writeStats();
            }
            assertTrue(during.writesStopped(), "writes stopped with the memtables full and no flush: " + during);
            assertTrue(during.flushesPending() >= 1, during.toString());
            assertTrue(during.immutableMemtables() >= 1, during.toString());

            store.db().continueBackgroundWork();
            writer.get(30, TimeUnit.SECONDS);
            StoreWriteStats after = store.writeStats();
            assertFalse(after.writesStopped());
            assertTrue(after.stalledWrites() >= 1, after.toString());
            assertTrue(after.stallMicros() > 0, after.toString());
            assertTrue(after.longestStallMicros() > 0, after.toString());
            assertTrue(after.stallConditions().getOrDefault("memtable-limit-stops", 0L) >= 1, after.toString());
            assertTrue(after.flushBytes() > 0, after.toString());
            assertTrue(after.walBytes() > 0, after.toString());
        }
    }
}
