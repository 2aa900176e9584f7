package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.BundleNote;
import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.protocols.bundle.ManifestEntry;
import dev.ferry.protocols.bundle.ManifestReader;
import dev.ferry.protocols.bundle.MetaPolicy;
import dev.ferry.protocols.sumdb.note.Note;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.storage.ChunkSizes;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoreOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** Real stores on disk, filled and compared for the bundle tests. */
final class BundleFixture implements AutoCloseable {
    /** Small chunks, so modest objects have many and share some. */
    static final ChunkSizes SMALL = new ChunkSizes(1024, 4096, 16384, 1);

    final Path root;
    final Signer signer;
    private final List<RocksContentStore> open = new ArrayList<>();
    private final List<BundleService> services = new ArrayList<>();

    BundleFixture(Path root) throws Exception {
        this.root = root;
        this.signer = Signer.generate("ferry-a.example");
    }

    /**
     * The store's key grammar, with the made-up names these tests use to exercise transport let through as
     * {@link StoreKeys.Kind#OTHER} (meta keys starting with {@code tag/} as mutable tags); real keys are checked
     * as the server checks them, REPLACE included.
     */
    static final StoreKeys SYNTHETIC = new StoreKeys() {
        @Override
        public StoreKeys.Kind name(String name) {
            return real(name) ? StoreKeys.STORE.name(name) : StoreKeys.Kind.OTHER;
        }

        @Override
        public StoreKeys.Kind metaKey(String key) {
            if (key.startsWith("tag/")) {
                return StoreKeys.Kind.OCI_TAG;
            }
            return real(key) ? StoreKeys.STORE.metaKey(key) : StoreKeys.Kind.OTHER;
        }

        private boolean real(String key) {
            try {
                StoreKeys.STORE.metaKey(key);
                return true;
            } catch (RuntimeException e) {
                try {
                    StoreKeys.STORE.name(key);
                    return true;
                } catch (RuntimeException f) {
                    return false;
                }
            }
        }
    };

    RocksContentStore store(String name) throws IOException {
        return store(name, SMALL);
    }

    RocksContentStore store(String name, ChunkSizes sizes) throws IOException {
        RocksContentStore s = RocksContentStore.open(
                root.resolve(name + "/store"), StoreOptions.defaults().withChunkSizes(sizes));
        open.add(s);
        return s;
    }

    BundleService service(ContentStore store, String name) {
        BundleService s = new BundleService(
                store,
                root.resolve(name + "/data"),
                () -> Optional.of(signer),
                Clock.systemUTC(),
                50,
                selection -> everything(store),
                SYNTHETIC);
        services.add(s);
        return s;
    }

    /**
     * Exports everything {@code service}'s store holds as one bundle to {@code medium}, labelled {@code site}, in
     * volumes of at most {@code maxVolumeSize}; returns the finished job, whatever its outcome.
     */
    static BundleProgress export(BundleService service, Path medium, String site, long maxVolumeSize) throws Exception {
        return service.await(service.export(new ExportRequest(
                                medium,
                                Selection.all(),
                                BundleFormat.BUNDLE,
                                site,
                                Optional.empty(),
                                Optional.empty(),
                                maxVolumeSize,
                                Map.of()))
                        .id())
                .orElseThrow();
    }

    /** As {@link #export}, failing the test unless the export succeeded. */
    static BundleProgress exportAll(BundleService service, Path medium, String site, long maxVolumeSize)
            throws Exception {
        BundleProgress p = export(service, medium, site, maxVolumeSize);
        org.junit.jupiter.api.Assertions.assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        return p;
    }

    /** A progress sink that keeps only the notes (what tests assert on), in order. */
    /**
     * Exports all of {@code store} with the exporter itself (no service, no history), cut against {@code cut}, into
     * a new directory {@code medium}; the record of what the bundle leaves the site holding goes to {@code sent}.
     */
    Path exportDirect(ContentStore store, int format, Inventory cut, Path medium, Path scratch, OutputStream sent)
            throws Exception {
        Files.createDirectories(medium);
        Exporter.Result r = new Exporter(store, Clock.systemUTC(), new SecureRandom(), id -> false, scratch, format)
                .export(
                        new Exporter.Job(
                                everything(store),
                                CutSet.of(cut),
                                Optional.empty(),
                                !cut.equals(Inventory.empty()),
                                "plant",
                                medium,
                                ExportRequest.MIN_MAX_VOLUME_SIZE,
                                Map.of(),
                                signer),
                        BundleProgressSink.NONE,
                        (record, body) -> body.write(sent));
        return medium.resolve(r.record().id());
    }

