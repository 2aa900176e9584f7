package dev.ferry.mirror;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredObject;
import dev.ferry.upstreams.pool.ContentRejected;
import dev.ferry.upstreams.pool.FetchResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The download-sharing rules both mirrors rely on, on the component alone: one download per key, attempts that
 * clients follow and leave for the next upstream's, the outcome for clients that come late or whose response had
 * not started, and failures that reach every client.
 */
class SharedDownloadsTest {
    private static final byte[] GOOD = random(200_000);

    @TempDir
    Path dir;

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    /** Small memory limit: the spools above go through a file as well. */
    private SharedDownloads<String> downloads() {
        return new SharedDownloads<>("test-fetch", dir, 16 << 10);
    }

    @Test
    void clientsThatMissMeanwhileShareOneDownloadAndTheNextMissStartsAnother() throws Exception {
        SharedDownloads<String> downloads = downloads();
        GatedInput body = new GatedInput(GOOD, 1000);
        Scripted fetch = new Scripted(new Upstream(body, GOOD.length));

        SharedDownloads.Download first = downloads.join("k", fetch);
        assertTrue(body.atGate.await(30, TimeUnit.SECONDS));
        assertSame(first, downloads.join("k", new Scripted()), "a miss meanwhile joins the download in progress");
        SharedDownloads.Download other = downloads.join("other", new Scripted(new Upstream(GOOD)));
        assertNotSame(first, other, "another key is another download");
        assertInstanceOf(DownloadOutcome.Stored.class, other.outcome());
        assertEquals(1, downloads.inFlight(), "the first is still in flight, the other is done");
        assertEquals(1, fetch.runs.get());

        body.release();
        assertArrayEquals(GOOD, fetch.bodyOf(assertInstanceOf(DownloadOutcome.Stored.class, first.outcome())));
        assertEquals(1, fetch.runs.get());
        // Unregistered before its outcome is published: nothing is in flight once both outcomes are known.
        assertEquals(0, downloads.inFlight());

        Scripted again = new Scripted(new Upstream(GOOD));
        SharedDownloads.Download second = downloads.join("k", again);
        assertNotSame(first, second, "a finished download is never joined");
        assertInstanceOf(DownloadOutcome.Stored.class, second.outcome());
        assertEquals(1, again.runs.get());
    }

    @Test
    void whenAnAttemptFailsItsClientsAreAnsweredFromTheNextOneUnlessTheirResponseHadGoneOut() throws Exception {
        SharedDownloads<String> downloads = downloads();
        GatedInput broken = new GatedInput(GOOD, 50_000, new IOException("connection reset"));
        GatedInput next = new GatedInput(GOOD, 1000);
        Scripted fetch = new Scripted(new Upstream(broken, GOOD.length), new Upstream(next, GOOD.length));
        SharedDownloads.Download download = downloads.join("k", fetch);

        // Three clients follow the first attempt: two have part of it, one has not begun writing.
        Body followedFirst = download.following(true).orElseThrow();
        assertEquals(GOOD.length, followedFirst.length());
        ClientOutput sent = ClientOutput.plain();
        ClientOutput buffered = ClientOutput.rewindable();
        Future<?> sending = write(followedFirst, sent);
        Future<?> buffering = write(download.following(true).orElseThrow(), buffered);
        Body notBegun = download.following(true).orElseThrow();
        assertTrue(sent.reached.await(30, TimeUnit.SECONDS));
        assertTrue(buffered.reached.await(30, TimeUnit.SECONDS));

        broken.release();
        assertTrue(next.atGate.await(30, TimeUnit.SECONDS));
        // A client that comes now follows the next attempt, not the failed one.
        ClientOutput late = ClientOutput.plain();
        Future<?> following = write(download.following(true).orElseThrow(), late);
        assertTrue(late.reached.await(30, TimeUnit.SECONDS));
        ClientOutput afterFailure = ClientOutput.plain();
        Future<?> fromOutcome = write(notBegun, afterFailure);

        next.release();
        ExecutionException aborted = assertThrows(
                ExecutionException.class,
                () -> sending.get(30, TimeUnit.SECONDS),
                "a response that has sent bytes of the failed attempt must be aborted, not ended");
        assertInstanceOf(SpoolFailedException.class, aborted.getCause());
        assertTrue(
                aborted.getCause().getMessage().contains("thing: download from up-0 failed: connection reset"),
                aborted.getCause().getMessage());
        buffering.get(30, TimeUnit.SECONDS);
        assertArrayEquals(GOOD, buffered.bytes(), "a response that had not gone out is rewound and answered whole");
        following.get(30, TimeUnit.SECONDS);
        assertArrayEquals(GOOD, late.bytes());
        fromOutcome.get(30, TimeUnit.SECONDS);
        assertArrayEquals(GOOD, afterFailure.bytes());
        assertInstanceOf(DownloadOutcome.Stored.class, download.outcome());
        assertEquals(1, fetch.runs.get());
    }

