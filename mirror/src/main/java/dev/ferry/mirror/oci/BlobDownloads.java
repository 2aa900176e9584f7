package dev.ferry.mirror.oci;

import dev.ferry.mirror.Body;
import dev.ferry.mirror.DownloadOutcome;
import dev.ferry.mirror.SharedDownloads;
import dev.ferry.mirror.Spool;
import dev.ferry.mirror.StoredBody;
import dev.ferry.mirror.TeeInput;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.DigestMismatchException;
import dev.ferry.storage.Durability;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredObject;
import dev.ferry.upstreams.oci.RegistryClient;
import dev.ferry.upstreams.pool.ContentMismatch;
import dev.ferry.upstreams.pool.ContentRejected;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Downloads of the blobs a mirrored registry's store lacks, shared per digest by {@link SharedDownloads} (one
 * upstream download however many clients miss the blob meanwhile, each attempt spooled for them to follow). What
 * is the registry's own: before the commit the body must hash to the digest and have exactly the length the
 * upstream declared; readers get the last byte once it has passed both, and the commit that follows names the blob,
 * links it to the repository and lists the repository in one batch. A body that fails the checks is refused ({@link ContentRejected}:
 * the client moves on to the next endpoint), nothing is stored, and readers of that attempt get an exception
 * instead of a clean end.
 */
final class BlobDownloads {
    private static final byte[] EMPTY = new byte[0];

    private final NamedObjectStore store;
    private final RegistryClient client;
    private final OciStoreNames.Target target;
    private final SharedDownloads<Digest> running;

    BlobDownloads(
            NamedObjectStore store,
            RegistryClient client,
            OciStoreNames.Target target,
            Path spoolDir,
            long spoolMemoryLimit) {
        this.store = store;
        this.client = client;
        this.target = target;
        this.running = new SharedDownloads<>("oci-fetch", spoolDir, spoolMemoryLimit);
    }

    /**
     * The download of {@code digest} in progress, or a new one through {@code repository}. A client of another
     * repository of the same registry joins it too: the mirror serves one registry, whose clients may read any
     * of its repositories anyway. A GET answer must state its size up front, so its client follows only an
     * attempt with a declared length ({@link SharedDownloads.Download#following following(true)}).
     */
    SharedDownloads.Download join(RepositoryName repository, Digest digest) {
        return running.join(digest, new BlobFetch(repository, digest));
    }

    /** The download of {@code digest} in progress, if any (nothing is started). */
    Optional<SharedDownloads.Download> inProgress(Digest digest) {
        return running.inProgress(digest);
    }

    /** Downloads in progress, for metrics and tests. */
    int inFlight() {
        return running.inFlight();
    }

    /** One blob through one repository: the digest and length checks, and the repository's links. */
    private final class BlobFetch implements SharedDownloads.Fetch {
        private final RepositoryName repository;
        private final Digest digest;

        private BlobFetch(RepositoryName repository, Digest digest) {
            this.repository = repository;
            this.digest = digest;
        }

        @Override
        public String what() {
            return "blob " + digest;
        }

        @Override
        public Body stored(StoredObject object) {
            return new StoredBody(store, object);
        }

        @Override
        public DownloadOutcome run(SharedDownloads.Download download) {
            // The previous download of this blob may have committed between our caller's miss and our start. A blob
            // that arrived otherwise (a push, another registry) is not ours to serve unasked: download it then.
            Optional<StoredObject> already = store.resolve(OciStoreNames.blob(digest));
            if (already.isPresent()
                    && store.meta(OciStoreNames.link(target, repository, digest))
                            .isPresent()) {
                return new DownloadOutcome.Stored(already.get());
            }
            return download.settle(
                    client.blob(
                            repository,
                            digest,
                            (body, length, from) ->
                                    download.attempt(from, length, true, spool -> receive(body, length, from, spool))),
                    "blob unknown upstream: " + repository + "@" + digest,
                    "blob " + digest + " of " + repository);
        }

        /** Stores a body of the right digest and size, teeing it into the spool clients follow. */
        private StoredObject receive(InputStream body, long length, String from, Spool spool)
                throws IOException, ContentRejected {
            // Layers are compressed: content-defined cuts would share nothing and cost CPU (docs/storage.md).
            try (ObjectWriter writer = store.newObject(Chunking.FIXED)) {
                // sha256 blobs are checked by the commit itself (so the tee keeps no hash of its own); others need
                // their own hash beside the store's.
                MessageDigest other = digest.algorithm().equals(Digest.SHA256) ? null : messageDigest(digest);
                InputStream in = other == null ? body : new DigestInputStream(body, other);
                TeeInput tee = new TeeInput(in, writer, spool, length >= 0 ? length : Long.MAX_VALUE, other != null);
                try {
                    tee.drain();
                } catch (IOException e) {
                    if (tee.overLimit()) {
                        throw reject(
                                from, "the body is longer than the " + length + " bytes its Content-Length declared");
                    }
                    throw e;
                }
                if (length >= 0 && tee.count() != length) {
                    throw reject(from, "the body has " + tee.count() + " bytes, its Content-Length declared " + length);
                }
                if (other != null && !MessageDigest.isEqual(other.digest(), digest.bytes())) {
                    throw mismatch(from, "the bytes do not hash to the requested digest");
                }
                Sha256 expected = other == null ? Sha256.ofHex(digest.hex()) : tee.digest();
                try {
                    writer.check(expected);
                } catch (DigestMismatchException e) {
                    throw mismatch(
                            from, "the bytes hash to sha256:" + e.actual().hex() + ", not the requested digest");
                }
                // Checked: the clients following may have the last byte now, while the commit (for a large layer, a
                // flush of the chunks written without the log) runs behind it. A mirrored blob can be fetched
                // again, so a kill in that window may lose it, never leave part of it (docs/storage.md, Durability).
                if (spool != null) {
                    spool.complete();
                }
                return commit(writer, expected, from);
            }
        }

        private StoredObject commit(ObjectWriter writer, Sha256 expected, String from)
                throws IOException, ContentMismatch {
            try {
                // A mirrored blob can always be fetched again: its commit is grouped (docs/storage.md, Durability),
                // so the last byte does not wait for an fsync of the whole layer's log.
                return writer.commit(
                        expected,
                        batch -> {
                            batch.putName(OciStoreNames.blob(digest), expected);
                            batch.putMeta(OciStoreNames.link(target, repository, digest), EMPTY);
                            batch.putMeta(OciStoreNames.repository(target, repository), EMPTY);
                        },
                        Durability.GROUPED);
            } catch (DigestMismatchException e) {
                throw mismatch(from, "the bytes hash to sha256:" + e.actual().hex() + ", not the requested digest");
            }
        }

        /** The whole body arrived and is not the blob asked for: the endpoint is quarantined. */
        private ContentMismatch mismatch(String from, String why) {
            return new ContentMismatch(
                    "blob " + digest,
                    "blob " + digest + " of " + repository + " from " + from + " rejected: " + why + "; not stored");
        }

        private ContentRejected reject(String from, String why) {
            return new ContentRejected(
                    "blob " + digest + " of " + repository + " from " + from + " rejected: " + why + "; not stored");
        }
    }

    static MessageDigest messageDigest(Digest digest) {
        try {
            return MessageDigest.getInstance(digest.jcaAlgorithm());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
