package dev.ferry.sync.bundle;

import static dev.ferry.sync.bundle.BundleException.Kind.REFUSED;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.bundle.BundleFormatException;
import dev.ferry.protocols.bundle.BundleNote;
import dev.ferry.protocols.bundle.ManifestEntry;
import dev.ferry.protocols.bundle.ManifestReader;
import dev.ferry.protocols.bundle.MetaPolicy;
import dev.ferry.protocols.bundle.Volume;
import dev.ferry.protocols.bundle.VolumeReader;
import dev.ferry.protocols.sumdb.SumdbException;
import dev.ferry.protocols.sumdb.note.Note;
import dev.ferry.storage.ChunkStore;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.DigestMismatchException;
import dev.ferry.storage.NameStore;
import dev.ferry.storage.ObjectAssembler;
import dev.ferry.storage.ObjectStore;
import dev.ferry.storage.ScratchTable;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Imports a bundle (docs/bundles.md, "Import"): signature, manifest, base, volumes present, names free, then each
 * object assembled and committed (pinned into {@code bundle:<id>} in its commit batch) while the volumes are hashed
 * ({@link VolumeCheck}), then, once every volume matched, one batch that makes everything visible: names, metadata,
 * pins and the imported record. A refusal once writing began gives back what the bundle's imports committed (pin set
 * released, orphans deleted), so a refused bundle leaves nothing named and nothing pinned; objects committed by an
 * import that was cut short are pinned but unnamed, invisible, and skipped when the import runs again.
 */
final class Importer {
    /** The pin set that keeps an imported bundle's objects: an offline site cannot fetch them again. */
    static String pinSet(String id) {
        return "bundle:" + id;
    }

    private final ContentStore store;
    private final ObjectStore objects;
    private final NameStore names;
    private final ChunkStore chunks;
    private final ImportRecords records;
    private final Clock clock;
    private final long maxFormat1Chunks;
    private final StoreKeys keys;
    private final SumdbLatest sumdb;
    private final Path scratchRoot;
    private final long stallAfterObjects = Long.getLong(CRASH_TEST_STALL, -1);
    private long volumeWindow = VolumeCheck.WINDOW;

    Importer(
            ContentStore store,
            ImportRecords records,
            Clock clock,
            StoreKeys keys,
            SumdbLatest sumdb,
            Path scratchRoot) {
        this(store, records, clock, HeapBudget.chunks(), keys, sumdb, scratchRoot);
    }

    /**
     * {@code maxFormat1Chunks}: the most chunk entries a format-1 manifest may list (its shipped chunks are indexed
     * by digest in memory; format 2 keeps no per-chunk state in the heap); {@code keys}: the grammar every name and
     * metadata key must follow; {@code sumdb}: the keys a carried checksum database latest note is opened with;
     * {@code scratchRoot}: where each import keeps its copy of the manifest and its placed chunks while it runs
     * ({@code import-<id>/}, removed when it ends).
     */
    Importer(
            ContentStore store,
            ImportRecords records,
            Clock clock,
            long maxFormat1Chunks,
            StoreKeys keys,
            SumdbLatest sumdb,
            Path scratchRoot) {
        this.store = store;
        this.objects = store;
        this.names = store;
        this.chunks = store;
        this.records = records;
        this.clock = clock;
        this.maxFormat1Chunks = maxFormat1Chunks;
        this.keys = keys;
        this.sumdb = sumdb;
        this.scratchRoot = scratchRoot;
    }

    /**
     * How far the volumes' check may read ahead of the readers ({@link VolumeCheck#WINDOW}); 0 holds every byte of
     * it back until a reader has read past it, and the trailer of the last volume until the last object is committed
     * (tests use that to see a refusal found after the commits).
     */
    Importer volumeWindow(long bytes) {
        this.volumeWindow = bytes;
        return this;
    }

    /** What an import did. */
    record Result(
            String id,
            Optional<String> base,
            long objectsStored,
            long objectsPresent,
            long chunksRead,
            long chunksReused,
            long bytesRead,
            long names,
            long meta,
            long pins,
            Map<String, String> mirrorSets,
            List<String> replaced,
            List<String> notes) {}

    /**
     * What the manifest lists, but for the objects' chunks: those are in {@link PlacedChunks} once the volumes are
     * checked. Per object only its digest, size and chunk count are held (and names, metadata, pins and mirror
     * sets, as they are), so memory grows with objects and names, not chunks.
     */
    private record Manifest(
            int format,
            List<ManifestEntry.Volume> volumes,
            List<ListedObject> objects,
            List<ManifestEntry.Name> names,
            List<ManifestEntry.Meta> meta,
            List<ManifestEntry.Pin> pins,
            Map<String, String> mirrorSets,
            long chunks) {}

    /** An object of the manifest: its chunks are chunks {@code [first, first + chunks)} of the placed chunks. */
    private record ListedObject(String sha256, long size, int chunks, long first) {}

    /** The scratch directory of the import of bundle {@code id}, under the scratch root. */
    static String scratchName(String id) {
        return "import-" + id;
    }

    Result run(ImportRequest request, BundleProgressSink sink) throws IOException, BundleException {
        Path dir = request.from().getFirst();
        sink.phase("verifying", -1, -1);
        BundleNote note = openNote(dir, request);
        sink.bundleId(note.id());
        Path scratch = scratchRoot.resolve(scratchName(note.id()));
        ScratchTable.deleteTree(scratch);
        Files.createDirectories(scratch);
        try {
            return run(request, note, scratch, sink);
        } finally {
            ScratchTable.deleteTree(scratch);
        }
    }

