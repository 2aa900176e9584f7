package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.bundle.ManifestEntry;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredChunk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export from a real store A, import into a real store B: content equal, only what B lacks shipped. */
class BundleExportImportTest {
    @TempDir
    Path tmp;

    BundleFixture fx;
    RocksContentStore a;
    RocksContentStore b;
    BundleService sa;
    BundleService sb;
    final Random random = new Random(42);

    @BeforeEach
    void setUp() throws Exception {
        fx = new BundleFixture(tmp);
        a = fx.store("a");
        b = fx.store("b");
        sa = fx.service(a, "a");
        sb = fx.service(b, "b");
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    byte[] bytes(int n) {
        byte[] out = new byte[n];
        random.nextBytes(out);
        return out;
    }

    /** Round one at A: two related zips (shared chunks), a small file, metadata, a tag, pins. */
    void fillFirst() throws IOException {
        byte[] base = bytes(200_000);
        Sha256 zip1 = BundleFixture.put(a, "go/mod/example.com/a/@v/v1.0.0.zip", base);
        byte[] changed = base.clone();
        changed[100_000] ^= 1;
        BundleFixture.put(a, "go/mod/example.com/a/@v/v1.0.1.zip", changed);
        BundleFixture.put(a, "go/mod/example.com/a/@v/v1.0.0.mod", "module example.com/a\n".getBytes());
        BundleFixture.put(a, "empty", new byte[0]);
        a.update(x -> {
            x.putMeta("go/info/example.com/a/v1.0.0", "{\"Version\":\"v1.0.0\"}".getBytes());
            x.putMeta("tag/example/app:latest", "sha256:1".getBytes());
            x.putMeta("odd key with spaces\nand newline %", new byte[0]);
        });
        a.pin("mirror-set:team", zip1);
    }

    /** Round two at A: a new version sharing most chunks with v1.0.1, a moved tag. */
    List<Sha256> fillSecond() throws IOException {
        byte[] v2 = BundleFixture.contentBytes(
                a, a.resolve("go/mod/example.com/a/@v/v1.0.1.zip").orElseThrow().digest());
        v2[150_000] ^= 1;
        Sha256 n1 = BundleFixture.put(a, "go/mod/example.com/a/@v/v1.0.2.zip", v2);
        Sha256 n2 = BundleFixture.put(a, "go/mod/example.com/b/@v/v0.1.0.zip", bytes(30_000));
        a.update(x -> x.putMeta("tag/example/app:latest", "sha256:2".getBytes()));
        return List.of(n1, n2);
    }

    ExportRequest request(Path to, Optional<Path> inventory, Optional<String> since, long maxVolume) {
        return new ExportRequest(
                to,
                Selection.all(),
                BundleFormat.BUNDLE,
                "plant",
                inventory,
                since,
                maxVolume,
                Map.of("team", "go:\n  modules: [example.com/a]\n"));
    }

    /**
     * A site's record of what it holds after a bundle lists everything it holds: ferry keeps the newest five per site
     * (a daily sync of a large site would otherwise add its whole size every day), and an export --since an older one
     * is refused with the ways out. Another site's records are its own.
     */
    @Test
    void onlyTheNewestSentRecordsOfASiteAreKept() throws Exception {
        fillFirst();
        String other = export(new ExportRequest(
                        tmp.resolve("o"),
                        Selection.all(),
                        BundleFormat.BUNDLE,
                        "other",
                        Optional.empty(),
                        Optional.empty(),
                        ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                        Map.of()))
                .getFileName()
                .toString();
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < ExportHistory.SENT_KEPT + 2; i++) {
            Optional<String> since = ids.isEmpty() ? Optional.empty() : Optional.of(ids.getLast());
            BundleFixture.put(a, "more/" + i, bytes(5_000));
            ids.add(export(request(
                            tmp.resolve("p" + i), Optional.empty(), since, ExportRequest.DEFAULT_MAX_VOLUME_SIZE))
                    .getFileName()
                    .toString());
        }
        Path bundles = tmp.resolve("a/data/bundles");
        for (int i = 0; i < ids.size(); i++) {
            assertEquals(i >= 2, Files.exists(bundles.resolve(ids.get(i) + ".sent")), "sent record of bundle " + i);
            assertEquals(i >= 2, sa.keepsSent(ids.get(i)), "what the history shows for bundle " + i);
        }
        assertTrue(Files.exists(bundles.resolve(other + ".sent")), "the other site's record stays");
        assertEquals(ids.size() + 1, sa.history().size(), "the history lists every bundle");

        BundleException old = assertThrows(
                BundleException.class,
                () -> sa.export(request(
                        tmp.resolve("old"),
                        Optional.empty(),
                        Optional.of(ids.get(1)),
                        ExportRequest.DEFAULT_MAX_VOLUME_SIZE)));
        assertEquals(BundleException.Kind.NOT_FOUND, old.kind());
        assertEquals(
                "bundle " + ids.get(1) + " is older than the last 5 to site 'plant', whose records of what the site"
                        + " holds are all this ferry keeps; export --since a later one (ferry bundles lists them), or"
                        + " against an inventory the site writes (ferry inventory)",
                old.getMessage());
        assertFalse(Files.exists(tmp.resolve("old")), "nothing created for a refused export");
        export(request(
                tmp.resolve("kept"), Optional.empty(), Optional.of(ids.get(2)), ExportRequest.DEFAULT_MAX_VOLUME_SIZE));

        // The latest bundle's record gone some other way (removed by hand): not "older than the last 5".
        String latest = sa.lastExportTo("plant").orElseThrow().id();
        Files.delete(bundles.resolve(latest + ".sent"));
        BundleException gone = assertThrows(
                BundleException.class,
                () -> sa.export(request(
                        tmp.resolve("gone"),
                        Optional.empty(),
                        Optional.of(latest),
                        ExportRequest.DEFAULT_MAX_VOLUME_SIZE)));
        assertEquals(BundleException.Kind.NOT_FOUND, gone.kind());
        assertEquals(
                "the record of what bundle " + latest + " left site 'plant' holding (" + latest + ".sent in this"
                        + " ferry's bundles directory) is missing; export against an inventory the site writes (ferry"
                        + " inventory), or a full bundle; later exports --since that one work again",
                gone.getMessage());
        assertFalse(Files.exists(tmp.resolve("gone")), "nothing created for a refused export");

        // A record damaged on this server's disk is this server's failure (500 at the admin API), with the ways out.
        String before = ids.get(ids.size() - 2);
        Files.write(bundles.resolve(before + ".sent"), "ferry-inventory 1\nnot gzip".getBytes());
        BundleException damaged = assertThrows(
                BundleException.class,
                () -> sa.export(request(
                        tmp.resolve("damaged"),
                        Optional.empty(),
                        Optional.of(before),
                        ExportRequest.DEFAULT_MAX_VOLUME_SIZE)));
        assertEquals(BundleException.Kind.FAILED, damaged.kind());
        assertTrue(
                damaged.getMessage()
                        .startsWith("cannot read this ferry's record of what bundle " + before
                                + " left the site holding (" + bundles.resolve(before + ".sent") + " is damaged: "),
                damaged.getMessage());
        assertTrue(
                damaged.getMessage()
                        .endsWith(
                                "export against an inventory the site writes (ferry inventory), or" + " a full bundle"),
                damaged.getMessage());
        assertFalse(Files.exists(tmp.resolve("damaged")), "nothing created for a refused export");
    }

