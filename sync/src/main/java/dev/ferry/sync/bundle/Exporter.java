package dev.ferry.sync.bundle;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.bundle.BundleId;
import dev.ferry.protocols.bundle.BundleNote;
import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.protocols.bundle.ManifestEntry;
import dev.ferry.protocols.bundle.ManifestWriter;
import dev.ferry.protocols.bundle.Volume;
import dev.ferry.protocols.bundle.VolumeWriter;
import dev.ferry.protocols.sumdb.note.Note;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.storage.ChunkStore;
import dev.ferry.storage.NameStore;
import dev.ferry.storage.PinStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredChunk;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import java.util.zip.Deflater;

/**
 * Writes a signed bundle of selected store content into {@code to/<id>/}: the volumes, {@code manifest.gz} and
 * {@code bundle.note}, leaving out what the receiving site holds by the cut set (its inventory, the sent set of the
 * bundle this one builds on, or nothing). The bundle is written as {@code to/.<id>.partial/} and renamed when
 * complete, so a half-written bundle never has a bundle's name. The selected objects are pinned for the length of
 * the export so eviction cannot take chunks between the plan and the writing.
 */
final class Exporter {
    /** Pin sets that hold an export's objects while it runs. */
    static final String PIN_PREFIX = "bundle-export:";

    private final ChunkStore chunks;
    private final PinStore pins;
    private final NameStore names;
    private final Clock clock;
    private final RandomGenerator random;
    private final Predicate<String> exportRunning;
    private final long maxChunks;
    private final int format;

    /** @param exportRunning whether an export of that bundle id runs in this server (its partial is in use) */
    <S extends ChunkStore & PinStore & NameStore> Exporter(
            S store, Clock clock, RandomGenerator random, Predicate<String> exportRunning) {
        this(store, clock, random, exportRunning, HeapBudget.chunks());
    }

    /** {@code maxChunks}: the most chunks one export plans (the plan is held in memory). */
    <S extends ChunkStore & PinStore & NameStore> Exporter(
            S store, Clock clock, RandomGenerator random, Predicate<String> exportRunning, long maxChunks) {
        this(store, clock, random, exportRunning, maxChunks, BundleNote.FORMAT_2);
    }

    /** {@code format}: the bundle format written ({@link BundleNote#FORMAT_1} only for tests of older bundles). */
    <S extends ChunkStore & PinStore & NameStore> Exporter(
            S store, Clock clock, RandomGenerator random, Predicate<String> exportRunning, long maxChunks, int format) {
        this.format = format;
        this.chunks = store;
        this.pins = store;
        this.names = store;
        this.clock = clock;
        this.random = random;
        this.exportRunning = exportRunning;
        this.maxChunks = maxChunks;
    }

    /** The directory bundle {@code id} is written as before it is complete. */
    static String partialName(String id) {
        return "." + id + ".partial";
    }

    /** The bundle id of a directory named as {@link #partialName} names one, else null. */
    static String partialId(String name) {
        if (!name.startsWith(".") || !name.endsWith(".partial")) {
            return null;
        }
        String id = name.substring(1, name.length() - ".partial".length());
        return BundleId.isValid(id) ? id : null;
    }

    /** How long nothing in a partial bundle must have changed before an export removes it as dead. */
    static final java.time.Duration PARTIAL_QUIET = java.time.Duration.ofHours(1);

    /** Whether {@code dir} or anything below it (links not followed) was modified within {@code quiet}. */
    private boolean writtenWithin(Path dir, java.time.Duration quiet) throws IOException {
        Instant since = clock.instant().minus(quiet);
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path f : all.toList()) {
                if (Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS)
                        .toInstant()
                        .isAfter(since)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Removes the partial bundles an export that died with its process (or whose medium was pulled) left in
     * {@code dir}: each would otherwise stay on the medium, as large as the bundle was when it died. Only real
     * directories named exactly as {@link #partialName} names them go, never one an export in this server is
     * writing; each removal (or failure to remove) is a note, and none fails the export.
     */
    void removeStalePartials(Path dir, BundleProgressSink sink) throws IOException {
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                String id = partialId(p.getFileName().toString());
                if (id != null && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !exportRunning.test(id)) {
                    if (writtenWithin(p, PARTIAL_QUIET)) {
                        // Not ours, but something wrote to it lately: maybe another ferry exporting to this medium.
                        sink.note("left " + p + " alone: written to within the last " + PARTIAL_QUIET.toMinutes()
                                + " minutes, though no export of this server writes it");
                    } else {
                        stale.add(p);
                    }
                }
            }
        }
        for (Path p : stale) {
            try {
                deleteTree(p);
                sink.note("removed " + p + ", left by an export of bundle "
                        + partialId(p.getFileName().toString()) + " that did not finish");
            } catch (IOException e) {
                sink.note("could not remove " + p + ", left by an export that did not finish: " + e);
            }
        }
    }