    private Result run(ImportRequest request, BundleNote note, Path scratch, BundleProgressSink sink)
            throws IOException, BundleException {
        String id = note.id();
        Path manifestCopy = copyManifest(request.from().getFirst(), note, scratch.resolve("manifest.gz"));
        Manifest manifest = readManifest(manifestCopy, note, maxFormat1Chunks, keys);
        if (note.base().isPresent() && !imported(note.base().get())) {
            throw new BundleException(
                    REFUSED,
                    "bundle " + id + " builds on bundle " + note.base().get()
                            + ", which this site has not imported; import "
                            + note.base().get() + " first");
        }
        List<Path> volumes = findVolumes(request.from(), note, manifest, sink);
        try (VolumeCheck check = new VolumeCheck(volumes, manifest.volumes(), note.volumes(), volumeWindow)) {
            try (PlacedChunks placed = place(manifestCopy, id, manifest, volumes, scratch.resolve("chunks"), sink)) {
                return run(id, note, manifest, placed, volumes, check, sink);
            } catch (BundleException e) {
                throw e.kind() == REFUSED ? volumeRefusalOr(check, e) : e;
            }
        } catch (BundleException e) {
            if (e.kind() == REFUSED) {
                discardLeftovers(id);
            }
            throw e;
        }
    }

    /**
     * The refusal of a damaged volume, when the volumes' check finds one, rather than {@code e} (what a reader of
     * the same damage ran into first: a record that does not inflate, a chunk or object digest): the clearer reason.
     */
    private static BundleException volumeRefusalOr(VolumeCheck check, BundleException e) throws IOException {
        try {
            check.await();
        } catch (BundleException refused) {
            refused.addSuppressed(e);
            return refused;
        }
        return e;
    }

    /**
     * After a refusal, gives back what this bundle's imports committed (this run's, or a killed run's): releases pin
     * set {@code bundle:<id>} and deletes the objects it held that nothing else holds or names, so a refused bundle
     * leaves nothing named and nothing pinned. Not for a bundle imported before: its pins are the site's.
     */
    private void discardLeftovers(String id) throws IOException {
        if (imported(id)) {
            return;
        }
        List<Sha256> held = new ArrayList<>();
        store.scanPinSet(pinSet(id), held::add);
        if (held.isEmpty()) {
            return;
        }
        store.unpinAll(pinSet(id));
        for (Sha256 d : held) {
            store.deleteIfUnreferenced(d);
        }
    }

    private Result run(
            String id,
            BundleNote note,
            Manifest manifest,
            PlacedChunks placed,
            List<Path> volumes,
            VolumeCheck check,
            BundleProgressSink sink)
            throws IOException, BundleException {
        checkNamesAndSources(id, manifest, placed);
        List<String> notes = new ArrayList<>();
        Map<String, Long> latestSizes = openLatestNotes(id, manifest, notes);

        pinWhatIsHere(id, manifest);
        sink.phase(
                "importing",
                manifest.objects().stream().mapToLong(ListedObject::size).sum(),
                manifest.objects().size());
        Counts counts = storeObjects(id, manifest, placed, volumes, check, sink);
        // Nothing is named before every byte of the volumes matched what the signature covers.
        check.await();

        records.writeMirrorSets(id, manifest.mirrorSets());
        Set<String> pinned = new LinkedHashSet<>();
        manifest.objects().forEach(o -> pinned.add(o.sha256()));
        manifest.names().forEach(n -> pinned.add(n.object()));
        manifest.pins().forEach(p -> pinned.add(p.object()));
        long[] metaWritten = new long[1];
        List<String> replaced = new ArrayList<>();
        names.update(b -> {
            for (String o : pinned) {
                b.pin(pinSet(id), Sha256.ofHex(o));
            }
            for (ManifestEntry.Name n : manifest.names()) {
                b.putName(n.name(), Sha256.ofHex(n.object()));
            }
            replaced.clear(); // the batch may run again
            metaWritten[0] = 0;
            for (ManifestEntry.Meta m : manifest.meta()) {
                if (StoreKeys.ignored(m.key())) {
                    continue;
                }
                Long latestSize = latestSizes.get(m.key());
                if (LatestNotes.isLatest(m.key()) && latestSize == null) {
                    continue; // its database is not configured here: see openLatestNotes
                }
                Optional<byte[]> current = b.currentMeta(m.key());
                if (current.isPresent() && latestSize != null && LatestNotes.storedSize(current.get()) >= latestSize) {
                    continue; // a note at least as new is here already: an older bundle never winds it back
                }
                if (current.isEmpty()) {
                    b.putMeta(m.key(), m.value());
                    metaWritten[0]++;
                } else if (m.policy() == MetaPolicy.REPLACE && !Arrays.equals(current.get(), m.value())) {
                    // only mutable kinds get here: readManifest refused REPLACE for anything else
                    b.putMeta(m.key(), m.value());
                    metaWritten[0]++;
                    replaced.add(m.key());
                }
            }
            for (ManifestEntry.Pin p : manifest.pins()) {
                b.pin(p.pinSet(), Sha256.ofHex(p.object()));
            }
            b.putMeta(ImportRecords.META_PREFIX + id, note.text().getBytes(StandardCharsets.UTF_8));
        });
        records.add(id, note.base().orElse(null), clock.instant());
        return new Result(
                id,
                note.base(),
                counts.stored,
                counts.present,
                counts.chunksRead,
                counts.chunksReused,
                counts.bytesRead,
                manifest.names().size(),
                metaWritten[0],
                manifest.pins().size(),
                manifest.mirrorSets(),
                List.copyOf(replaced),
                List.copyOf(notes));
    }

