package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

/** A 2 GiB + object through the store and back in bounded memory (the JVM runs with -Xmx1g). */
class LargeObjectIT {
    private static final long SIZE = (2L << 30) + 12_345;
    private static final long SEED = 0xF3EEL;

    @Test
    void twoGibObjectStreamsInAndOut() throws Exception {
        Path dir = Files.createTempDirectory("ferry-large-it");
        try (RocksContentStore store = RocksContentStore.open(dir, StoreOptions.defaults())) {
            byte[] buf = new byte[1 << 20];
            MessageDigest writeHash = RocksObjectWriter.sha256();
            StoredObject stored;
            long t0 = System.nanoTime();
            try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
                for (long at = 0; at < SIZE; at += buf.length) {
                    int n = (int) Math.min(buf.length, SIZE - at);
                    PseudoRandom.fill(SEED, at, buf, n);
                    writeHash.update(buf, 0, n);
                    w.write(buf, 0, n);
                }
                Sha256 expected = Sha256.of(writeHash.digest());
                stored = w.commit(expected, b -> b.putName("big", expected));
            }
            assertEquals(SIZE, stored.size());
            assertEquals(stored, store.resolve("big").orElseThrow());
            assertEquals(SIZE, store.stats().chunkBytes(), "random data: nothing to share, every byte stored once");

            long t1 = System.nanoTime();
            MessageDigest readHash = RocksObjectWriter.sha256();
            long read = 0;
            try (InputStream in = store.read(stored.digest(), 0, SIZE)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    readHash.update(buf, 0, n);
                    read += n;
                }
            }
            long t2 = System.nanoTime();
            System.out.printf(
                    "large object IT: wrote %d MiB in %.1f s (%.0f MiB/s), read in %.1f s (%.0f MiB/s)%n",
                    SIZE >> 20,
                    (t1 - t0) / 1e9,
                    (SIZE >> 20) / ((t1 - t0) / 1e9),
                    (t2 - t1) / 1e9,
                    (SIZE >> 20) / ((t2 - t1) / 1e9));
            assertEquals(SIZE, read);
            assertEquals(stored.digest(), Sha256.of(readHash.digest()));

            for (long offset : new long[] {(1L << 31) - 100, SIZE - 70_000, 123_456_789}) {
                byte[] want = new byte[65_536];
                PseudoRandom.fill(SEED, offset, want, want.length);
                int n = (int) Math.min(want.length, SIZE - offset);
                byte[] got = store.read(stored.digest(), offset, n).readAllBytes();
                assertArrayEquals(java.util.Arrays.copyOf(want, n), got, "range at " + offset);
            }
            long heap = Runtime.getRuntime().maxMemory();
            assertTrue(heap < SIZE, "the heap (" + heap + ") cannot hold the object, so streaming was real");
        } finally {
            TempStore.deleteTree(dir);
        }
    }
}
