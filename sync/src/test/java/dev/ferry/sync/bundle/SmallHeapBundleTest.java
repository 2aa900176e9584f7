package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.ScrubReport;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bundle whose plan and manifest would not fit a small heap exports and imports in a JVM with that heap (issue
 * 20). The export and the import run in child JVMs with {@code -Xmx32m} over a store of about 130,000 chunks of 64
 * to 256 bytes. Before issue 20 an export's plan and an import's manifest lived in the heap at about 200 bytes a
 * chunk and were allowed half of it, at most 83,886 chunks at 32 MiB: this export was refused ("this export selects
 * more than 83886 chunks, more than this server's heap (32 MiB) holds at once", checked against main at 258b387).
 * Now the plan's per-chunk state is in a scratch table on disk and the import's placed chunks in a scratch file.
 */
class SmallHeapBundleTest {
    static final String HEAP = "-Xmx32m";

    @TempDir
    Path tmp;

    @Test
    void aBundleLargerThanTheOldHeapBudgetExportsAndImportsInASmallHeap() throws Exception {
        Signer signer = Signer.generate("ferry-small.example");
        Path key = Files.writeString(tmp.resolve("signing.key"), signer.encodedPrivateKey());
        Path storeA = tmp.resolve("a/store");
        Path storeB = tmp.resolve("b/store");
        Map<String, String> exported;
        long chunks = 0;
        try (RocksContentStore a =
                RocksContentStore.open(storeA, StoreOptions.defaults().withChunkSizes(SmallHeapBundles.TINY))) {
            Random random = new Random(20);
            byte[] shared = new byte[16_384];
            random.nextBytes(shared);
            for (int i = 0; i < 48; i++) {
                // Random bytes, and a block every object shares: format 2 names those chunks by runs of the first.
                byte[] data = new byte[400_000];
                random.nextBytes(data);
                System.arraycopy(shared, 0, data, 100_000, shared.length);
                Sha256 d;
                try (ObjectWriter w = a.newObject(Chunking.CONTENT_DEFINED)) {
                    w.write(data);
                    d = w.commit(null, b -> {}).digest();
                }
                a.update(b -> b.putName("obj/" + d.hex().substring(0, 8), d));
                chunks += a.chunksOf(d).orElseThrow().size();
            }
            a.update(b -> b.putMeta("m/1", "v".getBytes()));
            exported = BundleFixture.content(a);
        }
        long oldLimit = HeapBudget.chunks(32L << 20);
        assertTrue(chunks > oldLimit + oldLimit / 2, chunks + " chunks, want well over the old limit " + oldLimit);

        Path medium = Files.createDirectories(tmp.resolve("medium"));
        List<String> out = child("export", storeA, tmp.resolve("a/data"), key, medium);
        String id = out.getLast().substring("bundle ".length());
        Path bundle = medium.resolve(id);
        assertTrue(Files.isRegularFile(bundle.resolve("manifest.gz")), out.toString());

        child("import", storeB, tmp.resolve("b/data"), key, bundle);
        try (RocksContentStore b =
                RocksContentStore.open(storeB, StoreOptions.defaults().withChunkSizes(SmallHeapBundles.TINY))) {
            assertEquals(exported, BundleFixture.content(b), "the imported store serves what was exported");
            ScrubReport scrub = b.scrub();
            assertTrue(scrub.isClean(), scrub.toString());
        }
        for (String site : List.of("a", "b")) {
            Path scratch = tmp.resolve(site + "/data/bundles/scratch");
            if (Files.exists(scratch)) {
                try (Stream<Path> left = Files.list(scratch)) {
                    assertEquals(List.of(), left.toList(), "scratch files left at " + site);
                }
            }
        }
    }

    /** Runs {@link SmallHeapBundles} in a JVM with {@link #HEAP}; its output lines, once it exited 0. */
    private List<String> child(String what, Path store, Path data, Path key, Path dir) throws Exception {
        Path log = tmp.resolve(what + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                HEAP,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                SmallHeapBundles.class.getName(),
                what,
                store.toString(),
                data.toString(),
                key.toString(),
                dir.toString()));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(what + " did not end within 3 minutes: " + Files.readString(log));
        }
        List<String> lines = Files.readAllLines(log);
        assertEquals(0, p.exitValue(), what + " failed: " + String.join("\n", lines));
        assertTrue(
                lines.contains("heap 32 MiB") || lines.stream().anyMatch(l -> l.matches("heap (2\\d|3[0-2]) MiB")),
                "the child ran with the small heap: " + lines);
        return lines;
    }
}
