package dev.ferry.bench.storage;

import dev.ferry.storage.ChunkSizes;
import dev.ferry.storage.Chunker;
import dev.ferry.storage.ContentDefinedChunker;
import dev.ferry.storage.FixedSizeChunker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Chunking benchmark over the gocorpus fixture: for each pair of successive versions of a module, how many bytes
 * of version N+1 are already present as chunks of version N. Run by hand (see README.md next to this file):
 *
 *   java -cp "bench/target/classes:bench/target/lib/*" dev.ferry.bench.storage.ChunkingBench ../shared/fixtures/gocorpus
 */
public class ChunkingBench {
    /** Rough RocksDB cost of one stored chunk beyond its bytes: chunks + chunk_refs + object_chunks entries. */
    static final int PER_CHUNK_OVERHEAD = 200;

    record Version(String module, String version, String time, Path zip) {}

    record Result(
            String name,
            long newBytes,
            long totalBytes,
            long newChunks,
            long totalChunks,
            long corpusUniqueBytes,
            long corpusUniqueChunks) {}

    public static void main(String[] args) throws Exception {
        Path corpus = Path.of(args.length > 0 ? args[0] : "/work/shared/fixtures/gocorpus");
        List<Version> versions = versions(corpus);
        Map<String, List<byte[]>> byModule = new LinkedHashMap<>();
        long corpusBytes = 0;
        for (Version v : versions) {
            byte[] zip = Files.readAllBytes(v.zip());
            corpusBytes += zip.length;
            byModule.computeIfAbsent(v.module(), k -> new ArrayList<>()).add(zip);
        }
        System.out.printf(
                "corpus: %d modules, %d versions, %,d bytes%n", byModule.size(), versions.size(), corpusBytes);

        Map<String, Chunker> chunkers = new LinkedHashMap<>();
        for (int size : new int[] {4 << 10, 16 << 10, 64 << 10}) {
            chunkers.put("fixed " + (size >> 10) + "K", new FixedSizeChunker(size));
        }
        for (int avg : new int[] {4 << 10, 16 << 10, 64 << 10}) {
            chunkers.put("fastcdc " + kib(avg), new ContentDefinedChunker(sizes(avg, 1), false));
        }
        for (int avg : new int[] {16 << 10, 64 << 10}) {
            for (int minData : new int[] {1, 64, 256, 1024, 4096}) {
                chunkers.put(
                        "zip+fastcdc " + kib(avg) + " minZipData " + minData,
                        new ContentDefinedChunker(sizes(avg, minData), true));
            }
        }
        System.out.printf(
                "%-38s %12s %12s %7s %9s %9s %12s %9s %12s%n",
                "chunker",
                "new bytes",
                "N+1 bytes",
                "new %",
                "new chk",
                "N+1 chk",
                "corpus uniq",
                "uniq chk",
                "+overhead");
        for (Map.Entry<String, Chunker> c : chunkers.entrySet()) {
            Result r = measure(c.getKey(), c.getValue(), byModule);
            System.out.printf(
                    "%-38s %,12d %,12d %6.1f%% %,9d %,9d %,12d %,9d %,12d%n",
                    r.name(),
                    r.newBytes(),
                    r.totalBytes(),
                    100.0 * r.newBytes() / r.totalBytes(),
                    r.newChunks(),
                    r.totalChunks(),
                    r.corpusUniqueBytes(),
                    r.corpusUniqueChunks(),
                    r.corpusUniqueBytes() + PER_CHUNK_OVERHEAD * r.corpusUniqueChunks());
        }
    }

    static ChunkSizes sizes(int avg, int minData) {
        return new ChunkSizes(avg / 4, avg, avg * 4, minData);
    }

    static String kib(int n) {
        return (n / 4 >> 10) + "/" + (n >> 10) + "/" + (n * 4 >> 10) + "K";
    }

    static Result measure(String name, Chunker chunker, Map<String, List<byte[]>> byModule) throws Exception {
        long newBytes = 0, total = 0, newChunks = 0, totalChunks = 0, uniqBytes = 0, uniqChunks = 0;
        Set<String> corpusSeen = new HashSet<>();
        for (List<byte[]> zips : byModule.values()) {
            Set<String> previous = null;
            for (byte[] zip : zips) {
                Set<String> current = new HashSet<>();
                int at = 0;
                for (int n : cut(chunker, zip)) {
                    String digest = sha256(zip, at, n);
                    current.add(digest);
                    if (corpusSeen.add(digest)) {
                        uniqBytes += n;
                        uniqChunks++;
                    }
                    if (previous != null) {
                        total += n;
                        totalChunks++;
                        if (!previous.contains(digest)) {
                            newBytes += n;
                            newChunks++;
                        }
                    }
                    at += n;
                }
                previous = current;
            }
        }
        return new Result(name, newBytes, total, newChunks, totalChunks, uniqBytes, uniqChunks);
    }

    static List<Integer> cut(Chunker chunker, byte[] data) {
        List<Integer> lengths = new ArrayList<>();
        int decideAt = chunker.maxChunk() + Chunker.LOOKAHEAD;
        for (int start = 0; start < data.length; ) {
            int end = Math.min(data.length, start + decideAt);
            int n = chunker.cut(data, start, end, end == data.length);
            lengths.add(n);
            start += n;
        }
        return lengths;
    }

    static String sha256(byte[] b, int off, int len) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(b, off, len);
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    /** Every version of the corpus, per module oldest first. */
    static List<Version> versions(Path corpus) throws IOException {
        Path proxy = corpus.resolve("proxy");
        List<Version> versions = new ArrayList<>();
        for (String line : Files.readAllLines(proxy.resolve("_meta/modules.txt"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(" ");
            versions.add(new Version(
                    f[0], f[1], f[5], proxy.resolve(escape(f[0])).resolve("@v").resolve(f[1] + ".zip")));
        }
        // Successive = publication order (the time column), which is also how a proxy sees them arrive.
        versions.sort(Comparator.comparing(Version::module).thenComparing(Version::time));
        return versions;
    }

    /** Go module path case-encoding: an upper-case letter becomes '!' and its lower case. */
    static String escape(String module) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < module.length(); i++) {
            char c = module.charAt(i);
            if (Character.isUpperCase(c)) {
                sb.append('!').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