    /**
     * Opens every checksum database latest note the bundle carries with the configured key, before any write (a
     * note that does not verify refuses the bundle); the tree size of each note to keep, by metadata key. A note
     * of a database this site does not use is dropped with a note: nothing here could verify or serve it.
     */
    private Map<String, Long> openLatestNotes(String id, Manifest m, List<String> notes) throws BundleException {
        Map<String, Long> sizes = new HashMap<>();
        for (ManifestEntry.Meta e : m.meta()) {
            if (StoreKeys.ignored(e.key()) || !LatestNotes.isLatest(e.key())) {
                continue;
            }
            switch (LatestNotes.open(id, e.key(), e.value(), sumdb)) {
                case LatestNotes.Carried.Kept k -> sizes.put(e.key(), k.size());
                case LatestNotes.Carried.NotConfigured n ->
                    notes.add("checksum database " + n.db() + " is not configured here: the bundle's latest note"
                            + " of it was not kept");
            }
        }
        return sizes;
    }

    /**
     * Pins the objects the bundle uses that this site already holds, before anything is stored: from here on
     * eviction cannot take what the final batch will name.
     */
    private void pinWhatIsHere(String id, Manifest m) throws IOException, BundleException {
        Set<String> used = new LinkedHashSet<>();
        m.objects().forEach(o -> used.add(o.sha256()));
        m.names().forEach(n -> used.add(n.object()));
        m.pins().forEach(p -> used.add(p.object()));
        List<Sha256> here = new ArrayList<>();
        for (String o : used) {
            Sha256 d = Sha256.ofHex(o);
            if (objects.object(d).isPresent()) {
                here.add(d);
            }
        }
        try {
            names.update(b -> here.forEach(d -> b.pin(pinSet(id), d)));
        } catch (IllegalArgumentException gone) {
            throw new BundleException(
                    REFUSED,
                    "an object the bundle relies on left this store during the import "
                            + "(evicted); run the import again",
                    gone);
        }
    }

    private boolean imported(String id) throws IOException {
        return records.contains(id)
                || names.meta(ImportRecords.META_PREFIX + id).isPresent();
    }