    @Test
    void aClientHeldBackUntilTheCheckFollowsTheSpoolAndGetsTheLastByteOnlyAfterTheCommit() throws Exception {
        SharedDownloads<String> downloads = downloads();
        Scripted fetch = new Scripted(new Upstream(GOOD));
        fetch.commitGate = new java.util.concurrent.CountDownLatch(1);
        SharedDownloads.Download download = downloads.join("k", fetch);

        SharedDownloads.CheckedBody checked =
                download.holdBackUntilChecked(java.time.Duration.ofSeconds(30)).orElseThrow();
        assertEquals("validator of up-0", checked.validator());
        assertEquals(GOOD.length, checked.body().length());
        ClientOutput client = ClientOutput.reaching(GOOD.length - 1);
        Future<?> writing = write(checked.body(), client);
        assertTrue(client.reached.await(30, TimeUnit.SECONDS), "the checked bytes go out while the commit runs");
        assertEquals(GOOD.length - 1, client.size(), "all but the last byte");
        assertFalse(writing.isDone(), "the last byte waits for the commit");

        fetch.commitGate.countDown();
        writing.get(30, TimeUnit.SECONDS);
        assertArrayEquals(GOOD, client.bytes());
        assertInstanceOf(DownloadOutcome.Stored.class, download.outcome());
        assertEquals(0, fetch.storedBodies.get(), "answered from the spool, not read back from the store");
    }

    @Test
    void aSmallCheckedDownloadStillInTheSpoolsMemoryIsAnsweredFromItsOutcome() throws Exception {
        SharedDownloads<String> downloads = new SharedDownloads<>("test-fetch", dir, GOOD.length + 1);
        Scripted fetch = new Scripted(new Upstream(GOOD));
        fetch.commitGate = new java.util.concurrent.CountDownLatch(1);
        SharedDownloads.Download download = downloads.join("k", fetch);

        Future<Optional<SharedDownloads.CheckedBody>> held =
                threads.submit(() -> download.holdBackUntilChecked(java.time.Duration.ofSeconds(30)));
        fetch.commitGate.countDown();
        assertTrue(held.get(30, TimeUnit.SECONDS).isEmpty(), "waited for the outcome");
        assertArrayEquals(GOOD, fetch.bodyOf(assertInstanceOf(DownloadOutcome.Stored.class, download.outcome())));
    }

    @Test
    void aRefusedBodyIsNeverCheckedSoClientsHeldBackGetTheRefusalAsTheOutcome() throws Exception {
        SharedDownloads<String> downloads = downloads();
        Scripted fetch = new Scripted(new Upstream(random(1000)));
        fetch.commitGate = new java.util.concurrent.CountDownLatch(0);
        SharedDownloads.Download download = downloads.join("k", fetch);

        assertTrue(
                download.holdBackUntilChecked(java.time.Duration.ofSeconds(30)).isEmpty());
        DownloadOutcome.Failed failed = assertInstanceOf(DownloadOutcome.Failed.class, download.outcome());
        assertTrue(failed.badGateway());
        assertTrue(failed.reason().contains("wrong bytes"), failed.reason());
    }