    /** What to write and how: the export request resolved (selection made, cut set read). */
    record Job(
            SelectedContent content,
            Inventory cut,
            Optional<String> base,
            boolean fromInventory,
            String site,
            Path to,
            long maxVolumeSize,
            Map<String, String> mirrorSets,
            Signer signer) {}

    /** The bundle written: its record for the history and the site's holdings after importing it. */
    record Result(ExportRecord record, Inventory sent, int volumes, long chunksSkipped, long objectsSkipped) {}

    /** A chunk of a planned object: {@code place} null when it is not shipped. */
    private record PlannedChunk(StoredChunk chunk, VolumePlan.Place place) {}

    private record PlannedObject(Sha256 digest, long size, List<PlannedChunk> chunks) {}

    Result export(Job job, BundleProgressSink sink) throws IOException, BundleException {
        Instant created = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        String id = BundleId.create(created, random);
        sink.bundleId(id);
        removeStalePartials(job.to(), sink);
        String exportPins = PIN_PREFIX + id;
        sink.phase("selecting", -1, -1);
        Set<Sha256> objects = new LinkedHashSet<>();
        job.content().names().forEach(n -> objects.add(n.object()));
        job.content().pins().forEach(p -> objects.add(p.object()));
        pinWhileExporting(exportPins, objects);
        try {
            return write(job, sink, id, created, objects);
        } finally {
            pins.unpinAll(exportPins);
        }
    }

    /**
     * What the bundle will hold, decided before anything is written: the objects to ship, where each shipped chunk
     * goes, and the holdings the site will have after importing it ({@code sent}, completed as the manifest is
     * written).
     */
    private static final class Plan {
        final Inventory.Builder sent;
        final VolumePlan volumes;
        final List<PlannedObject> objects = new ArrayList<>();
        /** Selected objects still stored: only their names and pins are carried. */
        final Set<Sha256> present = new HashSet<>();

        final Set<Sha256> shipped = new HashSet<>();
        /** Selected objects the site holds: the bases format 2 names held chunks by. */
        final List<Sha256> bases = new ArrayList<>();
        /** Where format 2 finds each chunk it does not ship: in a base, or in an object shipped before. */
        final Map<Sha256, ChunkRef> located = new java.util.HashMap<>();

        long chunksSkipped;
        long objectsSkipped;
        long shippedBytes;
        long plannedChunks;

        Plan(Inventory cut, VolumePlan volumes) {
            this.sent = new Inventory.Builder().addAll(cut);
            this.volumes = volumes;
        }
    }

    /** Chunk {@code index} (from 0) of {@code object}. */
    private record ChunkRef(Sha256 object, int index) {}

    /** The manifest file written: what the bundle note vouches for. */
    private record WrittenManifest(String sha256, long size) {}

