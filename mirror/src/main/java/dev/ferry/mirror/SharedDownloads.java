package dev.ferry.mirror;

import dev.ferry.storage.StoredObject;
import dev.ferry.upstreams.pool.ContentRejected;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.MissCharge;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Downloads into the store that many clients wait for (the Go mirror's module files, the OCI mirror's blobs): at
 * most one per key at a time, however many clients miss the key meanwhile. Each download runs on its own virtual
 * thread, so it is stored even when the client that started it goes away.
 *
 * <p>Each upstream body is an attempt. One that clients may follow tees its bytes into a new {@link Spool}; when
 * the attempt fails, the pool moves on to the next upstream with a new spool, and clients that come later follow
 * that one. A following client gets a {@link SpoolBody}: the last byte only once the {@link Receiver} completes the
 * spool (after the commit, or once the bytes are checked when the commit may follow), and on a failed
 * attempt an abort, unless nothing of its response has gone out yet, in which case it is answered from the
 * download's final outcome. Other clients wait for that outcome.
 *
 * <p>What is fetched, checked and stored, and what an outcome means for the client, is the {@link Fetch}'s:
 * this class only shares.
 *
 * @param <K> what identifies a download (a store name, a digest)
 */
public final class SharedDownloads<K> {
    private static final System.Logger LOG = System.getLogger(SharedDownloads.class.getName());

    /** One download's own part: which upstream path, what the bytes must be, and how they are stored. */
    public interface Fetch {
        /** Names what is downloaded in messages: "m@v1.0.0.zip", "blob sha256:…". */
        String what();

        /**
         * Fetches on the download's thread: each upstream body goes through {@link Download#attempt}, and the
         * walk's result through {@link Download#settle} (or an outcome of the fetch's own).
         */
        DownloadOutcome run(Download download);

        /** The stored object's body, for a client whose spool had gone when it began to write. */
        Body stored(StoredObject object);
    }

    /** Checks and stores one upstream body, teeing every byte it reads into {@code spool} (null: not followed). */
    @FunctionalInterface
    public interface Receiver {
        StoredObject receive(Spool spool) throws IOException, ContentRejected;
    }

    private final String threadName;
    private final Path spoolDir;
    private final long spoolMemoryLimit;
    private final ConcurrentHashMap<K, Download> running = new ConcurrentHashMap<>();

    /**
     * @param threadName what the downloads' threads are called, before the key
     * @param spoolDir   where spools past {@code spoolMemoryLimit} go; null: a ferry-spool folder in the system
     *                   temporary directory
     */
    public SharedDownloads(String threadName, Path spoolDir, long spoolMemoryLimit) {
        this.threadName = threadName;
        this.spoolDir = spoolDir != null ? spoolDir : Path.of(System.getProperty("java.io.tmpdir"), "ferry-spool");
        this.spoolMemoryLimit = spoolMemoryLimit;
    }