    private static BundleNote openNote(Path dir, ImportRequest request) throws IOException, BundleException {
        Path file = dir.resolve("bundle.note");
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new BundleException(REFUSED, dir + " holds no bundle (no bundle.note)");
        }
        if (Files.size(file) > Note.MAX_SIZE) {
            throw new BundleException(
                    REFUSED, file + " is not a bundle note (larger than " + Note.MAX_SIZE + " bytes)");
        }
        byte[] bytes = Files.readAllBytes(file);
        Note note;
        try {
            note = Note.open(bytes, request.trusted());
        } catch (SumdbException e) {
            String id = unverifiedId(bytes);
            if (e.kind() == SumdbException.Kind.UNKNOWN_KEY) {
                throw new BundleException(
                        REFUSED,
                        "bundle " + id + " is signed by key " + signers(bytes)
                                + ", which this site does not trust (ferry serve --trust-key, or ferry import --trust)");
            }
            throw new BundleException(
                    REFUSED,
                    "bundle " + id + " was altered or damaged: its signature by " + signers(bytes) + " does not verify",
                    e);
        } catch (FormatException e) {
            throw new BundleException(REFUSED, file + " is damaged: " + e.getMessage(), e);
        }
        try {
            return BundleNote.parse(note.text());
        } catch (FormatException e) {
            throw new BundleException(
                    REFUSED, file + " is signed but not a bundle note this ferry reads: " + e.getMessage(), e);
        }
    }

    /** The id the unverified text claims, for messages only. */
    private static String unverifiedId(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.UTF_8);
        int at = s.indexOf("\nid ");
        int end = at < 0 ? -1 : s.indexOf('\n', at + 4);
        String id = end < 0 ? "" : s.substring(at + 4, end);
        return dev.ferry.protocols.bundle.BundleId.isValid(id) ? id : "(unreadable id)";
    }

    /** The keys a note's signature lines name, as name+hash, for messages only. */
    private static String signers(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.UTF_8);
        int split = s.lastIndexOf("\n\n");
        List<String> keys = new ArrayList<>();
        for (String line : s.substring(split + 2).split("\n")) {
            String[] f = line.split(" ");
            if (f.length == 3 && f[0].equals("\u2014")) {
                try {
                    byte[] raw = Base64.getDecoder().decode(f[2]);
                    if (raw.length >= 4) {
                        keys.add(FormatException.quote(f[1]).replace("\"", "") + "+"
                                + HexFormat.of()
                                        .toHexDigits(ByteBuffer.wrap(raw, 0, 4).getInt()));
                    }
                } catch (IllegalArgumentException ignored) {
                    // not a signature line; nothing to name
                }
            }
        }
        return keys.isEmpty() ? "(none)" : String.join(", ", keys);
    }

    /**
     * Copies {@code manifest.gz} into the import's scratch directory, hashing it as it is read, and checks its size
     * and digest against the signed note: every later read of the manifest reads that copy, which nobody else
     * writes, so what is parsed (once to check, again to place the chunks) is what the signature covers.
     */
    private static Path copyManifest(Path dir, BundleNote note, Path copy) throws IOException, BundleException {
        Path file = dir.resolve("manifest.gz");
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new BundleException(REFUSED, "bundle " + note.id() + ": manifest.gz is missing from " + dir);
        }
        long size = Files.size(file);
        if (size != note.manifestSize()) {
            throw new BundleException(
                    REFUSED,
                    "manifest damaged: " + file + " has " + size + " bytes, the signed " + "note says "
                            + note.manifestSize() + " (truncated or replaced)");
        }
        MessageDigest md = Exporter.sha256();
        long copied;
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md);
                java.io.OutputStream out = Files.newOutputStream(copy, StandardOpenOption.CREATE_NEW)) {
            copied = in.transferTo(out);
        }
        if (copied != note.manifestSize()
                || !HexFormat.of().formatHex(md.digest()).equals(note.manifestSha256())) {
            throw new BundleException(
                    REFUSED, "manifest damaged: " + file + " does not match the digest in the " + "signed note");
        }
        return copy;
    }

    /** Reads the checked copy of the manifest through, checking it, and keeps what {@link Manifest} holds. */
    private static Manifest readManifest(Path copy, BundleNote note, long maxFormat1Chunks, StoreKeys keys)
            throws IOException, BundleException {
        try (InputStream in = Files.newInputStream(copy)) {
            List<String> refusals = new ArrayList<>();
            Manifest m;
            try {
                m = parse(new ManifestReader(in), note, maxFormat1Chunks, keys, refusals);
            } catch (BundleFormatException e) {
                String why =
                        e.getMessage().startsWith("manifest ") ? e.getMessage().substring(9) : e.getMessage();
                throw new BundleException(REFUSED, "manifest damaged: " + why, e);
            }
            // Checked only now: a signed manifest naming things this store never writes is refused for what it
            // says, a damaged one above for its damage.
            if (!refusals.isEmpty()) {
                throw new BundleException(
                        REFUSED,
                        "bundle " + note.id() + " is refused: " + String.join("; ", refusals)
                                + (refusals.size() == MAX_REFUSALS ? "; ..." : ""));
            }
            return m;
        }
    }

    /** How many refused entries a refusal names (the rest are elided). */
    private static final int MAX_REFUSALS = 5;

    private static Manifest parse(
            ManifestReader r, BundleNote note, long maxFormat1Chunks, StoreKeys keys, List<String> refusals)
            throws IOException, BundleException {
        if (!r.id().equals(note.id())) {
            throw new BundleException(
                    REFUSED, "manifest damaged: it belongs to bundle " + r.id() + ", the note to " + note.id());
        }
        if (r.format() != note.format()) {
            throw new BundleException(
                    REFUSED,
                    "manifest damaged: it is of format " + r.format() + ", the note of format " + note.format());
        }
        List<ListedObject> objects = new ArrayList<>();
        List<ManifestEntry.Name> names = new ArrayList<>();
        List<ManifestEntry.Meta> meta = new ArrayList<>();
        List<ManifestEntry.Pin> pins = new ArrayList<>();
        Map<String, String> sets = new LinkedHashMap<>();
        long chunks = 0;
        for (ManifestEntry e; (e = r.next()) != null; ) {
            switch (e) {
                case ManifestEntry.Volume v -> {}
                case ManifestEntry.StoreObject o -> {
                    objects.add(
                            new ListedObject(o.sha256(), o.size(), o.chunks().size(), chunks));
                    chunks += o.chunks().size();
                    checkBudget(note, chunks, maxFormat1Chunks);
                }
                case ManifestEntry.DeltaObject o -> {
                    objects.add(new ListedObject(o.sha256(), o.size(), (int) o.chunkCount(), chunks));
                    chunks += o.chunkCount();
                }
                case ManifestEntry.Name n -> {
                    check(r, refusals, "name", n.name(), () -> keys.name(n.name()));
                    names.add(n);
                }
                case ManifestEntry.Meta m -> {
                    if (!StoreKeys.ignored(m.key())) {
                        check(r, refusals, "meta key", m.key(), () -> {
                            StoreKeys.Kind kind = keys.metaKey(m.key());
                            if (m.policy() == MetaPolicy.REPLACE && !kind.mutable()) {
                                throw new FormatException("REPLACE is allowed only for tags, module lists and latest"
                                        + " snapshots and a checksum database's latest note");
                            }
                        });
                    }
                    meta.add(m);
                }
                case ManifestEntry.Pin p -> {
                    check(r, refusals, "pin set", p.pinSet(), () -> checkPinSet(p.pinSet()));
                    pins.add(p);
                }
                case ManifestEntry.MirrorSet s -> sets.put(s.name(), s.yaml());
            }
        }
        if (r.volumes().size() != note.volumes()) {
            throw new BundleException(
                    REFUSED,
                    "manifest damaged: it lists " + r.volumes().size() + " volumes, the note " + note.volumes());
        }
        return new Manifest(r.format(), r.volumes(), objects, names, meta, pins, sets, chunks);
    }

    /**
     * A format-1 manifest's shipped chunks are indexed by digest in memory while it is imported (an object may
     * use a chunk an earlier one shipped, found by digest): that, and only that, the heap limits.
     */
    private static void checkBudget(BundleNote note, long chunks, long maxChunks) throws BundleException {
        if (chunks > maxChunks) {
            throw new BundleException(
                    REFUSED,
                    HeapBudget.tooManyChunks(
                            "format-1 bundle " + note.id() + " lists",
                            maxChunks,
                            "start ferry with a larger heap to import it, or import a format-2 bundle of the same"
                                    + " content (written by this ferry's version)"));
        }
    }

    /**
     * Reads the checked manifest copy again and writes every object's chunks, with their places, to the scratch
     * file: as listed (format 1), or resolved against the checked volumes and this store ({@link DeltaObjects},
     * format 2).
     */
    private PlacedChunks place(Path copy, String id, Manifest m, List<Path> volumes, Path file, BundleProgressSink sink)
            throws IOException, BundleException {
        PlacedChunks placed = new PlacedChunks(file);
        try (InputStream in = Files.newInputStream(copy);
                DeltaObjects deltas = new DeltaObjects(id, volumes, chunks, placed)) {
            ManifestReader r = new ManifestReader(in);
            for (ManifestEntry e; (e = r.next()) != null; ) {
                sink.checkCancelled();
                switch (e) {
                    case ManifestEntry.StoreObject o -> {
                        for (ManifestEntry.Chunk c : o.chunks()) {
                            placed.append(c);
                        }
                    }
                    case ManifestEntry.DeltaObject o -> deltas.add(o);
                    default -> {}
                }
            }
            if (m.format() == BundleNote.FORMAT_2) {
                deltas.finish();
            }
            if (placed.count() != m.chunks()) {
                throw new IllegalStateException("placed " + placed.count() + " chunks of " + m.chunks());
            }
            return placed;
        } catch (IOException | BundleException | RuntimeException e) {
            placed.close();
            throw e;
        }
    }

    /** Runs one grammar check; a refusal is noted with the manifest line, up to {@link #MAX_REFUSALS} of them. */
    private static void check(ManifestReader r, List<String> refusals, String what, String text, Runnable grammar) {
        try {
            grammar.run();
        } catch (RuntimeException e) {
            if (refusals.size() < MAX_REFUSALS) {
                refusals.add("manifest line " + r.entryLine() + ": " + what + " " + FormatException.quote(text) + ": "
                        + e.getMessage());
            }
        }
    }

    /**
     * A pin set a bundle may fill: printable text, and not an export's temporary set ({@code bundle-export:...}),
     * which this site releases as its own.
     */
    private static String checkPinSet(String set) {
        if (set.length() > 1024 || !set.chars().allMatch(c -> c >= 0x20 && c != 0x7f)) {
            throw new FormatException("a pin set name is text without control characters, at most 1024 characters");
        }
        if (set.startsWith(Exporter.PIN_PREFIX)) {
            throw new FormatException("an export's temporary pin set is not carried by bundles");
        }
        return set;
    }

    /**
     * Finds every volume in the given directories and checks its size against the manifest; its digest is checked
     * while the import reads it ({@link VolumeCheck}).
     */
    private static List<Path> findVolumes(List<Path> dirs, BundleNote note, Manifest manifest, BundleProgressSink sink)
            throws IOException, BundleException {
        sink.phase("verifying", -1, manifest.volumes().size());
        List<Path> found = new ArrayList<>();
        for (ManifestEntry.Volume v : manifest.volumes()) {
            String name = Volume.fileName(v.number());
            String which = "volume " + v.number() + " of " + note.volumes() + " (" + name + ")";
            Path file = dirs.stream()
                    .map(d -> d.resolve(name))
                    .filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
                    .findFirst()
                    .orElseThrow(() -> new BundleException(
                            REFUSED,
                            which + " is missing; looked in "
                                    + dirs.stream().map(Path::toString).toList()));
            if (Files.size(file) != v.size()) {
                throw new BundleException(
                        REFUSED,
                        which + " at " + file + " has " + Files.size(file) + " bytes, the manifest says " + v.size()
                                + " (truncated or from another bundle)");
            }
            sink.item(name);
            found.add(file);
        }
        return found;
    }

    /** Refuses name conflicts and chunks or objects the bundle relies on but this site lacks, before any write. */
    private void checkNamesAndSources(String id, Manifest m, PlacedChunks placed) throws IOException, BundleException {
        for (ManifestEntry.Name n : m.names()) {
            Optional<StoredObject> bound = names.resolve(n.name());
            if (bound.isPresent() && !bound.get().digest().hex().equals(n.object())) {
                throw new BundleException(
                        REFUSED,
                        "bundle " + id + " binds name " + n.name() + " to object sha256:"
                                + n.object() + ", but this site binds it to "
                                + bound.get().digest()
                                + "; names are immutable here, so the bundle is refused");
            }
        }
        Set<String> inBundle = new java.util.HashSet<>();
        // Format 1 only: format 2 lists no digest for a shipped chunk (see maxFormat1Chunks).
        Set<String> shipped = new java.util.HashSet<>();
        PlacedChunks.Cursor cursor = placed.cursor();
        for (ListedObject o : m.objects()) {
            inBundle.add(o.sha256());
            boolean here = objects.object(Sha256.ofHex(o.sha256())).isPresent();
            for (int i = 0; i < o.chunks(); i++) {
                PlacedChunks.Entry e = cursor.next();
                ManifestEntry.Chunk c = e.chunk();
                if (here || e.inline() != null) {
                    continue;
                }
                if (c.shipped()) {
                    if (c.sha256() != null) {
                        shipped.add(c.sha256());
                    }
                } else if (!shipped.contains(c.sha256()) && !chunks.hasChunk(Sha256.ofHex(c.sha256()))) {
                    throw lacking("chunk sha256:" + c.sha256());
                }
            }
        }
        List<String> referenced = new ArrayList<>();
        m.names().forEach(n -> referenced.add(n.object()));
        m.pins().forEach(p -> referenced.add(p.object()));
        for (String o : referenced) {
            if (!inBundle.contains(o) && objects.object(Sha256.ofHex(o)).isEmpty()) {
                throw lacking("object sha256:" + o);
            }
        }
    }

    private static BundleException lacking(String what) {
        return new BundleException(
                REFUSED,
                "the bundle relies on " + what + " which this site lacks; it was cut "
                        + "from an inventory of another site or the content was evicted here; export a full bundle");
    }

    private static final class Counts {
        long stored;
        long present;
        long chunksRead;
        long chunksReused;
        long bytesRead;
    }

    /** The chunk bytes one reader takes at a time: whole consecutive objects, so a volume record is mostly inflated once. */
    static final long SLICE_BYTES = 4L << 20;

    /**
     * Prepared objects are committed in groups of this many bytes (or {@link #COMMIT_GROUP_OBJECTS}), each group's
     * chunk bytes made durable by one flush of the store's chunks (the size of two of its memtables), where a commit
     * per object would flush per object.
     */
    static final long COMMIT_GROUP_BYTES = 32L << 20;

    static final int COMMIT_GROUP_OBJECTS = 4096;

    /**
     * How far the readers may run ahead of the commits, in bytes of objects handed to them and not yet committed
     * (beyond {@code 64 * readers} objects, which they may always have): two commit groups, so that while one group's
     * commit waits for its flush the readers have the next group's objects and more to prepare. A prepared object
     * holds no chunk bytes (its reader wrote them), only its assembler's state, and at most
     * {@link #COMMIT_GROUP_OBJECTS} are handed out at a time. With 64 objects a reader only, a Go bundle's readers
     * (objects of about 80 KB: a tenth of a group ahead) sat idle for a quarter of the import, through every commit.
     */
    static final long AHEAD_BYTES = 2 * COMMIT_GROUP_BYTES;

    /**
     * For crash tests only, never set in production: after this many objects committed the import stops where it
     * is (logging that it did) until the process is killed or the job cancelled, so a kill lands at an exact point
     * of an import however fast the machine imports. A kill chosen by watching progress from outside can land after
     * the last commit on a fast machine; this cannot.
     */
    static final String CRASH_TEST_STALL = "ferry.crashTest.stallImportAfterObjects";

    private static final System.Logger LOG = System.getLogger(Importer.class.getName());

    /** The most chunks one reader takes at a time, at least one object. */
    static final int SLICE_CHUNKS = 4096;

    /** How many placed chunk entries a reader holds at a time, however many chunks an object has. */
    static final int STEP_CHUNKS = 2048;

    /**
     * How many readers for this heap and these cores: each holds up to a chunk batch (4 MiB) and a volume record (at
     * most 4 MiB, about 1 MiB as exporters write them) at a time, so a reader per 16 MiB of heap, at most one per
     * core (and 8).
     */
    static int readers(long heapBytes, int cores) {
        return (int) Math.max(1, Math.min(Math.min(8, cores), heapBytes / (16L << 20)));
    }

    /**
     * An object of the manifest as a reader left it: {@code assembler} null when the store held it already, else
     * every chunk appended and written to the store, ready to commit.
     */
    private record Prepared(
            int object, ObjectAssembler assembler, long chunksRead, long chunksReused, long bytesRead) {}

    /**
     * Stores the objects the site lacks: readers (one per core) each take a slice of whole consecutive objects and,
     * per object, read, inflate and check its chunks, feed its digest and write its chunks to the store in batches
     * (RocksDB groups the readers' writes); this thread commits the prepared objects in manifest order, each an
     * object record and its pin. Meanwhile {@link VolumeCheck} hashes the volumes as they are read; nothing is named
     * before it has passed them all (see run). Memory is bounded per reader, whatever the size of an object or the
     * number of chunks: chunk entries come from the scratch file a step at a time. Commits do not wait for the disk:
     * the final synced batch makes them durable with it, and a crash before it loses a suffix of them, which the next
     * run stores again. The chunk bytes skip the store's log ({@link ChunkStore#assembleInBulk}): objects are
     * committed in groups of {@link #COMMIT_GROUP_BYTES}, the group's first commit flushing what every reader wrote
     * before it, so that no object is committed (pinned, findable by digest) before its bytes are on disk.
     */
    private Counts storeObjects(
            String id,
            Manifest m,
            PlacedChunks placed,
            List<Path> volumeFiles,
            VolumeCheck check,
            BundleProgressSink sink)
            throws IOException, BundleException {
        Counts counts = new Counts();
        List<ListedObject> all = m.objects();
        Map<String, ManifestEntry.Chunk> shippedAt = new HashMap<>();
        if (m.format() == BundleNote.FORMAT_1) {
            // Format 1 only (format 2 places every shipped chunk where it is used): bounded by maxFormat1Chunks.
            PlacedChunks.Cursor c = placed.cursor();
            for (long n = 0; n < m.chunks(); n++) {
                ManifestEntry.Chunk chunk = c.next().chunk();
                if (chunk.shipped() && chunk.sha256() != null) {
                    shippedAt.putIfAbsent(chunk.sha256(), chunk);
                }
            }
        }
        int readers =
                readers(Runtime.getRuntime().maxMemory(), Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(readers, r -> {
            Thread t = new Thread(r, "bundle-import-reader");
            t.setDaemon(true);
            return t;
        });
        List<Volumes> opened = Collections.synchronizedList(new ArrayList<>());
        ThreadLocal<Volumes> perReader = ThreadLocal.withInitial(() -> {
            Volumes v = new Volumes(volumeFiles, id, check);
            opened.add(v);
            return v;
        });
        AtomicBoolean stop = new AtomicBoolean();
        // One future per object, in manifest order.
        ArrayDeque<CompletableFuture<Prepared>> ahead = new ArrayDeque<>();
        long aheadBytes = 0; // of the objects in ahead
        // Prepared objects waiting to be committed together: their chunk bytes skipped the log, and the group's
        // first commit makes all of them durable with one flush (ChunkStore.assembleInBulk).
        List<Prepared> group = new ArrayList<>();
        long groupBytes = 0;
        List<Future<?>> slices = new ArrayList<>();
        int next = 0;
        try {
            while (next < all.size() || !ahead.isEmpty()) {
                while (next < all.size()
                        && (ahead.size() < 64 * readers
                                || (aheadBytes < AHEAD_BYTES && ahead.size() < COMMIT_GROUP_OBJECTS))) {
                    int from = next;
                    long bytes = 0;
                    long chunkCount = 0;
                    do {
                        bytes += all.get(next).size();
                        chunkCount += all.get(next).chunks();
                        next++;
                    } while (next < all.size()
                            && bytes + all.get(next).size() <= SLICE_BYTES
                            && chunkCount + all.get(next).chunks() <= SLICE_CHUNKS);
                    int to = next;
                    List<CompletableFuture<Prepared>> results = new ArrayList<>(to - from);
                    for (int i = from; i < to; i++) {
                        results.add(new CompletableFuture<>());
                    }
                    ahead.addAll(results);
                    aheadBytes += bytes;
                    slices.add(pool.submit(() -> {
                        prepare(all, from, placed, shippedAt, perReader.get(), stop, sink, results);
                        return null;
                    }));
                }
                check.failIfRefused();
                Prepared p;
                try {
                    p = take(ahead.poll());
                } catch (IOException | BundleException | RuntimeException e) {
                    // Everything prepared before the failure (or cancel) is committed, as one at a time would have.
                    try {
                        commitGroup(id, all, group, counts, sink);
                    } catch (IOException | BundleException | RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                    throw e;
                }
                group.add(p);
                groupBytes += all.get(p.object()).size();
                aheadBytes -= all.get(p.object()).size();
                if (groupBytes >= COMMIT_GROUP_BYTES
                        || group.size() >= COMMIT_GROUP_OBJECTS
                        || (next >= all.size() && ahead.isEmpty())) {
                    commitGroup(id, all, group, counts, sink);
                    groupBytes = 0;
                }
            }
        } finally {
            for (Prepared p : group) {
                if (p.assembler() != null) {
                    p.assembler().close();
                }
            }
            stop.set(true);
            slices.forEach(f -> f.cancel(false)); // those not started never run
            pool.shutdown();
            try {
                pool.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // What readers prepared and nobody will commit is given back now, not at the next open.
            for (CompletableFuture<Prepared> f : ahead) {
                Prepared p = f.isDone() && !f.isCompletedExceptionally() ? f.join() : null;
                if (p != null && p.assembler() != null) {
                    p.assembler().close();
                }
            }
            for (Volumes v : opened) {
                v.close();
            }
        }
        return counts;
    }

    /**
     * Commits the prepared objects of {@code group} in order and empties it: the first commit flushes the chunk
     * bytes every reader wrote so far, so the others need none.
     */
    private void commitGroup(
            String id, List<ListedObject> all, List<Prepared> group, Counts counts, BundleProgressSink sink)
            throws IOException, BundleException {
        while (!group.isEmpty()) {
            Prepared p = group.removeFirst();
            ListedObject o = all.get(p.object());
            if (p.assembler() == null) {
                counts.present++;
            } else {
                try (ObjectAssembler a = p.assembler()) {
                    commit(id, a, Sha256.ofHex(o.sha256()));
                }
                counts.stored++;
                counts.chunksRead += p.chunksRead();
                counts.chunksReused += p.chunksReused();
                counts.bytesRead += p.bytesRead();
            }
            sink.bytes(o.size());
            sink.item(o.sha256());
            if (counts.stored == stallAfterObjects) {
                stallForCrashTest(sink);
            }
        }
    }

    private static void stallForCrashTest(BundleProgressSink sink) {
        LOG.log(System.Logger.Level.WARNING, "import stalled for a crash test (" + CRASH_TEST_STALL + ")");
        while (true) {
            sink.checkCancelled();
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /** An object as its reader prepared it, its failure rethrown as it was. */
    private static Prepared take(CompletableFuture<Prepared> f) throws IOException, BundleException {
        return Tasks.result(f, "import interrupted");
    }

    /**
     * A reader's work: objects {@code [from, to)} of the manifest, each skipped when the store holds it, else
     * assembled and its chunks written. On failure (or when the import stops) the objects it assembled are given back.
     */
    private void prepare(
            List<ListedObject> all,
            int from,
            PlacedChunks placed,
            Map<String, ManifestEntry.Chunk> shippedAt,
            Volumes volumes,
            AtomicBoolean stop,
            BundleProgressSink sink,
            List<CompletableFuture<Prepared>> results) {
        int k = 0;
        ObjectAssembler a = null;
        try {
            for (; k < results.size(); k++) {
                // A cancel is seen by the readers, between objects: the objects prepared or being prepared when it
                // came are committed, no later one (the committing thread stops at the first object not prepared).
                sink.checkCancelled();
                if (stop.get()) {
                    throw new CancellationException("import stopped");
                }
                int i = from + k;
                ListedObject o = all.get(i);
                if (objects.object(Sha256.ofHex(o.sha256())).isPresent()) {
                    results.get(k).complete(new Prepared(i, null, 0, 0, 0));
                    continue;
                }
                a = chunks.assembleInBulk();
                long[] n = new long[3];
                for (int done = 0; done < o.chunks(); ) {
                    int step = Math.min(STEP_CHUNKS, o.chunks() - done);
                    for (PlacedChunks.Entry c : placed.read(o.first() + done, step)) {
                        append(a, c, shippedAt, volumes, n);
                    }
                    done += step;
                    if (done < o.chunks()) { // a large object is given up half-way
                        sink.checkCancelled();
                    }
                    if (stop.get()) {
                        throw new CancellationException("import stopped");
                    }
                }
                a.writeAppended();
                results.get(k).complete(new Prepared(i, a, n[0], n[1], n[2]));
                a = null; // the committing thread's now
            }
        } catch (IOException | BundleException | RuntimeException | Error e) {
            if (a != null) {
                a.close();
            }
            for (; k < results.size(); k++) {
                results.get(k).completeExceptionally(e);
            }
        }
    }

    /**
     * Appends a chunk: read from the volumes and checked (shipped, or shipped earlier and not in the store),
     * referenced in the store, or given with its bytes (a base here keeps it inline). {@code n}: chunks read, chunks
     * reused, bytes read.
     */
    private void append(
            ObjectAssembler a,
            PlacedChunks.Entry e,
            Map<String, ManifestEntry.Chunk> shippedAt,
            Volumes volumes,
            long[] n)
            throws IOException, BundleException {
        ManifestEntry.Chunk c = e.chunk();
        if (e.inline() != null) {
            // This store's own chunk list of the base gave the digest with the bytes; the object's digest at the
            // commit covers them as it covers a chunk referenced by digest.
            a.appendVerifiedChunk(Sha256.ofHex(c.sha256()), e.inline());
            n[1]++;
            return;
        }
        if (!c.shipped() && a.appendStoredChunk(Sha256.ofHex(c.sha256()), c.length())) {
            n[1]++;
            return;
        }
        ManifestEntry.Chunk source = c.shipped() ? c : shippedAt.get(c.sha256());
        if (source == null) {
            throw lacking("chunk sha256:" + c.sha256());
        }
        byte[] bytes = volumes.read(source);
        // Checked against the signed manifest's digest by read(), or (format 2 lists a shipped chunk by length
        // only) hashed there for the store's address: the object's digest, covered by the signed note through the
        // manifest, vouches for those bytes. Either way the chunk is hashed once.
        a.appendVerifiedChunk(volumes.lastDigest(), bytes);
        n[0]++;
        n[2] += bytes.length;
    }

    /** Commits an assembled object, pinned to the bundle, without waiting for the disk (see storeObjects). */
    private static void commit(String id, ObjectAssembler a, Sha256 digest) throws IOException, BundleException {
        try {
            a.commitLazily(digest, b -> b.pin(pinSet(id), digest));
        } catch (DigestMismatchException e) {
            throw new BundleException(
                    REFUSED,
                    "object " + digest + " does not match its digest once " + "assembled; the bundle is damaged",
                    e);
        }
    }

    /**
     * A reader's handles on the bundle's volumes, opened as needed; every chunk read is hashed once, and checked when
     * the manifest lists its digest. Tells the {@link VolumeCheck} how far the import has read.
     */
    private static final class Volumes implements AutoCloseable {
        private final List<Path> files;
        private final String id;
        private final VolumeCheck check;
        private final Map<Integer, FileChannel> channels = new HashMap<>();
        private final Map<Integer, VolumeReader> readers = new HashMap<>();
        private final MessageDigest sha256 = Exporter.sha256();

        Volumes(List<Path> files, String id, VolumeCheck check) {
            this.files = files;
            this.id = id;
            this.check = check;
        }

        private int cachedVolume;
        private long cachedOffset = -1;
        /** The record read last: {@code [0, cachedLength)} of a buffer reused for the next ({@link VolumeReader}). */
        private byte[] cached;

        private int cachedLength;
        private Sha256 lastDigest;

        /** The sha256 of the chunk {@link #read} returned last. */
        Sha256 lastDigest() {
            return lastDigest;
        }

        /** The chunk's bytes, checked against its digest if listed; a record read for several chunks is inflated once. */
        byte[] read(ManifestEntry.Chunk c) throws IOException, BundleException {
            try {
                if (c.volume() != cachedVolume || c.offset() != cachedOffset) {
                    VolumeReader r = readers.get(c.volume());
                    if (r == null) {
                        FileChannel ch = FileChannel.open(files.get(c.volume() - 1), StandardOpenOption.READ);
                        channels.put(c.volume(), ch);
                        r = new VolumeReader(ch, id, c.volume(), files.size());
                        readers.put(c.volume(), r);
                    }
                    cachedOffset = -1; // the buffer is being overwritten: no longer the record it held
                    VolumeReader.Slice record = r.record(c.offset(), cached);
                    check.read(c.volume(), record.next());
                    cached = record.buffer();
                    cachedLength = record.length();
                    cachedVolume = c.volume();
                    cachedOffset = c.offset();
                }
            } catch (BundleFormatException e) {
                throw new BundleException(REFUSED, "volume " + c.volume() + " is damaged: " + e.getMessage(), e);
            }
            if (c.skip() + (long) c.length() > cachedLength) {
                throw new BundleException(
                        REFUSED,
                        "chunk sha256:" + c.sha256() + " lies past the end of its record in " + "volume " + c.volume()
                                + " at offset " + c.offset() + "; the bundle is damaged");
            }
            byte[] bytes = Arrays.copyOfRange(cached, c.skip(), c.skip() + c.length());
            byte[] digest = sha256.digest(bytes);
            // Format 2 lists no digest for a shipped chunk: the object's digest covers its bytes.
            if (c.sha256() != null && !Arrays.equals(digest, HexFormat.of().parseHex(c.sha256()))) {
                throw new BundleException(
                        REFUSED,
                        "chunk sha256:" + c.sha256() + " in volume " + c.volume() + " at offset " + c.offset()
                                + " does not match its digest; the bundle is damaged");
            }
            lastDigest = Sha256.of(digest);
            return bytes;
        }

        @Override
        public void close() throws IOException {
            for (FileChannel ch : channels.values()) {
                ch.close();
            }
        }
    }
}
