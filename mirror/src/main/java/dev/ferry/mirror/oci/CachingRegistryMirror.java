package dev.ferry.mirror.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.mirror.Body;
import dev.ferry.mirror.DownloadOutcome;
import dev.ferry.mirror.SharedDownloads;
import dev.ferry.mirror.SpoolBody;
import dev.ferry.mirror.StoredBody;
import dev.ferry.mirror.StoredRangeBody;
import dev.ferry.protocols.oci.ByteRange;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.OciFormatException;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.oci.Tag;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.Durability;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredObject;
import dev.ferry.upstreams.oci.ManifestHead;
import dev.ferry.upstreams.oci.RegistryClient;
import dev.ferry.upstreams.pool.ContentMismatch;
import dev.ferry.upstreams.pool.ContentRejected;
import dev.ferry.upstreams.pool.FetchResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Pull-through cache of one upstream registry ({@link RegistryClient}), on the shared {@link NamedObjectStore}. Every
 * store key is spelled by {@link OciStoreNames} under {@code Target.mirror(client.registry())}.
 *
 * <p>Digests are immutable: a manifest or blob stored and linked to the repository is served from the store
 * forever without asking upstream. What comes from upstream is checked before it is committed (manifests: the
 * bytes hash to the requested digest and to Docker-Content-Digest, and parse as their media type; blobs: digest
 * and declared length), and the commit names it, links it to the repository and lists the repository in one
 * batch, so nothing half-checked or half-recorded is ever visible.
 *
 * <p>A blob or manifest in the store but not linked to the repository (it came through another repository,
 * another registry or a push to a hosted repository) is served only after the upstream confirmed this
 * repository has it: for a blob, a GET whose body is not read (the bytes are not downloaded again); for a
 * manifest, a HEAD. So content pushed to access-controlled hosted repositories never leaks through a mirror by
 * its digest, and a layer shared by many repositories is still downloaded once.
 *
 * <p>Tags are mutable: a tag record is served for {@code tagTtl} after it was resolved, then resolved again with
 * a HEAD (Docker Hub counts manifest GETs against its rate limit, not HEADs); the manifest body is fetched only
 * when the digest the HEAD names is not stored. When every upstream fails, a recorded tag is served STALE.
 *
 * <p>Blob misses are downloaded once per digest by {@link BlobDownloads}; a GET is answered as soon as the first
 * upstream attempt's headers arrive (when they declare a length), with a {@link SpoolBody} that streams the bytes
 * while they arrive and ends only after the commit. Choices for the cases the spec leaves open:
 * <ul>
 *   <li>a Range request of a blob not stored waits for the whole download and then serves the range from the
 *       store (a client resuming a large layer waits, but never gets unverified bytes);</li>
 *   <li>a HEAD of a blob not stored starts (or joins) the download and is answered with the length the upstream
 *       declared as soon as the body starts; the download goes on in the background, so the GET that usually
 *       follows joins it. Without a declared length the HEAD waits for the stored blob.</li>
 * </ul>
 *
 * <p>An offline mirror ({@link OciMirrorSettings#offline()}) never calls the client: stored tags are served at any
 * age as FRESH (nothing is stale when there is nothing to resolve against), stored and linked content is served,
 * and anything else is a 404 saying the registry is offline.
 */
public final class CachingRegistryMirror implements OciRepositories {
    static final String BLOB_TYPE = "application/octet-stream";
    private static final byte[] EMPTY = new byte[0];
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NamedObjectStore store;
    private final RegistryClient client;
    private final OciMirrorSettings settings;
    private final Clock clock;
    private final OciStoreNames.Target target;
    private final BlobDownloads downloads;

    public CachingRegistryMirror(
            NamedObjectStore store, RegistryClient client, OciMirrorSettings settings, Clock clock) {
        this.store = store;
        this.client = client;
        this.settings = settings;
        this.clock = clock;
        this.target = OciStoreNames.Target.mirror(client.registry());
        this.downloads = new BlobDownloads(store, client, target, settings.spoolDir(), settings.spoolMemoryLimit());
    }

    // ---- manifests ------------------------------------------------------------------------------------------

    /**
     * By digest: from the store when stored and linked (IMMUTABLE, HIT), else fetched, checked and stored; a HEAD
     * of a manifest not stored is answered from the upstream's HEAD when it names the same digest. By tag: see
     * the class comment.
     */
    @Override
    public OciAnswer manifest(RepositoryName repository, Reference reference, boolean head) {
        Objects.requireNonNull(repository, "repository");
        return switch (Objects.requireNonNull(reference, "reference")) {
            case Reference.ByDigest d -> manifestByDigest(repository, d.digest(), head);
            case Reference.ByTag t -> manifestByTag(repository, t.tag(), head);
        };
    }

    /** A manifest in the store: its bytes, checked as a manifest, and the media type it was checked as. */
    private record StoredManifest(Digest digest, String mediaType, StoredObject object) {}

    private OciAnswer manifestByDigest(RepositoryName repository, Digest digest, boolean head) {
        Optional<StoredManifest> stored = storedManifest(digest);
        if (stored.isPresent() && linked(repository, digest)) {
            return content(repository, stored.get(), head, OciAnswer.Freshness.IMMUTABLE, OciAnswer.CacheOutcome.HIT);
        }
        if (settings.offline()) {
            return offline(OciErrorCode.MANIFEST_UNKNOWN, "manifest " + repository + "@" + digest);
        }
        if (stored.isPresent() || head) {
            switch (client.headManifest(repository, new Reference.ByDigest(digest))) {
                case FetchResult.Fetched<ManifestHead> f
                when f.value().digest() != null && !f.value().digest().equals(digest) -> {
                    return new OciAnswer.Unavailable(
                            "upstream " + f.upstream() + " answered HEAD of " + repository + "@" + digest
                                    + " with digest " + f.value().digest(),
                            true);
                }
                case FetchResult.Fetched<ManifestHead> f
                when stored.isPresent() -> {
                    link(repository, digest);
                    return content(
                            repository, stored.get(), head, OciAnswer.Freshness.IMMUTABLE, OciAnswer.CacheOutcome.HIT);
                }
                case FetchResult.Fetched<ManifestHead> f
                when f.value().digest() != null
                        && f.value().size() >= 0
                        && MediaTypes.isManifest(f.value().mediaType()) -> {
                    return new OciAnswer.Content(
                            null,
                            f.value().mediaType(),
                            digest,
                            f.value().size(),
                            null,
                            OciAnswer.Freshness.IMMUTABLE,
                            OciAnswer.CacheOutcome.MISS);
                }
                case FetchResult.Fetched<ManifestHead> f -> {
                    // The HEAD does not say enough to answer with: fetch, check and store it below.
                }
                case FetchResult.NotFound<ManifestHead> n -> {
                    return manifestUnknown(repository, digest.toString());
                }
                case FetchResult.Failed<ManifestHead> f -> {
                    return new OciAnswer.Unavailable(
                            repository + "@" + digest + ": no upstream could answer: " + f.summary(), false);
                }
            }
        }
        Fetch fetch = fetchManifest(repository, new Reference.ByDigest(digest), digest, null);
        return switch (fetch.result()) {
            case FetchResult.Fetched<StoredManifest> f ->
                content(repository, f.value(), head, OciAnswer.Freshness.IMMUTABLE, OciAnswer.CacheOutcome.MISS);
            case FetchResult.NotFound<StoredManifest> n -> manifestUnknown(repository, digest.toString());
            case FetchResult.Failed<StoredManifest> f -> fetch.unavailable(repository + "@" + digest, f);
        };
    }

    /**
     * A fresh tag record is served from the store. Otherwise a HEAD upstream resolves the tag: a digest already
     * stored is served without a GET; else the manifest is fetched (by that digest, or by tag when the HEAD named
     * none), checked and stored with the new tag record in one batch. A HEAD request for a digest not stored is
     * answered from the upstream's HEAD. Upstream 404: MANIFEST_UNKNOWN (the record stays, but is not served).
     * Every upstream failing: the recorded manifest, STALE, or 503 without one.
     */
    private OciAnswer manifestByTag(RepositoryName repository, Tag tag, boolean head) {
        Instant now = clock.instant();
        Optional<OciStoreNames.TagRecord> record = tagRecord(repository, tag);
        Optional<StoredManifest> recorded = record.flatMap(r -> storedManifest(r.digest()));
        if (recorded.isPresent() && now.isBefore(record.get().resolvedAt().plus(settings.tagTtl()))) {
            return content(repository, recorded.get(), head, OciAnswer.Freshness.FRESH, OciAnswer.CacheOutcome.HIT);
        }
        if (settings.offline()) {
            return recorded.<OciAnswer>map(
                            m -> content(repository, m, head, OciAnswer.Freshness.FRESH, OciAnswer.CacheOutcome.HIT))
                    .orElseGet(() -> offline(OciErrorCode.MANIFEST_UNKNOWN, "manifest " + repository + ":" + tag));
        }
        String what = repository + ":" + tag;
        ManifestHead resolved;
        switch (client.headManifest(repository, new Reference.ByTag(tag))) {
            case FetchResult.Fetched<ManifestHead> f -> {
                resolved = f.value();
                if (resolved.digest() != null) {
                    Optional<StoredManifest> known = storedManifest(resolved.digest());
                    if (known.isPresent()) {
                        recordTag(repository, tag, known.get(), f.upstream());
                        return content(
                                repository, known.get(), head, OciAnswer.Freshness.FRESH, OciAnswer.CacheOutcome.HIT);
                    }
                    if (head && resolved.size() >= 0 && MediaTypes.isManifest(resolved.mediaType())) {
                        return new OciAnswer.Content(
                                null,
                                resolved.mediaType(),
                                resolved.digest(),
                                resolved.size(),
                                null,
                                OciAnswer.Freshness.FRESH,
                                OciAnswer.CacheOutcome.MISS);
                    }
                }
            }
            case FetchResult.NotFound<ManifestHead> n -> {
                return manifestUnknown(repository, tag.value());
            }
            case FetchResult.Failed<ManifestHead> f -> {
                return stale(repository, recorded, head)
                        .orElseGet(() ->
                                new OciAnswer.Unavailable(what + ": no upstream could answer: " + f.summary(), false));
            }
        }
        Reference get =
                resolved.digest() != null ? new Reference.ByDigest(resolved.digest()) : new Reference.ByTag(tag);
        Fetch fetch = fetchManifest(repository, get, resolved.digest(), tag);
        return switch (fetch.result()) {
            case FetchResult.Fetched<StoredManifest> f ->
                content(repository, f.value(), head, OciAnswer.Freshness.FRESH, OciAnswer.CacheOutcome.MISS);
            case FetchResult.NotFound<StoredManifest> n -> manifestUnknown(repository, tag.value());
            case FetchResult.Failed<StoredManifest> f ->
                stale(repository, recorded, head).orElseGet(() -> fetch.unavailable(what, f));
        };
    }

    private Optional<OciAnswer> stale(RepositoryName repository, Optional<StoredManifest> recorded, boolean head) {
        return recorded.map(m -> content(repository, m, head, OciAnswer.Freshness.STALE, OciAnswer.CacheOutcome.STALE));
    }

    /** What an offline registry answers for content it does not hold: a 404, never a 503 (nothing is down). */
    private OciAnswer offline(OciErrorCode code, String what) {
        return new OciAnswer.Error(
                code,
                what + " is not stored and registry " + client.registry()
                        + " is offline (off): it has no upstream to fetch from");
    }

    private static OciAnswer manifestUnknown(RepositoryName repository, String reference) {
        return new OciAnswer.Error(
                OciErrorCode.MANIFEST_UNKNOWN,
                "manifest unknown: " + repository + ":" + reference + " does not exist upstream");
    }

    /** A manifest fetch's result, and the first refusal of its bytes (a 502 rather than a 503 when all failed). */
    private record Fetch(FetchResult<StoredManifest> result, String rejection) {
        OciAnswer unavailable(String what, FetchResult.Failed<StoredManifest> failed) {
            return rejection != null
                    ? new OciAnswer.Unavailable(rejection, true)
                    : new OciAnswer.Unavailable(what + ": no upstream could serve it: " + failed.summary(), false);
        }
    }

    /**
     * GETs a manifest and stores it if it checks: at most {@link Manifest#MAX_SIZE} bytes, the length declared,
     * hashing to {@code expected} (when given; else its digest is the sha256 of the bytes) and to the
     * Docker-Content-Digest sent, parseable as its media type. The commit writes the name, the media type, the
     * link, the catalog entry and (with {@code tag}) the tag record in one batch.
     */
    private Fetch fetchManifest(RepositoryName repository, Reference reference, Digest expected, Tag tag) {
        AtomicReference<String> rejection = new AtomicReference<>();
        FetchResult<StoredManifest> result = client.manifest(repository, reference, (body, head, from) -> {
            try {
                if (head.size() > Manifest.MAX_SIZE) {
                    throw new ContentRejected(
                            "it declares " + head.size() + " bytes, more than the " + Manifest.MAX_SIZE + " allowed");
                }
                byte[] bytes = body.readNBytes(Manifest.MAX_SIZE + 1);
                if (bytes.length > Manifest.MAX_SIZE) {
                    throw new ContentRejected("it is more than the " + Manifest.MAX_SIZE + " bytes allowed");
                }
                if (head.size() >= 0 && bytes.length != head.size()) {
                    throw new ContentRejected(
                            "it has " + bytes.length + " bytes, its Content-Length declared " + head.size());
                }
                Digest digest = expected != null ? expected : Digest.sha256(sha256(bytes));
                if (!matches(bytes, digest)) {
                    throw new ContentMismatch(
                            "manifest " + repository + "@" + digest,
                            "its bytes do not hash to the requested digest " + digest);
                }
                if (head.digest() != null && !matches(bytes, head.digest())) {
                    throw new ContentMismatch(
                            "manifest " + repository + "@" + head.digest(),
                            "its bytes do not hash to its Docker-Content-Digest " + head.digest());
                }
                Manifest manifest;
                try {
                    manifest = Manifest.parse(bytes, head.mediaType());
                } catch (OciFormatException e) {
                    throw new ContentRejected(e.getMessage(), e);
                }
                return commitManifest(repository, digest, manifest.mediaType(), bytes, tag, from);
            } catch (ContentRejected e) {
                String why = "manifest " + repository + ":" + reference + " from " + from + " rejected: "
                        + e.getMessage() + "; not stored";
                rejection.compareAndSet(null, why);
                if (e instanceof ContentMismatch m) {
                    throw new ContentMismatch(m.subject(), why);
                }
                throw new ContentRejected(why, e);
            }
        });
        return new Fetch(result, rejection.get());
    }

    private StoredManifest commitManifest(
            RepositoryName repository, Digest digest, String mediaType, byte[] bytes, Tag tag, String from)
            throws IOException {
        Sha256 sha = Sha256.of(sha256(bytes));
        Instant now = clock.instant();
        try (ObjectWriter writer = store.newObject(Chunking.CONTENT_DEFINED)) {
            writer.write(bytes);
            // Mirrored, so it can be fetched again: a grouped commit (docs/storage.md, Durability).
            StoredObject object = writer.commit(
                    sha,
                    batch -> {
                        batch.putName(OciStoreNames.blob(digest), sha);
                        batch.putMeta(OciStoreNames.manifestType(digest), mediaType.getBytes(StandardCharsets.UTF_8));
                        batch.putMeta(OciStoreNames.link(target, repository, digest), EMPTY);
                        batch.putMeta(OciStoreNames.repository(target, repository), EMPTY);
                        if (tag != null) {
                            batch.putMeta(
                                    OciStoreNames.tag(target, repository, tag),
                                    new OciStoreNames.TagRecord(digest, mediaType, bytes.length, now, from).encode());
                        }
                    },
                    Durability.GROUPED);
            return new StoredManifest(digest, mediaType, object);
        }
    }

    /** Points the tag at a stored manifest as resolved now (and links it: the upstream just said the repository has it). */
    private void recordTag(RepositoryName repository, Tag tag, StoredManifest manifest, String from) {
        OciStoreNames.TagRecord record = new OciStoreNames.TagRecord(
                manifest.digest(), manifest.mediaType(), manifest.object().size(), clock.instant(), from);
        try {
            store.update(batch -> {
                batch.putMeta(OciStoreNames.tag(target, repository, tag), record.encode());
                batch.putMeta(OciStoreNames.link(target, repository, manifest.digest()), EMPTY);
                batch.putMeta(OciStoreNames.repository(target, repository), EMPTY);
            });
        } catch (IOException e) {
            // The answer is still right; the tag is just resolved again next time.
            System.getLogger(CachingRegistryMirror.class.getName())
                    .log(System.Logger.Level.WARNING, "could not record tag " + repository + ":" + tag, e);
        }
    }

    private Optional<OciStoreNames.TagRecord> tagRecord(RepositoryName repository, Tag tag) {
        return store.meta(OciStoreNames.tag(target, repository, tag)).flatMap(value -> {
            try {
                return Optional.of(OciStoreNames.TagRecord.decode(value));
            } catch (RuntimeException e) {
                // An unreadable record is as good as none: the tag is resolved again.
                return Optional.empty();
            }
        });
    }

    private Optional<StoredManifest> storedManifest(Digest digest) {
        Optional<byte[]> type = store.meta(OciStoreNames.manifestType(digest));
        if (type.isEmpty()) {
            return Optional.empty();
        }
        return store.resolve(OciStoreNames.blob(digest))
                .map(object -> new StoredManifest(digest, new String(type.get(), StandardCharsets.UTF_8), object));
    }

    private OciAnswer.Content content(
            RepositoryName repository,
            StoredManifest m,
            boolean head,
            OciAnswer.Freshness freshness,
            OciAnswer.CacheOutcome outcome) {
        // Evicted between the lookup and the read: fetched again by digest (same bytes, same length).
        StoredBody body = new StoredBody(
                store,
                m.object(),
                () -> refetched(manifestByDigest(repository, m.digest(), false), repository, m.digest()));
        return new OciAnswer.Content(
                head ? null : body, m.mediaType(), m.digest(), m.object().size(), null, freshness, outcome);
    }

    // ---- blobs ----------------------------------------------------------------------------------------------

    /**
     * Stored and linked: served from the store (a Range as 206, or 416 outside the blob). Stored but not linked:
     * confirmed upstream first (see the class comment). Not stored: downloaded once (see {@link BlobDownloads}).
     * A malformed Range is refused before anything is asked upstream.
     */
    @Override
    public OciAnswer blob(RepositoryName repository, Digest digest, boolean head, String range) {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(digest, "digest");
        if (range != null) {
            try {
                // Against an unbounded size only the syntax can fail; the real size decides satisfiable or not.
                ByteRange.parseRange(range, Long.MAX_VALUE);
            } catch (OciFormatException e) {
                return new OciAnswer.Error(OciErrorCode.RANGE_INVALID, e.getMessage());
            }
        }
        Optional<StoredObject> stored = store.resolve(OciStoreNames.blob(digest));
        if (settings.offline() && (stored.isEmpty() || !linked(repository, digest))) {
            return offline(OciErrorCode.BLOB_UNKNOWN, "blob " + repository + "@" + digest);
        }
        if (stored.isPresent()) {
            if (!linked(repository, digest)) {
                Optional<OciAnswer> refused = confirmBlob(repository, digest);
                if (refused.isPresent()) {
                    return refused.get();
                }
            }
            return storedBlob(repository, stored.get(), digest, head, range, OciAnswer.CacheOutcome.HIT);
        }
        SharedDownloads.Download download = downloads.join(repository, digest);
        try {
            if (range == null) {
                Optional<Body> following = download.following(true);
                if (following.isPresent()) {
                    return new OciAnswer.Content(
                            head ? null : following.get(),
                            BLOB_TYPE,
                            digest,
                            following.get().length(),
                            null,
                            OciAnswer.Freshness.IMMUTABLE,
                            OciAnswer.CacheOutcome.MISS);
                }
            }
            return switch (download.outcome()) {
                case DownloadOutcome.Stored s ->
                    storedBlob(repository, s.object(), digest, head, range, OciAnswer.CacheOutcome.MISS);
                case DownloadOutcome.Missing m -> new OciAnswer.Error(OciErrorCode.BLOB_UNKNOWN, m.reason());
                case DownloadOutcome.Failed f -> new OciAnswer.Unavailable(f.reason(), f.badGateway());
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new OciAnswer.Unavailable("interrupted while fetching blob " + digest, false);
        }
    }

    /** Waits for the download of {@code digest} in progress, if any (its commit runs behind the last byte). */
    @Override
    public OciAnswer blobStored(RepositoryName repository, Digest digest) {
        Optional<SharedDownloads.Download> running = downloads.inProgress(digest);
        if (running.isPresent()) {
            try {
                switch (running.get().outcome()) {
                    case DownloadOutcome.Stored s -> {
                        // stored: answered from the store below
                    }
                    case DownloadOutcome.Missing m -> {
                        return new OciAnswer.Error(OciErrorCode.BLOB_UNKNOWN, m.reason());
                    }
                    case DownloadOutcome.Failed f -> {
                        return new OciAnswer.Unavailable(f.reason(), f.badGateway());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new OciAnswer.Unavailable("interrupted while storing blob " + digest, false);
            }
        }
        return blob(repository, digest, true, null);
    }

    /**
     * Asks the upstream whether {@code repository} has a blob we hold (a HEAD) and links it when it does; empty
     * when confirmed, else the answer to give.
     */
    private Optional<OciAnswer> confirmBlob(RepositoryName repository, Digest digest) {
        return switch (client.headBlob(repository, digest)) {
            case FetchResult.Fetched<Long> f -> {
                link(repository, digest);
                yield Optional.empty();
            }
            case FetchResult.NotFound<Long> n ->
                Optional.of(new OciAnswer.Error(
                        OciErrorCode.BLOB_UNKNOWN,
                        "blob unknown: " + repository + "@" + digest + " does not exist upstream"));
            case FetchResult.Failed<Long> f ->
                Optional.of(new OciAnswer.Unavailable(
                        "blob " + repository + "@" + digest + ": no upstream could answer: " + f.summary(), false));
        };
    }

    private OciAnswer storedBlob(
            RepositoryName repository,
            StoredObject object,
            Digest digest,
            boolean head,
            String range,
            OciAnswer.CacheOutcome outcome) {
        if (range == null) {
            // Evicted between the lookup and the read: downloaded again (the same digest, so the same length).
            StoredBody body = new StoredBody(
                    store, object, () -> refetched(blob(repository, digest, false, null), repository, digest));
            return new OciAnswer.Content(
                    head ? null : body, BLOB_TYPE, digest, object.size(), null, OciAnswer.Freshness.IMMUTABLE, outcome);
        }
        ByteRange r;
        try {
            r = ByteRange.parseRange(range, object.size());
        } catch (OciFormatException e) {
            // The syntax was checked on the way in, so what fails now is the range against this size.
            return new OciAnswer.RangeNotSatisfiable(object.size());
        }
        return new OciAnswer.Content(
                head ? null : new StoredRangeBody(store, object.digest(), r.offset(), r.length()),
                BLOB_TYPE,
                digest,
                object.size(),
                r,
                OciAnswer.Freshness.IMMUTABLE,
                outcome);
    }

    /** The body of an answer asked for again after the stored copy was evicted before it could be read. */
    private static dev.ferry.mirror.Body refetched(OciAnswer answer, RepositoryName repository, Digest digest)
            throws IOException {
        if (answer instanceof OciAnswer.Content c && c.body() != null) {
            return c.body();
        }
        throw new IOException(repository + "@" + digest + " was evicted while being served and could not be fetched"
                + " again: " + answer);
    }

    /** Whether this registry's {@code repository} is known to hold {@code digest} (ingested through it or confirmed). */
    private boolean linked(RepositoryName repository, Digest digest) {
        return store.meta(OciStoreNames.link(target, repository, digest)).isPresent();
    }

    private void link(RepositoryName repository, Digest digest) {
        try {
            store.update(batch -> {
                batch.putMeta(OciStoreNames.link(target, repository, digest), EMPTY);
                batch.putMeta(OciStoreNames.repository(target, repository), EMPTY);
            });
        } catch (IOException e) {
            // Serving is still right; the link is confirmed again next time.
            System.getLogger(CachingRegistryMirror.class.getName())
                    .log(System.Logger.Level.WARNING, "could not link " + digest + " to " + repository, e);
        }
    }

    // ---- tags, referrers, catalog ---------------------------------------------------------------------------

    /** Pages of an upstream's tags list followed at most; a repository with more tags answers with what they hold. */
    static final int MAX_TAG_PAGES = 200;

    /**
     * The upstream's whole tags list (every page), sorted here and cut to {@code n} after {@code last}: upstreams
     * do not all sort (docker-registry 2.8.2 lists tags in storage order and ignores {@code n}), and pagination by
     * {@code last} is only consistent over one lexical order. Upstream 404: NAME_UNKNOWN. Every upstream failing:
     * the tags recorded here (each resolved through this mirror at least once); 503 when none are.
     */
    @Override
    public OciAnswer tags(RepositoryName repository, int n, String last) {
        Objects.requireNonNull(repository, "repository");
        if (settings.offline()) {
            return storedTags(repository, n, last)
                    .orElseGet(
                            () -> offline(OciErrorCode.NAME_UNKNOWN, "repository " + repository + " (no tag of it)"));
        }
        java.util.TreeSet<String> all = new java.util.TreeSet<>();
        String from = null;
        for (int page = 0; page < MAX_TAG_PAGES; page++) {
            switch (client.tags(repository, -1, from)) {
                case FetchResult.Fetched<dev.ferry.upstreams.oci.TagPage> f -> {
                    all.addAll(f.value().tags());
                    String next = f.value().nextLast();
                    if (next == null || next.equals(from) || f.value().tags().isEmpty()) {
                        return page(repository, List.copyOf(all), n, last);
                    }
                    from = next;
                }
                case FetchResult.NotFound<dev.ferry.upstreams.oci.TagPage> nf -> {
                    return page == 0
                            ? new OciAnswer.Error(
                                    OciErrorCode.NAME_UNKNOWN, "repository " + repository + " does not exist upstream")
                            : page(repository, List.copyOf(all), n, last);
                }
                case FetchResult.Failed<dev.ferry.upstreams.oci.TagPage> f -> {
                    return storedTags(repository, n, last)
                            .orElseGet(() -> new OciAnswer.Unavailable(
                                    "tags of " + repository + ": no upstream could answer: " + f.summary(), false));
                }
            }
        }
        return page(repository, List.copyOf(all), n, last);
    }

    private Optional<OciAnswer> storedTags(RepositoryName repository, int n, String last) {
        String prefix = OciStoreNames.tagPrefix(target, repository);
        List<String> all = new ArrayList<>();
        store.scanMeta(prefix, (key, value) -> all.add(key.substring(prefix.length())));
        if (all.isEmpty()) {
            return Optional.empty();
        }
        // Keys are scanned in byte order, which is the lexical order of tags (ASCII by their grammar).
        return Optional.of(page(repository, all, n, last));
    }

    /** {@code sorted} after {@code last}, at most {@code n} ({@code n < 0}: all); nextLast set when more remain. */
    private static OciAnswer.TagList page(RepositoryName repository, List<String> sorted, int n, String last) {
        List<String> after = last == null
                ? sorted
                : sorted.stream().filter(t -> t.compareTo(last) > 0).toList();
        if (n < 0 || after.size() <= n) {
            return new OciAnswer.TagList(repository.value(), List.copyOf(after), null);
        }
        List<String> page = after.subList(0, n);
        return new OciAnswer.TagList(repository.value(), List.copyOf(page), page.isEmpty() ? null : page.getLast());
    }

    /**
     * The upstream's referrers index. When the upstream lacks the API (404), the tag schema: the manifest tagged
     * {@code <alg>-<hex>} if it is an index (resolved like any tag, so it may be served stale), else an empty
     * index. {@code artifactType} is applied here either way. Not cached: every answer asks upstream.
     */
    @Override
    public OciAnswer referrers(RepositoryName repository, Digest subject, String artifactType) {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(subject, "subject");
        byte[] index;
        OciAnswer.CacheOutcome outcome;
        // Offline: as an upstream without the referrers API, so the tag schema is answered from the store.
        FetchResult<byte[]> fetched = settings.offline()
                ? new FetchResult.NotFound<>(404, "registry is offline")
                : client.referrers(repository, subject);
        switch (fetched) {
            case FetchResult.Fetched<byte[]> f -> {
                index = f.value();
                outcome = OciAnswer.CacheOutcome.MISS;
            }
            case FetchResult.NotFound<byte[]> nf -> {
                Optional<OciAnswer.Content> tagged;
                try {
                    OciAnswer answer = manifestByTag(repository, new Tag(subject.referrersTag()), false);
                    switch (answer) {
                        case OciAnswer.Content c -> tagged = Optional.of(c);
                        case OciAnswer.Error e -> tagged = Optional.empty();
                        default -> {
                            return answer;
                        }
                    }
                } catch (OciFormatException e) {
                    // A sha512 subject's "sha512-<hex>" is longer than a tag may be: no tag-schema referrers.
                    tagged = Optional.empty();
                }
                if (tagged.isPresent()
                        && MediaTypes.OCI_INDEX.equals(tagged.get().mediaType())) {
                    try {
                        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                        tagged.get().body().writeTo(bytes);
                        index = bytes.toByteArray();
                    } catch (IOException e) {
                        return new OciAnswer.Unavailable(
                                "referrers of " + repository + "@" + subject + ": could not read the tag-schema index: "
                                        + e.getMessage(),
                                false);
                    }
                    outcome = tagged.get().outcome();
                } else {
                    index = emptyIndex();
                    outcome = OciAnswer.CacheOutcome.MISS;
                }
            }
            case FetchResult.Failed<byte[]> f -> {
                return new OciAnswer.Unavailable(
                        "referrers of " + repository + "@" + subject + ": no upstream could answer: " + f.summary(),
                        false);
            }
        }
        try {
            return filtered(index, artifactType, outcome);
        } catch (IOException e) {
            return new OciAnswer.Unavailable(
                    "referrers of " + repository + "@" + subject + " from upstream are not an image index"
                            + (e instanceof com.fasterxml.jackson.core.JsonProcessingException
                                    ? ""
                                    : ": " + e.getMessage()),
                    true);
        }
    }

    /** The index, checked to be a JSON object with a manifests array, keeping only entries of {@code artifactType}. */
    private static OciAnswer.Referrers filtered(byte[] index, String artifactType, OciAnswer.CacheOutcome outcome)
            throws IOException {
        JsonNode root = JSON.readTree(index);
        if (root == null || !root.isObject() || !root.path("manifests").isArray()) {
            throw new IOException("no manifests array");
        }
        if (artifactType == null) {
            return new OciAnswer.Referrers(index, null, outcome);
        }
        ArrayNode kept = JSON.createArrayNode();
        for (JsonNode entry : root.get("manifests")) {
            if (artifactType.equals(entry.path("artifactType").asText(null))) {
                kept.add(entry);
            }
        }
        ((ObjectNode) root).set("manifests", kept);
        return new OciAnswer.Referrers(JSON.writeValueAsBytes(root), artifactType, outcome);
    }

    static byte[] emptyIndex() {
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The repositories this registry holds content for (anything ingested or linked), in lexical order. */
    @Override
    public List<RepositoryName> repositories() {
        String prefix = OciStoreNames.repositoriesPrefix(target);
        List<RepositoryName> names = new ArrayList<>();
        store.scanMeta(prefix, (key, value) -> {
            try {
                names.add(new RepositoryName(key.substring(prefix.length())));
            } catch (OciFormatException e) {
                System.getLogger(CachingRegistryMirror.class.getName())
                        .log(System.Logger.Level.WARNING, "ignoring unreadable catalog entry " + key);
            }
            return true;
        });
        return names;
    }

    /** Blob downloads in progress, for metrics and tests. */
    public int inFlight() {
        return downloads.inFlight();
    }

    private static boolean matches(byte[] bytes, Digest digest) {
        return MessageDigest.isEqual(BlobDownloads.messageDigest(digest).digest(bytes), digest.bytes());
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
