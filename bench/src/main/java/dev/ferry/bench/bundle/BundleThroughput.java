package dev.ferry.bench.bundle;

import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.storage.ChunkSizes;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.storage.StoreWriteStats;
import dev.ferry.sync.bundle.BundleFormat;
import dev.ferry.sync.bundle.BundleProgress;
import dev.ferry.sync.bundle.BundleService;
import dev.ferry.sync.bundle.ExportRequest;
import dev.ferry.sync.bundle.ImportRequest;
import dev.ferry.sync.bundle.Selection;
import dev.ferry.sync.bundle.SumdbLatest;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Export and import throughput of signed bundles (issue 20), in process, against the disk's own sequential write
 * speed measured with dd in the same rounds. Two stores: "go", many small objects in small content-defined chunks
 * of compressible text (a Go module cache's shape), and "image", large random blobs in 1 MiB chunks (layers). Each
 * round runs dd, the export and the import of the profile one after the other; medians of the rounds are printed
 * with the load average. See bench/bundle/README.md.
 *
 * <p>Usage: {@code BundleThroughput WORKDIR [MB per profile, 256] [rounds, 3] [profiles, "go image"]}
 */
public final class BundleThroughput {
    private BundleThroughput() {}

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args.length > 0 ? args[0] : "/tmp/ferry-bundle-throughput");
        long mb = args.length > 1 ? Long.parseLong(args[1]) : 256;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<String> profiles = List.of((args.length > 3 ? args[3] : "go image").split(" "));
        if (!REUSE) {
            delete(work);
        } else {
            for (String profile : profiles) {
                if (!Files.exists(work.resolve(profile + "/a/filled"))) {
                    delete(work.resolve(profile)); // a fill that did not finish: start it again
                }
            }
        }
        Files.createDirectories(work);
        System.out.printf(
                "bundle throughput: %d MB per profile, %d rounds, %d cores, heap %d MiB; %s%n",
                mb,
                rounds,
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                load());
        for (String profile : profiles) {
            run(work.resolve(profile), profile, mb << 20, rounds);
        }
    }

    private static void run(Path dir, String profile, long bytes, int rounds) throws Exception {
        Signer signer = Signer.generate("bench-a");
        ChunkSizes sizes = profile.equals("go") ? new ChunkSizes(1024, 4096, 16384, 1) : ChunkSizes.defaults();
        List<Double> dd = new ArrayList<>();
        List<Double> export = new ArrayList<>();
        List<Double> imp = new ArrayList<>();
        List<Double> job = new ArrayList<>();
        List<Double> importCpu = new ArrayList<>();
        List<Double> written = new ArrayList<>();
        List<Double> importChunkMicros = new ArrayList<>();
        List<Double> settledCpu = new ArrayList<>();
        List<String> rocksWrites = new ArrayList<>();
        List<String> prefix = new ArrayList<>();
        Path preloaded = PRELOAD_MB > 0 ? preloaded(dir, profile, sizes) : null;
        try (RocksContentStore a = RocksContentStore.open(
                dir.resolve("a/store"), options(StoreOptions.defaults().withChunkSizes(sizes)))) {
            long stored = filled(a, dir.resolve("a/filled"), profile, bytes);
            long chunks = a.stats().chunks();
            System.out.printf(
                    "  %s: %d chunks, %d bytes a chunk on average%n",
                    profile, chunks, a.stats().chunkBytes() / chunks);
            try (BundleService sa = service(a, dir.resolve("a/data"), signer)) {
                for (int round = 1; round <= rounds; round++) {
                    dd.add(dd(dir.resolve("dd.out"), stored));
                    Path medium = dir.resolve("medium-" + round);
                    long t0 = System.nanoTime();
                    long c0 = cpuNanos();
                    BundleProgress e = sa.await(sa.export(new ExportRequest(
                                            medium,
                                            Selection.all(),
                                            BundleFormat.BUNDLE,
                                            "bench",
                                            Optional.empty(),
                                            Optional.empty(),
                                            ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                                            Map.of()))
                                    .id())
                            .orElseThrow();
                    double exportS = (System.nanoTime() - t0) / 1e9;
                    double exportCpuS = (cpuNanos() - c0) / 1e9;
                    check(e);
                    System.out.printf(
                            "  %s round %d: export %.1f MB per CPU second (%.1f CPU s)%n",
                            profile, round, stored / exportCpuS / 1e6, exportCpuS);
                    export.add(stored / exportS / 1e6);
                    Path bundle = medium.resolve(e.bundleId());
                    Path b = dir.resolve("b-" + round);
                    if (preloaded != null) {
                        copy(preloaded, b.resolve("store"));
                    }
                    long w1 = diskWrites();
                    try (RocksContentStore sb = RocksContentStore.open(
                                    b.resolve("store"),
                                    options(StoreOptions.defaults().withChunkSizes(sizes)));
                            BundleService ib = service(sb, b.resolve("data"), signer)) {
                        long t1 = System.nanoTime();
                        long c1 = cpuNanos();
                        String jobId = ib.importBundle(new ImportRequest(List.of(bundle), List.of(signer.verifier())))
                                .id();
                        long storing = untilPhase(ib, jobId, "importing");
                        BundleProgress i = ib.await(jobId).orElseThrow();
                        double importS = (System.nanoTime() - t1) / 1e9;
                        prefix.add(String.format(
                                "%.2f of %.2f s before the objects' phase", (storing - t1) / 1e9, importS));
                        double cpuS = (cpuNanos() - c1) / 1e9;
                        importCpu.add(stored / cpuS / 1e6);
                        importChunkMicros.add(cpuS * 1e6 / chunks);
                        check(i);
                        imp.add(stored / importS / 1e6);
                        job.add(i.bytesPerSecond() / 1e6);
                        StoreWriteStats before = settle(sb);
                        settledCpu.add(stored / ((cpuNanos() - c1) / 1e9) / 1e6);
                        rocksWrites.add(String.format(
                                "log %.2f, flush %.2f, compaction %.2f",
                                before.walBytes() / (double) stored,
                                before.flushBytes() / (double) stored,
                                before.compactionBytes() / (double) stored));
                    }
                    written.add((diskWrites() - w1) / (double) stored);
                    System.out.printf(
                            "  %s round %d: import with the store's background work settled: %.1f MB per CPU"
                                    + " second; RocksDB wrote per stored byte: %s; %s%n",
                            profile, round, settledCpu.getLast(), rocksWrites.getLast(), prefix.getLast());
                    System.out.printf(
                            "  %s round %d: dd %.1f MB/s, export %.1f MB/s, import %.1f MB/s (job says %.1f,"
                                    + " %.1f MB per CPU second, %.1f CPU us a stored chunk, %.2f bytes written"
                                    + " per stored byte); bundle %d bytes; %s%n",
                            profile,
                            round,
                            dd.getLast(),
                            export.getLast(),
                            imp.getLast(),
                            job.getLast(),
                            importCpu.getLast(),
                            importChunkMicros.getLast(),
                            written.getLast(),
                            size(bundle),
                            load());
                    delete(b);
                    delete(medium);
                }
            }
            double ddM = median(dd);
            System.out.printf(
                    "%s: %d MB stored in %s; medians of %d: dd %.1f MB/s, export %.1f MB/s (%.2fx dd),"
                            + " import %.1f MB/s (%.2fx dd, %.1f MB per CPU second, %.1f CPU us a chunk, %.2f bytes"
                            + " written per stored byte); %s%n",
                    profile,
                    stored / 1_000_000,
                    profile.equals("go") ? "small chunks" : "1 MiB chunks",
                    rounds,
                    ddM,
                    median(export),
                    median(export) / ddM,
                    median(imp),
                    median(imp) / ddM,
                    median(importCpu),
                    median(importChunkMicros),
                    median(written),
                    load());
            System.out.printf(
                    "%s: import MB per CPU second with background work settled, median %.1f%s%n",
                    profile,
                    median(settledCpu),
                    PRELOAD_MB > 0 ? ", into a store already holding " + PRELOAD_MB + " MB" : "");
        }
        if (REUSE) {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.filter(p -> !p.getFileName().toString().equals("a")
                                && !p.getFileName().toString().equals("pre"))
                        .toList()) {
                    delete(p);
                }
            }
        } else {
            delete(dir);
        }
    }

    /**
     * With {@code -Dbench.reuse=true} the work directory's source stores are kept between runs and filled only once
     * (the fill of 256 MB of Go zips takes a minute or two): the figures are the same, the runs shorter.
     */
    private static final boolean REUSE = Boolean.getBoolean("bench.reuse");

    /** Fills the store, or (reused) reads what an earlier run's fill stored; the bytes stored. */
    private static long filled(RocksContentStore store, Path marker, String profile, long bytes) throws Exception {
        if (REUSE && Files.exists(marker)) {
            String[] f = Files.readString(marker).trim().split(" ");
            if (f[0].equals(Long.toString(bytes)) && f.length > 2 && f[2].equals(Long.toString(MIN_BLOB))) {
                System.out.printf("  %s: reusing the store filled by an earlier run%n", profile);
                return Long.parseLong(f[1]);
            }
            throw new IllegalStateException(
                    marker + " was filled for another size or minBlobBytes: remove " + marker.getParent());
        }
        long stored = fill(store, profile, bytes, "m", 20);
        Files.writeString(marker, bytes + " " + stored + " " + MIN_BLOB + "\n");
        return stored;
    }

    /**
     * {@code -Dbench.minBlobBytes=N}: both stores keep chunks of at least N bytes in blob files instead of the
     * default's every chunk not inline (4096: the placement before session 16). A work directory's stores remember
     * the value they were filled with and refuse another.
     */
    private static final long MIN_BLOB =
            Long.getLong("bench.minBlobBytes", StoreOptions.defaults().minBlobBytes());

    /**
     * {@code -Dbench.preloadMB=N}: each import goes into a store already holding N MB of other objects of the
     * profile's shape (a site's store is not empty; compaction's work grows with what the store holds). The preloaded
     * store is filled once per work directory and copied for each round.
     */
    private static final long PRELOAD_MB = Long.getLong("bench.preloadMB", 0);

    private static StoreOptions options(StoreOptions o) {
        return o.withMinBlobBytes(MIN_BLOB);
    }

    /** The preloaded store of {@link #PRELOAD_MB} (filled and closed once per work directory). */
    private static Path preloaded(Path dir, String profile, ChunkSizes sizes) throws Exception {
        Path store = dir.resolve("pre/store");
        Path marker = dir.resolve("pre/filled");
        String want = PRELOAD_MB + " " + MIN_BLOB;
        if (Files.exists(marker) && Files.readString(marker).trim().equals(want)) {
            return store;
        }
        delete(dir.resolve("pre"));
        try (RocksContentStore pre =
                RocksContentStore.open(store, options(StoreOptions.defaults().withChunkSizes(sizes)))) {
            fill(pre, profile, PRELOAD_MB << 20, "pre", 21);
            settle(pre);
        }
        Files.writeString(marker, want + "\n");
        return store;
    }

    /**
     * Waits until the store has no flush or compaction pending or running (a bench's poll, by hand only): an import's
     * CPU figure then includes the compactions its writes caused, which otherwise run after the job reports done.
     */
    private static StoreWriteStats settle(RocksContentStore store) throws InterruptedException {
        while (true) {
            StoreWriteStats w = store.writeStats();
            if (w.flushesPending() == 0
                    && w.compactionsPending() == 0
                    && w.runningFlushes() == 0
                    && w.runningCompactions() == 0) {
                return w;
            }
            Thread.sleep(50);
        }
    }

    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to.getParent());
        Process p = new ProcessBuilder("cp", "-r", from.toString(), to.toString())
                .inheritIO()
                .start();
        if (p.waitFor() != 0) {
            throw new IOException("cp -r " + from + " " + to + " failed");
        }
    }

    private static BundleService service(RocksContentStore store, Path data, Signer signer) {
        return new BundleService(
                store, data, () -> Optional.of(signer), Clock.systemUTC(), 5, Map::of, SumdbLatest.NONE);
    }

    /**
     * Polls job {@code id} every 5 ms until it reaches {@code phase} or ends; returns {@link System#nanoTime} then:
     * how long an import spends reading the manifest and placing chunks before its readers start (bench only).
     */
    private static long untilPhase(BundleService service, String id, String phase) throws InterruptedException {
        while (true) {
            BundleProgress p = service.job(id).orElseThrow();
            if (phase.equals(p.phase()) || p.state() != BundleProgress.State.RUNNING) {
                return System.nanoTime();
            }
            Thread.sleep(5);
        }
    }

    private static void check(BundleProgress p) {
        if (p.state() != BundleProgress.State.SUCCEEDED) {
            throw new IllegalStateException(p.kind() + " " + p.state() + ": " + p.error());
        }
    }

    /** Fills the store with about {@code bytes} of objects of the profile's shape; the bytes stored. */
    private static long fill(RocksContentStore store, String profile, long bytes, String prefix, long seed)
            throws Exception {
        Random random = new Random(seed);
        long total = 0;
        int i = 0;
        while (total < bytes) {
            byte[] data;
            String name;
            Chunking chunking;
            if (profile.equals("go")) {
                ModulePath module = ModulePath.parse("example.com/bench/" + prefix + i);
                data = zip(random, "example.com/bench/" + prefix + i + "@v1.0.0/", 5 + random.nextInt(60));
                name = GoStoreNames.file(module, Version.parse("v1.0.0"), "zip");
                chunking = Chunking.ZIP_ENTRIES;
            } else {
                data = new byte[(8 << 20) + random.nextInt(24 << 20)];
                random.nextBytes(data);
                name = OciStoreNames.blob(Digest.parse("sha256:" + sha256(data)));
                chunking = Chunking.FIXED;
            }
            try (ObjectWriter w = store.newObject(chunking)) {
                w.write(data);
                w.commit(null, b -> b.putName(name, b.committing().orElseThrow().digest()));
            }
            total += data.length;
            i++;
        }
        System.out.printf("  %s: %d objects, %d bytes%n", profile, i, total);
        return total;
    }

    /** A module zip's shape: {@code files} deflated source files of 1-12 KB under the module's prefix. */
    private static byte[] zip(Random random, String prefix, int files) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(bytes)) {
            for (int f = 0; f < files; f++) {
                z.putNextEntry(new java.util.zip.ZipEntry(prefix + "pkg" + f / 8 + "/file" + f + ".go"));
                z.write(text(random, 1_000 + random.nextInt(11_000)));
                z.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** Source-like text: words from a small vocabulary, so it deflates about as Go files do (3-4x). */
    private static byte[] text(Random random, int size) {
        String[] words = {
            "func",
            "return",
            "if",
            "err",
            "!=",
            "nil",
            "{",
            "}",
            "package",
            "import",
            "string",
            "int",
            "for",
            ":=",
            "range",
            "type",
            "struct",
            "interface",
            "var",
            "const",
            "case",
            "switch",
            "default",
            "go",
            "defer"
        };
        StringBuilder sb = new StringBuilder(size + 32);
        while (sb.length() < size) {
            sb.append(words[random.nextInt(words.length)]);
            sb.append(random.nextInt(8) == 0 ? "\n\t" : " ");
            if (random.nextInt(16) == 0) {
                sb.append(Long.toHexString(random.nextLong())).append(' ');
            }
        }
        return sb.substring(0, size).getBytes(StandardCharsets.UTF_8);
    }

    /** dd's sequential write of {@code bytes} (synced at the end), in MB/s. */
    private static double dd(Path file, long bytes) throws Exception {
        long mib = Math.max(1, bytes >> 20);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("dd", "if=/dev/zero", "of=" + file, "bs=1M", "count=" + mib, "conv=fdatasync")
                .redirectErrorStream(true)
                .start();
        p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IOException("dd failed");
        }
        double s = (System.nanoTime() - t0) / 1e9;
        Files.delete(file);
        return (mib << 20) / s / 1e6;
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /**
     * CPU time of this process, every thread (RocksDB's included): on a shared, loaded machine the wall time
     * mostly says how much CPU the others left, this what the work itself costs.
     */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * Bytes this process has caused to be written to storage ({@code write_bytes} of /proc/self/io, counted when
     * pages are dirtied): over an import and the store's close, the store's writes per stored byte (log, blob and
     * table files, the spool of volumes read is none). -1 where /proc is missing.
     */
    private static long diskWrites() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
                if (line.startsWith("write_bytes:")) {
                    return Long.parseLong(
                            line.substring("write_bytes:".length()).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no figure
        }
        return -1;
    }

    private static String load() {
        return String.format(
                "load %.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .mapToLong(f -> {
                        try {
                            return Files.size(f);
                        } catch (IOException e) {
                            return 0;
                        }
                    })
                    .sum();
        }
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