    @Test
    void aCommitThatFailsAfterTheCheckAbortsTheClientsFollowingIt() throws Exception {
        SharedDownloads<String> downloads = downloads();
        Scripted fetch = new Scripted(new Upstream(GOOD));
        fetch.commitGate = new java.util.concurrent.CountDownLatch(1);
        fetch.commitFails = new IOException("disk full");
        SharedDownloads.Download download = downloads.join("k", fetch);

        SharedDownloads.CheckedBody checked =
                download.holdBackUntilChecked(java.time.Duration.ofSeconds(30)).orElseThrow();
        ClientOutput client = ClientOutput.plain();
        Future<?> writing = write(checked.body(), client);
        assertTrue(client.reached.await(30, TimeUnit.SECONDS));
        fetch.commitGate.countDown();
        ExecutionException aborted = assertThrows(ExecutionException.class, () -> writing.get(30, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, aborted.getCause());
        assertTrue(client.size() < GOOD.length, "never the whole body");
        assertInstanceOf(DownloadOutcome.Failed.class, download.outcome());
    }

    @Test
    void aClientThatBeginsAfterTheSpoolWasDroppedGetsTheStoredObject() throws Exception {
        SharedDownloads<String> downloads = downloads();
        GatedInput body = new GatedInput(GOOD, 1000);
        Scripted fetch = new Scripted(new Upstream(body, GOOD.length));
        SharedDownloads.Download download = downloads.join("k", fetch);
        Body late = download.following(false).orElseThrow();

        body.release();
        assertInstanceOf(DownloadOutcome.Stored.class, download.outcome());
        assertTrue(download.following(false).isEmpty(), "an ended download has nothing to follow");
        ClientOutput out = ClientOutput.plain();
        late.writeTo(out);
        assertArrayEquals(GOOD, out.bytes());
        assertEquals(1, fetch.storedBodies.get(), "answered from the store, not from the dropped spool");
    }

    @Test
    void aDownloadWhoseEveryAttemptIsRefusedFailsEveryClientWithTheLastRefusal() throws Exception {
        SharedDownloads<String> downloads = downloads();
        byte[] tampered = GOOD.clone();
        tampered[7] ^= 1;
        GatedInput first = new GatedInput(tampered, 1000);
        Scripted fetch = new Scripted(new Upstream(first, GOOD.length), new Upstream(tampered));
        SharedDownloads.Download download = downloads.join("k", fetch);
        Body followed = download.following(false).orElseThrow();
        ClientOutput out = ClientOutput.rewindable();
        Future<?> reading = write(followed, out);
        assertTrue(out.reached.await(30, TimeUnit.SECONDS));

        first.release();
        DownloadOutcome.Failed failed = assertInstanceOf(DownloadOutcome.Failed.class, download.outcome());
        assertTrue(failed.badGateway(), "an upstream served wrong bytes");
        assertEquals("thing from up-1 rejected: wrong bytes", failed.reason());
        ExecutionException e = assertThrows(ExecutionException.class, () -> reading.get(30, TimeUnit.SECONDS));
        assertTrue(
                e.getCause().getMessage().contains("thing from up-0 rejected: wrong bytes"),
                e.getCause().toString());
        assertTrue(
                e.getCause().getSuppressed()[0].getMessage().contains("thing: thing from up-1 rejected"),
                "the outcome is told too: " + e.getCause().getSuppressed()[0]);
        assertTrue(download.following(false).isEmpty());
    }

    @Test
    void aClientThatMustStateTheLengthSkipsAnAttemptThatDeclaredNone() throws Exception {
        SharedDownloads<String> downloads = downloads();
        GatedInput unsized = new GatedInput(GOOD, 1000, new IOException("connection reset"));
        GatedInput sized = new GatedInput(GOOD, 1000);
        SharedDownloads.Download download =
                downloads.join("k", new Scripted(new Upstream(unsized, -1), new Upstream(sized, GOOD.length)));
        // A client that needs no length follows the first attempt at once.
        Body unsizedFollower = download.following(false).orElseThrow();
        assertEquals(-1, unsizedFollower.length());
        assertTrue(unsized.atGate.await(30, TimeUnit.SECONDS));

        AtomicReference<Optional<Body>> sizedFollower = new AtomicReference<>();
        Thread client = Thread.ofPlatform().start(() -> {
            try {
                sizedFollower.set(download.following(true));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        awaitWaitingOrEnded(client);
        unsized.release();
        client.join(30_000);
        Body followed = sizedFollower.get().orElseThrow();
        assertEquals(
                GOOD.length, followed.length(), "followed the attempt that declared its length, not the one before");

        sized.release();
        ClientOutput out = ClientOutput.plain();
        followed.writeTo(out);
        assertArrayEquals(GOOD, out.bytes());
        ClientOutput other = ClientOutput.plain();
        unsizedFollower.writeTo(other);
        assertArrayEquals(GOOD, other.bytes(), "nothing had gone out: answered from the outcome");
    }

    @Test
    void anAttemptThatIsNotFollowedGivesNothingToFollowButItsRefusalIsTheOutcome() throws Exception {
        SharedDownloads<String> downloads = downloads();
        SharedDownloads.Download download =
                downloads.join("k", new Scripted(false, new Upstream(new byte[] {1, 2, 3})));
        assertTrue(download.following(false).isEmpty(), "nothing to follow: the client waits for the outcome");
        assertEquals(new DownloadOutcome.Failed("thing from up-0 rejected: wrong bytes", true), download.outcome());
    }

    @Test
    void theWalksResultBecomesTheOutcome() {
        SharedDownloads<String> downloads = downloads();
        SharedDownloads.Download download = downloads.join("k", new Scripted());
        assertEquals(
                new DownloadOutcome.Missing("not found: k", true),
                download.settle(new FetchResult.NotFound<>(410, " "), "not found: k", "k"));
        assertEquals(
                new DownloadOutcome.Missing("upstream says no", false),
                download.settle(new FetchResult.NotFound<>(404, "upstream says no"), "not found: k", "k"));
        assertEquals(
                new DownloadOutcome.Failed("k: no upstream could serve it: a: timeout; b: reset", false),
                download.settle(
                        new FetchResult.Failed<>(List.of(
                                new FetchResult.Attempt("a", "timeout"), new FetchResult.Attempt("b", "reset"))),
                        "not found: k",
                        "k"));
    }

    @Test
    void aFetchThatThrowsEndsAsAnInternalErrorAndIsForgotten() throws Exception {
        SharedDownloads<String> downloads = downloads();
        SharedDownloads.Download download = downloads.join("k", new Scripted() {
            @Override
            public DownloadOutcome run(SharedDownloads.Download download) {
                throw new IllegalStateException("bug");
            }
        });
        DownloadOutcome.Failed failed = assertInstanceOf(DownloadOutcome.Failed.class, download.outcome());
        assertEquals("internal error fetching thing: java.lang.IllegalStateException: bug", failed.reason());
        assertFalse(failed.badGateway());
        assertEquals(0, downloads.inFlight(), "a new miss starts a new download");
    }

    // ---- helpers ----

    private Future<?> write(Body body, ClientOutput out) {
        return threads.submit(() -> {
            body.writeTo(out);
            return null;
        });
    }

    /** Until {@code thread} is parked (waiting for a download to change) or has returned. */
    private static void awaitWaitingOrEnded(Thread thread) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (thread.getState() != Thread.State.WAITING && thread.getState() != Thread.State.TERMINATED) {
            assertTrue(System.nanoTime() < deadline, "the client neither waited nor returned");
            Thread.yield();
        }
    }

    /** One upstream's answer: its body and the length it declares (-1: none). */
    private record Upstream(InputStream body, long declared) {
        Upstream(byte[] bytes) {
            this(new ByteArrayInputStream(bytes), bytes.length);
        }
    }

    /**
     * A fetch that asks its upstreams in order, as the pool does: a refused or broken body moves on to the next.
     * A body must be {@link #GOOD} ("wrong bytes" otherwise); the "store" is this object.
     */
    private static class Scripted implements SharedDownloads.Fetch {
        final AtomicInteger runs = new AtomicInteger();
        final AtomicInteger storedBodies = new AtomicInteger();
        private final boolean followed;
        private final List<Upstream> upstreams;
        private volatile byte[] stored;
        /** When set: the checked bytes are announced ({@link SharedDownloads.Download#checked}), then the "commit" waits for this. */
        java.util.concurrent.CountDownLatch commitGate;
        /** When set, the "commit" after the check fails with this. */
        IOException commitFails;

        Scripted(Upstream... upstreams) {
            this(true, upstreams);
        }

        Scripted(boolean followed, Upstream... upstreams) {
            this.followed = followed;
            this.upstreams = List.of(upstreams);
        }

        @Override
        public String what() {
            return "thing";
        }

        @Override
        public Body stored(StoredObject object) {
            storedBodies.incrementAndGet();
            return new BytesBody(stored);
        }

        byte[] bodyOf(DownloadOutcome.Stored outcome) {
            assertEquals(stored.length, outcome.object().size());
            return stored;
        }

        @Override
        public DownloadOutcome run(SharedDownloads.Download download) {
            runs.incrementAndGet();
            List<FetchResult.Attempt> attempts = new ArrayList<>();
            for (int i = 0; i < upstreams.size(); i++) {
                Upstream upstream = upstreams.get(i);
                String from = "up-" + i;
                try {
                    StoredObject object = download.attempt(
                            from,
                            upstream.declared(),
                            followed,
                            spool -> receive(download, upstream.body(), from, spool));
                    return download.settle(new FetchResult.Fetched<>(object, from), "not found: thing", "thing");
                } catch (ContentRejected e) {
                    attempts.add(new FetchResult.Attempt(from, "rejected: " + e.getMessage()));
                } catch (IOException e) {
                    attempts.add(new FetchResult.Attempt(from, "reset: " + e.getMessage()));
                }
            }
            return download.settle(new FetchResult.Failed<>(attempts), "not found: thing", "thing");
        }

        private StoredObject receive(SharedDownloads.Download download, InputStream body, String from, Spool spool)
                throws IOException, ContentRejected {
            byte[] all = new byte[0];
            byte[] buffer = new byte[8192];
            for (int n; (n = body.read(buffer)) >= 0; ) {
                if (spool != null) {
                    spool.append(buffer, 0, n);
                }
                byte[] grown = java.util.Arrays.copyOf(all, all.length + n);
                System.arraycopy(buffer, 0, grown, all.length, n);
                all = grown;
            }
            if (!java.util.Arrays.equals(all, GOOD)) {
                throw new ContentRejected("thing from " + from + " rejected: wrong bytes");
            }
            if (commitGate != null) {
                download.checked(spool, "validator of " + from);
                try {
                    commitGate.await();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
            if (commitFails != null) {
                throw commitFails;
            }
            stored = all;
            try {
                return new StoredObject(
                        Sha256.of(MessageDigest.getInstance("SHA-256").digest(all)), all.length);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(13).nextBytes(b);
        return b;
    }
}
