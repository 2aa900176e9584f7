package dev.ferry.bench.bundle;

import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.storage.ChunkSizes;
import dev.ferry.storage.ObjectAssembler;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoreBatch;
import dev.ferry.storage.StoreOptions;
import dev.ferry.sync.bundle.BundleFormat;
import dev.ferry.sync.bundle.BundleProgress;
import dev.ferry.sync.bundle.BundleService;
import dev.ferry.sync.bundle.ExportRequest;
import dev.ferry.sync.bundle.ImportRequest;
import dev.ferry.sync.bundle.Selection;
import dev.ferry.sync.bundle.SumdbLatest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A bundle of millions of chunks (issue 20, "no size ceiling from the heap"): one step per JVM, so each step's
 * peak RSS is its own. {@code fill} writes random blobs of 4 MiB, cut into content-defined chunks of 64-256 bytes
 * (about 25,000 a blob; a 16 KiB block shared by every blob, so format 2's runs are used), until the store holds
 * the chunks asked for; {@code export} and {@code import} run the bundle service's job (run them with the default
 * heap, {@code -Xmx256m}); {@code check} compares the two stores' names and objects. Each step prints its wall time,
 * the heap it had and its peak RSS (VmHWM). See bench/bundle/scale.sh and bench/bundle/README.md.
 *
 * <p>Usage: {@code BundleScale fill WORK CHUNKS | export WORK | import WORK | check WORK}
 */
public final class BundleScale {
    static final ChunkSizes TINY = new ChunkSizes(64, 128, 256, 1);

