package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.bundle.BundleNote;
import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.protocols.bundle.ManifestEntry;
import dev.ferry.storage.ChunkSizes;
import dev.ferry.storage.ChunkStore;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredChunk;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chunks of at most {@link ChunkStore#INLINE_MAX} bytes, which a site of this version keeps inline (in the object,
 * not under their digest): a bundle names them by runs of objects the site holds or ships them, never relies on the
 * site finding them by digest, and an import takes them from the base objects that keep them inline when a run
 * names them there. Both sites are stores
 * of this version (they keep small chunks inline); a site of an earlier version, holding them by digest, is played
 * by an inventory that lists them.
 */
class InlineChunkBundleTest {
    /** Chunks of 64 to 1024 bytes: many small enough to be kept inline, many not. */
    static final ChunkSizes MIXED = new ChunkSizes(64, 256, 1024, 1);

    @TempDir
    Path tmp;

    BundleFixture fx;
    RocksContentStore a;
    RocksContentStore b;
    final Random random = new Random(33);

    @BeforeEach
    void setUp() throws Exception {
        fx = new BundleFixture(tmp);
        a = fx.store("a", MIXED);
        b = fx.store("b", MIXED);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    /**
     * The site's inventory lists the small chunks of the base too (a site of an earlier version writes it so): the
     * edited object names every chunk it shares with the base, small and large, by runs of the base, which the site
     * (keeping the small ones inline) resolves from its own chunk list; nothing it holds is shipped again.
     */
    @Test
    void smallChunksABaseHoldsAreNamedByRunsOfTheBase() throws Exception {
        byte[] v1 = bytes(150_000);
        Sha256 base = BundleFixture.put(a, "blob/0-base", v1);
        BundleFixture.put(b, "blob/0-base", v1);
        Sha256 edited = BundleFixture.put(
                a,
                "blob/1-edited",
                BundleFormat2Test.concat(
                        Arrays.copyOfRange(v1, 0, 75_000),
                        "an edit".getBytes(StandardCharsets.UTF_8),
                        Arrays.copyOfRange(v1, 75_000, v1.length)));
        Set<String> baseChunks = digests(a, base, c -> true);
        Inventory.Builder listed = new Inventory.Builder().addAll(BundleFixture.inventoryOf(b));
        baseChunks.forEach(d -> listed.add(Inventory.chunkKey(Sha256.ofHex(d).bytes())));
        Inventory cut = listed.build();
        Set<String> heldSmall = digests(a, edited, c -> c.length() <= ChunkStore.INLINE_MAX);
        heldSmall.retainAll(baseChunks);
        Set<String> heldLarge = digests(a, edited, c -> c.length() > ChunkStore.INLINE_MAX);
        heldLarge.retainAll(baseChunks);
        assertFalse(heldSmall.isEmpty(), "the edited object shares small chunks with the site's");
        assertFalse(heldLarge.isEmpty(), "the edited object shares large chunks with the site's");

        Path bundle = export(a, cut, "delta", new ByteArrayOutputStream());
        Set<String> shipped = BundleFixture.shippedChunks(bundle);
        assertTrue(Collections.disjoint(shipped, heldSmall), "no small chunk the base holds is shipped");
        assertTrue(Collections.disjoint(shipped, heldLarge), "no large chunk the site holds is shipped");
        ManifestEntry.DeltaObject entry = deltaObjects(bundle).getFirst();
        assertEquals(edited.hex(), entry.sha256());
        assertTrue(smallChunksInBaseRuns(entry, base) > 0, "small chunks named by runs of the base: " + entry);
        assertNoHeldChunks(bundle);

        importInto(b, bundle);
        assertEquals(BundleFixture.content(a), BundleFixture.content(b));
    }

    /**
     * Chunks the cut lists by digest alone (the site holds them in no object the bundle could name, as an inventory
     * of an earlier version says): the large ones are named by digest ({@code h}), the small ones shipped, since a
     * site of this version would not find them by digest.
     */
    @Test
    void smallChunksTheCutListsOnlyByDigestAreShipped() throws Exception {
        Sha256 x = BundleFixture.put(a, "blob/x", bytes(120_000));
        Inventory.Builder listed = new Inventory.Builder();
        digests(a, x, c -> true)
                .forEach(d -> listed.add(Inventory.chunkKey(Sha256.ofHex(d).bytes())));
        Set<String> small = digests(a, x, c -> c.length() <= ChunkStore.INLINE_MAX);
        Set<String> large = digests(a, x, c -> c.length() > ChunkStore.INLINE_MAX);
        assertFalse(small.isEmpty());
        assertFalse(large.isEmpty());

        Path bundle = export(a, listed.build(), "digests", new ByteArrayOutputStream());
        assertEquals(small, BundleFixture.shippedChunks(bundle), "the small chunks, and only they, are shipped");
        Set<String> byDigest = new HashSet<>();
        for (ManifestEntry.Part p : deltaObjects(bundle).getFirst().parts()) {
            if (p instanceof ManifestEntry.Held h) {
                byDigest.add(h.sha256());
            }
        }
        assertEquals(large, byDigest, "the large ones by their digest");
    }

    /**
     * A full bundle's record of what the site holds after it (what a {@code --since} bundle is cut against) lists
     * its objects and large chunks, never a small chunk; a {@code --since} bundle then names the small chunks the
     * first one carried by runs of the object holding them (a base), and imports at a site that keeps them inline.
     */
    @Test
    void theSentRecordListsNoSmallChunkAndASinceBundleNamesThemByRunsOfItsBase() throws Exception {
        byte[] v1 = bytes(120_000);
        Sha256 first = BundleFixture.put(a, "blob/0-first", v1);
        Sha256 other = BundleFixture.put(a, "blob/1-other", bytes(40_000));
        BundleService sa = fx.service(a, "a");
        BundleService sb = fx.service(b, "b");
        Path full = exportWith(sa, "m1", Optional.empty());
        String fullId = full.getFileName().toString();
        Inventory record;
        try (var in = Files.newInputStream(tmp.resolve("a/data/bundles").resolve(fullId + ".sent"))) {
            record = Inventory.read(in, 1 << 20);
        }
        int small = 0;
        for (Sha256 o : List.of(first, other)) {
            assertTrue(record.contains(Inventory.objectKey(o.bytes())));
            for (StoredChunk c : a.chunksOf(o).orElseThrow()) {
                boolean isSmall = c.length() <= ChunkStore.INLINE_MAX;
                small += isSmall ? 1 : 0;
                assertEquals(
                        !isSmall,
                        record.contains(Inventory.chunkKey(c.digest().bytes())),
                        "chunk of " + c.length() + " bytes in the sent record");
            }
        }
        assertTrue(small > 0, "the objects have small chunks");
        assertSucceeded(sb, sb.importBundle(new ImportRequest(List.of(full), List.of(fx.signer.verifier()))));

        Sha256 second = BundleFixture.put(
                a, "blob/2-second", BundleFormat2Test.concat(Arrays.copyOfRange(v1, 0, 90_000), bytes(3_000)));
        Set<String> heldSmall = digests(a, second, c -> c.length() <= ChunkStore.INLINE_MAX);
        heldSmall.retainAll(digests(a, first, c -> true));
        assertFalse(heldSmall.isEmpty());
        Path since = exportWith(sa, "m2", Optional.of(fullId));
        assertTrue(Collections.disjoint(BundleFixture.shippedChunks(since), heldSmall), "the site holds them in first");
        ManifestEntry.DeltaObject entry = deltaObjects(since).getFirst();
        assertEquals(second.hex(), entry.sha256());
        assertTrue(smallChunksInBaseRuns(entry, first) > 0, "named by runs of first, not by digest: " + entry);
        assertNoHeldChunks(since);
        assertSucceeded(sb, sb.importBundle(new ImportRequest(List.of(since), List.of(fx.signer.verifier()))));
        assertEquals(BundleFixture.content(a), BundleFixture.content(b));
    }

    /**
     * Two objects sharing small chunks, at a site that keeps them inline: the exporter reads them from their
     * objects' chunk lists (its store does not give them by digest), ships each once, and the second object names
     * them by a run of the first; the site imports it.
     */
    @Test
    void objectsSharingSmallChunksShipEachOnceAndImport() throws Exception {
        byte[] shared = bytes(30_000);
        Sha256 x1 = BundleFixture.put(a, "blob/1-x1", BundleFormat2Test.concat(bytes(20_000), shared, bytes(20_000)));
        Sha256 x2 = BundleFixture.put(a, "blob/2-x2", BundleFormat2Test.concat(bytes(10_000), shared, bytes(10_000)));
        Set<String> sharedSmall = digests(a, x1, c -> c.length() <= ChunkStore.INLINE_MAX);
        sharedSmall.retainAll(digests(a, x2, c -> true));
        assertFalse(sharedSmall.isEmpty(), "the objects share small chunks");

        Path bundle = export(a, Inventory.empty(), "full", new ByteArrayOutputStream());
        List<ManifestEntry.DeltaObject> objects = deltaObjects(bundle);
        assertEquals(
                List.of(x1.hex(), x2.hex()),
                objects.stream().map(ManifestEntry.DeltaObject::sha256).toList());
        assertEquals(
                objects.stream()
                        .flatMap(o -> o.parts().stream())
                        .filter(p -> p instanceof ManifestEntry.Shipped)
                        .count(),
                BundleFixture.shippedChunks(bundle).size(),
                "each chunk shipped once");
        assertTrue(BundleFormat2Test.runsOf(objects.get(1), x1), objects.get(1).toString());
        assertNoHeldChunks(bundle);

        importInto(b, bundle);
        assertEquals(BundleFixture.content(a), BundleFixture.content(b));
    }

    /** The objects of {@link #runsIntoTheBase}: the base both sites hold, and three the bundle lists. */
    record Scenario(Sha256 base, Sha256 x1, Sha256 x2, Sha256 x3, Path bundle) {}

    /**
     * B holds {@code base} and keeps its small chunks inline. X1 holds part of it, X2 and X3 start with most of it:
     * their chunks there, small ones included, are named by runs of the base.
     */
    Scenario runsIntoTheBase() throws Exception {
        byte[] v1 = bytes(150_000);
        Sha256 base = BundleFixture.put(a, "blob/0-base", v1);
        BundleFixture.put(b, "blob/0-base", v1);
        Sha256 x1 = BundleFixture.put(
                a, "blob/1-x1", BundleFormat2Test.concat(bytes(10_000), Arrays.copyOfRange(v1, 0, 60_000)));
        Sha256 x2 = BundleFixture.put(
                a, "blob/2-x2", BundleFormat2Test.concat(Arrays.copyOfRange(v1, 0, 100_000), bytes(5_000)));
        Sha256 x3 = BundleFixture.put(
                a, "blob/3-x3", BundleFormat2Test.concat(Arrays.copyOfRange(v1, 0, 100_000), bytes(6_000)));
        Inventory cut = BundleFixture.inventoryOf(b);
        Path bundle = export(a, cut, "delta", new ByteArrayOutputStream());
        ManifestEntry.DeltaObject entry = deltaObjects(bundle).get(1);
        assertEquals(x2.hex(), entry.sha256());
        assertTrue(smallChunksInBaseRuns(entry, base) > 0, "a run of the base names small chunks of it: " + entry);
        return new Scenario(base, x1, x2, x3, bundle);
    }

    @Test
    void runsIntoABaseThatKeepsItsSmallChunksInlineImport() throws Exception {
        Scenario s = runsIntoTheBase();
        importInto(b, s.bundle());
        assertEquals(BundleFixture.content(a), BundleFixture.content(b));
    }

    /**
     * A run of an object listed before whose chunks came, in part, inline from the site's base (no exporter of
     * this version writes it so, an older one may): the copied chunks keep their bytes.
     */
    @Test
    void aRunCopyingInlineChunksOfAnObjectListedBeforeImports() throws Exception {
        Scenario s = runsIntoTheBase();
        List<ManifestEntry.DeltaObject> objects = deltaObjects(s.bundle());
        ManifestEntry.DeltaObject x2 = objects.get(1);
        ManifestEntry.DeltaObject x3 = objects.get(2);
        assertEquals(s.x3().hex(), x3.sha256());
        // X2's chunks that came inline from the base, by index: X3 names some of them by a run of the base
        Set<Integer> inlineInX2 = inlineFromBase(x2, s.base());
        ManifestEntry.Run pick = null;
        for (ManifestEntry.Part p : x3.parts()) {
            if (p instanceof ManifestEntry.Run r && r.object().equals(s.base().hex())) {
                for (int i = r.first(); i < r.first() + r.count(); i++) {
                    if (inlineInX2.contains(i)) {
                        pick = r;
                    }
                }
            }
        }
        assertTrue(pick != null, "X3 names chunks X2 took inline from the base: " + x3);
        // X2 and the base have the same first chunks: the run may name X2's instead
        List<StoredChunk> baseChunks = a.chunksOf(s.base()).orElseThrow();
        List<StoredChunk> x2Chunks = a.chunksOf(s.x2()).orElseThrow();
        for (int i = pick.first(); i < pick.first() + pick.count(); i++) {
            assertEquals(baseChunks.get(i).digest(), x2Chunks.get(i).digest());
        }
        String from = "\nr " + s.base().hex() + " " + pick.first() + " " + pick.count() + "\n";
        String to = "\nr " + s.x2().hex() + " " + pick.first() + " " + pick.count() + "\n";
        fx.resign(s.bundle(), text -> {
            int at = text.indexOf(from, text.indexOf("object " + s.x3().hex()));
            return text.substring(0, at) + to + text.substring(at + from.length());
        });
        assertTrue(deltaObjects(s.bundle())
                .get(2)
                .parts()
                .contains(new ManifestEntry.Run(s.x2().hex(), pick.first(), pick.count())));

        importInto(b, s.bundle());
        assertEquals(BundleFixture.content(a), BundleFixture.content(b));
    }

    /**
     * A bundle naming small chunks of the base by their digest alone ({@code h}, as an exporter before inline chunks
     * could write it): a site keeping them inline cannot find them so, and refuses the bundle, naming such a chunk,
     * before anything is written.
     */
    @Test
    void aSmallChunkNamedByItsDigestAloneIsRefusedAtASiteKeepingItInline() throws Exception {
        Scenario s = runsIntoTheBase();
        List<StoredChunk> baseChunks = a.chunksOf(s.base()).orElseThrow();
        ManifestEntry.Run run = null;
        for (ManifestEntry.Part p : deltaObjects(s.bundle()).get(1).parts()) {
            if (run == null
                    && p instanceof ManifestEntry.Run r
                    && r.object().equals(s.base().hex())) {
                run = r;
            }
        }
        assertTrue(run != null);
        StringBuilder held = new StringBuilder("\n");
        Set<String> small = new HashSet<>();
        for (int i = run.first(); i < run.first() + run.count(); i++) {
            StoredChunk c = baseChunks.get(i);
            held.append("h ")
                    .append(c.digest().hex())
                    .append(' ')
                    .append(c.length())
                    .append('\n');
            if (ChunkStore.keptInline(c.length())) {
                small.add(c.digest().hex());
            }
        }
        assertFalse(small.isEmpty(), "the run holds small chunks");
        String from = "\nr " + s.base().hex() + " " + run.first() + " " + run.count() + "\n";
        int lines = run.count() - 1;
        fx.resign(s.bundle(), text -> {
            int at = text.indexOf(from, text.indexOf("object " + s.x2().hex()));
            String edited = text.substring(0, at) + held + text.substring(at + from.length());
            java.util.regex.Matcher end =
                    java.util.regex.Pattern.compile("\nend (\\d+)\n?$").matcher(edited);
            assertTrue(end.find(), "the manifest's end line");
            return edited.substring(0, end.start()) + "\nend " + (Long.parseLong(end.group(1)) + lines) + "\n";
        });
        Map<String, String> before = BundleFixture.content(b);

        BundleException refused = assertThrows(BundleException.class, () -> importInto(b, s.bundle()));
        assertTrue(refused.getMessage().contains("which this site lacks"), refused.getMessage());
        assertTrue(
                small.stream().anyMatch(d -> refused.getMessage().contains("chunk sha256:" + d)),
                "names a small chunk: " + refused.getMessage());
        assertEquals(before, BundleFixture.content(b));
    }

    /** How many of the chunks {@code o} names by runs of {@code base} are small ones. */
    private int smallChunksInBaseRuns(ManifestEntry.DeltaObject o, Sha256 base) {
        List<StoredChunk> cs = a.chunksOf(base).orElseThrow();
        int n = 0;
        for (ManifestEntry.Part p : o.parts()) {
            if (p instanceof ManifestEntry.Run r && r.object().equals(base.hex())) {
                for (int i = r.first(); i < r.first() + r.count(); i++) {
                    n += cs.get(i).length() <= ChunkStore.INLINE_MAX ? 1 : 0;
                }
            }
        }
        return n;
    }

    /** The indexes of {@code o}'s chunks that it names by runs of {@code base} and that are small. */
    private Set<Integer> inlineFromBase(ManifestEntry.DeltaObject o, Sha256 base) {
        List<StoredChunk> cs = a.chunksOf(base).orElseThrow();
        Set<Integer> out = new HashSet<>();
        int at = 0;
        for (ManifestEntry.Part p : o.parts()) {
            switch (p) {
                case ManifestEntry.Shipped s -> at++;
                case ManifestEntry.Held h -> at++;
                case ManifestEntry.Run r -> {
                    for (int i = 0; i < r.count(); i++, at++) {
                        if (r.object().equals(base.hex())
                                && cs.get(r.first() + i).length() <= ChunkStore.INLINE_MAX) {
                            out.add(at);
                        }
                    }
                }
            }
        }
        return out;
    }

    byte[] bytes(int n) {
        byte[] out = new byte[n];
        random.nextBytes(out);
        return out;
    }

    static Set<String> digests(RocksContentStore store, Sha256 object, Predicate<StoredChunk> which) {
        return store.chunksOf(object).orElseThrow().stream()
                .filter(which)
                .map(c -> c.digest().hex())
                .collect(Collectors.toCollection(HashSet::new));
    }

    static List<ManifestEntry.DeltaObject> deltaObjects(Path bundle) throws Exception {
        return BundleFixture.manifest(bundle).stream()
                .filter(e -> e instanceof ManifestEntry.DeltaObject)
                .map(e -> (ManifestEntry.DeltaObject) e)
                .toList();
    }

    /** No chunk is named by its digest alone: the site may keep it inline, or not hold it at all. */
    static void assertNoHeldChunks(Path bundle) throws Exception {
        for (ManifestEntry.DeltaObject o : deltaObjects(bundle)) {
            assertFalse(o.parts().stream().anyMatch(p -> p instanceof ManifestEntry.Held), o.toString());
        }
    }

    /** Exports all of {@code store} in format 2, cut against {@code cut}; the sent record goes to {@code sent}. */
    Path export(ContentStore store, Inventory cut, String to, ByteArrayOutputStream sent) throws Exception {
        return fx.exportDirect(store, BundleNote.FORMAT_2, cut, tmp.resolve(to), tmp.resolve("scratch-" + to), sent);
    }

    Path exportWith(BundleService service, String to, Optional<String> since) throws Exception {
        Path medium = Files.createDirectories(tmp.resolve(to));
        BundleProgress p = service.await(service.export(new ExportRequest(
                                medium,
                                Selection.all(),
                                BundleFormat.BUNDLE,
                                "plant",
                                Optional.empty(),
                                since,
                                ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                                Map.of()))
                        .id())
                .orElseThrow();
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        return medium.resolve(p.bundleId());
    }

    static void assertSucceeded(BundleService service, BundleProgress started) throws Exception {
        BundleProgress p = service.await(started.id()).orElseThrow();
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
    }

    /** Imports {@code bundle} into {@code site}; a refusal fails the test with its reason. */
    void importInto(ContentStore site, Path bundle) throws Exception {
        new Importer(
                        site,
                        new ImportRecords(tmp.resolve("site/bundles")),
                        Clock.systemUTC(),
                        HeapBudget.chunks(),
                        BundleFixture.SYNTHETIC,
                        SumdbLatest.NONE,
                        tmp.resolve("site/scratch"))
                .run(new ImportRequest(List.of(bundle), List.of(fx.signer.verifier())), BundleProgressSink.NONE);
    }
}
