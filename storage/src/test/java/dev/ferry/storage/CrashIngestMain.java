package dev.ferry.storage;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Child process of {@link CrashRecoveryIT}: ingests objects from several threads forever, printing
 * {@code ACK <hex> <size>} after each commit returns, until the parent kills it.
 * Objects are built from 1 MiB segments, a third of them drawn from a small shared pool, so concurrent writers
 * keep relying on the same chunks. With a fourth argument N, the last N threads instead commit small objects (a few
 * KiB, like a Go module's .mod and .info) as {@link Durability#GROUPED}, the mirrored files' policy.
 */
public final class CrashIngestMain {
    static final int SEGMENT = 1 << 20;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        long run = Long.parseLong(args[2]);
        int grouped = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        boolean batched = args.length > 4 && args[4].equals("batched");
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        RocksContentStore store = RocksContentStore.open(dir, StoreOptions.defaults());
        out.println("READY");
        out.flush();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            long thread = t;
            if (t >= threads - grouped) {
                workers[t] = new Thread(() -> smallGrouped(store, out, run, thread));
                workers[t].start();
                continue;
            }
            if (batched && t % 2 == 0) {
                workers[t] = new Thread(() -> largeBatched(store, out, run, thread));
                workers[t].start();
                continue;
            }
            workers[t] = new Thread(() -> {
                try {
                    byte[] buf = new byte[SEGMENT];
                    for (long i = 0; ; i++) {
                        long objectSeed = PseudoRandom.word(run * 1_000_003 + thread * 1_009, i);
                        int segments = 20 + (int) Math.floorMod(objectSeed, 81L); // 20..100 MiB
                        long size = (long) segments * SEGMENT - Math.floorMod(objectSeed >>> 8, 4096L);
                        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
                            for (long at = 0; at < size; at += SEGMENT) {
                                long segment = at / SEGMENT;
                                long seed = Math.floorMod(PseudoRandom.word(objectSeed, segment), 3L) == 0
                                        ? segment % 8
                                        : objectSeed + segment + 1_000;
                                int n = (int) Math.min(SEGMENT, size - at);
                                PseudoRandom.fill(seed, 0, buf, n);
                                w.write(buf, 0, n);
                            }
                            String name = "run" + run + "/t" + thread + "/" + i;
                            StoredObject o = w.commit(null, b -> {
                                b.putName(name, b.committing().orElseThrow().digest());
                                b.putMeta(name, Long.toString(size).getBytes(StandardCharsets.UTF_8));
                            });
                            synchronized (out) {
                                out.println("ACK " + o.digest().hex() + " " + o.size());
                                out.flush();
                            }
                        }
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                    System.exit(3);
                }
            });
            workers[t].start();
        }
        for (Thread w : workers) {
            w.join();
        }
    }

    /**
     * The same objects as the writers', assembled in batches ({@link ChunkStore#assembleInBatches}) from their 1 MiB
     * segments as chunks, as a bundle import stores them: several batches per object, new chunks shared with the
     * other threads, the commit synced.
     */
    private static void largeBatched(RocksContentStore store, PrintStream out, long run, long thread) {
        try {
            for (long i = 0; ; i++) {
                long objectSeed = PseudoRandom.word(run * 1_000_003 + thread * 1_009, i);
                int segments = 20 + (int) Math.floorMod(objectSeed, 81L);
                long size = (long) segments * SEGMENT - Math.floorMod(objectSeed >>> 8, 4096L);
                try (ObjectAssembler a = store.assembleInBatches()) {
                    for (long at = 0; at < size; at += SEGMENT) {
                        long segment = at / SEGMENT;
                        long seed = Math.floorMod(PseudoRandom.word(objectSeed, segment), 3L) == 0
                                ? segment % 8
                                : objectSeed + segment + 1_000;
                        byte[] chunk = new byte[(int) Math.min(SEGMENT, size - at)];
                        PseudoRandom.fill(seed, 0, chunk, chunk.length);
                        a.appendVerifiedChunk(
                                Sha256.of(RocksObjectWriter.sha256().digest(chunk)), chunk);
                    }
                    String name = "run" + run + "/t" + thread + "/" + i;
                    StoredObject o = a.commit(null, b -> {
                        b.putName(name, b.committing().orElseThrow().digest());
                        b.putMeta(name, Long.toString(size).getBytes(StandardCharsets.UTF_8));
                    });
                    synchronized (out) {
                        out.println("ACK " + o.digest().hex() + " " + o.size());
                        out.flush();
                    }
                }
            }
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(3);
        }
    }

    /** Small objects committed grouped (unsynced, synced with others soon after), acknowledged as they return. */
    private static void smallGrouped(RocksContentStore store, PrintStream out, long run, long thread) {
        try {
            byte[] buf = new byte[8192];
            for (long i = 0; ; i++) {
                long seed = PseudoRandom.word(run * 1_000_003 + thread * 1_009, i);
                // Every other object of at most ChunkStore.INLINE_MAX bytes: kept inline (a .info, a .mod).
                long most = i % 2 == 0 ? ChunkStore.INLINE_MAX - 16 + 1 : buf.length - 16;
                int n = 16 + (int) Math.floorMod(seed, most);
                PseudoRandom.fill(seed, 0, buf, n);
                try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
                    w.write(buf, 0, n);
                    String name = "run" + run + "/t" + thread + "/" + i;
                    StoredObject o = w.commit(
                            null,
                            b -> {
                                b.putName(name, b.committing().orElseThrow().digest());
                                b.putMeta(name, Integer.toString(n).getBytes(StandardCharsets.UTF_8));
                            },
                            Durability.GROUPED);
                    synchronized (out) {
                        out.println("ACK " + o.digest().hex() + " " + o.size());
                        out.flush();
                    }
                }
            }
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(3);
        }
    }
}
