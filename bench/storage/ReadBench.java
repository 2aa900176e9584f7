import dev.ferry.storage.Chunking;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.storage.StoredObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * Warm small-object read path: resolve(name) + read the whole object, against reading the same bytes from plain
 * files (what a static file server does, minus HTTP). Run by hand:
 *
 *   java -cp storage/target/classes:$(cat /tmp/storage.cp) bench/storage/ReadBench.java
 */
public class ReadBench {
    public static void main(String[] args) throws Exception {
        int objects = 2000;
        int reads = 200_000;
        Path dir = Files.createTempDirectory("ferry-read-bench");
        Path files = Files.createDirectories(dir.resolve("files"));
        try (RocksContentStore store = RocksContentStore.open(dir.resolve("store"), StoreOptions.defaults())) {
            SplittableRandom r = new SplittableRandom(1);
            for (int i = 0; i < objects; i++) {
                byte[] data = new byte[200 + r.nextInt(16_000)]; // .info/.mod/small zips
                r.nextBytes(data);
                String name = "mod" + i;
                try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
                    w.write(data);
                    w.commit(null, b -> b.putName(name, b.committing().orElseThrow().digest()));
                }
                Files.write(files.resolve(name), data);
            }
            byte[] buf = new byte[64 << 10];
            for (int threads : new int[] {1, 2, 4}) {
                for (int round = 0; round < 2; round++) { // first round warms up
                    double storeRate = run(threads, reads, i -> {
                        StoredObject o = store.resolve("mod" + i).orElseThrow();
                        try (InputStream in = store.read(o.digest(), 0, o.size())) {
                            long n = 0;
                            for (int k; (k = in.read(buf)) > 0; ) {
                                n += k;
                            }
                            return n;
                        }
                    }, objects);
                    double fileRate = run(threads, reads, i -> {
                        try (InputStream in = Files.newInputStream(files.resolve("mod" + i))) {
                            long n = 0;
                            for (int k; (k = in.read(buf)) > 0; ) {
                                n += k;
                            }
                            return n;
                        }
                    }, objects);
                    if (round == 1) {
                        System.out.printf("%d thread(s): store %,.0f reads/s, files %,.0f reads/s, ratio %.2f%n",
                                threads, storeRate, fileRate, storeRate / fileRate);
                    }
                }
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    interface Read {
        long read(int i) throws Exception;
    }

    static double run(int threads, int reads, Read read, int objects) throws Exception {
        LongAdder bytes = new LongAdder();
        Thread[] ts = new Thread[threads];
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            ts[t] = new Thread(() -> {
                SplittableRandom r = new SplittableRandom(seed);
                try {
                    for (int k = 0; k < reads / threads; k++) {
                        bytes.add(read.read(r.nextInt(objects)));
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        return reads / ((System.nanoTime() - start) / 1e9);
    }
}
