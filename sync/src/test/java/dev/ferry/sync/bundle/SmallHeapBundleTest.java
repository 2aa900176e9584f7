package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.bundle.BundleNote;
import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.storage.ChunkSizes;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.ScrubReport;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoreOptions;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
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

    /**
     * The plan's chunk tables stay in the heap while they fit their budget and move to disk beyond it (at once, or
     * partway through the sent set): an incremental format-2 export (held chunks named by runs of the site's
     * objects, chunks repeated within and across objects) gives byte-for-byte the same bundle and the same sent
     * record either way, and the bundle planned on disk imports.
     */
    @Test
    void aPlanKeptInTheHeapAndOneMovedToDiskGiveTheSameBundle() throws Exception {
        Signer signer = Signer.generate("ferry-small.example");
        // Chunks on both sides of ChunkStore.INLINE_MAX: small ones always ship, large ones the site holds do not.
        StoreOptions mixed = StoreOptions.defaults().withChunkSizes(InlineChunkBundleTest.MIXED);
        try (RocksContentStore a = RocksContentStore.open(tmp.resolve("a/store"), mixed);
                RocksContentStore b = RocksContentStore.open(tmp.resolve("b/store"), mixed)) {
            Random random = new Random(7);
            byte[] shared = new byte[16_384];
            random.nextBytes(shared);
            for (int i = 0; i < 10; i++) {
                byte[] data = new byte[100_000];
                random.nextBytes(data);
                // the shared block twice in each object: repeats within an object and across objects
                System.arraycopy(shared, 0, data, 10_000, shared.length);
                System.arraycopy(shared, 0, data, 40_000, shared.length);
                BundleFixture.put(a, "obj/" + i, data);
                if (i < 3) {
                    BundleFixture.put(b, "obj/" + i, data); // the site holds the first three
                }
            }
            long chunks = 0;
            for (int i = 0; i < 10; i++) {
                chunks += a.chunksOf(a.resolve("obj/" + i).orElseThrow().digest())
                        .orElseThrow()
                        .size();
            }
            assertTrue(chunks > 3_000, "want thousands of chunks, got " + chunks);
            Inventory inventory = BundleFixture.inventoryOf(b);
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            inventory.write(file);
            Path inventoryFile = Files.write(tmp.resolve("b.inventory"), file.toByteArray());

            List<Path> bundles = new ArrayList<>();
            List<byte[]> sentRecords = new ArrayList<>();
            // in the heap; on disk from the sent set's first growth; on disk from the chunk table's (mid-plan); in the
            // heap, cut against the site's inventory read onto disk (past a heap share of one key)
            long[] budgets = {Long.MAX_VALUE, 0, 150_000, Long.MAX_VALUE};
            for (int run = 0; run < budgets.length; run++) {
                long budget = budgets[run];
                CutSet cut =
                        run < 3 ? CutSet.of(inventory) : CutSet.read(inventoryFile, 1, tmp.resolve("a/scratch/cut"));
                assertEquals(run == 3, cut.onDisk());
                Path medium = Files.createDirectories(tmp.resolve("medium-" + bundles.size()));
                List<String> notes = new ArrayList<>();
                ByteArrayOutputStream sent = new ByteArrayOutputStream();
                Exporter.Result r = exportAgainst(a, cut, budget, medium, signer, notes, sent);
                boolean onDisk = notes.stream().anyMatch(n -> n.contains("moved to disk"));
                assertEquals(budget != Long.MAX_VALUE, onDisk, "budget " + budget + ": " + notes);
                assertEquals(3, r.objectsSkipped());
                cut.close();
                bundles.add(medium.resolve(r.record().id()));
                sentRecords.add(sent.toByteArray());
                assertFalse(Files.exists(tmp.resolve("a/scratch")
                        .resolve(Exporter.scratchName(r.record().id()))));
            }
            for (int i = 1; i < bundles.size(); i++) {
                assertEquals(files(bundles.get(0)), files(bundles.get(i)), "bundle of run " + i);
                assertArrayEquals(sentRecords.get(0), sentRecords.get(i), "sent record of run " + i);
            }

            importInto(b, bundles.get(1), signer);
            assertEquals(BundleFixture.content(a), BundleFixture.content(b));
        }
    }

    /**
     * An export against a site that holds nearly everything keeps only what the bundle adds in its plan, not the site's
     * holdings: the record of what the site holds afterwards merges the cut set in as it is written. A plan budget
     * the site's keys alone exceed is not exceeded (it was: the cut was copied into the plan's sent set first, which a
     * site of millions of keys moved to disk at every scheduled sync). The record is exactly what the site holds
     * once it imported the bundle, with the cut in the heap or on disk.
     */
    @Test
    void aDeltaAgainstALargeSiteKeepsOnlyWhatItAddsInThePlan() throws Exception {
        Signer signer = Signer.generate("ferry-small.example");
        StoreOptions mixed = StoreOptions.defaults().withChunkSizes(InlineChunkBundleTest.MIXED);
        try (RocksContentStore a = RocksContentStore.open(tmp.resolve("a/store"), mixed);
                RocksContentStore b = RocksContentStore.open(tmp.resolve("b/store"), mixed)) {
            Random random = new Random(11);
            for (int i = 0; i < 10; i++) {
                byte[] data = new byte[100_000];
                random.nextBytes(data);
                BundleFixture.put(a, "obj/" + i, data);
                if (i != 4) {
                    BundleFixture.put(b, "obj/" + i, data); // the site holds all but one
                }
            }
            Inventory inventory = BundleFixture.inventoryOf(b);
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            inventory.write(file);
            Path inventoryFile = Files.write(tmp.resolve("b.inventory"), file.toByteArray());
            // The budget holds the plan's two tables at their first size and one growth of the sent set (120,000
            // bytes): the site's keys need two growths, the one object the site lacks none.
            long budget = 120_000;
            assertTrue(inventory.size() > 1_500, "want a site of more keys than 1,433, got " + inventory.size());
            int lacking = a.chunksOf(a.resolve("obj/4").orElseThrow().digest())
                    .orElseThrow()
                    .size();
            assertTrue(lacking < 700, "want one object of fewer chunks than 716, got " + lacking);

            List<byte[]> sentRecords = new ArrayList<>();
            Path bundle = null;
            for (boolean onDisk : new boolean[] {false, true}) {
                Path medium = Files.createDirectories(tmp.resolve("medium-" + onDisk));
                List<String> notes = new ArrayList<>();
                ByteArrayOutputStream sent = new ByteArrayOutputStream();
                try (CutSet cut =
                        onDisk ? CutSet.read(inventoryFile, 1, tmp.resolve("a/scratch/cut")) : CutSet.of(inventory)) {
                    assertEquals(onDisk, cut.onDisk());
                    Exporter.Result r = exportAgainst(a, cut, budget, medium, signer, notes, sent);
                    assertEquals(9, r.objectsSkipped());
                    assertEquals(1, r.record().objects());
                    assertFalse(notes.stream().anyMatch(n -> n.contains("moved to disk")), notes.toString());
                    bundle = medium.resolve(r.record().id());
                }
                sentRecords.add(sent.toByteArray());
            }
            assertArrayEquals(sentRecords.get(0), sentRecords.get(1), "the same record with the cut on disk");

            importInto(b, bundle, signer);
            assertEquals(BundleFixture.content(a), BundleFixture.content(b));
            try (InputStream in = new java.io.ByteArrayInputStream(sentRecords.get(0))) {
                List<String> holds = keys(BundleFixture.inventoryOf(b));
                List<String> recorded = keys(Inventory.read(in));
                // The import's own pin and record of the bundle are the site's, not the export's to know of.
                String id = bundle.getFileName().toString();
                String importRecord = ImportRecords.META_PREFIX + id;
                Sha256 lacked = a.resolve("obj/4").orElseThrow().digest();
                holds.removeAll(List.of(
                        HexFormat.of().formatHex(Inventory.pinKey(Importer.pinSet(id), lacked.hex())),
                        HexFormat.of()
                                .formatHex(Inventory.metaKey(
                                        importRecord, b.meta(importRecord).orElseThrow()))));
                List<String> missing = new ArrayList<>(holds);
                missing.removeAll(recorded);
                List<String> extra = new ArrayList<>(recorded);
                extra.removeAll(holds);
                assertEquals(List.of(), missing, "held by the site, not in the record");
                assertEquals(List.of(), extra, "in the record, not held by the site");
                assertEquals(holds, recorded);
            }
        }
    }

    /**
     * Exports all of {@code a} in format 2 for site "site", cut against {@code cut}, with a plan budget of
     * {@code budget} bytes, at a fixed time and id (so two runs write the same bytes); notes and the sent record go to
     * the caller.
     */
    private Exporter.Result exportAgainst(
            RocksContentStore a,
            CutSet cut,
            long budget,
            Path medium,
            Signer signer,
            List<String> notes,
            ByteArrayOutputStream sent)
            throws Exception {
        return new Exporter(
                        a,
                        Clock.fixed(Instant.parse("2026-12-07T02:00:00Z"), ZoneOffset.UTC),
                        new Random(20),
                        id -> false,
                        tmp.resolve("a/scratch"),
                        BundleNote.FORMAT_2,
                        budget)
                .export(
                        new Exporter.Job(
                                BundleFixture.everything(a),
                                cut,
                                Optional.empty(),
                                true,
                                "site",
                                medium,
                                ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                                Map.of(),
                                signer),
                        BundleFixture.notesTo(notes),
                        (record, body) -> body.write(sent));
    }

    /** Imports {@code bundle} into {@code b}, trusting {@code signer}. */
    private void importInto(RocksContentStore b, Path bundle, Signer signer) throws Exception {
        new Importer(
                        b,
                        new ImportRecords(tmp.resolve("b/data/bundles")),
                        Clock.systemUTC(),
                        HeapBudget.chunks(),
                        BundleFixture.SYNTHETIC,
                        SumdbLatest.NONE,
                        tmp.resolve("b/scratch"))
                .run(new ImportRequest(List.of(bundle), List.of(signer.verifier())), BundleProgressSink.NONE);
    }

    private static List<String> keys(Inventory inventory) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < inventory.size(); i++) {
            out.add(HexFormat.of().formatHex(inventory.key(i)));
        }
        return out;
    }

    /** Each file of a bundle directory by name, as hex (so a difference shows where). */
    private static Map<String, String> files(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> fs = Files.list(dir)) {
            for (Path f : fs.toList()) {
                out.put(f.getFileName().toString(), HexFormat.of().formatHex(Files.readAllBytes(f)));
            }
        }
        return out;
    }

    /**
     * A site whose holdings are more keys than a small heap's inventory share (a quarter of it) is cut against at
     * that heap: {@code --since} its last bundle (the record of what it holds) and against the inventory it writes,
     * which it also writes at that heap. All three were refused before ("... holds more than 131072 keys, more than
     * this server's heap (32 MiB) allows"); a Go cache of a few GB is over a million keys, the default heap's share.
     * Chunks over ChunkStore.INLINE_MAX bytes, so that each is a key of the inventory and of the sent record.
     */
    @Test
    void aSiteLargerThanTheHeapsInventoryShareIsCutAgainstInASmallHeap() throws Exception {
        StoreOptions listed = StoreOptions.defaults().withChunkSizes(new ChunkSizes(257, 512, 1024, 1));
        Signer signer = Signer.generate("ferry-small.example");
        Path key = Files.writeString(tmp.resolve("signing.key"), signer.encodedPrivateKey());
        Path storeA = tmp.resolve("a/store");
        Path data = tmp.resolve("a/data");
        long chunks = 0;
        try (RocksContentStore a = RocksContentStore.open(storeA, listed)) {
            Random random = new Random(21);
            for (int i = 0; i < 120; i++) {
                byte[] bytes = new byte[800_000];
                random.nextBytes(bytes);
                chunks += a.chunksOf(BundleFixture.put(a, "obj/" + i, bytes))
                        .orElseThrow()
                        .size();
            }
        }
        int share = HeapBudget.inventoryKeys(32L << 20);
        assertTrue(chunks > share * 1.1, chunks + " chunks, want well over the heap's inventory share " + share);

        Path medium = Files.createDirectories(tmp.resolve("medium"));
        List<String> full = child("export", storeA, data, key, medium);
        String first = full.getLast().substring("bundle ".length());
        Sha256 added;
        try (RocksContentStore a = RocksContentStore.open(storeA, listed)) {
            added = BundleFixture.put(
                    a,
                    "obj/new",
                    "a new object, after the first bundle".repeat(20).getBytes());
        }

        List<String> since = child("export", storeA, data, key, medium, "since", first);
        assertTrue(since.contains("objects shipped: 1"), since.toString());
        assertTrue(since.contains("objects the site holds: 120"), since.toString());
        String second = since.getLast().substring("bundle ".length());
        Map<String, String> manifest = files(medium.resolve(second));
        assertTrue(manifest.containsKey("manifest.gz"), manifest.keySet().toString());

        Path inventory = tmp.resolve("site.inventory");
        List<String> written = child("inventory", storeA, data, key, inventory);
        long keys = Long.parseLong(written.stream()
                .filter(l -> l.startsWith("keys: "))
                .findFirst()
                .orElseThrow()
                .substring("keys: ".length()));
        assertTrue(keys > share, keys + " keys, the share " + share);
        try (InputStream in = Files.newInputStream(inventory)) {
            Inventory read = Inventory.read(in);
            assertEquals(keys, read.size());
            assertTrue(read.contains(Inventory.objectKey(added.bytes())));
        }

        List<String> cut = child("export", storeA, data, key, medium, "inventory", inventory.toString());
        assertTrue(cut.contains("objects shipped: 0"), cut.toString());
        assertTrue(cut.contains("chunks shipped: 0"), cut.toString());
        Path scratch = data.resolve("bundles/scratch");
        try (Stream<Path> left = Files.list(scratch)) {
            assertEquals(List.of(), left.toList(), "scratch files left");
        }
    }

    /** Runs {@link SmallHeapBundles} in a JVM with {@link #HEAP}; its output lines, once it exited 0. */
    private List<String> child(String what, Path store, Path data, Path key, Path dir, String... more)
            throws Exception {
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
        command.addAll(List.of(more));
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
