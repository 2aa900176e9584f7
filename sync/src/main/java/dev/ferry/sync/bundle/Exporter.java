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
import dev.ferry.storage.ScratchTable;
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
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
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
    private final Path scratchRoot;
    private final int format;
    private final long planBudget;

    /**
     * @param exportRunning whether an export of that bundle id runs in this server (its partial is in use)
     * @param scratchRoot where each export keeps its plan while it runs ({@code export-<id>/}, removed when it ends)
     */
    <S extends ChunkStore & PinStore & NameStore> Exporter(
            S store, Clock clock, RandomGenerator random, Predicate<String> exportRunning, Path scratchRoot) {
        this(store, clock, random, exportRunning, scratchRoot, BundleNote.FORMAT_2, HeapBudget.exportPlanBytes());
    }

    /** {@code format}: the bundle format written ({@link BundleNote#FORMAT_1} only for tests of older bundles). */
    <S extends ChunkStore & PinStore & NameStore> Exporter(
            S store,
            Clock clock,
            RandomGenerator random,
            Predicate<String> exportRunning,
            Path scratchRoot,
            int format) {
        this(store, clock, random, exportRunning, scratchRoot, format, HeapBudget.exportPlanBytes());
    }

    /**
     * {@code format}: the bundle format written ({@link BundleNote#FORMAT_1} only for tests of older bundles);
     * {@code planBudget}: heap bytes the plan's per-chunk tables may take before they move to disk.
     */
    <S extends ChunkStore & PinStore & NameStore> Exporter(
            S store,
            Clock clock,
            RandomGenerator random,
            Predicate<String> exportRunning,
            Path scratchRoot,
            int format,
            long planBudget) {
        this.format = format;
        this.planBudget = planBudget;
        this.chunks = store;
        this.pins = store;
        this.names = store;
        this.clock = clock;
        this.random = random;
        this.exportRunning = exportRunning;
        this.scratchRoot = scratchRoot;
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
            CutSet cut,
            Optional<String> base,
            boolean fromInventory,
            String site,
            Path to,
            long maxVolumeSize,
            Map<String, String> mirrorSets,
            Signer signer) {}

    /** The bundle written: its record for the history. */
    record Result(ExportRecord record, int volumes, long chunksSkipped, long objectsSkipped) {}

    /**
     * Records a bundle once it has its name (the history), with the site's holdings after importing it: an
     * inventory, written by {@code sent} (from the export's scratch table, which lives until this returns).
     */
    @FunctionalInterface
    interface Recorder {
        void record(ExportRecord record, AtomicFiles.Body sent) throws IOException;
    }

    Result export(Job job, BundleProgressSink sink) throws IOException, BundleException {
        return export(job, sink, (record, sent) -> {});
    }

    Result export(Job job, BundleProgressSink sink, Recorder recorder) throws IOException, BundleException {
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
        Path scratch = scratchRoot.resolve(scratchName(id));
        // Beside the plan's directory, not in it: a plan that moves to disk empties that directory first.
        Path objectsFile = scratchRoot.resolve(scratchName(id) + ".manifest-objects");
        try (Plan plan = new Plan(
                new PlanTable(scratch, planBudget),
                job.maxVolumeSize() - Volume.overhead(id, BundleNote.MAX_VOLUMES, BundleNote.MAX_VOLUMES))) {
            return write(job, sink, id, created, objects, plan, objectsFile, recorder);
        } finally {
            pins.unpinAll(exportPins);
            ScratchTable.deleteTree(scratch);
            Files.deleteIfExists(objectsFile);
        }
    }

    /** The scratch directory of the export of bundle {@code id}, under the scratch root. */
    static String scratchName(String id) {
        return "export-" + id;
    }

    /**
     * What the bundle will hold, decided before anything is written. Per-object facts live in the heap (each
     * object's shipped chunks as a bitmap: a bit a chunk); what is per distinct chunk (which occurrence of a chunk
     * ships, which chunks the site will find elsewhere and where, the holdings the site will have after importing
     * it) lives in a {@link PlanTable}: in the heap while it fits its budget, on disk above it. Each object's chunk
     * list is the store's own, read again by each pass (the objects are pinned while the export runs). The volume
     * places are recomputed in each pass by the same {@link VolumePlan} over the same chunks in the same order.
     */
    private static final class Plan implements AutoCloseable {
        final PlanTable table;
        /** Bytes of a volume available for records. */
        final long capacity;
        /** The objects the bundle lists, in manifest order. */
        final List<PlannedObject> objects = new ArrayList<>();
        /** Selected objects still stored: only their names and pins are carried. */
        final Set<Sha256> present = new HashSet<>();
        /** Selected objects the site holds: the bases format 2 names held chunks by. */
        final List<Sha256> bases = new ArrayList<>();
        /** Keys of the small chunks those bases hold (found there by runs, so not shipped again). */
        Inventory smallInBases = Inventory.empty();

        long chunksSkipped;
        long objectsSkipped;
        long shippedBytes;
        long shippedChunks;
        /** Distinct chunks format 2 must say where the site finds (not shipped where they occur). */
        long needed;

        int volumes;

        Plan(PlanTable table, long capacity) {
            this.table = table;
            this.capacity = capacity;
        }

        @Override
        public void close() throws IOException {
            table.close();
        }
    }

    /**
     * An object the bundle lists: its chunks are the store's ({@code chunks} of them, {@code size} bytes), of which
     * it ships those set in {@code ships}.
     */
    private record PlannedObject(Sha256 digest, long size, int chunks, BitSet ships) {}

    /** The manifest file written: what the bundle note vouches for. */
    private record WrittenManifest(String sha256, long size) {}

    private Result write(
            Job job,
            BundleProgressSink sink,
            String id,
            Instant created,
            Set<Sha256> objects,
            Plan plan,
            Path objectsFile,
            Recorder recorder)
            throws IOException, BundleException {
        plan(job, sink, plan, objects);
        if (plan.table.spilled()) {
            sink.note("the plan's chunk tables outgrew their heap budget (" + (planBudget >> 20)
                    + " MiB, half the heap) and were moved to disk for this export");
        }
        if (format == BundleNote.FORMAT_2 && plan.needed > 0) {
            locate(plan, sink);
        }
        int volumes = plan.volumes;
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
            // Format 2 lists the objects in the same pass as the volumes are written (their lines follow the
            // volumes' in the manifest, so they wait in the scratch directory): one walk over the chunk lists after
            // the plan, not two.
            ObjectLines objectLines = format == BundleNote.FORMAT_2 ? new ObjectLines(objectsFile) : null;
            WrittenVolumes written;
            try (objectLines) {
                written = writeVolumes(id, volumes, plan, partial, objectLines, sink);
            }
            long[] recordOffsets = written.offsets();
            // Each volume's size and sha256 as its writer counted and hashed it: no pass reading the volumes again.
            List<ManifestEntry.Volume> volumeEntries = written.volumes();
            if (volumeEntries.size() != volumes) {
                throw new IllegalStateException("planned " + volumes + " volumes, wrote " + volumeEntries.size());
            }
            WrittenManifest manifest = writeManifest(
                    partial.resolve("manifest.gz"), id, job, plan, volumeEntries, recordOffsets, objectLines, sink);
            BundleNote note = new BundleNote(
                    format, id, job.site(), job.base(), created, volumes, manifest.sha256(), manifest.size());
            AtomicFiles.write(partial.resolve("bundle.note"), sign(note, job.signer()));
            Path done = job.to().resolve(id);
            Files.move(partial, done, StandardCopyOption.ATOMIC_MOVE);
            try {
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
                        plan.shippedChunks,
                        bytes);
                recorder.record(record, out -> writeSent(plan, job.cut(), out));
                return new Result(record, volumes, plan.chunksSkipped, plan.objectsSkipped);
            } catch (IOException | RuntimeException | Error e) {
                // Not recorded, so no later export will be cut --since it: off the medium too, so that a failed
                // export leaves no complete-looking bundle for someone to carry to the site.
                try {
                    deleteTree(done);
                } catch (IOException left) {
                    e.addSuppressed(left);
                }
                throw e;
            }
        } finally {
            deleteTree(partial);
        }
    }

    /**
     * The site's holdings after the import, as an inventory file: the cut set (what it held) merged with what the
     * plan added, both read in ascending order, each key once.
     */
    private static void writeSent(Plan plan, CutSet cut, OutputStream out) throws IOException {
        Inventory.SortedWriter w = new Inventory.SortedWriter(out);
        try (ScratchTable.KeyCursor added = plan.table.sentKeys()) {
            byte[][] next = {added.next()};
            cut.forEach(held -> {
                int order;
                while (next[0] != null && (order = Arrays.compareUnsigned(next[0], held)) <= 0) {
                    if (order < 0) {
                        w.add(next[0]);
                    }
                    next[0] = added.next();
                }
                w.add(held);
            });
            for (byte[] k = next[0]; k != null; k = added.next()) {
                w.add(k);
            }
        }
        w.finish();
    }

    /**
     * Decides, object by object, what is shipped, leaving out what the cut set says the site holds; counts the
     * volumes the shipped chunks need.
     */
    private void plan(Job job, BundleProgressSink sink, Plan plan, Set<Sha256> objects)
            throws IOException, BundleException {
        plan.smallInBases = smallChunksOfBases(job, sink, objects, HeapBudget.inventoryKeys() / 4);
        VolumePlan volumes = new VolumePlan(plan.capacity);
        try (ChunkListsAhead lists = new ChunkListsAhead(chunks, objects, objects.size(), LISTS_AHEAD, CHUNKS_AHEAD)) {
            for (Sha256 object : objects) {
                sink.checkCancelled();
                Optional<List<StoredChunk>> stored = lists.next();
                if (stored.isEmpty()) {
                    sink.note("object " + object + " is no longer stored; its names and pins are left out");
                    continue;
                }
                plan.present.add(object);
                planObject(job, plan, volumes, object, stored.get());
            }
        }
        plan.volumes = volumes.volumes();
    }

    /**
     * The small chunks ({@link #keptInline}) of the selected objects the site holds (format 2's bases): a later object
     * sharing one names it by a run of such a base, which the importing site resolves from its own chunk list whether
     * it keeps the chunk inline or not, instead of shipping it again. Past {@code limit} keys the rest are shipped (a
     * few more bytes, never a wrong bundle). Format 1 names held chunks by digest only: none.
     */
    private Inventory smallChunksOfBases(Job job, BundleProgressSink sink, Set<Sha256> objects, int limit)
            throws IOException, BundleException {
        Inventory.Builder small = new Inventory.Builder();
        if (format != BundleNote.FORMAT_2) {
            return small.build();
        }
        for (Sha256 object : objects) {
            sink.checkCancelled();
            if (!job.cut().contains(Inventory.objectKey(object.bytes()))) {
                continue;
            }
            for (StoredChunk c : chunks.chunksOf(object).orElse(List.of())) {
                if (small.size() >= limit) {
                    return small.build();
                }
                if (keptInline(c)) {
                    small.add(Inventory.chunkKey(c.digest().bytes()));
                }
            }
        }
        return small.build();
    }

    private void planObject(Job job, Plan plan, VolumePlan volumes, Sha256 object, List<StoredChunk> chunks)
            throws IOException, BundleException {
        CutSet cut = job.cut();
        byte[] objectKey = Inventory.objectKey(object.bytes());
        if (cut.contains(objectKey)) {
            // Nothing to add to what the site holds: the cut has the object, and with it the chunks it is stored by
            // (a site that chunked it otherwise holds its own chunks, not these). So no chunk key is needed either:
            // in a sync to a site holding nearly everything, that is a SHA-256 saved for nearly every chunk.
            plan.objectsSkipped++;
            if (format == BundleNote.FORMAT_2) {
                plan.bases.add(object);
            }
            return;
        }
        // Each key is a hash: computed once per chunk, for the sent set and the cut alike.
        byte[][] chunkKeys = new byte[chunks.size()][];
        List<byte[]> heldByDigest = new ArrayList<>(chunkKeys.length);
        for (int i = 0; i < chunkKeys.length; i++) {
            chunkKeys[i] = Inventory.chunkKey(chunks.get(i).digest().bytes());
            if (!keptInline(chunks.get(i))) {
                heldByDigest.add(chunkKeys[i]);
            }
        }
        int number = plan.objects.size();
        BitSet lacked = new BitSet(chunkKeys.length);
        BitSet held = cut.containing(heldByDigest); // one batched read when the cut is on disk
        // What the site will hold beyond the cut: only the keys the cut lacks go into the plan's table, so a delta
        // against a large site keeps a small table (the record merges the cut back in, writeSent).
        List<byte[]> added = new ArrayList<>(heldByDigest.size() + 1 - held.cardinality());
        for (int j = held.nextClearBit(0); j < heldByDigest.size(); j = held.nextClearBit(j + 1)) {
            added.add(heldByDigest.get(j));
        }
        added.add(objectKey);
        plan.table.sent(added.toArray(byte[][]::new));
        for (int i = 0, j = 0; i < chunkKeys.length; i++) {
            // Whatever the cut says of a small chunk (an inventory or record from before inline chunks lists it),
            // the site cannot be asked for it by digest: only for a run of a base holding it.
            if (keptInline(chunks.get(i)) ? !plan.smallInBases.contains(chunkKeys[i]) : !held.get(j++)) {
                lacked.set(i);
            }
        }
        // The first occurrence of a chunk the site lacks ships it: so a small chunk no base holds is shipped by the
        // first object of the bundle holding it, and found by later ones there (never by its digest alone).
        BitSet ships = plan.table.claim(number, chunks, lacked);
        BitSet skipped = new BitSet(chunkKeys.length);
        skipped.set(0, chunkKeys.length);
        skipped.andNot(ships);
        plan.chunksSkipped += skipped.cardinality();
        if (format == BundleNote.FORMAT_2) {
            plan.needed += plan.table.need(chunks, skipped);
        }
        long size = 0;
        for (int i = 0; i < chunkKeys.length; i++) {
            StoredChunk c = chunks.get(i);
            size += c.length();
            if (!ships.get(i)) {
                continue;
            }
            if (!volumes.fits(c.length())) {
                throw new BundleException(
                        BundleException.Kind.BAD_REQUEST,
                        "a volume size of "
                                + job.maxVolumeSize() + " bytes cannot hold chunk " + c.digest() + " of "
                                + c.length() + " bytes; use a larger --max-volume-size");
            }
            plan.shippedBytes += c.length();
            plan.shippedChunks++;
            volumes.add(c.length());
        }
        plan.objects.add(new PlannedObject(object, size, chunks.size(), ships));
    }

    /**
     * Whether the importing site keeps {@code c} inline ({@link ChunkStore#INLINE_MAX}): in the object holding it,
     * not under its digest, so nothing may rely on the site finding it by its digest. The importing site may not be
     * this ferry, but a chunk's length alone says so, whatever store this one is or the site was.
     */
    private static boolean keptInline(StoredChunk c) {
        return ChunkStore.keptInline(c.length());
    }

    /**
     * How far the chunk lists are read ahead of the plan and of each pass over it ({@link ChunkListsAhead}): enough
     * to keep the reading thread busy between the caller's slower objects; the chunks bound holds the lists to about
     * 2 MiB (a chunk about 60 bytes, an inline one up to 256 more).
     */
    private static final int LISTS_AHEAD = 64;

    private static final int CHUNKS_AHEAD = 8_192;

    /** What a pass sees of a planned object: its chunks, and where each shipped one goes (null: not shipped). */
    @FunctionalInterface
    private interface ObjectVisitor {
        void visit(PlannedObject object, List<StoredChunk> chunks, VolumePlan.Place[] places)
                throws IOException, BundleException;
    }

    /** Goes through the planned objects again, in order, placing their shipped chunks as the plan did. */
    private void walk(Plan plan, BundleProgressSink sink, ObjectVisitor visitor) throws IOException, BundleException {
        VolumePlan volumes = new VolumePlan(plan.capacity);
        Iterable<Sha256> digests =
                () -> plan.objects.stream().map(PlannedObject::digest).iterator();
        try (ChunkListsAhead lists =
                new ChunkListsAhead(chunks, digests, plan.objects.size(), LISTS_AHEAD, CHUNKS_AHEAD)) {
            for (int n = 0; n < plan.objects.size(); n++) {
                sink.checkCancelled();
                PlannedObject o = plan.objects.get(n);
                List<StoredChunk> cs = lists.next().orElse(null);
                if (cs == null || cs.size() != o.chunks()) {
                    throw new BundleException(
                            BundleException.Kind.REFUSED,
                            "object " + o.digest() + " left the store or changed during the export; export again");
                }
                VolumePlan.Place[] places = new VolumePlan.Place[cs.size()];
                BitSet ships = o.ships();
                for (int i = ships.nextSetBit(0); i >= 0 && i < places.length; i = ships.nextSetBit(i + 1)) {
                    places[i] = volumes.add(cs.get(i).length());
                }
                visitor.visit(o, cs, places);
            }
        }
        if (volumes.volumes() != plan.volumes) {
            throw new IllegalStateException("planned " + plan.volumes + " volumes, placed " + volumes.volumes());
        }
    }

    /**
     * Finds, for format 2, where the site will find each chunk the bundle does not ship where it occurs: the first
     * base (an object the site holds) holding it (here), else the first object of the bundle shipping it (when the
     * manifest is written). A chunk found in neither (the site holds it by the cut, in no object the selection
     * names) is written by its digest.
     */
    private void locate(Plan plan, BundleProgressSink sink) throws IOException, BundleException {
        long located = 0;
        for (int b = 0; b < plan.bases.size() && located < plan.needed; b++) {
            sink.checkCancelled();
            List<StoredChunk> held = chunks.chunksOf(plan.bases.get(b)).orElse(List.of());
            located += plan.table.locate(b, held);
        }
    }

    /** Writes {@code manifest.gz} durably, hashing and counting it as it goes. */
    private WrittenManifest writeManifest(
            Path file,
            String id,
            Job job,
            Plan plan,
            List<ManifestEntry.Volume> volumes,
            long[] recordOffsets,
            ObjectLines objectLines,
            BundleProgressSink sink)
            throws IOException, BundleException {
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
            writeEntries(w, job, plan, volumes, recordOffsets, objectLines, sink);
            w.finish();
            out.flush();
            ch.force(true);
        }
        return new WrittenManifest(HexFormat.of().formatHex(md.digest()), size[0]);
    }

    /**
     * The manifest's entries: volumes, objects with where their chunks are (format 2: as listed while the volumes
     * were written), then the names, metadata and pins the
     * site lacks (names and pins only of objects still stored), then the mirror sets. Adds the carried keys to the
     * plan's sent set (those the cut has are the site's already).
     */
    private void writeEntries(
            ManifestWriter w,
            Job job,
            Plan plan,
            List<ManifestEntry.Volume> volumes,
            long[] recordOffsets,
            ObjectLines objectLines,
            BundleProgressSink sink)
            throws IOException, BundleException {
        CutSet cut = job.cut();
        for (ManifestEntry.Volume v : volumes) {
            w.write(v);
        }
        if (objectLines != null) {
            objectLines.copyTo(w);
        } else {
            // Format 1 names each shipped chunk's record by its offset, known only once the volumes are written.
            walk(plan, sink, (o, cs, places) -> w.write(objectEntry(o, cs, places, recordOffsets)));
        }
        for (SelectedContent.NameEntry n : job.content().names()) {
            byte[] key = Inventory.nameKey(n.name(), n.object().hex());
            if (plan.present.contains(n.object()) && !cut.contains(key)) {
                w.write(new ManifestEntry.Name(n.name(), n.object().hex()));
                plan.table.sent(key);
            }
        }
        for (SelectedContent.MetaEntry m : job.content().meta()) {
            byte[] key = Inventory.metaKey(m.key(), m.value());
            if (!cut.contains(key)) {
                w.write(new ManifestEntry.Meta(m.policy(), m.key(), m.value()));
                plan.table.sent(key);
            }
        }
        for (SelectedContent.PinEntry p : job.content().pins()) {
            byte[] key = Inventory.pinKey(p.pinSet(), p.object().hex());
            if (plan.present.contains(p.object()) && !cut.contains(key)) {
                w.write(new ManifestEntry.Pin(p.pinSet(), p.object().hex()));
                plan.table.sent(key);
            }
        }
        for (Map.Entry<String, String> s : new TreeMap<>(job.mirrorSets()).entrySet()) {
            w.write(new ManifestEntry.MirrorSet(s.getKey(), s.getValue()));
        }
    }

    private static ManifestEntry.StoreObject objectEntry(
            PlannedObject o, List<StoredChunk> chunks, VolumePlan.Place[] places, long[] recordOffsets) {
        List<ManifestEntry.Chunk> cs = new ArrayList<>(chunks.size());
        for (int i = 0; i < places.length; i++) {
            VolumePlan.Place p = places[i];
            StoredChunk c = chunks.get(i);
            cs.add(
                    p == null
                            ? ManifestEntry.Chunk.notShipped(c.digest().hex(), c.length())
                            : new ManifestEntry.Chunk(
                                    c.digest().hex(), c.length(), p.volume(), recordOffsets[p.record()], p.skip()));
        }
        return new ManifestEntry.StoreObject(o.digest().hex(), o.size(), cs);
    }

    /**
     * An object as format 2 lists it: shipped chunks by length; the others as runs of the chunks {@link PlanTable#found}
     * names, consecutive chunks of one object joined in one run; by digest where none is known.
     */
    private static ManifestEntry.DeltaObject deltaEntry(
            Plan plan, PlannedObject o, List<StoredChunk> chunks, VolumePlan.Place[] places) throws IOException {
        List<ManifestEntry.Part> parts = new ArrayList<>();
        BitSet held = new BitSet(places.length);
        held.set(0, places.length);
        held.andNot(o.ships());
        PlanTable.Found[] found = plan.table.found(chunks, held);
        for (int i = 0; i < places.length; i++) {
            StoredChunk c = chunks.get(i);
            if (places[i] != null) {
                parts.add(new ManifestEntry.Shipped(c.length()));
                continue;
            }
            PlanTable.Found at = found[i];
            if (at == null) {
                if (keptInline(c)) {
                    // planObject ships a small chunk no base holds where it first occurs: found there at the latest
                    throw new IllegalStateException("chunk " + c.digest() + " of object " + o.digest()
                            + " would be named by its digest, which the site keeps inline");
                }
                parts.add(new ManifestEntry.Held(c.digest().hex(), c.length()));
                continue;
            }
            String base = (at.base()
                            ? plan.bases.get(at.number())
                            : plan.objects.get(at.number()).digest())
                    .hex();
            if (!parts.isEmpty()
                    && parts.getLast() instanceof ManifestEntry.Run r
                    && r.object().equals(base)
                    && r.first() + r.count() == at.index()) {
                parts.set(parts.size() - 1, new ManifestEntry.Run(r.object(), r.first(), r.count() + 1));
            } else {
                parts.add(new ManifestEntry.Run(base, at.index(), 1));
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

    /**
     * Format 2's objects section, written while the volumes are (its lines follow theirs in the manifest) to a
     * scratch file, then copied into the manifest: the objects' lines do not wait in the heap.
     */
    private static final class ObjectLines implements AutoCloseable {
        private final Path file;
        private final OutputStream out;
        private final ManifestWriter w;

        ObjectLines(Path file) throws IOException {
            Files.createDirectories(file.getParent());
            this.file = file;
            this.out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.w = ManifestWriter.objects(out, BundleNote.FORMAT_2);
        }

        void write(ManifestEntry.DeltaObject o) throws IOException {
            w.write(o);
        }

        void copyTo(ManifestWriter manifest) throws IOException {
            try (var in = Files.newInputStream(file)) {
                manifest.appendObjects(w, in);
            }
        }

        /** Finishes the section (it is complete once the volumes are written); the scratch directory goes later. */
        @Override
        public void close() throws IOException {
            try (out) {
                w.finish();
            }
        }
    }

    /** The volumes written: each record's offset (format 1), and each volume's entry for the manifest. */
    private record WrittenVolumes(long[] offsets, List<ManifestEntry.Volume> volumes) {}

    /** A record handed to the encoders, and the volume it goes to. */
    private record Queued(int volume, Future<VolumeWriter.Encoded> encoded) {}

    /** The volumes being written, in order: records are appended as their encoding ends, in the order queued. */
    private static final class VolumeFiles implements AutoCloseable {
        private final Path dir;
        private final String id;
        private final int total;
        /** Each record's offset, by record number: format 1 only (format 2 writes no places). */
        private final List<Long> offsets;
        /** The volumes finished, for the manifest. */
        private final List<ManifestEntry.Volume> finished = new ArrayList<>();
        /** Where the buffers of records written as they are go back to the encoders. */
        private final Queue<byte[]> spare;

        private int volume;
        private FileChannel ch;
        private OutputStream out;
        private VolumeWriter w;

        VolumeFiles(Path dir, String id, int total, boolean keepOffsets, Queue<byte[]> spare) {
            this.spare = spare;
            this.dir = dir;
            this.id = id;
            this.total = total;
            this.offsets = keepOffsets ? new ArrayList<>() : null;
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
            long offset = w.append(record);
            if (offsets != null) {
                offsets.add(offset);
            }
            if (record.stored()) {
                spare.offer(record.body()); // written: an encoder may fill it with another record
            }
            return record.rawLength();
        }

        void finish() throws IOException {
            if (w != null) {
                VolumeWriter.Summary s = finishVolume(w, out, ch);
                finished.add(new ManifestEntry.Volume(volume, s.size(), s.sha256()));
                w = null;
            }
        }

        long[] offsets() {
            return offsets == null
                    ? new long[0]
                    : offsets.stream().mapToLong(Long::longValue).toArray();
        }

        @Override
        public void close() throws IOException {
            if (w != null) {
                ch.close();
            }
        }
    }

    /**
     * Writes the planned records; returns each record's offset in its volume, by record number (format 1; empty for
     * format 2), and each volume's size and sha256. This thread reads the plan again and cuts the records; encoders (one per core) read and check their
     * chunks and deflate them in parallel, a few ahead; the volumes are written in record order.
     */
    private WrittenVolumes writeVolumes(
            String id, int volumes, Plan plan, Path dir, ObjectLines objectLines, BundleProgressSink sink)
            throws IOException, BundleException {
        int encoders = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(encoders, r -> {
            Thread t = new Thread(r, "bundle-export-encoder");
            t.setDaemon(true);
            return t;
        });
        ThreadLocal<Deflater> deflaters = ThreadLocal.withInitial(() -> new Deflater(Deflater.DEFAULT_COMPRESSION));
        ArrayDeque<Queued> queue = new ArrayDeque<>();
        // Record buffers written and free again, for the encoders: a record of about 1 MiB was a humongous
        // allocation at ferry's default heap (256 MiB, 1 MiB G1 regions), starting collections of its own and
        // filling the heap (bench/bundle README). As many exist as records are queued and being encoded at once.
        Queue<byte[]> spareRecords = new ConcurrentLinkedQueue<>();
        try (VolumeFiles files = new VolumeFiles(dir, id, volumes, format == BundleNote.FORMAT_1, spareRecords)) {
            RecordCutter cut = new RecordCutter(pool, deflaters, queue, spareRecords);
            walk(plan, sink, (o, cs, places) -> {
                for (int i = 0; i < places.length; i++) {
                    if (places[i] != null) {
                        cut.add(places[i], cs.get(i), o.digest());
                        while (queue.size() > 2 * encoders) {
                            sink.bytes(files.append(queue.poll()));
                        }
                    }
                }
                if (objectLines != null) {
                    objectLines.write(deltaEntry(plan, o, cs, places));
                }
                sink.item(o.digest().toString());
            });
            cut.finish();
            while (!queue.isEmpty()) {
                sink.bytes(files.append(queue.poll()));
            }
            files.finish();
            return new WrittenVolumes(files.offsets(), List.copyOf(files.finished));
        } finally {
            queue.forEach(q -> q.encoded().cancel(true));
            pool.shutdownNow();
        }
    }

    /** Gathers placed chunks into records, in order, and queues each complete record for encoding. */
    private final class RecordCutter {
        private final ExecutorService pool;
        private final ThreadLocal<Deflater> deflaters;
        private final ArrayDeque<Queued> queue;
        private final Queue<byte[]> spare;
        private final List<Part> record = new ArrayList<>();
        private int recordSize;
        private int volume;
        private int records;

        RecordCutter(
                ExecutorService pool, ThreadLocal<Deflater> deflaters, ArrayDeque<Queued> queue, Queue<byte[]> spare) {
            this.spare = spare;
            this.pool = pool;
            this.deflaters = deflaters;
            this.queue = queue;
        }

        void add(VolumePlan.Place p, StoredChunk chunk, Sha256 object) {
            // Each record's first chunk is the only one at position 0: the previous record is complete.
            if (p.skip() == 0 && recordSize > 0) {
                queue.add(encode(pool, deflaters, spare, volume, List.copyOf(record), recordSize));
                records++;
                record.clear();
                recordSize = 0;
            }
            volume = p.volume();
            if (recordSize != p.skip() || p.record() != records) {
                throw new IllegalStateException(
                        "record " + p.record() + " planned at " + p.skip() + ", written at " + recordSize);
            }
            record.add(new Part(chunk, object));
            recordSize += chunk.length();
        }

        void finish() {
            if (recordSize > 0) {
                queue.add(encode(pool, deflaters, spare, volume, List.copyOf(record), recordSize));
                record.clear();
                recordSize = 0;
            }
        }
    }

    /** A chunk of a record to be (with its bytes if the store keeps it inline), and its object (for messages). */
    private record Part(StoredChunk chunk, Sha256 object) {}

    /**
     * Queues a record: an encoder reads its chunks from the store (an inline chunk's bytes came with its object's
     * chunk list), checks them, joins and deflates them.
     */
    private Queued encode(
            ExecutorService pool,
            ThreadLocal<Deflater> deflaters,
            Queue<byte[]> spareRecords,
            int volume,
            List<Part> parts,
            int size) {
        return new Queued(volume, pool.submit(() -> {
            byte[] record = spareRecords.poll();
            if (record == null || record.length < size) {
                record = new byte[size];
            }
            // One batched read of the record's chunks: a record of small chunks holds thousands. The store holds
            // no inline chunk by its digest: it is not asked for those.
            List<Sha256> digests = new ArrayList<>(parts.size());
            for (Part part : parts) {
                if (!part.chunk().isInline()) {
                    digests.add(part.chunk().digest());
                }
            }
            List<byte[]> read = chunks.chunks(digests);
            MessageDigest sha = SHA256.get();
            int at = 0;
            int fromStore = 0;
            for (int i = 0; i < parts.size(); i++) {
                StoredChunk c = parts.get(i).chunk();
                byte[] given = c.isInline() ? c.inline() : read.get(fromStore++);
                byte[] bytes = checkedChunk(c, parts.get(i).object(), given, sha);
                System.arraycopy(bytes, 0, record, at, bytes.length);
                at += bytes.length;
            }
            byte[] scratch = DEFLATED.get();
            if (scratch.length < size - size / 8) {
                scratch = new byte[size - size / 8];
                DEFLATED.set(scratch);
            }
            VolumeWriter.Encoded encoded = VolumeWriter.encode(record, 0, size, deflaters.get(), scratch);
            if (!encoded.stored()) {
                spareRecords.offer(record); // the deflated body is a copy: the buffer is free already
            }
            return encoded;
        }));
    }

    /**
     * A deflate output buffer per encoder thread, as large as its largest record needed ({@link
     * VolumeWriter#encode(byte[], int, int, Deflater, byte[])}).
     */
    private static final ThreadLocal<byte[]> DEFLATED = ThreadLocal.withInitial(() -> new byte[0]);

    /** A digest per encoder thread, for chunks without a CRC32C: getInstance per chunk costs more than hashing one. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Exporter::sha256);

    /** The bytes of a planned chunk (null: not stored), checked against its digest and length. */
    private static byte[] checkedChunk(StoredChunk chunk, Sha256 object, byte[] bytes, MessageDigest sha)
            throws BundleException {
        if (bytes == null) {
            throw new BundleException(
                    BundleException.Kind.REFUSED,
                    "chunk " + chunk.digest() + " of object " + object
                            + " left the store during the export; export again");
        }
        // A chunk damaged on this disk would make the whole bundle refused at the site: say so here. By the CRC32C
        // the store recorded where it did (StoredChunk.intact): SHA-256 of every chunk was a seventh of the encoders'
        // CPU, and the site checks every byte against the signed digests whatever this side checked.
        if (!chunk.intact(bytes, sha)) {
            throw new BundleException(
                    BundleException.Kind.REFUSED,
                    "chunk " + chunk.digest() + " of object " + object + " is damaged in this store (`ferry verify "
                            + "--repair` on the stopped server finds such chunks and fetches again what it can); "
                            + "nothing was exported");
        }
        return bytes;
    }

    private static VolumeWriter.Summary finishVolume(VolumeWriter w, OutputStream out, FileChannel ch)
            throws IOException {
        VolumeWriter.Summary s = w.finish();
        out.flush();
        ch.force(true);
        ch.close();
        return s;
    }

    private void pinWhileExporting(String pinSet, Set<Sha256> objects) throws IOException {
        try {
            names.update(b -> b.pinAll(pinSet, objects));
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