    /** {@code store}'s inventory as {@code ferry inventory} writes it, read back. */
    static Inventory inventoryOf(ContentStore store) throws IOException {
        Path dir = Files.createTempDirectory("ferry-inventory");
        try {
            Path file = dir.resolve("inventory");
            SiteInventory.write(store, file, dir.resolve("scratch"));
            try (java.io.InputStream in = Files.newInputStream(file)) {
                return Inventory.read(in);
            }
        } finally {
            dev.ferry.storage.ScratchTable.deleteTree(dir);
        }
    }

    static BundleProgressSink notesTo(List<String> notes) {
        return BundleProgressSink.notesTo(notes::add);
    }

    static Sha256 put(ContentStore store, String name, byte[] data) throws IOException {
        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(data);
            Sha256 d = w.commit(null, b -> {}).digest();
            store.update(b -> b.putName(name, d));
            return d;
        }
    }

    /** Everything the store holds, as a selection would give it: tags ("tag/..." and real ones) replace, the rest keep. */
    static SelectedContent everything(ContentStore store) {
        List<SelectedContent.NameEntry> names = new ArrayList<>();
        store.scanNames("", (n, d) -> names.add(new SelectedContent.NameEntry(n, d)));
        List<SelectedContent.MetaEntry> meta = new ArrayList<>();
        store.scanMeta("", (k, v) -> {
            if (!k.startsWith(ImportRecords.META_PREFIX)) {
                meta.add(new SelectedContent.MetaEntry(
                        k,
                        v,
                        k.startsWith("tag/") || BundleSelector.policyOf(k) == MetaPolicy.REPLACE
                                ? MetaPolicy.REPLACE
                                : MetaPolicy.KEEP_EXISTING));
            }
            return true;
        });
        List<SelectedContent.PinEntry> pins = new ArrayList<>();
        List<String> sets = new ArrayList<>();
        store.scanPinSets("", s -> sets.add(s));
        for (String set : sets) {
            if (!set.startsWith("bundle:")) {
                store.scanPinSet(set, o -> pins.add(new SelectedContent.PinEntry(set, o)));
            }
        }
        return new SelectedContent(names, meta, pins, List.of(), List.of(), List.of(), List.of());
    }

    /** The whole visible and stored state: names, meta, pins, and every object's content digest. */
    static Map<String, String> dump(RocksContentStore store) throws IOException {
        Map<String, String> out = new TreeMap<>();
        store.scanNames("", (n, d) -> out.put("name " + n, d.hex()) == null);
        store.scanMeta("", (k, v) -> out.put("meta " + k, Base64.getEncoder().encodeToString(v)) == null);
        List<String> sets = new ArrayList<>();
        store.scanPinSets("", sets::add);
        for (String set : sets) {
            store.scanPinSet(set, o -> out.put("pin " + set + " " + o.hex(), "") == null);
        }
        List<Sha256> objects = new ArrayList<>();
        store.scanObjects(o -> objects.add(o.digest()));
        for (Sha256 o : objects) {
            out.put("object " + o.hex(), contentDigest(store, o));
        }
        return out;
    }

    /** The dump as the exporting site's content would look at the importing one: no import bookkeeping. */
    static Map<String, String> content(RocksContentStore store) throws IOException {
        Map<String, String> out = dump(store);
        out.keySet()
                .removeIf(k -> k.startsWith("meta " + ImportRecords.META_PREFIX)
                        || k.startsWith("pin bundle:")
                        || k.startsWith("object "));
        store.scanNames("", (n, d) -> {
            try {
                out.put("content " + n, contentDigest(store, d));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return true;
        });
        return out;
    }

    static byte[] contentBytes(ContentStore store, Sha256 o) throws IOException {
        try (InputStream in = store.read(o, 0, store.object(o).orElseThrow().size())) {
            return in.readAllBytes();
        }
    }

    static String contentDigest(ContentStore store, Sha256 o) throws IOException {
        MessageDigest md = Exporter.sha256();
        try (InputStream in = store.read(o, 0, store.object(o).orElseThrow().size())) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
    /** The manifest's text, ungzipped. */
    static String manifestText(Path bundle) throws IOException {
        try (var in = new GZIPInputStream(Files.newInputStream(bundle.resolve("manifest.gz")))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Rewrites the manifest's text with {@code edit} (which must change it) and signs a matching note, of the same
     * format, with the exporter's own key: only the content lies.
     */
    void resign(Path bundle, UnaryOperator<String> edit) throws IOException {
        String text = manifestText(bundle);
        String edited = edit.apply(text);
        if (edited.equals(text)) {
            throw new AssertionError("the edit changed nothing");
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(edited.getBytes(StandardCharsets.UTF_8));
        }
        byte[] manifest = gz.toByteArray();
        Files.write(bundle.resolve("manifest.gz"), manifest);
        BundleNote old = BundleNote.parse(
                Note.open(Files.readAllBytes(bundle.resolve("bundle.note")), List.of(signer.verifier()))
                        .text());
        BundleNote note = new BundleNote(
                old.format(),
                old.id(),
                old.site(),
                old.base(),
                old.created(),
                old.volumes(),
                HexFormat.of().formatHex(Exporter.sha256().digest(manifest)),
                manifest.length);
        Files.write(bundle.resolve("bundle.note"), Note.sign(note.text(), signer));
    }

    static List<ManifestEntry> manifest(Path bundle) throws IOException {
        List<ManifestEntry> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(bundle.resolve("manifest.gz"))) {
            ManifestReader r = new ManifestReader(in);
            for (ManifestEntry e; (e = r.next()) != null; ) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * Every listed object's chunk digests, in order, as the bundle says: format 1's as written, format 2's shipped
     * ones hashed from the volumes' records (read in order, as the import places them) and runs resolved against
     * the objects before them or, for objects the site holds, {@code site} (null: none expected).
     */
    static Map<String, List<String>> chunks(Path bundle, dev.ferry.storage.ChunkStore site) throws IOException {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        java.util.Iterator<byte[]> records = records(bundle).iterator();
        byte[] record = new byte[0];
        int used = 0;
        for (ManifestEntry e : manifest(bundle)) {
            if (e instanceof ManifestEntry.StoreObject o) {
                out.put(
                        o.sha256(),
                        o.chunks().stream().map(ManifestEntry.Chunk::sha256).toList());
            } else if (e instanceof ManifestEntry.DeltaObject o) {
                List<String> cs = new ArrayList<>();
                for (ManifestEntry.Part part : o.parts()) {
                    switch (part) {
                        case ManifestEntry.Shipped sh -> {
                            if (used == record.length) {
                                record = records.next();
                                used = 0;
                            }
                            cs.add(HexFormat.of()
                                    .formatHex(Exporter.sha256()
                                            .digest(java.util.Arrays.copyOfRange(record, used, used + sh.length()))));
                            used += sh.length();
                        }
                        case ManifestEntry.Held h -> cs.add(h.sha256());
                        case ManifestEntry.Run r -> {
                            List<String> base = r.object().equals(o.sha256()) ? cs : out.get(r.object());
                            if (base == null) {
                                base = site.chunksOf(Sha256.ofHex(r.object())).orElseThrow().stream()
                                        .map(c -> c.digest().hex())
                                        .toList();
                            }
                            cs.addAll(List.copyOf(base.subList(r.first(), r.first() + r.count())));
                        }
                    }
                }
                out.put(o.sha256(), cs);
            }
        }
        return out;
    }

    /** The digests of the chunks the bundle ships. */
    static java.util.Set<String> shippedChunks(Path bundle) throws IOException {
        java.util.Set<String> out = new java.util.HashSet<>();
        List<ManifestEntry> m = manifest(bundle);
        java.util.Iterator<byte[]> records = records(bundle).iterator();
        byte[] record = new byte[0];
        int used = 0;
        for (ManifestEntry e : m) {
            if (e instanceof ManifestEntry.StoreObject o) {
                o.chunks().stream().filter(ManifestEntry.Chunk::shipped).forEach(c -> out.add(c.sha256()));
            } else if (e instanceof ManifestEntry.DeltaObject o) {
                for (ManifestEntry.Part part : o.parts()) {
                    if (part instanceof ManifestEntry.Shipped sh) {
                        if (used == record.length) {
                            record = records.next();
                            used = 0;
                        }
                        out.add(HexFormat.of()
                                .formatHex(Exporter.sha256()
                                        .digest(java.util.Arrays.copyOfRange(record, used, used + sh.length()))));
                        used += sh.length();
                    }
                }
            }
        }
        return out;
    }

    /** Every record of the bundle's volumes, inflated, in order. */
    static List<byte[]> records(Path bundle) throws IOException {
        List<byte[]> out = new ArrayList<>();
        int total = 0;
        while (Files.exists(bundle.resolve(dev.ferry.protocols.bundle.Volume.fileName(total + 1)))) {
            total++;
        }
        String id = bundle.getFileName().toString();
        for (int n = 1; n <= total; n++) {
            try (var ch =
                    java.nio.channels.FileChannel.open(bundle.resolve(dev.ferry.protocols.bundle.Volume.fileName(n)))) {
                var r = new dev.ferry.protocols.bundle.VolumeReader(ch, id, n, total);
                for (long at = r.firstRecord(); at < r.recordsEnd(); ) {
                    var rec = r.record(at);
                    out.add(rec.bytes());
                    at = rec.next();
                }
            }
        }
        return out;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }

    @Override
    public void close() {
        services.forEach(BundleService::close);
        open.forEach(RocksContentStore::close);
    }
}