    private Result write(Job job, BundleProgressSink sink, String id, Instant created, Set<Sha256> objects)
            throws IOException, BundleException {
        Plan plan = plan(job, sink, id, objects);
        if (format == BundleNote.FORMAT_2) {
            locate(plan, sink);
        }
        int volumes = plan.volumes.volumes();
        if (volumes > BundleNote.MAX_VOLUMES) {
            throw new BundleException(
                    BundleException.Kind.BAD_REQUEST,
                    "the bundle would need " + volumes + " volumes, more than " + BundleNote.MAX_VOLUMES
                            + "; use a larger --max-volume-size");
        }

        Path partial = job.to().resolve(partialName(id));
        deleteTree(partial);
        Files.createDirectories(partial);
        try {
            sink.phase("writing", plan.shippedBytes, plan.objects.size());
            long[] recordOffsets = writeVolumes(id, volumes, plan.objects, partial, sink);
            List<ManifestEntry.Volume> volumeEntries = new ArrayList<>();
            for (int n = 1; n <= volumes; n++) {
                Path f = partial.resolve(Volume.fileName(n));
                volumeEntries.add(new ManifestEntry.Volume(n, Files.size(f), sha256(f)));
            }
            WrittenManifest manifest =
                    writeManifest(partial.resolve("manifest.gz"), id, format, job, plan, volumeEntries, recordOffsets);
            BundleNote note = new BundleNote(
                    format, id, job.site(), job.base(), created, volumes, manifest.sha256(), manifest.size());
            AtomicFiles.write(partial.resolve("bundle.note"), sign(note, job.signer()));
            Path done = job.to().resolve(id);
            Files.move(partial, done, StandardCopyOption.ATOMIC_MOVE);
            long bytes;
            try (Stream<Path> files = Files.list(done)) {
                bytes = files.mapToLong(f -> f.toFile().length()).sum();
            }
            ExportRecord record = new ExportRecord(
                    id,
                    job.site(),
                    job.base().orElse(null),
                    job.fromInventory(),
                    done.toString(),
                    created,
                    plan.objects.size(),
                    plan.shipped.size(),
                    bytes);
            return new Result(record, plan.sent.build(), volumes, plan.chunksSkipped, plan.objectsSkipped);
        } finally {
            deleteTree(partial);
        }
    }

    /** Decides, object by object, what is shipped and where, leaving out what the cut set says the site holds. */
    private Plan plan(Job job, BundleProgressSink sink, String id, Set<Sha256> objects) throws BundleException {
        Plan plan = new Plan(
                job.cut(),
                new VolumePlan(
                        job.maxVolumeSize() - Volume.overhead(id, BundleNote.MAX_VOLUMES, BundleNote.MAX_VOLUMES)));
        for (Sha256 object : objects) {
            sink.checkCancelled();
            Optional<List<StoredChunk>> stored = chunks.chunksOf(object);
            if (stored.isEmpty()) {
                sink.note("object " + object + " is no longer stored; its names and pins are left out");
                continue;
            }
            plan.present.add(object);
            planObject(job, plan, object, stored.get());
        }
        return plan;
    }

    private void planObject(Job job, Plan plan, Sha256 object, List<StoredChunk> chunks) throws BundleException {
        Inventory cut = job.cut();
        // Each key is a hash: computed once per chunk, for the sent set and the cut alike.
        byte[][] chunkKeys = new byte[chunks.size()][];
        for (int i = 0; i < chunkKeys.length; i++) {
            chunkKeys[i] = Inventory.chunkKey(chunks.get(i).digest().bytes());
            plan.sent.add(chunkKeys[i]);
        }
        byte[] objectKey = Inventory.objectKey(object.bytes());
        plan.sent.add(objectKey);
        if (cut.contains(objectKey)) {
            plan.objectsSkipped++;
            if (format == BundleNote.FORMAT_2) {
                plan.bases.add(object);
            }
            return;
        }
        plan.plannedChunks += chunks.size();
        if (plan.plannedChunks > maxChunks) {
            throw new BundleException(
                    BundleException.Kind.BAD_REQUEST,
                    HeapBudget.tooManyChunks(
                            "this export selects",
                            maxChunks,
                            "export in parts (--module, --image or --set) or" + " start ferry with a larger heap"));
        }
        List<PlannedChunk> placed = new ArrayList<>(chunks.size());
        long size = 0;
        for (int i = 0; i < chunkKeys.length; i++) {
            StoredChunk c = chunks.get(i);
            size += c.length();
            if (cut.contains(chunkKeys[i]) || !plan.shipped.add(c.digest())) {
                plan.chunksSkipped++;
                placed.add(new PlannedChunk(c, null));
                continue;
            }
            if (!plan.volumes.fits(c.length())) {
                throw new BundleException(
                        BundleException.Kind.BAD_REQUEST,
                        "a volume size of "
                                + job.maxVolumeSize() + " bytes cannot hold chunk " + c.digest() + " of "
                                + c.length() + " bytes; use a larger --max-volume-size");
            }
            plan.shippedBytes += c.length();
            placed.add(new PlannedChunk(c, plan.volumes.add(c.length())));
        }
        plan.objects.add(new PlannedObject(object, size, placed));
    }