    private BundleScale() {}

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[1]);
        long t0 = System.nanoTime();
        switch (args[0]) {
            case "fill" -> fill(work, Long.parseLong(args[2]));
            case "export" -> export(work);
            case "import" -> importBundle(work);
            case "check" -> check(work);
            default -> throw new IllegalArgumentException("fill, export, import or check, not " + args[0]);
        }
        System.out.printf(
                "%s: %.1f s wall, heap %d MiB, peak RSS %s%n",
                args[0], (System.nanoTime() - t0) / 1e9, Runtime.getRuntime().maxMemory() >> 20, peakRss());
    }

    private static RocksContentStore open(Path store) throws IOException {
        return RocksContentStore.open(store, StoreOptions.defaults().withChunkSizes(TINY));
    }

    /**
     * Fills store {@code a} with blobs of 4 MiB cut into chunks of 64-256 bytes (uniformly random lengths, random
     * bytes, and the same 16 KiB block at 1 MiB cut the same way in every blob, so format 2's runs are used) until
     * it holds {@code chunks} chunks. Each chunk is hashed once here and handed to the store as verified, and each
     * blob is assembled in batches (one RocksDB write per 4 MiB) and committed lazily with one synced write every
     * 40 blobs: what the import does, so filling costs about what importing does, not a write per chunk (session
     * 9's filler, through the content-defined writer, took 16 minutes for 4 million chunks).
     */
    private static void fill(Path work, long chunks) throws Exception {
        Files.createDirectories(work);
        Files.writeString(work.resolve("key"), Signer.generate("bench-scale").encodedPrivateKey());
        SplittableRandom random = new SplittableRandom(20);
        byte[] shared = new byte[16 << 10];
        random.nextBytes(shared);
        int[] sharedCuts = cuts(random, shared.length);
        long stored = 0;
        long bytes = 0;
        int objects = 0;
        long t0 = System.nanoTime();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (RocksContentStore a = open(work.resolve("a/store"))) {
            while (stored < chunks) {
                byte[] data = new byte[4 << 20];
                random.nextBytes(data);
                int sharedAt = 1 << 20;
                System.arraycopy(shared, 0, data, sharedAt, shared.length);
                List<Integer> lengths = new ArrayList<>();
                addCuts(lengths, cuts(random, sharedAt));
                addCuts(lengths, sharedCuts);
                addCuts(lengths, cuts(random, data.length - sharedAt - shared.length));
                Sha256 object = Sha256.of(sha.digest(data));
                String name = OciStoreNames.blob(Digest.parse("sha256:" + object.hex()));
                try (ObjectAssembler w = a.assembleInBatches()) {
                    int at = 0;
                    for (int len : lengths) {
                        byte[] c = Arrays.copyOfRange(data, at, at + len);
                        w.appendVerifiedChunk(Sha256.of(sha.digest(c)), c);
                        at += len;
                    }
                    boolean sync = (objects + 1) % 40 == 0 || stored + lengths.size() >= chunks;
                    Consumer<StoreBatch> named = b -> b.putName(name, object);
                    if (sync) {
                        w.commit(object, named);
                    } else {
                        w.commitLazily(object, named);
                    }
                }
                stored += lengths.size();
                bytes += data.length;
                objects++;
                if (objects % 40 == 0) {
                    System.out.printf(
                            "  %d objects, %d chunks, %.0f s%n", objects, stored, (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        System.out.printf("filled: %d objects, %d chunks, %d bytes%n", objects, stored, bytes);
    }

    /** Chunk lengths of 64-256 bytes covering {@code length} bytes (the last may be shorter). */
    private static int[] cuts(SplittableRandom random, int length) {
        List<Integer> out = new ArrayList<>();
        for (int left = length; left > 0; ) {
            int n = Math.min(left, random.nextInt(64, 257));
            out.add(n);
            left -= n;
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void addCuts(List<Integer> to, int[] cuts) {
        for (int c : cuts) {
            to.add(c);
        }
    }

    private static BundleService service(RocksContentStore store, Path data, Signer signer) {
        return new BundleService(
                store, data, () -> Optional.of(signer), Clock.systemUTC(), 5, Map::of, SumdbLatest.NONE);
    }

    private static Signer signer(Path work) throws Exception {
        return Signer.parse(Files.readString(work.resolve("key")).strip());
    }

    private static void export(Path work) throws Exception {
        Path medium = work.resolve("medium");
        delete(medium);
        Signer signer = signer(work);
        try (RocksContentStore a = open(work.resolve("a/store"));
                BundleService s = service(a, work.resolve("a/data"), signer)) {
            BundleProgress p = s.await(s.export(new ExportRequest(
                                    medium,
                                    Selection.all(),
                                    BundleFormat.BUNDLE,
                                    "scale",
                                    Optional.empty(),
                                    Optional.empty(),
                                    ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                                    Map.of()))
                            .id())
                    .orElseThrow();
            report(p);
            Files.writeString(work.resolve("bundle-id"), p.bundleId());
            System.out.printf(
                    "bundle %s: %d bytes (manifest %d)%n",
                    p.bundleId(),
                    size(medium.resolve(p.bundleId())),
                    Files.size(medium.resolve(p.bundleId()).resolve("manifest.gz")));
        }
    }

    private static void importBundle(Path work) throws Exception {
        Path b = work.resolve("b");
        delete(b);
        Signer signer = signer(work);
        Path bundle = work.resolve("medium").resolve(Files.readString(work.resolve("bundle-id")));
        try (RocksContentStore sb = open(b.resolve("store"));
                BundleService s = service(sb, b.resolve("data"), signer)) {
            report(s.await(s.importBundle(new ImportRequest(List.of(bundle), List.of(signer.verifier())))
                            .id())
                    .orElseThrow());
        }
    }

    /** The two stores name the same objects, and each object is stored with the same size and chunk count. */
    private static void check(Path work) throws Exception {
        try (RocksContentStore a = open(work.resolve("a/store"));
                RocksContentStore b = open(work.resolve("b/store"))) {
            Map<String, String> na = names(a);
            Map<String, String> nb = names(b);
            if (!na.equals(nb)) {
                throw new IllegalStateException("names differ: " + na.size() + " at a, " + nb.size() + " at b");
            }
            long chunks = 0;
            for (String hex : na.values()) {
                Sha256 d = Sha256.ofHex(hex);
                if (a.object(d).orElseThrow().size()
                                != b.object(d).orElseThrow().size()
                        || a.chunksOf(d).orElseThrow().size()
                                != b.chunksOf(d).orElseThrow().size()) {
                    throw new IllegalStateException("object " + hex + " differs");
                }
                chunks += b.chunksOf(d).orElseThrow().size();
            }
            System.out.printf("check: %d names, %d chunks, same at both sites%n", na.size(), chunks);
        }
    }

    private static Map<String, String> names(RocksContentStore s) {
        Map<String, String> out = new TreeMap<>();
        s.scanNames("", (n, d) -> out.put(n, d.hex()) == null);
        return out;
    }

    private static void report(BundleProgress p) {
        if (p.state() != BundleProgress.State.SUCCEEDED) {
            throw new IllegalStateException(p.kind() + " " + p.state() + ": " + p.error());
        }
        p.summary().forEach(c -> System.out.printf("  %s: %d%n", c.what(), c.value()));
    }

    /** VmHWM from /proc/self/status: the most this process was resident. */
    static String peakRss() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(l -> l.startsWith("VmHWM:"))
                    .map(l -> l.substring(6).strip())
                    .findFirst()
                    .orElse("?");
        }
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .mapToLong(f -> f.toFile().length())
                    .sum();
        }
    }

    private static void delete(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
