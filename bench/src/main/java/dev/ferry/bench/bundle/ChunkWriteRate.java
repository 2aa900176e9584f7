package dev.ferry.bench.bundle;

import dev.ferry.storage.ChunkSizes;
import dev.ferry.storage.ObjectAssembler;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoreOptions;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;

/**
 * The store's write path for many tiny chunks as a bundle import drives it (issue 20): objects of 25,000 random
 * chunks of 64-255 bytes (see {@link #MIN}) appended with {@code assembleInBatches} and committed lazily, and every 250,000 chunks the
 * rate in chunks per wall second and per CPU second of the whole process (RocksDB's threads included), with the load
 * average. Run it beside perf to see where a store of millions of chunks spends its time; see bench/bundle/README.md.
 *
 * <p>Usage: {@code ChunkWriteRate DIR CHUNKS} (DIR must not hold a store of another shape)
 */
public final class ChunkWriteRate {
    private ChunkWriteRate() {}

    /**
     * Chunk lengths, {@code -Dbench.chunkMin} to {@code -Dbench.chunkMax} (64 to 255 by default: since store format 2
     * all of them inline; 257 and up measure the chunks stored under their digest).
     */
    private static final int MIN = Integer.getInteger("bench.chunkMin", 64);

    private static final int MAX = Integer.getInteger("bench.chunkMax", 255);

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long total = Long.parseLong(args[1]);
        Random random = new Random(7);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (RocksContentStore s =
                RocksContentStore.open(dir, StoreOptions.defaults().withChunkSizes(new ChunkSizes(64, 128, 256, 1)))) {
            long n = 0;
            long last = 0;
            long t0 = System.nanoTime();
            long wall = t0;
            long cpu = cpuNanos();
            while (n < total) {
                byte[][] chunks = new byte[25_000][];
                byte[][] digests = new byte[chunks.length][];
                MessageDigest object = MessageDigest.getInstance("SHA-256");
                for (int i = 0; i < chunks.length; i++) {
                    chunks[i] = new byte[MIN + random.nextInt(MAX - MIN + 1)];
                    random.nextBytes(chunks[i]);
                    digests[i] = md.digest(chunks[i]);
                    object.update(chunks[i]);
                }
                Sha256 digest = Sha256.of(object.digest());
                try (ObjectAssembler a = s.assembleInBatches()) {
                    for (int i = 0; i < chunks.length; i++) {
                        a.appendVerifiedChunk(Sha256.of(digests[i]), chunks[i]);
                    }
                    a.commitLazily(digest, b -> b.pin("bench", digest));
                }
                n += chunks.length;
                if (n - last >= 250_000) {
                    long now = System.nanoTime();
                    long c = cpuNanos();
                    System.out.printf(
                            "%,d chunks: %.0f chunks/s wall, %.0f chunks per CPU second; load %.2f%n",
                            n,
                            (n - last) / ((now - wall) / 1e9),
                            (n - last) / ((c - cpu) / 1e9),
                            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                    last = n;
                    wall = now;
                    cpu = c;
                }
            }
            System.out.printf("%,d chunks in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