    BundleProgress run(BundleService s, BundleProgress started) throws InterruptedException {
        BundleProgress done = s.await(started.id()).orElseThrow();
        return done;
    }

    Path export(ExportRequest r) throws Exception {
        BundleProgress p = run(sa, sa.export(r));
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        return r.to().resolve(p.bundleId());
    }

    BundleProgress importInto(BundleService s, Path bundle, Verifier... keys) throws Exception {
        List<Verifier> trusted = keys.length == 0 ? List.of(fx.signer.verifier()) : List.of(keys);
        return run(s, s.importBundle(new ImportRequest(List.of(bundle), trusted)));
    }

    static Set<String> shippedChunks(Path bundle) throws IOException {
        return BundleFixture.shippedChunks(bundle);
    }

    static Set<String> objects(Path bundle) throws IOException {
        return BundleFixture.manifest(bundle).stream()
                .map(e -> switch (e) {
                    case ManifestEntry.StoreObject o -> o.sha256();
                    case ManifestEntry.DeltaObject o -> o.sha256();
                    default -> null;
                })
                .filter(java.util.Objects::nonNull)
                .collect(Collectors.toSet());
    }

    @Test
    void fullBundleCarriesEverything() throws Exception {
        fillFirst();
        Path bundle = export(request(
                tmp.resolve("medium"), Optional.empty(), Optional.empty(), ExportRequest.DEFAULT_MAX_VOLUME_SIZE));
        assertTrue(Files.isRegularFile(bundle.resolve("bundle.note")));
        BundleProgress exportJob = sa.jobs().getLast();
        assertEquals(bundle.toString(), exportJob.directory());
        assertTrue(
                exportJob.summary().contains(new BundleProgress.Count("volumes", 1)),
                exportJob.summary().toString());
        try (Stream<Path> l = Files.list(bundle.getParent())) {
            assertEquals(List.of(bundle), l.toList(), "a partial directory was left behind");
        }
        BundleProgress p = importInto(sb, bundle);
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        assertEquals(BundleFixture.content(a), BundleFixture.content(b));
        assertEquals(Map.of("team", "go:\n  modules: [example.com/a]\n"), sb.importedMirrorSets(p.bundleId()));
        // every imported object is pinned: an offline site cannot fetch it again
        Set<Sha256> pinned = new HashSet<>();
        b.scanPinSet("bundle:" + p.bundleId(), pinned::add);
        Set<Sha256> all = new HashSet<>();
        b.scanObjects(o -> all.add(o.digest()));
        assertEquals(all, pinned);
        // the export's temporary pins are gone at A
        List<String> setsAtA = new java.util.ArrayList<>();
        a.scanPinSets("", setsAtA::add);
        assertEquals(List.of("mirror-set:team"), setsAtA);
        assertEquals(1, sa.history().size());
        assertEquals(p.bundleId(), sa.history().getFirst().id());
        assertEquals(Optional.of(sa.history().getFirst()), sa.lastExportTo("plant"));
        assertEquals(Optional.empty(), sa.lastExportTo("elsewhere"));

        // idempotent: a second import changes nothing
        Map<String, String> after = BundleFixture.dump(b);
        BundleProgress again = importInto(sb, bundle);
        assertEquals(BundleProgress.State.SUCCEEDED, again.state(), again.error());
        assertEquals(after, BundleFixture.dump(b));
    }

