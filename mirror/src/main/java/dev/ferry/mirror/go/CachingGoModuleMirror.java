package dev.ferry.mirror.go;

import dev.ferry.mirror.Body;
import dev.ferry.mirror.BytesBody;
import dev.ferry.mirror.DownloadOutcome;
import dev.ferry.mirror.SharedDownloads;
import dev.ferry.mirror.Spool;
import dev.ferry.mirror.SpoolBody;
import dev.ferry.mirror.StoredBody;
import dev.ferry.mirror.TeeInput;
import dev.ferry.mirror.sumdb.ChecksumFailure;
import dev.ferry.mirror.sumdb.ModuleChecksums;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.modzip.ModuleZip;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.dirhash.Hash1;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.Durability;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredObject;
import dev.ferry.upstreams.goproxy.GoProxyClient;
import dev.ferry.upstreams.pool.ContentMismatch;
import dev.ferry.upstreams.pool.ContentRejected;
import dev.ferry.upstreams.pool.FetchResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * The {@link GoModuleMirror}: answers from the store, fetches misses from upstream once (concurrent misses of
 * the same file coalesce onto one fetch), checks the bytes before they are committed, and refreshes
 * {@code @v/list}, {@code @latest} and version queries after {@code listTtl}. Store names are spelled by {@link GoStoreNames}.
 *
 * <p>Immutable files (.info, .mod, .zip of a canonical version): a name once stored is never replaced. On a
 * miss, one background fetch per file ({@link SharedDownloads}) tees the upstream body into the store's object
 * writer and checks it in the same pass; the commit writes the name and the per-version record in one batch, and
 * only after the check passed. A .zip miss is answered as soon as the upstream body starts, with a {@link SpoolBody}
 * that follows the download (see {@link Spool}): it has no ETag yet (null: the digest is unknown until the end),
 * and writeTo returns only after the commit, or throws. .info and .mod are small, so their answer waits for the
 * commit and is then served from the store like a hit. A .mod fetched also starts the fetch of its version's .info,
 * which {@code go mod download} asks next.
 *
 * <p>A .mod or .zip must also hash (h1) as {@link ModuleChecksums} expects: the checksum database lookup starts
 * when the miss does and is compared before the commit; the hash first stored for a version is pinned in its
 * record, and a later copy that differs is refused. A zip miss waits up to {@code zipHoldBack} for that verdict
 * before it streams, so that a refusal usually reaches the client as an answer with its reason. A zip past the spool's
 * memory that passed within that time is answered from its download's spool (the page cache, not a read of the
 * store) with its digest as the ETag, while the commit runs; its last byte, as a streamed one's, goes out after the
 * commit. A smaller one is answered after its commit, from the store.
 *
 * <p>Refreshable answers (@v/list, @latest, non-canonical .info queries) are kept as metadata snapshots with
 * their fetch time. Stale ones are refetched; if every upstream fails they are served STALE. An @v/list is the
 * upstream's list (normalised) plus every tagged version held in the store, so a version we hold is listed
 * even when the upstream forgets it; when the upstream says the module does not exist (or the list is off)
 * but we hold versions, list and @latest are answered from the store.
 */
public final class CachingGoModuleMirror implements GoModuleMirror {
    private static final System.Logger LOG = System.getLogger(CachingGoModuleMirror.class.getName());
    static final String JSON = "application/json";
    static final String TEXT = "text/plain; charset=utf-8";
    static final String ZIP = "application/zip";

    /** The three immutable files of a module version. */
    enum FileKind {
        INFO("info", JSON, Chunking.CONTENT_DEFINED, GoContentChecks.MAX_INFO),
        MOD("mod", TEXT, Chunking.CONTENT_DEFINED, ModuleZip.MAX_GO_MOD),
        ZIP("zip", CachingGoModuleMirror.ZIP, Chunking.ZIP_ENTRIES, ModuleZip.MAX_ZIP_FILE);

        final String ext;
        final String contentType;
        final Chunking chunking;
        final long maxBytes;

        FileKind(String ext, String contentType, Chunking chunking, long maxBytes) {
            this.ext = ext;
            this.contentType = contentType;
            this.chunking = chunking;
            this.maxBytes = maxBytes;
        }
    }

