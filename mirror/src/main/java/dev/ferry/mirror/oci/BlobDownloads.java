package dev.ferry.mirror.oci;

import dev.ferry.mirror.Body;
import dev.ferry.mirror.Spool;
import dev.ferry.mirror.StoredBody;
import dev.ferry.mirror.TeeInput;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.DigestMismatchException;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredObject;
import dev.ferry.upstreams.oci.RegistryClient;
import dev.ferry.upstreams.pool.ContentMismatch;
import dev.ferry.upstreams.pool.ContentRejected;
import dev.ferry.upstreams.pool.FetchResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Downloads of the blobs a mirrored registry's store lacks: at most one upstream download per digest at a
 * time, however many clients miss it meanwhile. Each download runs on its own virtual thread (so it is stored
 * even when the client that started it goes away) and tees the upstream body into the store's object writer and
 * a {@link Spool} that every waiting client follows while the bytes arrive. Before the commit the body must
 * hash to the digest and have exactly the length the upstream declared; the commit names the blob, links it to
 * the repository and lists the repository in one batch, and only then do readers get the last byte. A body
 * that fails the checks is refused ({@link ContentRejected}: the client moves on to the next endpoint), nothing
 * is stored, and readers of that attempt get an exception instead of a clean end.
 */
final class BlobDownloads {
    private static final System.Logger LOG = System.getLogger(BlobDownloads.class.getName());
    private static final byte[] EMPTY = new byte[0];

    /** How a download ended. */
    sealed interface Outcome {
        record Stored(StoredObject object) implements Outcome {}

        record Missing(String reason) implements Outcome {}

        record Failed(String reason, boolean badGateway) implements Outcome {}
    }

    private final ContentStore store;
    private final RegistryClient client;
    private final OciStoreNames.Target target;
    private final Path spoolDir;
    private final long spoolMemoryLimit;
    private final ConcurrentHashMap<Digest, Download> running = new ConcurrentHashMap<>();

    BlobDownloads(ContentStore store, RegistryClient client, OciStoreNames.Target target, Path spoolDir,
                  long spoolMemoryLimit) {
        this.store = store;
        this.client = client;
        this.target = target;
        this.spoolDir = spoolDir != null ? spoolDir : Path.of(System.getProperty("java.io.tmpdir"), "ferry-spool");
        this.spoolMemoryLimit = spoolMemoryLimit;
    }

