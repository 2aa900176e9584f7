package dev.ferry.sync.bundle;

import static dev.ferry.sync.bundle.BundleException.Kind.BAD_REQUEST;
import static dev.ferry.sync.bundle.BundleException.Kind.NOT_FOUND;

import dev.ferry.protocols.bundle.BundleFormatException;
import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.ScratchTable;
import dev.ferry.sync.bundle.plain.GoProxyTree;
import dev.ferry.sync.bundle.plain.OciLayouts;
import dev.ferry.sync.bundle.plain.PlainFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Exports and imports as server-side jobs, the inventory, and the export history. The one entry point the
 * server wires (admin API, CLI, scheduled sync).
 *
 * <p>{@code dataDir/bundles/} holds the history ({@code history.json}) and, per exported bundle, the set of what
 * the site holds after it ({@code <id>.sent}, an inventory), which is what {@code --since} builds on; and the
 * record of imported bundles ({@code imported.json}), which is what an incremental import checks its base against,
 * with each imported bundle's mirror sets ({@code <id>.mirror-sets.json}, see {@link #importedMirrorSets}).
 *
 * <p>A full export ({@link Selection#everything()}) also carries the site's registered mirror sets, so the far end
 * lists (unscheduled) what this site keeps current; a {@code --set} export carries its own set.
 *
 * <p>One export and one import run at a time; a second is refused with {@link BundleException.Kind#BAD_REQUEST}.
 */
public final class BundleService implements AutoCloseable {
    /** How an import's report lists each metadata entry it replaced (a tag, a list...): this, then the key. */
    public static final String REPLACED = "replaced metadata ";

    private static final System.Logger LOG = System.getLogger(BundleService.class.getName());

    private final ContentStore store;
    private final Path scratch;
    private final Supplier<Optional<Signer>> signer;
    private final Clock clock;
    private final int keepReports;
    private final Function<Selection, SelectedContent> selector;
    private final Supplier<Map<String, String>> registeredSets;
    private final ExportHistory history;
    private final ImportRecords imports;
    private final Exporter exporter;
    private final Importer importer;
    private final SumdbLatest sumdb;
    private final Map<String, BundleJob> jobs = new LinkedHashMap<>();
    private final Deque<String> ended = new ArrayDeque<>();

    /**
     * @param signer the site's signing key, when one was generated ({@code ferry keys generate}); exports of
     *               {@link BundleFormat#BUNDLE} fail with a clear message without one
     */
    public BundleService(
            ContentStore store, Path dataDir, Supplier<Optional<Signer>> signer, Clock clock, int keepReports) {
        this(store, dataDir, signer, clock, keepReports, Map::of);
    }

    /**
     * @param registeredSets the mirror sets registered at this site (name to YAML text), read at each full export
     */
    public BundleService(
            ContentStore store,
            Path dataDir,
            Supplier<Optional<Signer>> signer,
            Clock clock,
            int keepReports,
            Supplier<Map<String, String>> registeredSets) {
        this(store, dataDir, signer, clock, keepReports, registeredSets, SumdbLatest.NONE);
    }

    /**
     * @param sumdb the checksum database configured here: an export asks it for a latest note when the stored one
     *              is older than the lookups the bundle carries; an import opens a carried latest note with its key
     */
    public BundleService(
            ContentStore store,
            Path dataDir,
            Supplier<Optional<Signer>> signer,
            Clock clock,
            int keepReports,
            Supplier<Map<String, String>> registeredSets,
            SumdbLatest sumdb) {
        this(
                store,
                dataDir,
                signer,
                clock,
                keepReports,
                new BundleSelector(store)::select,
                registeredSets,
                StoreKeys.STORE,
                sumdb);
    }

    /** With another selector and key grammar: tests select by hand from synthetic stores. */
    BundleService(
            ContentStore store,
            Path dataDir,
            Supplier<Optional<Signer>> signer,
            Clock clock,
            int keepReports,
            Function<Selection, SelectedContent> selector,
            StoreKeys keys) {
        this(store, dataDir, signer, clock, keepReports, selector, Map::of, keys, SumdbLatest.NONE);
    }

    BundleService(
            ContentStore store,
            Path dataDir,
            Supplier<Optional<Signer>> signer,
            Clock clock,
            int keepReports,
            Function<Selection, SelectedContent> selector,
            Supplier<Map<String, String>> registeredSets,
            StoreKeys keys,
            SumdbLatest sumdb) {
        if (keepReports < 0) {
            throw new IllegalArgumentException("keepReports must not be negative");
        }
        this.store = Objects.requireNonNull(store, "store");
        this.signer = Objects.requireNonNull(signer, "signer");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.keepReports = keepReports;
        this.selector = Objects.requireNonNull(selector, "selector");
        this.registeredSets = Objects.requireNonNull(registeredSets, "registeredSets");
        Path bundles = dataDir.resolve("bundles");
        this.history = new ExportHistory(bundles);
        this.imports = new ImportRecords(bundles);
        Path scratch = bundles.resolve(SCRATCH);
        this.scratch = scratch;
        this.exporter = new Exporter(store, clock, new SecureRandom(), this::exportRunning, scratch);
        this.sumdb = Objects.requireNonNull(sumdb, "sumdb");
        this.importer = new Importer(store, imports, clock, keys, sumdb, scratch);
        releaseExportPins();
        removeScratch(scratch);
    }

    /**
     * Where exports and imports keep their per-chunk bookkeeping while they run (a directory each, removed when the
     * job ends): {@code dataDir/bundles/scratch/}.
     */
    static final String SCRATCH = "scratch";

    /** Jobs that died with the process left their scratch directories: no job runs yet, so all are stale. */
    private static void removeScratch(Path scratch) {
        try {
            ScratchTable.deleteTree(scratch);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot remove the scratch files of interrupted bundle jobs in " + scratch + ": " + e.getMessage(),
                    e);
        }
    }

    /** An export that died with the process left its temporary pins: no export runs yet, so all are stale. */
    private void releaseExportPins() {
        List<String> stale = new ArrayList<>();
        try {
            store.scanPinSets(Exporter.PIN_PREFIX, stale::add);
            for (String set : stale) {
                store.unpinAll(set);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release the pins of an interrupted export: " + e.getMessage(), e);
        }
    }

    /** Checks the request (paths, base bundle, inventory readable, signing key) and starts the export job. */
    public BundleProgress export(ExportRequest request) throws BundleException {
        Optional<Signer> key = request.format() == BundleFormat.BUNDLE ? signer.get() : Optional.empty();
        if (request.format() == BundleFormat.BUNDLE && key.isEmpty()) {
            throw new BundleException(
                    BAD_REQUEST, "this ferry has no bundle signing key; create one with " + "ferry keys generate");
        }
        // Every check before anything is created: a refused request leaves no directory behind.
        if (Files.exists(request.to(), LinkOption.NOFOLLOW_LINKS)
                && !Files.isDirectory(request.to(), LinkOption.NOFOLLOW_LINKS)) {
            throw new BundleException(BAD_REQUEST, request.to() + " is not a directory");
        }
        if (request.format() != BundleFormat.BUNDLE) {
            PlainFiles.checkTarget(request.to());
        }
        String jobId = UUID.randomUUID().toString();
        CutSet cut = CutSet.empty();
        if (request.inventory().isPresent()) {
            cut = readInventory(request.inventory().get(), cutScratch(jobId));
        } else if (request.since().isPresent()) {
            cut = sentSet(request.since().get(), cutScratch(jobId));
        }
        CutSet base = cut;
        boolean started = false;
        try {
            synchronized (this) {
                refuseIfRunning("export");
                directory(request.to(), true);
                BundleJob job = new BundleJob(jobId, "export", request.to().toString(), clock);
                add(job);
                BundleProgress progress = job.start(
                                j -> {
                                    try (base) {
                                        return runExport(j, request, base, key);
                                    }
                                },
                                this::prune)
                        .progress();
                started = true;
                return progress;
            }
        } finally {
            if (!started) {
                closeQuietly(base);
            }
        }
    }

    /** Where an export's cut set goes when it is too large for the heap ({@link CutSet}), under the scratch root. */
    private Path cutScratch(String jobId) {
        return scratch.resolve("cut-" + jobId);
    }

    private static void closeQuietly(CutSet cut) {
        try {
            cut.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove an export's scratch table: " + e.getMessage());
        }
    }

    private List<BundleProgress.Count> runExport(BundleJob job, ExportRequest request, CutSet cut, Optional<Signer> key)
            throws Exception {
        job.phase("selecting", -1, -1);
        SelectedContent content =
                LatestNotes.freshen(store, sumdb, selector.apply(request.selection()), clock, job::note);
        content.notes().forEach(job::note);
        switch (request.format()) {
            case GOPROXY -> {
                GoProxyTree.write(store, content, request.to(), job);
                return List.of(new BundleProgress.Count(
                        "module versions", content.goVersions().size()));
            }
            case OCI_LAYOUT -> {
                OciLayouts.write(store, content, request.to(), job);
                return List.of(new BundleProgress.Count(
                        "repositories", content.images().size()));
            }
            case BUNDLE -> {
                Map<String, String> sets = mirrorSets(request);
                Exporter.Result r = exporter.export(
                        new Exporter.Job(
                                content,
                                cut,
                                request.since(),
                                request.inventory().isPresent(),
                                request.site(),
                                request.to(),
                                request.maxVolumeSize(),
                                sets,
                                key.orElseThrow()),
                        job,
                        history::add);
                job.bundleId(r.record().id());
                return List.of(
                        new BundleProgress.Count("objects shipped", r.record().objects()),
                        new BundleProgress.Count("objects the site holds", r.objectsSkipped()),
                        new BundleProgress.Count("chunks shipped", r.record().chunks()),
                        new BundleProgress.Count("chunks the site holds", r.chunksSkipped()),
                        new BundleProgress.Count("bytes", r.record().bytes()),
                        new BundleProgress.Count("volumes", r.volumes()),
                        new BundleProgress.Count("mirror sets", sets.size()));
            }
        }
        throw new IllegalStateException("unknown format " + request.format());
    }

    /** The request's sets and, for a full export, every registered one (the request's text wins on a name). */
    private Map<String, String> mirrorSets(ExportRequest request) {
        if (!request.selection().everything()) {
            return request.mirrorSets();
        }
        Map<String, String> sets = new LinkedHashMap<>(registeredSets.get());
        sets.putAll(request.mirrorSets());
        return sets;
    }

    /** Checks the request (directories readable, note present) and starts the import job. */
    public BundleProgress importBundle(ImportRequest request) throws BundleException {
        for (Path d : request.from()) {
            directory(d, false);
        }
        Path first = request.from().getFirst();
        if (!Files.isRegularFile(first.resolve("bundle.note"), LinkOption.NOFOLLOW_LINKS)) {
            throw new BundleException(
                    NOT_FOUND,
                    first + " holds no bundle: bundle.note is missing (give the "
                            + "bundle's directory, DIR/<bundle id>)");
        }
        if (request.trusted().isEmpty()) {
            throw new BundleException(
                    BAD_REQUEST,
                    "no key to verify the bundle with: give --trust KEY or configure "
                            + "the exporting site's key (ferry serve --trust-key)");
        }
        synchronized (this) {
            refuseIfRunning("import");
            BundleJob job = new BundleJob(UUID.randomUUID().toString(), "import", first.toString(), clock);
            add(job);
            return job.start(j -> runImport(j, request), this::prune).progress();
        }
    }

    private List<BundleProgress.Count> runImport(BundleJob job, ImportRequest request) throws Exception {
        Importer.Result r = importer.run(request, job);
        job.bundleId(r.id());
        List<BundleProgress.Count> out = new ArrayList<>();
        out.add(new BundleProgress.Count("objects stored", r.objectsStored()));
        out.add(new BundleProgress.Count("objects already here", r.objectsPresent()));
        out.add(new BundleProgress.Count("chunks read", r.chunksRead()));
        out.add(new BundleProgress.Count("chunks reused", r.chunksReused()));
        out.add(new BundleProgress.Count("bytes read", r.bytesRead()));
        out.add(new BundleProgress.Count("names", r.names()));
        out.add(new BundleProgress.Count("metadata entries written", r.meta()));
        out.add(new BundleProgress.Count(
                "metadata entries replaced", r.replaced().size()));
        for (String key : r.replaced()) {
            job.note(REPLACED + key);
        }
        r.notes().forEach(job::note);
        out.add(new BundleProgress.Count("pins", r.pins()));
        out.add(new BundleProgress.Count("mirror sets", r.mirrorSets().size()));
        return out;
    }

    /** The mirror sets (name to YAML) that came with imported bundle {@code bundleId}, for the server to register. */
    public Map<String, String> importedMirrorSets(String bundleId) throws IOException {
        return imports.mirrorSets(bundleId);
    }

    /**
     * Writes what this store holds, compactly, for an exporting site to cut against; returns its summary. The file is
     * new, or an inventory ferry wrote before (it starts with the inventory header): nothing else is ever replaced,
     * and nothing is written through a symbolic link.
     */
    public List<BundleProgress.Count> writeInventory(Path out) throws BundleException, IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
            throw new BundleException(
                    BAD_REQUEST, "cannot write the inventory to " + out + ": " + parent + " is not a directory");
        }
        if (Files.isSymbolicLink(out)) {
            throw new BundleException(
                    BAD_REQUEST,
                    "cannot write the inventory to " + out + ": it is a symbolic link, which ferry does not follow");
        }
        if (Files.isDirectory(out, LinkOption.NOFOLLOW_LINKS)) {
            throw new BundleException(BAD_REQUEST, "cannot write the inventory to " + out + ": it is a directory");
        }
        if (Files.exists(out, LinkOption.NOFOLLOW_LINKS) && !isInventory(out)) {
            throw new BundleException(
                    BAD_REQUEST,
                    "cannot write the inventory to " + out + ": the file exists and is not an inventory ferry wrote"
                            + " (ferry replaces only its own); choose another name");
        }
        return SiteInventory.write(store, out, scratch.resolve("inventory-" + UUID.randomUUID()))
                .summary();
    }

    /** Whether {@code file} is a regular file that starts with the inventory header. */
    private static boolean isInventory(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return Inventory.hasHeader(in);
        }
    }

    /** Whether an export of bundle {@code bundleId} runs in this service (its partial directory is in use). */
    private synchronized boolean exportRunning(String bundleId) {
        for (BundleJob j : jobs.values()) {
            if (j.kind().equals("export")
                    && !j.isDone()
                    && bundleId.equals(j.progress().bundleId())) {
                return true;
            }
        }
        return false;
    }

    public synchronized Optional<BundleProgress> job(String id) {
        return Optional.ofNullable(jobs.get(id)).map(BundleJob::progress);
    }

    /** Kept jobs, oldest first. */
    public synchronized List<BundleProgress> jobs() {
        return jobs.values().stream().map(BundleJob::progress).toList();
    }

    /** Cancels a running job; false when there is no such job. */
    public boolean cancel(String id) {
        BundleJob job;
        synchronized (this) {
            job = jobs.get(id);
        }
        if (job == null) {
            return false;
        }
        job.cancel();
        return true;
    }

    /** Blocks until the job ended; returns its report (for the CLI's --wait and for tests). */
    public Optional<BundleProgress> await(String id) throws InterruptedException {
        BundleJob job;
        synchronized (this) {
            job = jobs.get(id);
        }
        if (job == null) {
            return Optional.empty();
        }
        job.await();
        return Optional.of(job.progress());
    }

    /**
     * Whether an export may be cut {@code --since} bundle {@code id}: its record of what the site holds is among the
     * newest kept for its site ({@link ExportHistory#SENT_KEPT}).
     */
    public boolean keepsSent(String id) {
        return history.hasSent(id);
    }

    /** Every bundle exported, oldest first. */
    public List<ExportRecord> history() {
        try {
            return history.list();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the export history: " + e.getMessage(), e);
        }
    }

    /** The newest bundle exported to {@code site}, for scheduled incremental exports. */
    public Optional<ExportRecord> lastExportTo(String site) {
        List<ExportRecord> all = history();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).site().equals(site)) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    /** Cancels running jobs and waits for them to stop. */
    @Override
    public void close() {
        List<BundleJob> running;
        synchronized (this) {
            running = jobs.values().stream().filter(j -> !j.isDone()).toList();
        }
        for (BundleJob j : running) {
            j.cancel();
        }
        for (BundleJob j : running) {
            try {
                j.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void refuseIfRunning(String kind) throws BundleException {
        for (BundleJob j : jobs.values()) {
            if (j.kind().equals(kind) && !j.isDone()) {
                throw new BundleException(
                        BAD_REQUEST, "an " + kind + " is running (job " + j.id() + "); wait for it " + "or cancel it");
            }
        }
    }

    private void add(BundleJob job) {
        jobs.put(job.id(), job);
    }

    /** Forgets ended jobs beyond the newest keepReports. */
    private synchronized void prune() {
        for (BundleJob j : jobs.values()) {
            if (j.isDone() && !ended.contains(j.id())) {
                ended.addLast(j.id());
            }
        }
        while (ended.size() > keepReports) {
            jobs.remove(ended.removeFirst());
        }
    }

    private static void directory(Path dir, boolean create) throws BundleException {
        if (Files.isSymbolicLink(dir)) {
            throw new BundleException(BAD_REQUEST, dir + " is a symbolic link; ferry does not follow links here");
        }
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new BundleException(BAD_REQUEST, dir + " is not a directory");
        }
        if (!create) {
            throw new BundleException(NOT_FOUND, dir + " does not exist");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new BundleException(BAD_REQUEST, "cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    private static CutSet readInventory(Path file, Path scratch) throws BundleException {
        return readInventory(file, HeapBudget.inventoryKeys(), scratch);
    }

    /** The cut set of inventory {@code file}, on disk in {@code scratch} past {@code heapKeys} keys. */
    static CutSet readInventory(Path file, int heapKeys, Path scratch) throws BundleException {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new BundleException(BAD_REQUEST, "inventory " + file + " is not a regular file");
        }
        try {
            return CutSet.read(file, heapKeys, scratch);
        } catch (ScratchTable.Failure e) {
            throw scratchFailed("the inventory's keys", e);
        } catch (NoSuchFileException e) {
            throw new BundleException(NOT_FOUND, "inventory " + file + " does not exist");
        } catch (BundleFormatException e) {
            throw new BundleException(BAD_REQUEST, file + " is not a usable inventory: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BundleException(BAD_REQUEST, "cannot read inventory " + file + ": " + e.getMessage(), e);
        }
    }

    private CutSet sentSet(String since, Path scratch) throws BundleException {
        try {
            Optional<ExportRecord> record = history.find(since);
            if (record.isEmpty()) {
                throw new BundleException(
                        NOT_FOUND,
                        "no bundle " + since + " in this ferry's export history " + "(ferry bundles lists them)");
            }
            if (!history.hasSent(since) && history.amongKept(since)) {
                // Not pruned: gone some other way (removed by hand, a restored backup without it).
                throw new BundleException(
                        NOT_FOUND,
                        "the record of what bundle " + since + " left site '"
                                + record.get().site() + "' holding ("
                                + since + ".sent in this ferry's bundles directory) is missing; export against an"
                                + " inventory the site writes (ferry inventory), or a full bundle; later exports"
                                + " --since that one work again");
            }
            if (!history.hasSent(since)) {
                throw new BundleException(
                        NOT_FOUND,
                        "bundle " + since + " is older than the last " + ExportHistory.SENT_KEPT + " to site '"
                                + record.get().site() + "', whose records of what the site holds are all this ferry"
                                + " keeps; export --since a later one (ferry bundles lists them), or against an"
                                + " inventory the site writes (ferry inventory)");
            }
            return history.sent(since, scratch);
        } catch (ScratchTable.Failure e) {
            throw scratchFailed("the keys bundle " + since + " left the site holding", e);
        } catch (IOException e) {
            // This ferry's own record, not the request's: damaged or unreadable on this server's disk.
            throw new BundleException(
                    BundleException.Kind.FAILED,
                    "cannot read this ferry's record of what bundle " + since + " left the site holding ("
                            + e.getMessage() + "); export against an inventory the site writes (ferry inventory),"
                            + " or a full bundle",
                    e);
        }
    }

    /** A site's keys past the heap's share could not go to this server's scratch space: its disk, not the request. */
    private static BundleException scratchFailed(String what, ScratchTable.Failure e) {
        return new BundleException(
                BundleException.Kind.FAILED,
                "could not keep " + what + " on this server's disk (" + e.getMessage() + "); nothing was exported",
                e);
    }
}