    @Test
    void inventoryBundleShipsOnlyTheChunksTheSiteLacks() throws Exception {
        fillFirst();
        Path first = export(
                request(tmp.resolve("m1"), Optional.empty(), Optional.empty(), ExportRequest.DEFAULT_MAX_VOLUME_SIZE));
        assertEquals(BundleProgress.State.SUCCEEDED, importInto(sb, first).state());
        List<Sha256> added = fillSecond();
        Path inventory = tmp.resolve("b.inventory");
        sb.writeInventory(inventory);

        Path second = export(request(
                tmp.resolve("m2"), Optional.of(inventory), Optional.empty(), ExportRequest.DEFAULT_MAX_VOLUME_SIZE));
        Set<String> expected = new HashSet<>();
        for (Sha256 o : added) {
            for (StoredChunk c : a.chunksOf(o).orElseThrow()) {
                if (!b.hasChunk(c.digest())) {
                    expected.add(c.digest().hex());
                }
            }
        }
        assertFalse(expected.isEmpty());
        assertEquals(expected, shippedChunks(second));
        assertEquals(added.stream().map(Sha256::hex).collect(Collectors.toSet()), objects(second));
        // the moved tag travels, the unchanged records do not
        List<ManifestEntry> m = BundleFixture.manifest(second);
        assertEquals(1, m.stream().filter(e -> e instanceof ManifestEntry.Meta).count());
        assertEquals(2, m.stream().filter(e -> e instanceof ManifestEntry.Name).count());
        // pins the site holds already (mirror-set:team on the first objects) stay behind too
        Set<String> addedHex = added.stream().map(Sha256::hex).collect(Collectors.toSet());
        List<ManifestEntry.Pin> pins = m.stream()
                .filter(e -> e instanceof ManifestEntry.Pin)
                .map(e -> (ManifestEntry.Pin) e)
                .toList();
        assertTrue(pins.stream().allMatch(pin -> addedHex.contains(pin.object())), pins.toString());

        BundleProgress p = importInto(sb, second);
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        assertEquals(BundleFixture.content(a), BundleFixture.content(b));
    }

    @Test
    void sinceChainShipsOnlyNewContentAndImportsInOrder() throws Exception {
        fillFirst();
        Path first = export(
                request(tmp.resolve("m1"), Optional.empty(), Optional.empty(), ExportRequest.DEFAULT_MAX_VOLUME_SIZE));
        String firstId = first.getFileName().toString();
        List<Sha256> added = fillSecond();
        Path second = export(request(
                tmp.resolve("m2"), Optional.empty(), Optional.of(firstId), ExportRequest.DEFAULT_MAX_VOLUME_SIZE));
        assertEquals(added.stream().map(Sha256::hex).collect(Collectors.toSet()), objects(second));
        Set<String> oldChunks = new HashSet<>();
        BundleFixture.chunks(first, null).values().forEach(oldChunks::addAll);
        Set<String> shipped = shippedChunks(second);
        shipped.retainAll(oldChunks);
        assertEquals(Set.of(), shipped, "the since bundle shipped chunks the first one carried");
        assertEquals(firstId, sa.history().get(1).base());

        Map<String, String> before = BundleFixture.dump(b);
        BundleProgress early = importInto(sb, second);
        assertEquals(BundleProgress.State.FAILED, early.state());
        assertEquals(
                "bundle " + second.getFileName() + " builds on bundle " + firstId + ", which this site has not "
                        + "imported; import " + firstId + " first",
                early.error());
        assertEquals(before, BundleFixture.dump(b));

        assertEquals(BundleProgress.State.SUCCEEDED, importInto(sb, first).state());
        BundleProgress p = importInto(sb, second);
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        assertEquals(BundleFixture.content(a), BundleFixture.content(b));

        BundleException unknown = assertThrows(
                BundleException.class,
                () -> sa.export(request(
                        tmp.resolve("m3"),
                        Optional.empty(),
                        Optional.of("20200101T000000Z-00000000"),
                        ExportRequest.DEFAULT_MAX_VOLUME_SIZE)));
        assertEquals(BundleException.Kind.NOT_FOUND, unknown.kind());
    }