    private enum Refreshable {
        LIST,
        LATEST,
        QUERY
    }

    private final NamedObjectStore store;
    private final GoProxyClient upstream;
    private final GoMirrorSettings settings;
    private final Clock clock;
    private final NegativeCache negatives;
    private final ModuleChecksums checksums;
    private final Predicate<ModulePath> kept;
    private final SharedDownloads<String> fileFetches;
    private final ConcurrentHashMap<String, CompletableFuture<FetchResult<Snapshot>>> refreshes =
            new ConcurrentHashMap<>();

    public CachingGoModuleMirror(
            NamedObjectStore store, GoProxyClient upstream, GoMirrorSettings settings, Clock clock) {
        this(store, upstream, settings, clock, ModuleChecksums.NONE);
    }

    /** @param checksums what a .mod or .zip must hash to before it is stored (see {@link ModuleChecksums}) */
    public CachingGoModuleMirror(
            NamedObjectStore store,
            GoProxyClient upstream,
            GoMirrorSettings settings,
            Clock clock,
            ModuleChecksums checksums) {
        this(store, upstream, settings, clock, checksums, module -> false);
    }

    /** The pin set of private modules' files: nobody else serves them, so eviction must not take them. */
    public static final String PRIVATE_PIN_SET = "private";

    /**
     * @param kept modules whose files are pinned in {@link #PRIVATE_PIN_SET} as they are stored (the private ones:
     *     an upstream that serves them now may not later, and their hashes are ferry's own pins)
     */
    public CachingGoModuleMirror(
            NamedObjectStore store,
            GoProxyClient upstream,
            GoMirrorSettings settings,
            Clock clock,
            ModuleChecksums checksums,
            Predicate<ModulePath> kept) {
        this.kept = kept;
        this.checksums = checksums;
        this.store = store;
        this.upstream = upstream;
        this.settings = settings;
        this.clock = clock;
        this.negatives = new NegativeCache(settings.negativeCacheEntries());
        this.fileFetches = new SharedDownloads<>("go-fetch", settings.spoolDir(), settings.spoolMemoryBytes());
    }

    @Override
    public GoAnswer answer(ProxyRequest request) {
        return switch (request) {
            case ProxyRequest.List r ->
                refreshable(Refreshable.LIST, r.module(), GoStoreNames.list(r.module()), r.upstreamPath());
            case ProxyRequest.Latest r ->
                refreshable(Refreshable.LATEST, r.module(), GoStoreNames.latest(r.module()), r.upstreamPath());
            case ProxyRequest.Info r
            when r.version().isCanonical() -> file(r.module(), r.version(), FileKind.INFO, r.upstreamPath());
            case ProxyRequest.Info r ->
                refreshable(
                        Refreshable.QUERY, r.module(), GoStoreNames.query(r.module(), r.version()), r.upstreamPath());
            case ProxyRequest.Mod r -> file(r.module(), r.version(), FileKind.MOD, r.upstreamPath());
            case ProxyRequest.Zip r -> file(r.module(), r.version(), FileKind.ZIP, r.upstreamPath());
        };
    }

    // ---- immutable files ------------------------------------------------------------------------------------