    /**
     * Finds, for format 2, where the site will find each chunk the bundle does not ship: the first base (an object
     * the site holds) holding it, else the first object of the bundle shipping it. A chunk found in neither (the
     * site holds it by the cut, in no object the selection names) is written by its digest.
     */
    private void locate(Plan plan, BundleProgressSink sink) throws BundleException {
        Set<Sha256> needed = new HashSet<>();
        for (PlannedObject o : plan.objects) {
            for (PlannedChunk c : o.chunks()) {
                if (c.place() == null) {
                    needed.add(c.chunk().digest());
                }
            }
        }
        for (Sha256 base : plan.bases) {
            if (plan.located.size() == needed.size()) {
                break;
            }
            sink.checkCancelled();
            List<StoredChunk> held = chunks.chunksOf(base).orElse(List.of());
            for (int i = 0; i < held.size(); i++) {
                Sha256 d = held.get(i).digest();
                if (needed.contains(d)) {
                    plan.located.putIfAbsent(d, new ChunkRef(base, i));
                }
            }
        }
        for (PlannedObject o : plan.objects) {
            for (int i = 0; i < o.chunks().size(); i++) {
                PlannedChunk c = o.chunks().get(i);
                if (c.place() != null && needed.contains(c.chunk().digest())) {
                    plan.located.putIfAbsent(c.chunk().digest(), new ChunkRef(o.digest(), i));
                }
            }
        }
    }