    /**
     * The download of {@code digest} in progress, or a new one through {@code repository}. A client of another
     * repository of the same registry joins it too: the mirror serves one registry, whose clients may read any
     * of its repositories anyway.
     */
    Download join(RepositoryName repository, Digest digest) {
        Download mine = new Download(repository, digest);
        Download other = running.putIfAbsent(digest, mine);
        if (other != null) {
            return other;
        }
        Thread.ofVirtual().name("oci-fetch " + digest).start(() -> {
            Outcome outcome;
            try {
                outcome = mine.run();
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, "fetching blob " + digest + " failed unexpectedly", e);
                outcome = new Outcome.Failed("internal error fetching blob " + digest + ": " + e, false);
            }
            // Unregister first: a caller woken by done may ask again at once and must not join a finished download.
            running.remove(digest, mine);
            mine.done.complete(outcome);
        });
        return mine;
    }

    /** Downloads in progress, for metrics and tests. */
    int inFlight() {
        return running.size();
    }

    /** One download in progress, shared by every client that missed the blob meanwhile. */
    final class Download {
        private final RepositoryName repository;
        private final Digest digest;
        private final CompletableFuture<Outcome> done = new CompletableFuture<>();
        /** The spool of the latest attempt; joiners follow this one. */
        private volatile Spool current;
        /** Completes when the next attempt's body starts; replaced each time. */
        private CompletableFuture<Void> nextAttempt = new CompletableFuture<>();
        private volatile String rejection;

        private Download(RepositoryName repository, Digest digest) {
            this.repository = repository;
            this.digest = digest;
        }

        /**
         * The spool of the attempt now streaming with a declared length (waiting for one to start), or null once
         * the download has ended. An attempt without a declared length is not followed: a GET answer must state
         * its size up front, so such a client waits for the stored blob instead.
         */
        Spool streaming() throws InterruptedException {
            while (!done.isDone()) {
                CompletableFuture<Void> next = nextAttempt();
                Spool spool = current;
                if (spool != null && !spool.failed() && spool.declaredLength() >= 0) {
                    return spool;
                }
                await(CompletableFuture.anyOf(next, done));
            }
            return null;
        }

        /** Waits for the end of the download. */
        Outcome outcome() throws InterruptedException {
            return await(done);
        }

        /** For a client that starts reading after the spool was dropped: the stored blob, or the failure. */
        Body afterwards() throws IOException {
            Outcome outcome = done.join();
            return switch (outcome) {
                case Outcome.Stored s -> new StoredBody(store, s.object());
                case Outcome.Missing m -> throw new IOException("blob " + digest + ": " + m.reason());
                case Outcome.Failed f -> throw new IOException("blob " + digest + ": " + f.reason());
            };
        }

        private synchronized CompletableFuture<Void> nextAttempt() {
            return nextAttempt;
        }

        private void attemptStarted(Spool spool) {
            CompletableFuture<Void> signal;
            synchronized (this) {
                current = spool;
                signal = nextAttempt;
                nextAttempt = new CompletableFuture<>();
            }
            signal.complete(null);
        }

        private Outcome run() {
            // The previous download of this blob may have committed between our caller's miss and our start. A blob
            // that arrived otherwise (a push, another registry) is not ours to serve unasked: download it then.
            Optional<StoredObject> already = store.resolve(OciStoreNames.blob(digest));
            if (already.isPresent() && store.meta(OciStoreNames.link(target, repository, digest)).isPresent()) {
                return new Outcome.Stored(already.get());
            }
            FetchResult<StoredObject> result = client.blob(repository, digest, this::receive);
            return switch (result) {
                case FetchResult.Fetched<StoredObject> f -> new Outcome.Stored(f.value());
                case FetchResult.NotFound<StoredObject> n -> new Outcome.Missing(
                        n.message() == null || n.message().isBlank() ? "blob unknown upstream: " + repository + "@" + digest
                                : n.message());
                case FetchResult.Failed<StoredObject> f -> {
                    String why = rejection;
                    yield why != null ? new Outcome.Failed(why, true)
                            : new Outcome.Failed("blob " + digest + " of " + repository + ": no upstream could serve it: "
                                    + f.summary(), false);
                }
            };
        }

        /** The body handler: stream to the spool while storing; commit only a body of the right digest and size. */
        private StoredObject receive(InputStream body, long length, String from) throws IOException, ContentRejected {
            Spool spool = new Spool(spoolDir, spoolMemoryLimit, length);
            attemptStarted(spool);
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
                        throw reject(from, "the body is longer than the " + length + " bytes its Content-Length declared");
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
                StoredObject object;
                try {
                    object = writer.commit(expected, batch -> {
                        batch.putName(OciStoreNames.blob(digest), expected);
                        batch.putMeta(OciStoreNames.link(target, repository, digest), EMPTY);
                        batch.putMeta(OciStoreNames.repository(target, repository), EMPTY);
                    });
                } catch (DigestMismatchException e) {
                    throw mismatch(from, "the bytes hash to sha256:" + e.actual().hex() + ", not the requested digest");
                }
                spool.complete();
                return object;
            } catch (ContentRejected e) {
                rejection = e.getMessage();
                spool.fail(e.getMessage());
                throw e;
            } catch (IOException | RuntimeException e) {
                spool.fail("blob " + digest + ": download from " + from + " failed: " + e.getMessage());
                throw e;
            } finally {
                spool.release();
            }
        }

        /** The whole body arrived and is not the blob asked for: the endpoint is quarantined. */
        private ContentMismatch mismatch(String from, String why) {
            return new ContentMismatch("blob " + digest, "blob " + digest + " of " + repository + " from " + from
                    + " rejected: " + why + "; not stored");
        }

        private ContentRejected reject(String from, String why) {
            return new ContentRejected("blob " + digest + " of " + repository + " from " + from + " rejected: " + why
                    + "; not stored");
        }
    }

    static MessageDigest messageDigest(Digest digest) {
        try {
            return MessageDigest.getInstance(digest.jcaAlgorithm());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T await(CompletableFuture<T> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            // Downloads complete their futures normally; this is a bug, not an outcome.
            throw new IllegalStateException("blob download failed unexpectedly", e.getCause());
        }
    }
}