    private GoAnswer file(ModulePath module, Version version, FileKind kind, String path) {
        String name = GoStoreNames.file(module, version, kind.ext);
        Optional<StoredObject> stored = store.resolve(name);
        if (stored.isPresent()) {
            // Evicted between this lookup and the read: the read finds nothing, and the file is fetched again.
            return fileContent(stored.get(), module, version, kind, path, GoAnswer.CacheOutcome.HIT);
        }
        Optional<NegativeCache.Miss> miss = negatives.get(path, clock.instant());
        if (miss.isPresent()) {
            return new GoAnswer.NotFound(miss.get().reason(), miss.get().gone(), GoAnswer.CacheOutcome.NEGATIVE_HIT);
        }
        SharedDownloads.Download download = fileFetches.join(name, new FileFetch(module, version, kind, path, name));
        try {
            if (kind == FileKind.ZIP) {
                // Held back until the bytes passed every check (then followed from the spool while the commit runs),
                // so that a refusal reaches the client as an answer with its reason; a large or slow download is
                // streamed while it arrives (the last byte waits for the check and commit).
                Optional<SharedDownloads.CheckedBody> checked = download.holdBackUntilChecked(settings.zipHoldBack());
                if (checked.isPresent()) {
                    return new GoAnswer.Content(
                            checked.get().body(),
                            kind.contentType,
                            checked.get().validator(),
                            GoAnswer.Freshness.IMMUTABLE,
                            GoAnswer.CacheOutcome.MISS);
                }
                Optional<Body> following = download.following(false);
                if (following.isPresent()) {
                    return new GoAnswer.Content(
                            following.get(),
                            kind.contentType,
                            null,
                            GoAnswer.Freshness.IMMUTABLE,
                            GoAnswer.CacheOutcome.MISS);
                }
            }
            return switch (download.outcome()) {
                case DownloadOutcome.Stored s ->
                    fileContent(s.object(), module, version, kind, path, GoAnswer.CacheOutcome.MISS);
                case DownloadOutcome.Missing m ->
                    new GoAnswer.NotFound(m.reason(), m.gone(), GoAnswer.CacheOutcome.MISS);
                case DownloadOutcome.Failed f -> new GoAnswer.Unavailable(f.reason(), f.badGateway());
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new GoAnswer.Unavailable("interrupted while fetching " + module + "@" + version, false);
        }
    }

    /** A stored file; evicted before its read starts, it is fetched again for the same response. */
    private GoAnswer fileContent(
            StoredObject object,
            ModulePath module,
            Version version,
            FileKind kind,
            String path,
            GoAnswer.CacheOutcome outcome) {
        return new GoAnswer.Content(
                new StoredBody(store, object, () -> refetched(module, version, kind, path)),
                kind.contentType,
                object.digest().hex(),
                GoAnswer.Freshness.IMMUTABLE,
                outcome);
    }

    /** The body of a file asked for again after its stored copy went (evicted) before it could be read. */
    private Body refetched(ModulePath module, Version version, FileKind kind, String path) throws IOException {
        if (file(module, version, kind, path) instanceof GoAnswer.Content c) {
            return c.body();
        }
        throw new IOException(module + "@" + version + "." + kind.ext + " was evicted while being served and could not"
                + " be fetched again");
    }

    private GoAnswer stored(
            StoredObject object, String contentType, GoAnswer.Freshness freshness, GoAnswer.CacheOutcome outcome) {
        return new GoAnswer.Content(
                new StoredBody(store, object), contentType, object.digest().hex(), freshness, outcome);
    }

    /**
     * One fetch of one immutable file, shared by every client that missed it meanwhile: the format, checksum and
     * pinned-hash checks, the version record, and the negative cache of files upstreams do not have.
     */
    private final class FileFetch implements SharedDownloads.Fetch {
        final ModulePath module;
        final Version version;
        final FileKind kind;
        final String path;
        final String name;
        /** Set when the checksum database could not vouch for the download: a 503, not a 502. */
        volatile String unverifiable;
        /** The expected hashes, looked up while the download runs; set before the fetch starts. */
        ModuleChecksums.Check sums = ModuleChecksums.Check.NONE;

        FileFetch(ModulePath module, Version version, FileKind kind, String path, String name) {
            this.module = module;
            this.version = version;
            this.kind = kind;
            this.path = path;
            this.name = name;
        }

        @Override
        public String what() {
            return module + "@" + version + "." + kind.ext;
        }

        /** Evicted before its read starts, it is fetched again for the same response. */
        @Override
        public Body stored(StoredObject object) {
            return new StoredBody(store, object, () -> refetched(module, version, kind, path));
        }

        @Override
        public DownloadOutcome run(SharedDownloads.Download download) {
            // The previous fetch of this file may have committed between our caller's miss and our start.
            Optional<StoredObject> already = store.resolve(name);
            if (already.isPresent()) {
                return new DownloadOutcome.Stored(already.get());
            }
            if (kind != FileKind.INFO) {
                sums = checksums.begin(module, version);
            }
            FetchResult<StoredObject> result =
                    upstream.fetch(path, (body, length, from) -> receive(download, body, length, from));
            if (result instanceof FetchResult.Failed<StoredObject> && unverifiable != null) {
                return new DownloadOutcome.Failed(unverifiable, false);
            }
            DownloadOutcome outcome = download.settle(result, "not found: " + module + "@" + version, what());
            if (outcome instanceof DownloadOutcome.Missing m) {
                negatives.put(
                        path,
                        new NegativeCache.Miss(
                                m.reason(), m.gone(), clock.instant().plus(settings.notFoundTtl())));
            }
            // Not for the private modules: theirs may come from a version control server, where a fetch is a git
            // operation rather than a small file.
            if (kind == FileKind.MOD && outcome instanceof DownloadOutcome.Stored && !kept.test(module)) {
                fetchInfoToo();
            }
            return outcome;
        }

        /**
         * Starts the fetch of this version's .info, unless it is stored or known missing: {@code go mod download}
         * asks every .info of the module graph one by one after its .mod files, so each would be a miss on its
         * critical path; fetched now, it is a hit (or joins this fetch) by then. Its own shared download, checked
         * and stored like a client's miss; nobody waits for it here, and nobody is charged for it (this thread has
         * no payer): at most one extra small upstream request per .mod, for clients that never ask the .info.
         */
        private void fetchInfoToo() {
            String infoName = GoStoreNames.file(module, version, FileKind.INFO.ext);
            String infoPath = path.substring(0, path.length() - FileKind.MOD.ext.length()) + FileKind.INFO.ext;
            if (store.resolve(infoName).isEmpty()
                    && negatives.get(infoPath, clock.instant()).isEmpty()) {
                fileFetches.join(infoName, new FileFetch(module, version, FileKind.INFO, infoPath, infoName));
            }
        }

        /** The body handler: a zip is spooled for clients to follow while it arrives; the others are not. */
        StoredObject receive(SharedDownloads.Download download, InputStream body, long length, String from)
                throws IOException, ContentRejected {
            if (length > kind.maxBytes) {
                throw reject(from, "it is " + length + " bytes, more than the " + kind.maxBytes + " allowed");
            }
            return download.attempt(
                    from, length, kind == FileKind.ZIP, spool -> checkAndCommit(download, body, from, spool));
        }

        /** Checks while storing, commits only if the check passed. */
        private StoredObject checkAndCommit(
                SharedDownloads.Download download, InputStream body, String from, Spool spool)
                throws IOException, ContentRejected {
            try (ObjectWriter writer = store.newObject(kind.chunking, durability())) {
                TeeInput tee = new TeeInput(body, writer, spool, kind.maxBytes);
                String h1 = checked(tee, from);
                if (h1 != null) {
                    verify(h1, from);
                }
                Sha256 digest = tee.digest();
                if (spool != null && store.resolve(name).isEmpty()) {
                    // Checked and about to be stored: clients held back may follow the spool while the commit runs.
                    // (Not when a copy is stored already: the commit keeps that one, and they are answered with it.)
                    download.checked(spool, digest.hex());
                }
                StoredObject object = commit(writer, digest, from, h1);
                if (spool != null && !object.digest().equals(digest)) {
                    spool.fail(what() + " was stored earlier with different bytes; ask again for the stored copy");
                }
                return object;
            }
        }

        /** Reads the whole body through {@link #check}; a body that fails it is refused, saying why. */
        private String checked(TeeInput tee, String from) throws IOException, ContentRejected {
            try {
                String h1 = check(tee);
                tee.drain();
                return h1;
            } catch (ContentMismatch e) {
                throw e;
            } catch (FormatException e) {
                // A module zip whose own CRC-32s or structure fail is not the file its author made (a cut-off
                // transfer never gets here as such: the client sees the transfer failure first).
                if (kind == FileKind.ZIP) {
                    throw new ContentMismatch(what(), what() + " from " + from + " rejected: " + e.getMessage());
                }
                throw reject(from, e.getMessage());
            } catch (ContentRejected e) {
                throw reject(from, e.getMessage());
            } catch (IOException e) {
                if (tee.overLimit()) {
                    throw reject(from, "it is more than the " + kind.maxBytes + " bytes allowed");
                }
                throw e;
            }
        }

        /** Checks the format; returns the h1 hash of a .mod or .zip (null for .info, which no database lists). */
        private String check(TeeInput tee) throws IOException, ContentRejected {
            return switch (kind) {
                case INFO -> {
                    GoContentChecks.info(tee.readAllBytes(), version);
                    yield null;
                }
                case MOD -> {
                    byte[] mod = tee.readAllBytes();
                    GoContentChecks.mod(mod, module);
                    yield Hash1.ofGoMod(mod);
                }
                case ZIP -> Hash1.ofZip(ModuleZip.check(tee, module, version));
            };
        }

        /**
         * Before anything is stored: the hash must equal the one pinned when this version was first stored (from any
         * upstream, private or not), and the checksum database's.
         */
        private void verify(String h1, String from) throws ContentRejected, IOException {
            Optional<String> pinned =
                    GoStoreNames.pinnedHash(store.meta(GoStoreNames.versionRecord(module, version)), kind.ext);
            if (pinned.isPresent() && !pinned.get().equals(h1)) {
                checksums.pinMismatch();
                String msg = "SECURITY ERROR: " + what() + ": checksum mismatch: upstream " + from + " served " + h1
                        + ", but ferry stored " + pinned.get() + " for this version before; not stored";
                LOG.log(System.Logger.Level.WARNING, msg);
                throw new ContentMismatch(what(), msg);
            }
            try {
                sums.require(kind.ext, h1, what(), from);
            } catch (ChecksumFailure e) {
                if (e instanceof ChecksumFailure.Unverifiable) {
                    // The upstream may have served good bytes: it is the database that cannot answer now. An
                    // IOException is a failure on ferry's side to the upstream pool: no breaker penalty for the
                    // upstream (else one unreachable database opens every upstream's breaker), and no other
                    // upstream asked in vain.
                    unverifiable = e.getMessage();
                    throw new IOException(e.getMessage(), e);
                }
                throw e instanceof ChecksumFailure.Refused r && r.mismatch()
                        ? new ContentMismatch(what(), e.getMessage())
                        : new ContentRejected(e.getMessage());
            }
        }

        private ContentRejected reject(String from, String why) {
            return new ContentRejected(what() + " from " + from + " rejected: " + why);
        }

        /**
         * A public module's file can be fetched again after a power cut took it back; a private one's first hash is
         * ferry's own pin, which nothing else vouches for.
         */
        private Durability durability() {
            return kept.test(module) ? Durability.SYNCED : Durability.GROUPED;
        }

        /** Commits unless the name exists already (then the earlier object stays, and is returned). */
        private StoredObject commit(ObjectWriter writer, Sha256 digest, String from, String h1) throws IOException {
            String record = GoStoreNames.versionRecord(module, version);
            byte[] line = GoStoreNames.versionLine(kind.ext, digest.hex(), clock.instant(), from, h1);
            AtomicReference<StoredObject> earlier = new AtomicReference<>();
            boolean pinned = kept.test(module);
            Durability durability = durability();
            StoredObject object = writer.commit(
                    digest,
                    batch -> {
                        Optional<StoredObject> existing = batch.currentName(name);
                        if (existing.isPresent()) {
                            earlier.set(existing.get());
                            return;
                        }
                        batch.putName(name, digest);
                        if (pinned) {
                            batch.pin(PRIVATE_PIN_SET, digest);
                        }
                        byte[] previous = batch.currentMeta(record).orElse(new byte[0]);
                        byte[] value = Arrays.copyOf(previous, previous.length + line.length);
                        System.arraycopy(line, 0, value, previous.length, line.length);
                        batch.putMeta(record, value);
                    },
                    durability);
            StoredObject kept = earlier.get();
            if (kept == null) {
                return object;
            }
            if (!kept.digest().equals(object.digest())) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        what() + " from " + from + " differs from the stored copy (" + object.digest() + " vs "
                                + kept.digest() + "); keeping the stored copy");
            }
            return kept;
        }
    }

    // ---- refreshable answers ----------------------------------------------------------------------------

    private GoAnswer refreshable(Refreshable kind, ModulePath module, String key, String path) {
        Instant now = clock.instant();
        Optional<Snapshot> snapshot = store.meta(key).flatMap(Snapshot::decode);
        if (snapshot.isPresent() && now.isBefore(snapshot.get().fetched().plus(settings.listTtl()))) {
            return serve(kind, module, snapshot.get(), GoAnswer.Freshness.FRESH, GoAnswer.CacheOutcome.HIT);
        }
        Optional<NegativeCache.Miss> miss = negatives.get(path, now);
        if (miss.isPresent()) {
            return new GoAnswer.NotFound(miss.get().reason(), miss.get().gone(), GoAnswer.CacheOutcome.NEGATIVE_HIT);
        }
        FetchResult<Snapshot> result;
        try {
            result = refresh(kind, module, key, path);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new GoAnswer.Unavailable("interrupted while fetching " + path, false);
        }
        switch (result) {
            case FetchResult.Fetched<Snapshot> f -> {
                return serve(kind, module, f.value(), GoAnswer.Freshness.FRESH, GoAnswer.CacheOutcome.MISS);
            }
            case FetchResult.NotFound<Snapshot> n -> {
                Optional<GoAnswer> ours =
                        fromStoredVersions(kind, module, GoAnswer.Freshness.FRESH, GoAnswer.CacheOutcome.MISS);
                if (ours.isPresent()) {
                    return ours.get();
                }
                if (snapshot.isPresent()) {
                    // The upstream now denies what it listed before: do not serve the old answer when it fails later.
                    try {
                        store.update(b -> b.deleteMeta(key));
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.WARNING, "could not drop the denied snapshot " + key, e);
                    }
                }
                String reason = n.message() == null || n.message().isBlank() ? "not found: " + module : n.message();
                negatives.put(
                        path, new NegativeCache.Miss(reason, n.status() == 410, now.plus(settings.notFoundTtl())));
                return new GoAnswer.NotFound(reason, n.status() == 410, GoAnswer.CacheOutcome.MISS);
            }
            case FetchResult.Failed<Snapshot> f -> {
                if (snapshot.isPresent()) {
                    return serve(kind, module, snapshot.get(), GoAnswer.Freshness.STALE, GoAnswer.CacheOutcome.STALE);
                }
                Optional<GoAnswer> ours =
                        fromStoredVersions(kind, module, GoAnswer.Freshness.STALE, GoAnswer.CacheOutcome.STALE);
                if (ours.isPresent()) {
                    return ours.get();
                }
                boolean rejected =
                        f.attempts().stream().anyMatch(a -> a.problem().startsWith("rejected"));
                return new GoAnswer.Unavailable(path + ": no upstream could serve it: " + f.summary(), rejected);
            }
        }
    }

    /** One upstream fetch per path at a time; concurrent callers share its result. */
    private FetchResult<Snapshot> refresh(Refreshable kind, ModulePath module, String key, String path)
            throws InterruptedException {
        CompletableFuture<FetchResult<Snapshot>> mine = new CompletableFuture<>();
        CompletableFuture<FetchResult<Snapshot>> running = refreshes.putIfAbsent(path, mine);
        if (running != null) {
            try {
                return running.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("refresh of " + path + " failed", e.getCause());
            }
        }
        FetchResult<Snapshot> result;
        try {
            result = upstream.fetch(path, (body, length, from) -> {
                long cap = kind == Refreshable.LIST ? GoContentChecks.MAX_LIST : GoContentChecks.MAX_INFO;
                if (length > cap) {
                    throw new ContentRejected(
                            path + " from " + from + " rejected: " + length + " bytes, more than " + cap);
                }
                byte[] bytes = body.readNBytes((int) cap + 1);
                if (bytes.length > cap) {
                    throw new ContentRejected(path + " from " + from + " rejected: more than " + cap + " bytes");
                }
                byte[] kept;
                if (kind == Refreshable.LIST) {
                    kept = GoContentChecks.listBody(GoContentChecks.list(bytes));
                } else {
                    try {
                        Version stated = GoContentChecks.infoVersion(bytes);
                        try {
                            module.checkMajor(stated);
                        } catch (FormatException e) {
                            throw new ContentRejected(".info names version " + stated + ", which " + module
                                    + " cannot have: " + e.getMessage());
                        }
                    } catch (ContentRejected e) {
                        throw new ContentRejected(path + " from " + from + " rejected: " + e.getMessage());
                    }
                    kept = bytes;
                }
                Snapshot snapshot = new Snapshot(clock.instant(), from, kept);
                store.update(b -> b.putMeta(key, snapshot.encode()));
                return snapshot;
            });
        } catch (RuntimeException | Error e) {
            refreshes.remove(path, mine);
            mine.completeExceptionally(e);
            throw e;
        }
        // Unregister before completing, so a woken caller that asks again does not get this result twice.
        refreshes.remove(path, mine);
        mine.complete(result);
        return result;
    }

    private GoAnswer serve(
            Refreshable kind,
            ModulePath module,
            Snapshot snapshot,
            GoAnswer.Freshness freshness,
            GoAnswer.CacheOutcome outcome) {
        byte[] bytes = snapshot.body();
        if (kind == Refreshable.LIST) {
            Map<String, Version> union = new TreeMap<>();
            for (Version v : GoContentChecks.list(bytes)) {
                union.put(v.toString(), v);
            }
            for (Version v : storedVersions(module).keySet()) {
                if (!v.isPseudo()) {
                    union.putIfAbsent(v.toString(), v);
                }
            }
            bytes = GoContentChecks.listBody(GoContentChecks.sorted(union.values()));
        }
        return new GoAnswer.Content(
                new BytesBody(bytes), kind == Refreshable.LIST ? TEXT : JSON, sha256Hex(bytes), freshness, outcome);
    }

    /**
     * List or @latest made from the versions we hold, for when the upstream has no answer: the list holds the
     * tagged versions (the go command ignores pseudo-versions there); @latest is the newest release, else the
     * newest pre-release, else the newest pseudo-version, as the go command chooses, among versions whose .info
     * we hold. Empty when we hold no version of the module (or for a query).
     */
    private Optional<GoAnswer> fromStoredVersions(
            Refreshable kind, ModulePath module, GoAnswer.Freshness freshness, GoAnswer.CacheOutcome outcome) {
        Map<Version, Set<String>> held = storedVersions(module);
        if (held.isEmpty() || kind == Refreshable.QUERY) {
            return Optional.empty();
        }
        if (kind == Refreshable.LIST) {
            List<Version> tagged =
                    held.keySet().stream().filter(v -> !v.isPseudo()).toList();
            byte[] bytes = GoContentChecks.listBody(GoContentChecks.sorted(tagged));
            return Optional.of(new GoAnswer.Content(new BytesBody(bytes), TEXT, sha256Hex(bytes), freshness, outcome));
        }
        Version best = null;
        for (Version v : held.keySet()) {
            if (held.get(v).contains(FileKind.INFO.ext)
                    && (best == null
                            || latestRank(v) > latestRank(best)
                            || (latestRank(v) == latestRank(best) && v.compareTo(best) > 0))) {
                best = v;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        Optional<StoredObject> info = store.resolve(GoStoreNames.file(module, best, FileKind.INFO.ext));
        return info.map(o -> stored(o, JSON, freshness, outcome));
    }

    private static int latestRank(Version v) {
        return v.isPseudo() ? 0 : v.isPrerelease() ? 1 : 2;
    }

    /** Versions of {@code module} we hold at least one file of, with the extensions held. */
    private Map<Version, Set<String>> storedVersions(ModulePath module) {
        String prefix = GoStoreNames.versionPrefix(module);
        Map<Version, Set<String>> held = new TreeMap<>();
        store.scanMeta(prefix, (key, value) -> {
            try {
                Version v = Version.parseCanonical(key.substring(prefix.length()));
                Set<String> exts = new HashSet<>();
                for (String line : new String(value, StandardCharsets.UTF_8).split("\n")) {
                    int space = line.indexOf(' ');
                    if (space > 0) {
                        exts.add(line.substring(0, space));
                    }
                }
                held.computeIfAbsent(v, x -> new HashSet<>()).addAll(exts);
            } catch (FormatException e) {
                LOG.log(System.Logger.Level.WARNING, "ignoring unreadable version record " + key);
            }
            return true;
        });
        return held;
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The outcome of the fetch of store name {@code name} in progress (waiting for it), or empty when none is. */
    Optional<DownloadOutcome> awaitFetch(String name) throws InterruptedException {
        Optional<SharedDownloads.Download> running = fileFetches.inProgress(name);
        return running.isEmpty() ? Optional.empty() : Optional.of(running.get().outcome());
    }

    /** Downloads in progress, for metrics and tests. */
    public int inFlight() {
        return fileFetches.inFlight() + refreshes.size();
    }
}