    @Test
    void volumesAreCutAtTheMaximumSize() throws Exception {
        for (int i = 0; i < 3; i++) {
            BundleFixture.put(a, "blob/" + i, bytes(2_400_000));
        }
        long max = ExportRequest.MIN_MAX_VOLUME_SIZE;
        Path bundle = export(request(tmp.resolve("m"), Optional.empty(), Optional.empty(), max));
        List<Path> volumes;
        try (Stream<Path> l = Files.list(bundle)) {
            volumes = l.filter(f -> f.getFileName().toString().endsWith(".fvol"))
                    .sorted()
                    .toList();
        }
        assertTrue(volumes.size() >= 4, "volumes: " + volumes);
        for (Path v : volumes) {
            assertTrue(Files.size(v) <= max, v + " has " + Files.size(v) + " bytes");
        }
        BundleProgress p = importInto(sb, bundle);
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        assertEquals(BundleFixture.content(a), BundleFixture.content(b));
    }

    @Test
    void emptyBundleHasNoVolumesAndImports() throws Exception {
        Path bundle = export(
                request(tmp.resolve("m"), Optional.empty(), Optional.empty(), ExportRequest.DEFAULT_MAX_VOLUME_SIZE));
        try (Stream<Path> l = Files.list(bundle)) {
            assertEquals(
                    Set.of("bundle.note", "manifest.gz"),
                    l.map(f -> f.getFileName().toString()).collect(Collectors.toSet()));
        }
        BundleProgress p = importInto(sb, bundle);
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        assertEquals(BundleFixture.content(a), BundleFixture.content(b));
    }

    @Test
    void synchronousChecks() throws Exception {
        BundleService unsigned = new BundleService(
                a,
                tmp.resolve("u"),
                Optional::empty,
                java.time.Clock.systemUTC(),
                5,
                s -> BundleFixture.everything(a),
                BundleFixture.SYNTHETIC);
        BundleException e = assertThrows(
                BundleException.class,
                () -> unsigned.export(request(
                        tmp.resolve("m"), Optional.empty(), Optional.empty(), ExportRequest.DEFAULT_MAX_VOLUME_SIZE)));
        assertEquals(BundleException.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("ferry keys generate"), e.getMessage());

        Path notInventory = tmp.resolve("junk");
        Files.writeString(notInventory, "hello");
        e = assertThrows(
                BundleException.class,
                () -> sa.export(request(
                        tmp.resolve("m"),
                        Optional.of(notInventory),
                        Optional.empty(),
                        ExportRequest.DEFAULT_MAX_VOLUME_SIZE)));
        assertEquals(BundleException.Kind.BAD_REQUEST, e.kind());
        e = assertThrows(
                BundleException.class,
                () -> sa.export(request(
                        tmp.resolve("m"),
                        Optional.of(tmp.resolve("absent")),
                        Optional.empty(),
                        ExportRequest.DEFAULT_MAX_VOLUME_SIZE)));
        assertEquals(BundleException.Kind.NOT_FOUND, e.kind());
        e = assertThrows(
                BundleException.class,
                () -> sa.export(request(
                        notInventory, Optional.empty(), Optional.empty(), ExportRequest.DEFAULT_MAX_VOLUME_SIZE)));
        assertEquals(BundleException.Kind.BAD_REQUEST, e.kind());

        e = assertThrows(
                BundleException.class,
                () -> sb.importBundle(
                        new ImportRequest(List.of(tmp.resolve("nowhere")), List.of(fx.signer.verifier()))));
        assertEquals(BundleException.Kind.NOT_FOUND, e.kind());
        e = assertThrows(
                BundleException.class,
                () -> sb.importBundle(new ImportRequest(List.of(tmp), List.of(fx.signer.verifier()))));
        assertEquals(BundleException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("bundle.note"), e.getMessage());
        Path someDir = Files.createDirectories(tmp.resolve("some"));
        Files.writeString(someDir.resolve("bundle.note"), "x");
        e = assertThrows(BundleException.class, () -> sb.importBundle(new ImportRequest(List.of(someDir), List.of())));
        assertEquals(BundleException.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().startsWith("no key to verify the bundle with"), e.getMessage());
    }
}