    /** The download of {@code key} in progress, or {@code fetch} started as a new one. */
    public Download join(K key, Fetch fetch) {
        Download joined = running.get(key);
        if (joined != null) {
            return joined; // joining costs the upstream nothing
        }
        // A new download is a miss: its client pays before anything starts (its fetch runs on a thread of its own,
        // where nobody is charged again).
        MissCharge.charge();
        Download mine = new Download(fetch, spoolDir, spoolMemoryLimit);
        Download other = running.putIfAbsent(key, mine);
        if (other != null) {
            return other;
        }
        Thread.ofVirtual().name(threadName + " " + key).start(() -> {
            DownloadOutcome outcome;
            try {
                outcome = fetch.run(mine);
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, "fetching " + fetch.what() + " failed unexpectedly", e);
                outcome = new DownloadOutcome.Failed("internal error fetching " + fetch.what() + ": " + e, false);
            }
            // Unregister first: a caller woken by the outcome may ask again at once and must not join a finished
            // download.
            running.remove(key, mine);
            mine.done.complete(outcome);
        });
        return mine;
    }

    /** The download of {@code key} in progress, if any (nothing is started). */
    public Optional<Download> inProgress(K key) {
        return Optional.ofNullable(running.get(key));
    }

    /** Downloads in progress, for metrics and tests. */
    public int inFlight() {
        return running.size();
    }

    /** A body following an attempt whose bytes passed the checks, and the validator (digest) of those bytes. */
    public record CheckedBody(Body body, String validator) {}

    private record CheckedAttempt(Spool spool, String validator) {}

    /** One download in progress, shared by every client that missed its key meanwhile. */
    public static final class Download {
        private final Fetch fetch;
        private final Path spoolDir;
        private final long spoolMemoryLimit;
        private final CompletableFuture<DownloadOutcome> done = new CompletableFuture<>();
        /** The attempt whose bytes passed the checks, before its commit; completed at most once. */
        private final CompletableFuture<CheckedAttempt> checked = new CompletableFuture<>();
        /** The spool of the latest followed attempt; joiners follow this one. */
        private volatile Spool current;
        /** Completes when the next followed attempt's body starts; replaced each time. */
        private CompletableFuture<Void> nextAttempt = new CompletableFuture<>();
        /** Why the last refused body was refused. */
        private volatile String rejection;

        private Download(Fetch fetch, Path spoolDir, long spoolMemoryLimit) {
            this.fetch = fetch;
            this.spoolDir = spoolDir;
            this.spoolMemoryLimit = spoolMemoryLimit;
        }

        // ---- for clients ------------------------------------------------------------------------------------

        /**
         * Waits up to {@code max} for the download to end or for the bytes of its attempt to pass the fetch's checks
         * ({@link #checked}). In the second case returns a body that follows that attempt's spool, from where the bytes
         * already are (the page cache) rather than from the store after the commit: the client's transfer overlaps
         * the commit, and its last byte still waits for it. An attempt still within the spool's memory is small: then
         * this waits on for the outcome. Empty when the download ended (its outcome says what to answer) or {@code
         * max} passed first (a large or slow download: the caller streams it while it arrives).
         */
        public Optional<CheckedBody> holdBackUntilChecked(Duration max) throws InterruptedException {
            long deadline = System.nanoTime() + max.toNanos();
            waitUntil(CompletableFuture.anyOf(done, checked), deadline);
            if (done.isDone() || !checked.isDone()) {
                return Optional.empty();
            }
            CheckedAttempt attempt = checked.join();
            if (attempt.spool().failed()) {
                return Optional.empty(); // its commit failed: the outcome or the next attempt answers
            }
            if (!attempt.spool().onDisk()) {
                // Small (within the spool's memory): its commit is a millisecond and its read back cheap, so the client
                // waits for the outcome and wakes once, instead of at the verdict and again for the last byte.
                waitUntil(done, deadline);
                return Optional.empty();
            }
            return Optional.of(new CheckedBody(new SpoolBody(attempt.spool(), this::afterwards), attempt.validator()));
        }

        private static void waitUntil(CompletableFuture<?> future, long deadline) throws InterruptedException {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                future.get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // not yet: the caller decides
            } catch (ExecutionException e) {
                throw unexpected(e);
            }
        }

        /**
         * A body following the attempt now streaming (waiting for one to start; one that already failed is skipped
         * for the next), or empty once the download has ended.
         *
         * @param declaredLengthOnly follow only an attempt whose upstream declared its length (an answer that must
         *                           state its size up front then waits for the outcome instead)
         */
        public Optional<Body> following(boolean declaredLengthOnly) throws InterruptedException {
            while (!done.isDone()) {
                CompletableFuture<Void> next = nextAttempt();
                Spool spool = current;
                if (spool != null && !spool.failed() && (!declaredLengthOnly || spool.declaredLength() >= 0)) {
                    return Optional.of(new SpoolBody(spool, this::afterwards));
                }
                await(CompletableFuture.anyOf(next, done));
            }
            return Optional.empty();
        }

        /** Waits for the end of the download. */
        public DownloadOutcome outcome() throws InterruptedException {
            return await(done);
        }

        /** For a client that starts writing after the spool was dropped: the stored object, or the failure. */
        private Body afterwards() throws IOException {
            return switch (done.join()) {
                case DownloadOutcome.Stored s -> fetch.stored(s.object());
                case DownloadOutcome.Missing m -> throw new IOException(fetch.what() + ": " + m.reason());
                case DownloadOutcome.Failed f -> throw new IOException(fetch.what() + ": " + f.reason());
            };
        }

        // ---- for the fetch ----------------------------------------------------------------------------------

        /**
         * One upstream body, from {@code from}: {@code receiver} checks and stores it. When {@code followed}, its
         * bytes go to a new spool that clients follow from now on; the spool ends complete when the receiver
         * returns (unless the receiver completed or failed it first), and failed when the receiver throws. A refusal is kept
         * for {@link #settle}.
         */
        public StoredObject attempt(String from, long declaredLength, boolean followed, Receiver receiver)
                throws IOException, ContentRejected {
            Spool spool = followed ? new Spool(spoolDir, spoolMemoryLimit, declaredLength) : null;
            if (spool != null) {
                started(spool);
            }
            try {
                StoredObject object = receiver.receive(spool);
                if (spool != null) {
                    spool.complete();
                }
                return object;
            } catch (ContentRejected e) {
                rejection = e.getMessage();
                if (spool != null) {
                    spool.fail(e.getMessage());
                }
                throw e;
            } catch (IOException | RuntimeException e) {
                if (spool != null) {
                    spool.fail(fetch.what() + ": download from " + from + " failed: " + e.getMessage());
                }
                throw e;
            } finally {
                if (spool != null) {
                    spool.release();
                }
            }
        }

        /**
         * The attempt streaming into {@code spool} passed every check of the fetch, and its commit follows: clients
         * held back ({@link #holdBackUntilChecked}) may follow it now. {@code validator} names the bytes (their
         * digest). Only for bytes that may be stored as they are; the first call of a download counts.
         */
        public void checked(Spool spool, String validator) {
            checked.complete(new CheckedAttempt(spool, validator));
        }

        /**
         * The upstream walk's result as an outcome. Failed after a refused body, it is that refusal (the upstream
         * served something wrong: a bad gateway); otherwise every upstream's problem, after {@code subject}.
         *
         * @param notFound the reason when the upstream gave none
         */
        public DownloadOutcome settle(FetchResult<StoredObject> result, String notFound, String subject) {
            return switch (result) {
                case FetchResult.Fetched<StoredObject> f -> new DownloadOutcome.Stored(f.value());
                case FetchResult.NotFound<StoredObject> n ->
                    new DownloadOutcome.Missing(
                            n.message() == null || n.message().isBlank() ? notFound : n.message(), n.status() == 410);
                case FetchResult.Failed<StoredObject> f -> {
                    String why = rejection;
                    yield why != null
                            ? new DownloadOutcome.Failed(why, true)
                            : new DownloadOutcome.Failed(
                                    subject + ": no upstream could serve it: " + f.summary(), false);
                }
            };
        }

        private synchronized CompletableFuture<Void> nextAttempt() {
            return nextAttempt;
        }

        private void started(Spool spool) {
            CompletableFuture<Void> signal;
            synchronized (this) {
                current = spool;
                signal = nextAttempt;
                nextAttempt = new CompletableFuture<>();
            }
            signal.complete(null);
        }

        private static <T> T await(CompletableFuture<T> future) throws InterruptedException {
            try {
                return future.get();
            } catch (ExecutionException e) {
                throw unexpected(e);
            }
        }

        /** Downloads complete their futures normally (see join): reaching this is a bug, not an outcome. */
        private static IllegalStateException unexpected(ExecutionException e) {
            return new IllegalStateException("shared download failed unexpectedly", e.getCause());
        }
    }
}