    /** Writes {@code manifest.gz} durably, hashing and counting it as it goes. */
    private static WrittenManifest writeManifest(
            Path file,
            String id,
            int format,
            Job job,
            Plan plan,
            List<ManifestEntry.Volume> volumes,
            long[] recordOffsets)
            throws IOException {
        long[] size = new long[1];
        MessageDigest md = sha256();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                OutputStream out =
                        new DigestOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16), md) {
                            @Override
                            public void write(byte[] b, int off, int len) throws IOException {
                                super.write(b, off, len);
                                size[0] += len;
                            }

                            @Override
                            public void write(int b) throws IOException {
                                super.write(b);
                                size[0]++;
                            }
                        }) {
            ManifestWriter w = new ManifestWriter(out, id, format);
            writeEntries(w, job, plan, volumes, recordOffsets);
            w.finish();
            out.flush();
            ch.force(true);
        }
        return new WrittenManifest(HexFormat.of().formatHex(md.digest()), size[0]);
    }

    /**
     * The manifest's entries: volumes, objects with where their chunks are, then the names, metadata and pins the
     * site lacks (names and pins only of objects still stored), then the mirror sets. Adds the carried keys to the
     * plan's sent set.
     */
    private static void writeEntries(
            ManifestWriter w, Job job, Plan plan, List<ManifestEntry.Volume> volumes, long[] recordOffsets)
            throws IOException {
        Inventory cut = job.cut();
        for (ManifestEntry.Volume v : volumes) {
            w.write(v);
        }
        for (PlannedObject o : plan.objects) {
            w.write(w.format() == BundleNote.FORMAT_1 ? objectEntry(o, recordOffsets) : deltaEntry(o, plan.located));
        }
        for (SelectedContent.NameEntry n : job.content().names()) {
            byte[] key = Inventory.nameKey(n.name(), n.object().hex());
            if (plan.present.contains(n.object()) && !cut.contains(key)) {
                w.write(new ManifestEntry.Name(n.name(), n.object().hex()));
            }
            if (plan.present.contains(n.object())) {
                plan.sent.add(key);
            }
        }
        for (SelectedContent.MetaEntry m : job.content().meta()) {
            byte[] key = Inventory.metaKey(m.key(), m.value());
            if (!cut.contains(key)) {
                w.write(new ManifestEntry.Meta(m.policy(), m.key(), m.value()));
            }
            plan.sent.add(key);
        }
        for (SelectedContent.PinEntry p : job.content().pins()) {
            byte[] key = Inventory.pinKey(p.pinSet(), p.object().hex());
            if (plan.present.contains(p.object()) && !cut.contains(key)) {
                w.write(new ManifestEntry.Pin(p.pinSet(), p.object().hex()));
            }
            if (plan.present.contains(p.object())) {
                plan.sent.add(key);
            }
        }
        for (Map.Entry<String, String> s : new TreeMap<>(job.mirrorSets()).entrySet()) {
            w.write(new ManifestEntry.MirrorSet(s.getKey(), s.getValue()));
        }
    }

    private static ManifestEntry.StoreObject objectEntry(PlannedObject o, long[] recordOffsets) {
        List<ManifestEntry.Chunk> cs = new ArrayList<>(o.chunks().size());
        for (PlannedChunk c : o.chunks()) {
            VolumePlan.Place p = c.place();
            cs.add(
                    p == null
                            ? ManifestEntry.Chunk.notShipped(
                                    c.chunk().digest().hex(), c.chunk().length())
                            : new ManifestEntry.Chunk(
                                    c.chunk().digest().hex(),
                                    c.chunk().length(),
                                    p.volume(),
                                    recordOffsets[p.record()],
                                    p.skip()));
        }
        return new ManifestEntry.StoreObject(o.digest().hex(), o.size(), cs);
    }

    /**
     * An object as format 2 lists it: shipped chunks by length; the others as runs of the chunks {@code located}
     * names, consecutive chunks of one object joined in one run; by digest where none is known.
     */
    private static ManifestEntry.DeltaObject deltaEntry(PlannedObject o, Map<Sha256, ChunkRef> located) {
        List<ManifestEntry.Part> parts = new ArrayList<>();
        for (PlannedChunk c : o.chunks()) {
            if (c.place() != null) {
                parts.add(new ManifestEntry.Shipped(c.chunk().length()));
                continue;
            }
            ChunkRef at = located.get(c.chunk().digest());
            if (at == null) {
                parts.add(new ManifestEntry.Held(
                        c.chunk().digest().hex(), c.chunk().length()));
            } else if (!parts.isEmpty()
                    && parts.getLast() instanceof ManifestEntry.Run r
                    && r.object().equals(at.object().hex())
                    && r.first() + r.count() == at.index()) {
                parts.set(parts.size() - 1, new ManifestEntry.Run(r.object(), r.first(), r.count() + 1));
            } else {
                parts.add(new ManifestEntry.Run(at.object().hex(), at.index(), 1));
            }
        }
        return new ManifestEntry.DeltaObject(o.digest().hex(), o.size(), parts);
    }

    private static byte[] sign(BundleNote note, Signer signer) throws BundleException {
        try {
            return Note.sign(note.text(), signer);
        } catch (FormatException e) {
            throw new BundleException(BundleException.Kind.BAD_REQUEST, "cannot sign the bundle: " + e.getMessage(), e);
        }
    }

    /** A record handed to the encoders, and the volume it goes to. */
    private record Queued(int volume, Future<VolumeWriter.Encoded> encoded) {}

    /** The volumes being written, in order: records are appended as their encoding ends, in the order queued. */
    private static final class VolumeFiles implements AutoCloseable {
        private final Path dir;
        private final String id;
        private final int total;
        private final List<Long> offsets = new ArrayList<>();
        private int volume;
        private FileChannel ch;
        private OutputStream out;
        private VolumeWriter w;

        VolumeFiles(Path dir, String id, int total) {
            this.dir = dir;
            this.id = id;
            this.total = total;
        }

        /** Appends the next record once encoded; its raw length. */
        int append(Queued q) throws IOException, BundleException {
            VolumeWriter.Encoded record = Tasks.result(q.encoded(), "export interrupted");
            if (q.volume() != volume) {
                finish();
                volume = q.volume();
                ch = FileChannel.open(
                        dir.resolve(Volume.fileName(volume)), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                w = new VolumeWriter(out, id, volume, total);
            }
            offsets.add(w.append(record));
            return record.rawLength();
        }

        void finish() throws IOException {
            if (w != null) {
                finishVolume(w, out, ch);
                w = null;
            }
        }

        @Override
        public void close() throws IOException {
            if (w != null) {
                ch.close();
            }
        }
    }

    /**
     * Writes the planned records; returns each record's offset in its volume, by record number. This thread reads
     * and checks the chunks and cuts the records; encoders (one per core) deflate them in parallel, a few ahead;
     * the volumes are written in record order.
     */
    private long[] writeVolumes(String id, int volumes, List<PlannedObject> planned, Path dir, BundleProgressSink sink)
            throws IOException, BundleException {
        int encoders = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(encoders, r -> {
            Thread t = new Thread(r, "bundle-export-encoder");
            t.setDaemon(true);
            return t;
        });
        ThreadLocal<Deflater> deflaters = ThreadLocal.withInitial(() -> new Deflater(Deflater.DEFAULT_COMPRESSION));
        ArrayDeque<Queued> queue = new ArrayDeque<>();
        List<Part> record = new ArrayList<>();
        int recordSize = 0;
        int volume = 0;
        int records = 0;
        try (VolumeFiles files = new VolumeFiles(dir, id, volumes)) {
            for (PlannedObject o : planned) {
                for (PlannedChunk c : o.chunks()) {
                    VolumePlan.Place p = c.place();
                    if (p == null) {
                        continue;
                    }
                    sink.checkCancelled();
                    // Each record's first chunk is the only one at position 0: the previous record is complete.
                    if (p.skip() == 0 && recordSize > 0) {
                        queue.add(encode(pool, deflaters, volume, List.copyOf(record), recordSize));
                        records++;
                        record.clear();
                        recordSize = 0;
                        while (queue.size() > 2 * encoders) {
                            sink.bytes(files.append(queue.poll()));
                        }
                    }
                    volume = p.volume();
                    if (recordSize != p.skip() || p.record() != records) {
                        throw new IllegalStateException(
                                "record " + p.record() + " planned at " + p.skip() + ", written at " + recordSize);
                    }
                    record.add(new Part(c.chunk(), o.digest()));
                    recordSize += c.chunk().length();
                }
                sink.item(o.digest().toString());
            }
            if (recordSize > 0) {
                queue.add(encode(pool, deflaters, volume, List.copyOf(record), recordSize));
            }
            while (!queue.isEmpty()) {
                sink.bytes(files.append(queue.poll()));
            }
            files.finish();
            return files.offsets.stream().mapToLong(Long::longValue).toArray();
        } finally {
            queue.forEach(q -> q.encoded().cancel(true));
            pool.shutdownNow();
        }
    }

    /** A chunk of a record to be, and the object it was planned for (for messages). */
    private record Part(StoredChunk chunk, Sha256 object) {}

    /** Queues a record: an encoder reads and checks its chunks from the store, joins and deflates them. */
    private Queued encode(
            ExecutorService pool, ThreadLocal<Deflater> deflaters, int volume, List<Part> parts, int size) {
        return new Queued(volume, pool.submit(() -> {
            byte[] record = new byte[size];
            int at = 0;
            for (Part part : parts) {
                byte[] bytes = checkedChunk(part.chunk(), part.object());
                System.arraycopy(bytes, 0, record, at, bytes.length);
                at += bytes.length;
            }
            return VolumeWriter.encode(record, 0, size, deflaters.get());
        }));
    }

    /** The bytes of a planned chunk, checked against its digest and length. */
    private byte[] checkedChunk(StoredChunk chunk, Sha256 object) throws IOException, BundleException {
        byte[] bytes = chunks.chunk(chunk.digest())
                .orElseThrow(() -> new BundleException(
                        BundleException.Kind.REFUSED,
                        "chunk " + chunk.digest() + " of object " + object
                                + " left the store during the export; export again"));
        // A chunk damaged on this disk would make the whole bundle refused at the site: say so here.
        if (bytes.length != chunk.length() || !Sha256.of(sha256().digest(bytes)).equals(chunk.digest())) {
            throw new BundleException(
                    BundleException.Kind.REFUSED,
                    "chunk " + chunk.digest()
                            + " of object " + object + " is damaged in this store (ferry scrub finds and "
                            + "repairs such chunks); nothing was exported");
        }
        return bytes;
    }

    private static void finishVolume(VolumeWriter w, OutputStream out, FileChannel ch) throws IOException {
        w.finish();
        out.flush();
        ch.force(true);
        ch.close();
    }

    private void pinWhileExporting(String pinSet, Set<Sha256> objects) throws IOException {
        try {
            names.update(b -> objects.forEach(o -> b.pin(pinSet, o)));
        } catch (IllegalArgumentException someGone) {
            // An object was evicted since the selection: pin the others one by one; planning reports the gone ones.
            for (Sha256 o : objects) {
                try {
                    pins.pin(pinSet, o);
                } catch (IllegalArgumentException gone) {
                    // reported by the plan
                }
            }
        }
    }

    static String sha256(Path f) throws IOException {
        MessageDigest md = sha256();
        try (var in = Files.newInputStream(f)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
