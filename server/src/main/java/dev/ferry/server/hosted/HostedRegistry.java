package dev.ferry.server.hosted;

import dev.ferry.mirror.StoredBody;
import dev.ferry.mirror.StoredRangeBody;
import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.mirror.oci.OciAnswer.CacheOutcome;
import dev.ferry.mirror.oci.OciAnswer.Freshness;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.mirror.oci.OciStoreNames.TagRecord;
import dev.ferry.mirror.oci.OciStoreNames.Target;
import dev.ferry.protocols.oci.ByteRange;
import dev.ferry.protocols.oci.Descriptor;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.OciFormatException;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.DigestMismatchException;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoreBatch;
import dev.ferry.storage.StoredObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The hosted repositories (distribution-spec push, pull, discovery and management) on the content store. Every
 * store key comes from {@link OciStoreNames} with {@link Target#HOSTED}; bytes live once under
 * {@code oci/blob/<d>} and a repository sees a blob or manifest only through its {@code link} entry, so a
 * delete unlinks and never removes bytes another repository (or a mirror) may share.
 *
 * <p>Consistency: changes that must be checked against each other (a manifest's references against blob deletes,
 * a digest delete against the tags on it) run under a per-repository lock, and each write is one store batch,
 * so a reader never sees a manifest without its link, tag or referrer entry, or the other way round.
 */
public final class HostedRegistry implements HostedRepositories {
    private static final String BLOB_MEDIA_TYPE = "application/octet-stream";
    private static final byte[] PRESENT = new byte[0];
    private static final Target HOSTED = Target.HOSTED;
    private static final int REPOSITORY_LOCKS = 64;

    private final NamedObjectStore store;
    private final HostedSettings settings;
    private final Clock clock;
    private final UploadSessions uploads;
    private final ReentrantLock[] repositoryLocks = new ReentrantLock[REPOSITORY_LOCKS];

    /** Opens the hosted repositories; upload sessions left by an earlier run are picked up again. */
    public HostedRegistry(NamedObjectStore store, HostedSettings settings, Clock clock) throws IOException {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.uploads = new UploadSessions(settings.uploadsDir(), clock);
        for (int i = 0; i < REPOSITORY_LOCKS; i++) {
            repositoryLocks[i] = new ReentrantLock();
        }
        pinLinkedOnce();
    }

    /** Marks a store whose hosted links all have their pins (links made before hosted content was pinned). */
    static final String PINNED_MARKER = OciStoreNames.hostedPinnedMarker();

    /**
     * Stores written before hosted content was pinned: pins every object a hosted repository links, once (a marker
     * records it), one batch per repository.
     */
    private void pinLinkedOnce() throws IOException {
        if (store.meta(PINNED_MARKER).isPresent()) {
            return;
        }
        List<RepositoryName> repositories = repositories();
        for (RepositoryName repository : repositories) {
            List<Digest> linked = new ArrayList<>();
            String prefix = OciStoreNames.linkPrefix(HOSTED, repository);
            store.scanMeta(prefix, (key, value) -> {
                try {
                    linked.add(Digest.parse(key.substring(prefix.length())));
                } catch (RuntimeException e) {
                    // not a link key of this repository (a longer repository name sharing the prefix)
                }
                return true;
            });
            store.update(batch -> {
                for (Digest d : linked) {
                    batch.currentName(OciStoreNames.blob(d)).ifPresent(o -> batch.pin(pinSet(repository), o.digest()));
                }
            });
        }
        store.update(batch -> batch.putMeta(PINNED_MARKER, PRESENT));
    }

    // ---------------------------------------------------------------- pull and discovery

    /** A tag answers what its record points at (FRESH); a digest answers when the repository links it as a manifest. */
    @Override
    public OciAnswer manifest(RepositoryName repository, Reference reference, boolean head) {
        OciAnswer found = switch (reference) {
            case Reference.ByTag t ->
                store.meta(OciStoreNames.tag(HOSTED, repository, t.tag()))
                        .map(record -> manifestContent(
                                repository, TagRecord.decode(record).digest(), head, Freshness.FRESH))
                        .orElse(null);
            case Reference.ByDigest d -> manifestContent(repository, d.digest(), head, Freshness.IMMUTABLE);
        };
        return found != null
                ? found
                : new OciAnswer.Error(
                        OciErrorCode.MANIFEST_UNKNOWN, "manifest " + reference + " is not in repository " + repository);
    }

    private OciAnswer manifestContent(RepositoryName repository, Digest digest, boolean head, Freshness freshness) {
        Optional<byte[]> type = store.meta(OciStoreNames.manifestType(digest));
        Optional<StoredObject> object = linked(repository, digest);
        if (type.isEmpty() || object.isEmpty()) {
            return null;
        }
        StoredObject o = object.get();
        return new OciAnswer.Content(
                head ? null : new StoredBody(store, o),
                new String(type.get(), StandardCharsets.UTF_8),
                digest,
                o.size(),
                null,
                freshness,
                CacheOutcome.NONE);
    }

    /**
     * A blob the repository links: whole, or the one range asked for (206). A range that is well formed but starts
     * past the end is RangeNotSatisfiable; a malformed one is RANGE_INVALID.
     */
    @Override
    public OciAnswer blob(RepositoryName repository, Digest digest, boolean head, String range) {
        Optional<StoredObject> object = linked(repository, digest);
        if (object.isEmpty()) {
            return new OciAnswer.Error(
                    OciErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in repository " + repository);
        }
        StoredObject o = object.get();
        if (range == null) {
            return new OciAnswer.Content(
                    head ? null : new StoredBody(store, o),
                    BLOB_MEDIA_TYPE,
                    digest,
                    o.size(),
                    null,
                    Freshness.IMMUTABLE,
                    CacheOutcome.NONE);
        }
        ByteRange r;
        try {
            r = ByteRange.parseRange(range, o.size());
        } catch (OciFormatException e) {
            return wellFormed(range)
                    ? new OciAnswer.RangeNotSatisfiable(o.size())
                    : new OciAnswer.Error(e.code(), e.getMessage());
        }
        return new OciAnswer.Content(
                head ? null : new StoredRangeBody(store, o.digest(), r.offset(), r.length()),
                BLOB_MEDIA_TYPE,
                digest,
                o.size(),
                r,
                Freshness.IMMUTABLE,
                CacheOutcome.NONE);
    }

    /** Whether a Range header is refused only because of this blob's size: it would fit a blob of any size. */
    private static boolean wellFormed(String range) {
        try {
            ByteRange.parseRange(range, Long.MAX_VALUE);
            return true;
        } catch (OciFormatException e) {
            return false;
        }
    }

    /** Tags in lexical order after {@code last}, at most {@code n} ({@code n == 0}: none); NAME_UNKNOWN for a repository never pushed to. */
    @Override
    public OciAnswer tags(RepositoryName repository, int n, String last) {
        if (!known(repository)) {
            return nameUnknown(repository);
        }
        List<String> page = new ArrayList<>();
        AtomicBoolean more = new AtomicBoolean();
        if (n != 0) {
            String prefix = OciStoreNames.tagPrefix(HOSTED, repository);
            store.scanMeta(prefix, (key, value) -> {
                String tag = key.substring(prefix.length());
                if (last != null && tag.compareTo(last) <= 0) {
                    return true;
                }
                if (n > 0 && page.size() == n) {
                    more.set(true);
                    return false;
                }
                page.add(tag);
                return true;
            });
        }
        return new OciAnswer.TagList(repository.value(), page, more.get() ? page.get(page.size() - 1) : null);
    }

    /** The referrers pushed with {@code subject} as their subject (an empty index when none, even if the subject is unknown). */
    @Override
    public OciAnswer referrers(RepositoryName repository, Digest subject, String artifactType) {
        if (!known(repository)) {
            return nameUnknown(repository);
        }
        List<byte[]> descriptors = new ArrayList<>();
        store.scanMeta(
                OciStoreNames.referrerPrefix(HOSTED, repository, subject), (key, value) -> descriptors.add(value));
        return new OciAnswer.Referrers(
                ReferrersIndex.index(descriptors, artifactType), artifactType, CacheOutcome.NONE);
    }

    @Override
    public List<RepositoryName> repositories() {
        String prefix = OciStoreNames.repositoriesPrefix(HOSTED);
        List<RepositoryName> names = new ArrayList<>();
        store.scanMeta(prefix, (key, value) -> names.add(new RepositoryName(key.substring(prefix.length()))));
        return names;
    }

    // ---------------------------------------------------------------- blob uploads

    /**
     * With a digest: the body goes straight into the store, checked against the digest before anything is named
     * (201). Without: a new session, the body (when there is one) its first chunk (202).
     */
    @Override
    public OciAnswer startUpload(RepositoryName repository, Digest digest, InputStream body, long contentLength) {
        if (digest != null) {
            try (ObjectWriter writer = store.newObject(Chunking.CONTENT_DEFINED)) {
                MessageDigest check = verifier(digest);
                BoundedBody.copy(
                        body == null ? InputStream.nullInputStream() : body,
                        contentLength,
                        settings.maxUploadSize(),
                        checked(writer, check));
                return commitBlob(writer, check, digest, repository);
            } catch (Refusal r) {
                return r.answer();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        UploadSessions.Session session = uploads.create(repository);
        if (body == null || contentLength == 0) {
            return new OciAnswer.UploadProgress(session.uuid, 0, false);
        }
        return locked(session, () -> {
            OciAnswer first = append(session, contentLength, body);
            if (first instanceof OciAnswer.Error) {
                uploads.remove(session); // the client never learns its id: keeping it would only wait for expiry
            }
            return first;
        });
    }

    /**
     * 201 when {@code from} links the blob (it is linked here too, in the same batch that sees it still linked
     * there); otherwise, and always without {@code from}, a new session (202). Without {@code from} ferry does not
     * look in other repositories: that would let a push mount content its client may not read.
     */
    @Override
    public OciAnswer mount(RepositoryName repository, Digest digest, RepositoryName from) {
        if (from != null && store.meta(OciStoreNames.link(HOSTED, from, digest)).isPresent()) {
            AtomicBoolean mounted = new AtomicBoolean();
            update(batch -> {
                Optional<StoredObject> object = batch.currentName(OciStoreNames.blob(digest));
                if (batch.currentMeta(OciStoreNames.link(HOSTED, from, digest)).isPresent() && object.isPresent()) {
                    link(batch, repository, digest, object.get().digest());
                    mounted.set(true);
                }
            });
            if (mounted.get()) {
                return new OciAnswer.Created(digest, false, null);
            }
        }
        return new OciAnswer.UploadProgress(uploads.create(repository).uuid, 0, false);
    }

    @Override
    public OciAnswer uploadStatus(RepositoryName repository, String uuid) {
        UploadSessions.Session session = uploads.find(repository, uuid);
        return session == null
                ? uploadUnknown(repository, uuid)
                : new OciAnswer.UploadProgress(uuid, session.offset(), true);
    }

    /**
     * Appends one chunk. With a Content-Range it must start at the session's offset (else 416, nothing appended)
     * and a Content-Length must equal its length (else SIZE_INVALID); without one, the body is streamed on.
     */
    @Override
    public OciAnswer appendChunk(
            RepositoryName repository, String uuid, String contentRange, InputStream body, long contentLength) {
        UploadSessions.Session session = uploads.find(repository, uuid);
        if (session == null) {
            return uploadUnknown(repository, uuid);
        }
        return locked(session, () -> {
            long declared = contentLength;
            if (contentRange != null) {
                ByteRange range;
                try {
                    range = ByteRange.parseContentRange(contentRange);
                } catch (OciFormatException e) {
                    return new OciAnswer.Error(e.code(), e.getMessage());
                }
                if (range.offset() != session.offset()) {
                    return new OciAnswer.Error(
                            OciErrorCode.RANGE_INVALID,
                            "the chunk starts at byte " + range.offset() + ", but the upload has " + session.offset()
                                    + " bytes; send the chunk that starts there");
                }
                if (contentLength >= 0 && contentLength != range.length()) {
                    return new OciAnswer.Error(
                            OciErrorCode.SIZE_INVALID,
                            "Content-Range " + contentRange + " is " + range.length() + " bytes, but Content-Length is "
                                    + contentLength);
                }
                declared = range.length();
            }
            return append(session, declared, body);
        });
    }

    /**
     * Appends the last bytes, then streams the whole upload into the store and commits it under {@code digest}
     * (201); the session ends. Bytes that do not hash to {@code digest} end it too (DIGEST_INVALID, nothing
     * stored), as distribution does: the upload is spoilt, the client starts again.
     */
    @Override
    public OciAnswer finishUpload(
            RepositoryName repository, String uuid, Digest digest, InputStream body, long contentLength) {
        if (digest == null) {
            return new OciAnswer.Error(
                    OciErrorCode.DIGEST_INVALID, "finishing an upload needs the digest query parameter");
        }
        UploadSessions.Session session = uploads.find(repository, uuid);
        if (session == null) {
            return uploadUnknown(repository, uuid);
        }
        return locked(session, () -> {
            if (body != null && contentLength != 0) {
                OciAnswer appended = append(session, contentLength, body);
                if (appended instanceof OciAnswer.Error) {
                    return appended;
                }
            }
            OciAnswer answer;
            try (ObjectWriter writer = store.newObject(Chunking.CONTENT_DEFINED);
                    InputStream data = Files.newInputStream(uploads.data(session))) {
                MessageDigest check = verifier(digest);
                long copied = data.transferTo(checked(writer, check));
                if (copied != session.offset()) {
                    throw new IOException(
                            "upload " + uuid + ": " + copied + " bytes on disk, " + session.offset() + " acknowledged");
                }
                answer = commitBlob(writer, check, digest, repository);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            uploads.remove(session);
            return answer;
        });
    }

    @Override
    public OciAnswer cancelUpload(RepositoryName repository, String uuid) {
        UploadSessions.Session session = uploads.find(repository, uuid);
        if (session == null) {
            return uploadUnknown(repository, uuid);
        }
        return locked(session, () -> {
            uploads.remove(session);
            return new OciAnswer.NoContent();
        });
    }

    @Override
    public int expireUploads() {
        return uploads.expire(settings.uploadExpiry());
    }

    /** Under the session's lock: appends at most {@code declared} bytes (streamed: to the end) within the size limit. */
    private OciAnswer append(UploadSessions.Session session, long declared, InputStream given) {
        InputStream body = given == null ? InputStream.nullInputStream() : given;
        try {
            uploads.append(
                    session, out -> BoundedBody.copy(body, declared, settings.maxUploadSize() - session.offset(), out));
        } catch (Refusal r) {
            return r.answer();
        }
        return new OciAnswer.UploadProgress(session.uuid, session.offset(), false);
    }

    /** Runs {@code work} holding the session, unless it ended while this request waited for it. */
    private OciAnswer locked(UploadSessions.Session session, Supplier<OciAnswer> work) {
        session.lock.lock();
        try {
            return session.gone() ? uploadUnknown(session.repository, session.uuid) : work.get();
        } finally {
            session.lock.unlock();
        }
    }

    /**
     * Commits what {@code writer} holds as blob {@code digest} of {@code repository}: sha256 is checked by the
     * store in the commit itself, other algorithms by {@code check} before it. Name, link and catalog entry are
     * one batch.
     */
    private OciAnswer commitBlob(ObjectWriter writer, MessageDigest check, Digest digest, RepositoryName repository)
            throws IOException {
        if (check != null) {
            String actual = HexFormat.of().formatHex(check.digest());
            if (!actual.equals(digest.hex())) {
                writer.abort();
                return digestInvalid(digest, digest.algorithm() + ":" + actual);
            }
        }
        try {
            writer.commit(sha256(digest), batch -> {
                String name = OciStoreNames.blob(digest);
                Optional<StoredObject> named = batch.currentName(name);
                Sha256 object = named.isPresent()
                        ? named.get().digest()
                        : batch.committing().orElseThrow().digest();
                if (named.isEmpty()) {
                    batch.putName(name, object);
                }
                link(batch, repository, digest, object);
            });
        } catch (DigestMismatchException e) {
            return digestInvalid(digest, e.actual().toString());
        }
        return new OciAnswer.Created(digest, false, null);
    }

    // ---------------------------------------------------------------- manifests and deletes

    /**
     * Reads at most {@link Manifest#MAX_SIZE} bytes (413 beyond, read no further), parses (MANIFEST_INVALID), checks
     * a digest reference against the bytes (DIGEST_INVALID) and that the repository links everything the manifest
     * references (MANIFEST_BLOB_UNKNOWN; the subject may be absent), then stores bytes, media type, link, catalog
     * entry, tag and referrer entry in one batch.
     */
    @Override
    public OciAnswer putManifest(
            RepositoryName repository, Reference reference, String contentType, InputStream body, long contentLength) {
        byte[] bytes;
        Manifest manifest;
        Digest digest;
        try {
            bytes = readManifest(body, contentLength);
            manifest = parseManifest(bytes, contentType);
            digest = manifestDigest(reference, bytes);
        } catch (Refusal r) {
            return r.answer();
        }
        Digest subject = manifest.subject() == null ? null : manifest.subject().digest();
        ReentrantLock lock = lockOf(repository);
        lock.lock();
        try {
            for (Descriptor ref : manifest.references()) {
                if (store.meta(OciStoreNames.link(HOSTED, repository, ref.digest()))
                        .isEmpty()) {
                    return new OciAnswer.Error(
                            OciErrorCode.MANIFEST_BLOB_UNKNOWN,
                            "the manifest references " + ref.digest() + " (" + ref.mediaType() + "), which repository "
                                    + repository + " does not hold; push it first");
                }
            }
            storeManifest(repository, reference, manifest, digest, bytes, subject);
        } finally {
            lock.unlock();
        }
        return new OciAnswer.Created(digest, true, subject);
    }

    /** At most {@link Manifest#MAX_SIZE} bytes of {@code body}; SIZE_TOO_LARGE as soon as there are more. */
    private static byte[] readManifest(InputStream body, long contentLength) throws Refusal {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try {
            BoundedBody.copy(
                    body == null ? InputStream.nullInputStream() : body, contentLength, Manifest.MAX_SIZE, buffer);
        } catch (Refusal r) {
            if (r.answer().code() == OciErrorCode.SIZE_TOO_LARGE) {
                throw new Refusal(
                        OciErrorCode.SIZE_TOO_LARGE, "a manifest may have at most " + Manifest.MAX_SIZE + " bytes");
            }
            throw r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    private static Manifest parseManifest(byte[] bytes, String contentType) throws Refusal {
        try {
            return Manifest.parse(bytes, contentType);
        } catch (OciFormatException e) {
            throw new Refusal(e.code(), e.getMessage());
        }
    }

    /** The manifest's digest: a digest reference must be the bytes' (DIGEST_INVALID), a tag gets their sha256. */
    private static Digest manifestDigest(Reference reference, byte[] bytes) throws Refusal {
        if (reference instanceof Reference.ByDigest d) {
            String actual = hash(d.digest().algorithm(), d.digest().jcaAlgorithm(), bytes);
            if (!actual.equals(d.digest().hex())) {
                OciAnswer.Error invalid = digestInvalid(d.digest(), d.digest().algorithm() + ":" + actual);
                throw new Refusal(invalid.code(), invalid.message());
            }
            return d.digest();
        }
        return Digest.sha256(sha256Bytes(bytes));
    }

    /** Bytes, media type, link, catalog entry, tag and referrer entry, in one batch; under the repository's lock. */
    private void storeManifest(
            RepositoryName repository,
            Reference reference,
            Manifest manifest,
            Digest digest,
            byte[] bytes,
            Digest subject) {
        byte[] type = manifest.mediaType().getBytes(StandardCharsets.UTF_8);
        byte[] tagRecord = reference instanceof Reference.ByTag
                ? new TagRecord(digest, manifest.mediaType(), bytes.length, clock.instant(), "push").encode()
                : null;
        byte[] referrer = subject == null ? null : ReferrersIndex.descriptor(manifest, digest, bytes.length);
        try (ObjectWriter writer = store.newObject(Chunking.CONTENT_DEFINED)) {
            writer.write(bytes);
            writer.commit(null, batch -> {
                String name = OciStoreNames.blob(digest);
                Optional<StoredObject> named = batch.currentName(name);
                Sha256 object = named.isPresent()
                        ? named.get().digest()
                        : batch.committing().orElseThrow().digest();
                if (named.isEmpty()) {
                    batch.putName(name, object);
                }
                String typeKey = OciStoreNames.manifestType(digest);
                if (batch.currentMeta(typeKey).isEmpty()) {
                    batch.putMeta(typeKey, type);
                }
                link(batch, repository, digest, object);
                if (reference instanceof Reference.ByTag t) {
                    batch.putMeta(OciStoreNames.tag(HOSTED, repository, t.tag()), tagRecord);
                }
                if (subject != null) {
                    batch.putMeta(OciStoreNames.referrer(HOSTED, repository, subject, digest), referrer);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A tag: its record goes (the manifest stays). A digest: the manifest is unlinked, with every tag on it and its
     * referrer entry, in one batch. 405 UNSUPPORTED when deletes are off; MANIFEST_UNKNOWN for nothing to delete.
     */
    @Override
    public OciAnswer deleteManifest(RepositoryName repository, Reference reference) {
        if (!settings.deleteEnabled()) {
            return deletesDisabled();
        }
        ReentrantLock lock = lockOf(repository);
        lock.lock();
        try {
            AtomicBoolean deleted = new AtomicBoolean();
            switch (reference) {
                case Reference.ByTag t -> {
                    String key = OciStoreNames.tag(HOSTED, repository, t.tag());
                    update(batch -> {
                        if (batch.currentMeta(key).isPresent()) {
                            batch.deleteMeta(key);
                            deleted.set(true);
                        }
                    });
                }
                case Reference.ByDigest d -> deleteByDigest(repository, d.digest(), deleted);
            }
            return deleted.get()
                    ? new OciAnswer.Accepted()
                    : new OciAnswer.Error(
                            OciErrorCode.MANIFEST_UNKNOWN,
                            "manifest " + reference + " is not in repository " + repository);
        } finally {
            lock.unlock();
        }
    }

    /** Under the repository's lock, so no tag can be pointed at the manifest between the scan and the batch. */
    private void deleteByDigest(RepositoryName repository, Digest digest, AtomicBoolean deleted) {
        Optional<byte[]> type = store.meta(OciStoreNames.manifestType(digest));
        Optional<StoredObject> object = linked(repository, digest);
        if (type.isEmpty() || object.isEmpty()) {
            return;
        }
        Digest subject = subjectOf(object.get(), new String(type.get(), StandardCharsets.UTF_8));
        String prefix = OciStoreNames.tagPrefix(HOSTED, repository);
        List<String> tags = new ArrayList<>();
        store.scanMeta(prefix, (key, value) -> {
            if (TagRecord.decode(value).digest().equals(digest)) {
                tags.add(key);
            }
            return true;
        });
        update(batch -> {
            unlink(batch, repository, digest);
            for (String key : tags) {
                batch.deleteMeta(key);
            }
            if (subject != null) {
                batch.deleteMeta(OciStoreNames.referrer(HOSTED, repository, subject, digest));
            }
            deleted.set(true);
        });
    }

    /** The subject of a stored manifest, to find its referrer entry; null when it has none. */
    private Digest subjectOf(StoredObject object, String mediaType) {
        try (InputStream in = store.read(object.digest(), 0, object.size())) {
            Descriptor subject = Manifest.parse(in.readAllBytes(), mediaType).subject();
            return subject == null ? null : subject.digest();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (OciFormatException e) {
            return null; // stored only after it parsed; cannot happen unless the parser grew stricter since
        }
    }

    /** Unlinks the blob from the repository (its bytes stay for others); 405 when deletes are off. */
    @Override
    public OciAnswer deleteBlob(RepositoryName repository, Digest digest) {
        if (!settings.deleteEnabled()) {
            return deletesDisabled();
        }
        String key = OciStoreNames.link(HOSTED, repository, digest);
        AtomicBoolean deleted = new AtomicBoolean();
        ReentrantLock lock = lockOf(repository);
        lock.lock();
        try {
            update(batch -> {
                if (batch.currentMeta(key).isPresent()) {
                    unlink(batch, repository, digest);
                    deleted.set(true);
                }
            });
        } finally {
            lock.unlock();
        }
        return deleted.get()
                ? new OciAnswer.Accepted()
                : new OciAnswer.Error(
                        OciErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in repository " + repository);
    }

    // ---------------------------------------------------------------- helpers

    /** The stored object of {@code digest} when the repository links it. */
    private Optional<StoredObject> linked(RepositoryName repository, Digest digest) {
        if (store.meta(OciStoreNames.link(HOSTED, repository, digest)).isEmpty()) {
            return Optional.empty();
        }
        return store.resolve(OciStoreNames.blob(digest));
    }

    private boolean known(RepositoryName repository) {
        return store.meta(OciStoreNames.repository(HOSTED, repository)).isPresent();
    }

    /**
     * The pin set of what {@code repository} links: hosted content is pushed, not fetched, so eviction must never
     * take it; an object stays pinned while any repository links it, and content only deleted repositories linked
     * (every link gone) becomes evictable like any other.
     */
    public static String pinSet(RepositoryName repository) {
        return PIN_SET_PREFIX + repository;
    }

    /** Pin sets of hosted repositories start with this. */
    public static final String PIN_SET_PREFIX = "hosted:";

    /**
     * In a batch: the repository links the digest (stored as {@code object}, pinned into the repository's pin set)
     * and is in the catalog (each written only when missing).
     */
    private static void link(StoreBatch batch, RepositoryName repository, Digest digest, Sha256 object) {
        String link = OciStoreNames.link(HOSTED, repository, digest);
        if (batch.currentMeta(link).isEmpty()) {
            batch.putMeta(link, PRESENT);
        }
        batch.pin(pinSet(repository), object);
        String catalog = OciStoreNames.repository(HOSTED, repository);
        if (batch.currentMeta(catalog).isEmpty()) {
            batch.putMeta(catalog, PRESENT);
        }
    }

    /** In a batch: the repository no longer links the digest, nor pins its object. */
    private static void unlink(StoreBatch batch, RepositoryName repository, Digest digest) {
        batch.deleteMeta(OciStoreNames.link(HOSTED, repository, digest));
        batch.currentName(OciStoreNames.blob(digest)).ifPresent(o -> batch.unpin(pinSet(repository), o.digest()));
    }

    private ReentrantLock lockOf(RepositoryName repository) {
        return repositoryLocks[Math.floorMod(repository.hashCode(), REPOSITORY_LOCKS)];
    }

    private void update(java.util.function.Consumer<StoreBatch> changes) {
        try {
            store.update(changes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The store checks sha256 itself; for other algorithms, a hash to check before the commit. */
    private static MessageDigest verifier(Digest digest) {
        return "sha256".equals(digest.algorithm()) ? null : messageDigest(digest.jcaAlgorithm());
    }

    private static Sha256 sha256(Digest digest) {
        return "sha256".equals(digest.algorithm()) ? Sha256.ofHex(digest.hex()) : null;
    }

    private static OutputStream checked(OutputStream out, MessageDigest check) {
        return check == null ? out : new DigestOutputStream(out, check);
    }

    private static byte[] sha256Bytes(byte[] bytes) {
        return messageDigest("SHA-256").digest(bytes);
    }

    private static String hash(String algorithm, String jca, byte[] bytes) {
        return HexFormat.of()
                .formatHex(
                        "sha256".equals(algorithm)
                                ? sha256Bytes(bytes)
                                : messageDigest(jca).digest(bytes));
    }

    private static MessageDigest messageDigest(String jca) {
        try {
            return MessageDigest.getInstance(jca);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(jca + " is missing from this JDK", e);
        }
    }

    private static OciAnswer.Error digestInvalid(Digest expected, String actual) {
        return new OciAnswer.Error(
                OciErrorCode.DIGEST_INVALID,
                "the content hashes to " + actual + ", not to the digest " + expected
                        + " it was sent with; nothing stored");
    }

    private static OciAnswer.Error uploadUnknown(RepositoryName repository, String uuid) {
        return new OciAnswer.Error(
                OciErrorCode.BLOB_UPLOAD_UNKNOWN,
                "no upload " + uuid + " in repository " + repository
                        + " (finished, cancelled, expired, or never started)");
    }

    private static OciAnswer.Error nameUnknown(RepositoryName repository) {
        return new OciAnswer.Error(OciErrorCode.NAME_UNKNOWN, "repository " + repository + " does not exist here");
    }

    private static OciAnswer.Error deletesDisabled() {
        return new OciAnswer.Error(OciErrorCode.UNSUPPORTED, "deleting is disabled on this registry");
    }
}
