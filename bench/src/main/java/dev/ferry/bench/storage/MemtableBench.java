package dev.ferry.bench.storage;

import dev.ferry.storage.Chunking;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.rocksdb.RocksDB;

/**
 * The chunks family's memtables against ingest speed and write stalls: stores 8 objects of 50 MiB (1 MiB chunks,
 * as a cold image pull stores layers) from 4 threads into a new store, and prints the time, RocksDB's cumulative
 * write stall and the process's peak RSS. One configuration per JVM (the peak RSS is the process's):
 * {@code java -cp "bench/target/classes:bench/target/lib/*" dev.ferry.bench.storage.MemtableBench DIR CHUNK_MIB
 * BUFFERS MEMTABLES_MIB} (MEMTABLES_MIB 0: no shared limit); docs/storage.md, RocksDB options.
 */
public final class MemtableBench {
    private MemtableBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long chunkBuffer = Long.parseLong(args[1]) << 20;
        int buffers = Integer.parseInt(args[2]);
        long memtables = Long.parseLong(args[3]) << 20;
        StoreOptions d = StoreOptions.defaults();
        StoreOptions options = new StoreOptions(
                d.blockCacheBytes(),
                d.minBlobBytes(),
                chunkBuffer,
                buffers,
                memtables,
                d.maxWalBytes(),
                d.objectCacheEntries(),
                d.chunkSizes(),
                d.closeTimeout(),
                0,
                0.9,
                d.accessFlushInterval(),
                d.accessTrackedMax(),
                d.clock());
        RocksContentStore store = RocksContentStore.open(dir, options);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        long t0 = System.nanoTime();
        List<Future<?>> writes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int seed = i;
            writes.add(pool.submit(() -> {
                Random random = new Random(seed);
                byte[] block = new byte[256 << 10];
                try (ObjectWriter w = store.newObject(Chunking.FIXED)) {
                    for (int k = 0; k < 200; k++) {
                        random.nextBytes(block);
                        w.write(block);
                    }
                    w.commit(null, b -> {});
                }
                return null;
            }));
        }
        for (Future<?> f : writes) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // The store does not expose RocksDB (nothing but this bench needs its statistics).
        Field db = RocksContentStore.class.getDeclaredField("db");
        db.setAccessible(true);
        String stall = "";
        for (String line :
                ((RocksDB) db.get(store)).getProperty("rocksdb.stats").split("\n")) {
            if (line.startsWith("Cumulative stall")) {
                stall = line;
                break;
            }
        }
        store.close();
        pool.shutdown();
        String hwm = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("VmHWM"))
                .findFirst()
                .orElse("VmHWM ?")
                .replaceAll("\\s+", " ");
        System.out.printf(
                "chunks memtable %s MiB x%d, all memtables %s MiB: 400 MiB in %.2f s; %s; %s%n",
                args[1], buffers, args[3], seconds, stall, hwm);
    }
}
