package dev.ferry.bench.storage;

import dev.ferry.storage.Chunking;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Warm small-object read path: resolve(name) and read the whole object from the store, against reading the same
 * bytes from plain files (what a static file server does, minus HTTP). 2,000 objects of 200 B - 16 KiB, like
 * {@code .info}/{@code .mod}/small zips. Run by hand (bench/storage/README.md), e.g. with {@code -t 1} and
 * {@code -t 4} for the thread counts; the figure to report is the ratio store/files within one run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ReadBench {
    static final int OBJECTS = 2000;

    private Path dir;
    private Path files;
    private RocksContentStore store;

    /** Each thread picks objects from its own sequence, so threads do not read in lock-step. */
    @State(Scope.Thread)
    public static class Picks {
        final SplittableRandom random =
                new SplittableRandom(Thread.currentThread().threadId());
        final byte[] buffer = new byte[64 << 10];

        int next() {
            return random.nextInt(OBJECTS);
        }
    }

    @Setup(Level.Trial)
    public void fill() throws IOException {
        dir = Files.createTempDirectory("ferry-read-bench");
        files = Files.createDirectories(dir.resolve("files"));
        store = RocksContentStore.open(dir.resolve("store"), StoreOptions.defaults());
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < OBJECTS; i++) {
            byte[] data = new byte[200 + r.nextInt(16_000)];
            r.nextBytes(data);
            String name = "mod" + i;
            try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
                w.write(data);
                w.commit(null, b -> b.putName(name, b.committing().orElseThrow().digest()));
            }
            Files.write(files.resolve(name), data);
        }
    }

    @TearDown(Level.Trial)
    public void remove() throws IOException {
        store.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Benchmark
    public long store(Picks picks) throws IOException {
        StoredObject o = store.resolve("mod" + picks.next()).orElseThrow();
        try (InputStream in = store.read(o.digest(), 0, o.size())) {
            return drain(in, picks.buffer);
        }
    }

    @Benchmark
    public long files(Picks picks) throws IOException {
        try (InputStream in = Files.newInputStream(files.resolve("mod" + picks.next()))) {
            return drain(in, picks.buffer);
        }
    }

    private static long drain(InputStream in, byte[] buffer) throws IOException {
        long n = 0;
        for (int k; (k = in.read(buffer)) > 0; ) {
            n += k;
        }
        return n;
    }
}
