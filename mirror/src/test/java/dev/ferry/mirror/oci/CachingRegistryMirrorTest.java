package dev.ferry.mirror.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.mirror.Body;
import dev.ferry.mirror.ClientOutput;
import dev.ferry.mirror.GatedInput;
import dev.ferry.protocols.oci.ByteRange;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.oci.Tag;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.testing.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pull-through mirror on a real RocksDB store, against an in-memory registry it must not over-ask. */
class CachingRegistryMirrorTest {
    private static final Duration TTL = Duration.ofMinutes(5);
    private static final RepositoryName REPO = new RepositoryName("library/alpine");
    private static final OciStoreNames.Target TARGET = OciStoreNames.Target.mirror("registry.test");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private GatedStore store;
    private FakeRegistryClient upstream;
    private ManualClock clock;
    private CachingRegistryMirror mirror;
    private ExecutorService threads;

    @BeforeEach
    void open() throws IOException {
        store = new GatedStore(RocksContentStore.open(dir.resolve("store"), StoreOptions.defaults()));
        upstream = new FakeRegistryClient();
        clock = new ManualClock();
        // A small memory limit, so the large blobs below spool through a file as well.
        mirror = new CachingRegistryMirror(
                store, upstream, new OciMirrorSettings(TTL, dir.resolve("spool"), 64 << 10), clock);
        threads = Executors.newVirtualThreadPerTaskExecutor();
    }

    @AfterEach
    void close() {
        threads.shutdownNow();
        store.close();
    }

    // ---- manifests by digest ------------------------------------------------------------------------------

    @Test
    void manifestByDigestIsServedFromTheStoreForeverOnceFetched() throws IOException {
        byte[] bytes = imageManifest(1);
        Digest digest = upstream.putManifest(REPO.value(), null, bytes, MediaTypes.OCI_MANIFEST);

        OciAnswer.Content first = content(mirror.manifest(REPO, new Reference.ByDigest(digest), false));
        assertEquals(OciAnswer.CacheOutcome.MISS, first.outcome());
        assertArrayEquals(bytes, read(first.body()));
        assertEquals(MediaTypes.OCI_MANIFEST, first.mediaType());
        assertEquals(digest, first.digest());
        assertEquals(bytes.length, first.size());
        assertEquals(1, upstream.gets.get());

        upstream.down = true;
        clock.advance(Duration.ofDays(400));
        int asked = upstream.heads.get() + upstream.gets.get();
        OciAnswer.Content again = content(mirror.manifest(REPO, new Reference.ByDigest(digest), false));
        OciAnswer.Content head = content(mirror.manifest(REPO, new Reference.ByDigest(digest), true));
        assertEquals(asked, upstream.heads.get() + upstream.gets.get(), "a stored digest must not be asked upstream");
        assertEquals(OciAnswer.CacheOutcome.HIT, again.outcome());
        assertEquals(OciAnswer.Freshness.IMMUTABLE, again.freshness());
        assertArrayEquals(bytes, read(again.body()));
        assertNull(head.body());
        assertEquals(bytes.length, head.size());
        assertEquals(List.of(REPO), mirror.repositories());
    }

    @Test
    void headOfAManifestNotStoredIsAnsweredFromTheUpstreamHeadAlone() {
        byte[] bytes = imageManifest(2);
        Digest digest = upstream.putManifest(REPO.value(), null, bytes, MediaTypes.OCI_MANIFEST);

        OciAnswer.Content head = content(mirror.manifest(REPO, new Reference.ByDigest(digest), true));
        assertNull(head.body());
        assertEquals(digest, head.digest());
        assertEquals(bytes.length, head.size());
        assertEquals(MediaTypes.OCI_MANIFEST, head.mediaType());
        assertEquals(1, upstream.heads.get());
        assertEquals(0, upstream.gets.get());
        assertTrue(store.resolve(OciStoreNames.blob(digest)).isEmpty());
    }

    @Test
    void manifestWhoseBytesDoNotHashToTheRequestedDigestIsRefusedAndNothingStored() {
        byte[] good = imageManifest(3);
        Digest digest = FakeRegistryClient.sha256(good);
        byte[] tampered = imageManifest(4);
        upstream.serveManifest(
                REPO + "@" + digest, new FakeRegistryClient.Served(tampered, MediaTypes.OCI_MANIFEST, digest));

        OciAnswer.Unavailable refused = assertInstanceOf(
                OciAnswer.Unavailable.class, mirror.manifest(REPO, new Reference.ByDigest(digest), false));
        assertTrue(refused.badGateway(), "bad content from upstream is a 502");
        assertNothingStored(digest);
        assertNothingStored(FakeRegistryClient.sha256(tampered));
    }

    @Test
    void manifestWhoseDockerContentDigestDisagreesIsRefused() {
        byte[] bytes = imageManifest(5);
        Digest real = FakeRegistryClient.sha256(bytes);
        Digest claimed = FakeRegistryClient.sha256(imageManifest(6));
        // The tag resolves (HEAD) to a digest the bytes of the GET do not have.
        upstream.serveManifest(
                REPO + ":latest", new FakeRegistryClient.Served(bytes, MediaTypes.OCI_MANIFEST, claimed));
        upstream.serveManifest(
                REPO + "@" + claimed, new FakeRegistryClient.Served(bytes, MediaTypes.OCI_MANIFEST, claimed));

        OciAnswer answer = mirror.manifest(REPO, tag("latest"), false);
        assertTrue(assertInstanceOf(OciAnswer.Unavailable.class, answer).badGateway());
        assertNothingStored(real);
        assertNothingStored(claimed);
        assertTrue(
                store.meta(OciStoreNames.tag(TARGET, REPO, new Tag("latest"))).isEmpty());
    }

    @Test
    void unparseableManifestIsRefused() {
        byte[] bytes = "{\"schemaVersion\":1}".getBytes(StandardCharsets.UTF_8);
        Digest digest = upstream.putManifest(REPO.value(), null, bytes, MediaTypes.OCI_MANIFEST);
        assertTrue(assertInstanceOf(
                        OciAnswer.Unavailable.class, mirror.manifest(REPO, new Reference.ByDigest(digest), false))
                .badGateway());
        assertNothingStored(digest);
    }

    // ---- manifests by tag ---------------------------------------------------------------------------------

    @Test
    void tagIsServedFromTheStoreUntilItsTtlThenResolvedWithAHeadOnly() throws IOException {
        byte[] bytes = imageManifest(7);
        Digest digest = upstream.putManifest(REPO.value(), "3.20", bytes, MediaTypes.OCI_MANIFEST);

        OciAnswer.Content first = content(mirror.manifest(REPO, tag("3.20"), false));
        assertEquals(OciAnswer.CacheOutcome.MISS, first.outcome());
        assertEquals(digest, first.digest());
        assertArrayEquals(bytes, read(first.body()));
        assertEquals(1, upstream.heads.get());
        assertEquals(List.of(digest.toString()), upstream.getReferences, "the GET goes by the digest the HEAD named");

        clock.advance(TTL.minusSeconds(1));
        OciAnswer.Content fresh = content(mirror.manifest(REPO, tag("3.20"), false));
        assertEquals(OciAnswer.CacheOutcome.HIT, fresh.outcome());
        assertEquals(OciAnswer.Freshness.FRESH, fresh.freshness());
        assertEquals(1, upstream.heads.get());
        assertEquals(1, upstream.gets.get());

        clock.advance(Duration.ofSeconds(1));
        OciAnswer.Content resolved = content(mirror.manifest(REPO, tag("3.20"), false));
        assertEquals(OciAnswer.Freshness.FRESH, resolved.freshness());
        assertArrayEquals(bytes, read(resolved.body()));
        assertEquals(2, upstream.heads.get(), "an expired tag is resolved with a HEAD");
        assertEquals(1, upstream.gets.get(), "the digest is stored: no GET");

        // The HEAD renewed the record: fresh again for another TTL.
        clock.advance(TTL.minusSeconds(1));
        assertEquals(
                OciAnswer.CacheOutcome.HIT,
                content(mirror.manifest(REPO, tag("3.20"), false)).outcome());
        assertEquals(2, upstream.heads.get());
    }

    @Test
    void tagMovedUpstreamIsFetchedByItsNewDigest() throws IOException {
        upstream.putManifest(REPO.value(), "latest", imageManifest(8), MediaTypes.OCI_MANIFEST);
        content(mirror.manifest(REPO, tag("latest"), false));

        byte[] moved = imageManifest(9);
        Digest now = upstream.putManifest(REPO.value(), "latest", moved, MediaTypes.OCI_MANIFEST);
        clock.advance(TTL);
        OciAnswer.Content answer = content(mirror.manifest(REPO, tag("latest"), false));
        assertEquals(now, answer.digest());
        assertArrayEquals(moved, read(answer.body()));
        assertEquals(now.toString(), upstream.getReferences.getLast());
        assertEquals(
                now,
                OciStoreNames.TagRecord.decode(store.meta(OciStoreNames.tag(TARGET, REPO, new Tag("latest")))
                                .orElseThrow())
                        .digest());
    }

    @Test
    void headOfATagWhoseDigestIsNotStoredCostsNoGet() {
        byte[] bytes = imageManifest(10);
        Digest digest = upstream.putManifest(REPO.value(), "v1", bytes, MediaTypes.OCI_MANIFEST);
        OciAnswer.Content head = content(mirror.manifest(REPO, tag("v1"), true));
        assertEquals(digest, head.digest());
        assertEquals(bytes.length, head.size());
        assertNull(head.body());
        assertEquals(0, upstream.gets.get());
    }

    @Test
    void recordedTagIsServedStaleWhenEveryUpstreamFails() throws IOException {
        byte[] bytes = imageManifest(11);
        Digest digest = upstream.putManifest(REPO.value(), "latest", bytes, MediaTypes.OCI_MANIFEST);
        content(mirror.manifest(REPO, tag("latest"), false));

        upstream.down = true;
        clock.advance(TTL.multipliedBy(10));
        OciAnswer.Content stale = content(mirror.manifest(REPO, tag("latest"), false));
        assertEquals(OciAnswer.Freshness.STALE, stale.freshness());
        assertEquals(OciAnswer.CacheOutcome.STALE, stale.outcome());
        assertEquals(digest, stale.digest());
        assertArrayEquals(bytes, read(stale.body()));

        OciAnswer.Unavailable never =
                assertInstanceOf(OciAnswer.Unavailable.class, mirror.manifest(REPO, tag("edge"), false));
        assertFalse(never.badGateway());
    }

    @Test
    void tagTheUpstreamNoLongerHasIsUnknownEvenWhenRecorded() {
        upstream.putManifest(REPO.value(), "old", imageManifest(12), MediaTypes.OCI_MANIFEST);
        content(mirror.manifest(REPO, tag("old"), false));
        upstream.forgetManifest(REPO + ":old");

        clock.advance(TTL);
        OciAnswer.Error error = assertInstanceOf(OciAnswer.Error.class, mirror.manifest(REPO, tag("old"), false));
        assertEquals(OciErrorCode.MANIFEST_UNKNOWN, error.code());
    }

    // ---- blobs --------------------------------------------------------------------------------------------

    @Test
    void blobIsDownloadedOnceThenServedFromTheStore() throws IOException {
        byte[] bytes = randomBytes(300_000, 1);
        Digest digest = FakeRegistryClient.sha256(bytes);
        upstream.putBlob(digest, FakeRegistryClient.BlobSource.of(bytes));

        OciAnswer.Content first = content(mirror.blob(REPO, digest, false, null));
        assertEquals(bytes.length, first.size());
        assertEquals(OciAnswer.CacheOutcome.MISS, first.outcome());
        assertArrayEquals(bytes, read(first.body()));
        awaitCommitted(digest);
        assertEquals(
                bytes.length,
                store.resolve(OciStoreNames.blob(digest)).orElseThrow().size());
        assertTrue(store.meta(OciStoreNames.link(TARGET, REPO, digest)).isPresent());

        upstream.down = true;
        OciAnswer.Content hit = content(mirror.blob(REPO, digest, false, null));
        assertEquals(OciAnswer.CacheOutcome.HIT, hit.outcome());
        assertArrayEquals(bytes, read(hit.body()));
        assertEquals(1, upstream.blobGets.get());
    }

    @Test
    void sha512BlobIsVerifiedAndStored() throws Exception {
        byte[] bytes = randomBytes(5_000, 2);
        Digest digest = new Digest(
                Digest.SHA512,
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(bytes)));
        upstream.putBlob(digest, FakeRegistryClient.BlobSource.of(bytes));
        assertArrayEquals(
                bytes, read(content(mirror.blob(REPO, digest, false, null)).body()));
        awaitCommitted(digest);
        assertTrue(store.resolve(OciStoreNames.blob(digest)).isPresent());

        Digest wrong = new Digest(Digest.SHA512, "0".repeat(128));
        upstream.putBlob(wrong, FakeRegistryClient.BlobSource.of(bytes));
        assertRefused(mirror.blob(REPO, wrong, false, null));
        assertNothingStored(wrong);
    }

    @Test
    void tamperedBlobIsRefusedNothingIsStoredAndItsReadersAbort() {
        byte[] bytes = randomBytes(200_000, 3);
        Digest digest = FakeRegistryClient.sha256(bytes);
        byte[] tampered = bytes.clone();
        tampered[100_000] ^= 1;
        GatedInput body = new GatedInput(tampered, 1000);
        upstream.putBlob(digest, gated(body, tampered.length));

        // Answered while the body streams; the verdict comes at its end, and the reader must see it.
        OciAnswer.Content answer = content(mirror.blob(REPO, digest, false, null));
        body.release();
        assertThrows(IOException.class, () -> read(answer.body()), "a refused blob must not end cleanly");
        assertNothingStored(digest);

        // Without a declared length the answer waits for the verdict: a 502.
        upstream.putBlob(digest, FakeRegistryClient.BlobSource.of(tampered, -1));
        assertTrue(assertInstanceOf(OciAnswer.Unavailable.class, mirror.blob(REPO, digest, false, null))
                .badGateway());
        assertNothingStored(digest);
    }

    @Test
    void tamperedBlobFromOneEndpointIsReplacedByTheNextEndpointsGoodCopy() throws IOException {
        byte[] bytes = randomBytes(100_000, 4);
        Digest digest = FakeRegistryClient.sha256(bytes);
        byte[] tampered = bytes.clone();
        tampered[0] ^= 1;
        // No declared length: the answer waits for the verdict, which comes from the second endpoint.
        upstream.putBlob(
                digest, FakeRegistryClient.BlobSource.of(tampered, -1), FakeRegistryClient.BlobSource.of(bytes, -1));

        OciAnswer.Content answer = content(mirror.blob(REPO, digest, false, null));
        assertEquals(bytes.length, answer.size());
        assertArrayEquals(bytes, read(answer.body()));
        assertEquals(
                bytes.length,
                store.resolve(OciStoreNames.blob(digest)).orElseThrow().size());
    }

    @Test
    void blobLongerOrShorterThanItsContentLengthIsRefused() {
        byte[] bytes = randomBytes(10_000, 5);
        Digest digest = FakeRegistryClient.sha256(bytes);
        upstream.putBlob(digest, FakeRegistryClient.BlobSource.of(bytes, bytes.length - 1));
        assertRefused(mirror.blob(REPO, digest, false, null));
        assertNothingStored(digest);

        upstream.putBlob(digest, FakeRegistryClient.BlobSource.of(bytes, bytes.length + 1));
        assertRefused(mirror.blob(REPO, digest, false, null));
        assertNothingStored(digest);
    }

    @Test
    void unknownBlobIsBlobUnknown() {
        Digest digest = FakeRegistryClient.sha256(new byte[] {1});
        assertEquals(
                OciErrorCode.BLOB_UNKNOWN,
                assertInstanceOf(OciAnswer.Error.class, mirror.blob(REPO, digest, false, null))
                        .code());
    }

    @Test
    void concurrentClientsOfABlobNotStoredShareOneUpstreamDownload() throws Exception {
        byte[] bytes = randomBytes(500_000, 6);
        Digest digest = FakeRegistryClient.sha256(bytes);
        GatedInput body = new GatedInput(bytes, 1000);
        upstream.putBlob(digest, gated(body, bytes.length));

        int clients = 8;
        List<OciAnswer.Content> answers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            // Each answer arrives while the upstream still holds most of the body, so all join one download.
            answers.add(content(mirror.blob(REPO, digest, false, null)));
        }
        List<Future<byte[]>> reads = new ArrayList<>();
        for (OciAnswer.Content answer : answers) {
            assertEquals(bytes.length, answer.size());
            reads.add(threads.submit(() -> read(answer.body())));
        }
        body.release();
        for (Future<byte[]> read : reads) {
            assertArrayEquals(bytes, read.get(30, TimeUnit.SECONDS));
        }
        assertEquals(1, upstream.blobGets.get());
    }

    @Test
    void firstClientGetsBytesBeforeTheUpstreamBodyHasEnded() throws Exception {
        byte[] bytes = randomBytes(300_000, 7);
        Digest digest = FakeRegistryClient.sha256(bytes);
        GatedInput body = new GatedInput(bytes, 4096);
        upstream.putBlob(digest, gated(body, bytes.length));

        OciAnswer.Content answer = content(mirror.blob(REPO, digest, false, null));
        ClientOutput out = ClientOutput.plain();
        Future<?> reading = threads.submit(() -> {
            answer.body().writeTo(out);
            return null;
        });
        assertTrue(out.reached.await(30, TimeUnit.SECONDS), "no bytes reached the client");
        assertFalse(body.restServed(), "the client got bytes only after the upstream body ended");
        assertTrue(store.resolve(OciStoreNames.blob(digest)).isEmpty());

        body.release();
        reading.get(30, TimeUnit.SECONDS);
        assertArrayEquals(bytes, out.bytes());
    }

    @Test
    void lastByteGoesOutOnceTheBlobIsCheckedWithItsCommitBehind() throws Exception {
        byte[] bytes = randomBytes(100_000, 8);
        Digest digest = FakeRegistryClient.sha256(bytes);
        upstream.putBlob(digest, FakeRegistryClient.BlobSource.of(bytes));
        store.holdCommits();

        OciAnswer.Content answer = content(mirror.blob(REPO, digest, false, null));
        ClientOutput out = ClientOutput.plain();
        Future<?> reading = threads.submit(() -> {
            answer.body().writeTo(out);
            return null;
        });
        assertTrue(store.commitWaiting.await(30, TimeUnit.SECONDS));
        // Length and digest checked: the whole body goes out while the commit waits (a mirrored blob's commit runs
        // behind its last byte, docs/storage.md).
        reading.get(30, TimeUnit.SECONDS);
        assertArrayEquals(bytes, out.bytes());
        assertTrue(store.resolve(OciStoreNames.blob(digest)).isEmpty());

        // A client asking meanwhile follows the same download: no second upstream fetch, the same bytes.
        ClientOutput again = ClientOutput.plain();
        content(mirror.blob(REPO, digest, false, null)).body().writeTo(again);
        assertArrayEquals(bytes, again.bytes());
        assertEquals(1, upstream.blobGets.get());

        // Prewarm asks whether it is stored before it pins it: that waits for the commit.
        Future<OciAnswer> stored = threads.submit(() -> mirror.blobStored(REPO, digest));
        assertThrows(TimeoutException.class, () -> stored.get(200, TimeUnit.MILLISECONDS));
        store.releaseCommits();
        assertInstanceOf(OciAnswer.Content.class, stored.get(30, TimeUnit.SECONDS));
        assertTrue(store.resolve(OciStoreNames.blob(digest)).isPresent());
    }

    /** Waits for the commit that runs behind a blob's last byte. */
    private void awaitCommitted(Digest digest) {
        OciAnswer answer = mirror.blobStored(REPO, digest);
        assertTrue(answer instanceof OciAnswer.Content, "the blob was stored: " + answer);
    }

    @Test
    void clientsOfABlobWhoseFirstEndpointTampersWithItAreAnsweredFromTheNext() throws Exception {
        byte[] bytes = randomBytes(300_000, 12);
        Digest digest = FakeRegistryClient.sha256(bytes);
        byte[] tampered = bytes.clone();
        tampered[bytes.length - 1] ^= 1;
        GatedInput liar = new GatedInput(tampered, bytes.length / 2);
        GatedInput honest = new GatedInput(bytes, 1000);
        upstream.putBlob(digest, gated(liar, bytes.length), gated(honest, bytes.length));

        // Two clients follow the first attempt and get part of it: one has sent it, one holds it unsent.
        ClientOutput sent = ClientOutput.plain();
        ClientOutput buffered = ClientOutput.rewindable();
        Future<?> sending = write(streamed(digest, bytes.length), sent);
        Future<?> buffering = write(streamed(digest, bytes.length), buffered);
        assertTrue(sent.reached.await(30, TimeUnit.SECONDS));
        assertTrue(buffered.reached.await(30, TimeUnit.SECONDS));

        liar.release();
        assertTrue(honest.atGate.await(30, TimeUnit.SECONDS));
        // A client that misses the blob now follows the next endpoint's attempt.
        ClientOutput late = ClientOutput.plain();
        Future<?> following = write(streamed(digest, bytes.length), late);
        assertTrue(late.reached.await(30, TimeUnit.SECONDS));

        honest.release();
        assertThrows(
                ExecutionException.class,
                () -> sending.get(30, TimeUnit.SECONDS),
                "a response that sent bytes of the tampered attempt is aborted");
        buffering.get(30, TimeUnit.SECONDS);
        assertArrayEquals(bytes, buffered.bytes());
        following.get(30, TimeUnit.SECONDS);
        assertArrayEquals(bytes, late.bytes());
        assertEquals(1, upstream.blobGets.get(), "one download for every client");
        awaitCommitted(digest);
        assertEquals(0, mirror.inFlight());
        assertEquals(
                bytes.length,
                store.resolve(OciStoreNames.blob(digest)).orElseThrow().size());
        assertEquals(
                OciAnswer.CacheOutcome.HIT,
                content(mirror.blob(REPO, digest, false, null)).outcome());
    }

    /** A GET of a blob not stored: answered with a body that follows the download in progress. */
    private Body streamed(Digest digest, long size) {
        OciAnswer.Content answer = content(mirror.blob(REPO, digest, false, null));
        assertEquals(OciAnswer.CacheOutcome.MISS, answer.outcome());
        assertEquals(size, answer.size());
        return answer.body();
    }

    private Future<?> write(Body body, ClientOutput out) {
        return threads.submit(() -> {
            body.writeTo(out);
            return null;
        });
    }

    private static FakeRegistryClient.BlobSource gated(GatedInput body, long declared) {
        return new FakeRegistryClient.BlobSource() {
            @Override
            public InputStream open() {
                return body;
            }

            @Override
            public long length() {
                return declared;
            }
        };
    }

    @Test
    void blobWithoutADeclaredLengthIsAnsweredOnceStored() throws IOException {
        byte[] bytes = randomBytes(70_000, 9);
        Digest digest = FakeRegistryClient.sha256(bytes);
        upstream.putBlob(digest, FakeRegistryClient.BlobSource.of(bytes, -1));
        OciAnswer.Content answer = content(mirror.blob(REPO, digest, false, null));
        assertEquals(bytes.length, answer.size());
        assertTrue(store.resolve(OciStoreNames.blob(digest)).isPresent(), "the size is known only once it is stored");
        assertArrayEquals(bytes, read(answer.body()));
    }

    @Test
    void headOfABlobNotStoredAnswersWithTheDeclaredLengthAndTheDownloadGoesOn() throws Exception {
        byte[] bytes = randomBytes(50_000, 10);
        Digest digest = FakeRegistryClient.sha256(bytes);
        GatedInput body = new GatedInput(bytes, 10);
        upstream.putBlob(digest, gated(body, bytes.length));

        OciAnswer.Content head = content(mirror.blob(REPO, digest, true, null));
        assertNull(head.body());
        assertEquals(bytes.length, head.size());
        // The GET that follows joins the download the HEAD started.
        OciAnswer.Content get = content(mirror.blob(REPO, digest, false, null));
        body.release();
        assertArrayEquals(bytes, read(get.body()));
        assertEquals(1, upstream.blobGets.get());
    }

    @Test
    void rangeOfAStoredBlobIsServedClippedOrRefused() throws IOException {
        byte[] bytes = randomBytes(100, 11);
        Digest digest = FakeRegistryClient.sha256(bytes);
        upstream.putBlob(digest, FakeRegistryClient.BlobSource.of(bytes));
        read(content(mirror.blob(REPO, digest, false, null)).body());

        OciAnswer.Content part = content(mirror.blob(REPO, digest, false, "bytes=10-19"));
        assertEquals(new ByteRange(10, 10), part.range());
        assertEquals(100, part.size());
        assertArrayEquals(Arrays.copyOfRange(bytes, 10, 20), read(part.body()));

        OciAnswer.Content clipped = content(mirror.blob(REPO, digest, false, "bytes=90-500"));
        assertEquals(new ByteRange(90, 10), clipped.range());
        assertArrayEquals(Arrays.copyOfRange(bytes, 90, 100), read(clipped.body()));

        OciAnswer.Content suffix = content(mirror.blob(REPO, digest, false, "bytes=-5"));
        assertArrayEquals(Arrays.copyOfRange(bytes, 95, 100), read(suffix.body()));

        assertEquals(
                100,
                assertInstanceOf(OciAnswer.RangeNotSatisfiable.class, mirror.blob(REPO, digest, false, "bytes=100-"))
                        .size());
        assertEquals(
                OciErrorCode.RANGE_INVALID,
                assertInstanceOf(OciAnswer.Error.class, mirror.blob(REPO, digest, false, "bytes=a-b"))
                        .code());
        assertEquals(1, upstream.blobGets.get());
    }

    @Test
    void rangeOfABlobNotStoredIsServedOnceStoredAndAMalformedOneAsksNothing() throws IOException {
        byte[] bytes = randomBytes(1000, 12);
        Digest digest = FakeRegistryClient.sha256(bytes);
        upstream.putBlob(digest, FakeRegistryClient.BlobSource.of(bytes));

        assertEquals(
                OciErrorCode.RANGE_INVALID,
                assertInstanceOf(OciAnswer.Error.class, mirror.blob(REPO, digest, false, "bytes=1-2,5-6"))
                        .code());
        assertEquals(0, upstream.blobGets.get());

        OciAnswer.Content part = content(mirror.blob(REPO, digest, false, "bytes=500-"));
        assertEquals(new ByteRange(500, 500), part.range());
        assertArrayEquals(Arrays.copyOfRange(bytes, 500, 1000), read(part.body()));
    }

    @Test
    void blobStoredThroughAnotherRepositoryIsServedOnlyWhenTheUpstreamConfirmsIt() throws IOException {
        byte[] bytes = randomBytes(20_000, 13);
        Digest digest = FakeRegistryClient.sha256(bytes);
        upstream.putBlob(digest, FakeRegistryClient.BlobSource.of(bytes));
        read(content(mirror.blob(REPO, digest, false, null)).body());
        awaitCommitted(digest); // else the other repository's client joins the download still committing

        RepositoryName other = new RepositoryName("library/busybox");
        OciAnswer.Content confirmed = content(mirror.blob(other, digest, false, null));
        assertEquals(OciAnswer.CacheOutcome.HIT, confirmed.outcome());
        assertArrayEquals(bytes, read(confirmed.body()));
        assertEquals(1, upstream.blobGets.get(), "the bytes are not downloaded again");
        assertEquals(1, upstream.blobHeads.get(), "the upstream is asked whether the repository has the blob");
        assertTrue(store.meta(OciStoreNames.link(TARGET, other, digest)).isPresent());

        // Content the upstream does not have (say, pushed to a hosted repository) is not served by its digest.
        byte[] hosted = randomBytes(100, 14);
        Digest secret = FakeRegistryClient.sha256(hosted);
        try (var writer = store.newObject(dev.ferry.storage.Chunking.CONTENT_DEFINED)) {
            writer.write(hosted);
            writer.commit(
                    null,
                    batch -> batch.putName(
                            OciStoreNames.blob(secret),
                            batch.committing().orElseThrow().digest()));
        }
        assertEquals(
                OciErrorCode.BLOB_UNKNOWN,
                assertInstanceOf(OciAnswer.Error.class, mirror.blob(REPO, secret, false, null))
                        .code());
    }

    // ---- tags, referrers, catalog -------------------------------------------------------------------------

    @Test
    void tagsOfAnUpstreamThatNeitherSortsNorHonoursNAreGatheredSortedAndPaged() {
        for (String t : List.of("r3", "r1", "r5", "r2", "r4")) {
            upstream.putManifest(REPO.value(), t, imageManifest(t.charAt(1)), MediaTypes.OCI_MANIFEST);
        }
        upstream.storageOrderPages = 2;
        assertEquals(new OciAnswer.TagList(REPO.value(), List.of("r1", "r2"), "r2"), mirror.tags(REPO, 2, null));
        assertEquals(new OciAnswer.TagList(REPO.value(), List.of("r3", "r4"), "r4"), mirror.tags(REPO, 2, "r2"));
        assertEquals(new OciAnswer.TagList(REPO.value(), List.of("r5"), null), mirror.tags(REPO, 2, "r4"));
        assertEquals(
                new OciAnswer.TagList(REPO.value(), List.of("r1", "r2", "r3", "r4", "r5"), null),
                mirror.tags(REPO, -1, null));
    }

    @Test
    void tagsArePassedThroughAndServedFromRecordsWhenTheUpstreamIsDown() {
        for (String t : List.of("b", "a", "c", "d")) {
            upstream.putManifest(REPO.value(), t, imageManifest(t.charAt(0)), MediaTypes.OCI_MANIFEST);
        }
        OciAnswer.TagList page = assertInstanceOf(OciAnswer.TagList.class, mirror.tags(REPO, 2, "a"));
        assertEquals(new OciAnswer.TagList(REPO.value(), List.of("b", "c"), "c"), page);

        for (String t : List.of("d", "b", "a")) {
            content(mirror.manifest(REPO, tag(t), true));
        }
        upstream.down = true;
        // Only tags resolved through the mirror are known; a HEAD of a tag whose manifest is not stored records
        // nothing.
        assertInstanceOf(OciAnswer.Unavailable.class, mirror.tags(REPO, -1, null));
        for (String t : List.of("d", "b", "a")) {
            upstream.down = false;
            content(mirror.manifest(REPO, tag(t), false));
            upstream.down = true;
        }
        assertEquals(new OciAnswer.TagList(REPO.value(), List.of("a", "b", "d"), null), mirror.tags(REPO, -1, null));
        assertEquals(new OciAnswer.TagList(REPO.value(), List.of("a", "b"), "b"), mirror.tags(REPO, 2, null));
        assertEquals(new OciAnswer.TagList(REPO.value(), List.of("d"), null), mirror.tags(REPO, 2, "b"));
        assertInstanceOf(OciAnswer.Unavailable.class, mirror.tags(new RepositoryName("never/seen"), -1, null));

        upstream.down = false;
        assertEquals(
                OciErrorCode.NAME_UNKNOWN,
                assertInstanceOf(OciAnswer.Error.class, mirror.tags(new RepositoryName("never/seen"), -1, null))
                        .code());
    }

    @Test
    void referrersFromTheApiAreFilteredByArtifactType() throws IOException {
        Digest subject = upstream.putManifest(REPO.value(), null, imageManifest(20), MediaTypes.OCI_MANIFEST);
        upstream.putReferrers(subject, referrersIndex());

        OciAnswer.Referrers all = assertInstanceOf(OciAnswer.Referrers.class, mirror.referrers(REPO, subject, null));
        assertNull(all.filteredBy());
        assertEquals(2, JSON.readTree(all.index()).get("manifests").size());

        OciAnswer.Referrers sboms = assertInstanceOf(
                OciAnswer.Referrers.class, mirror.referrers(REPO, subject, "application/vnd.example.sbom"));
        assertEquals("application/vnd.example.sbom", sboms.filteredBy());
        JsonNode kept = JSON.readTree(sboms.index()).get("manifests");
        assertEquals(1, kept.size());
        assertEquals(
                "application/vnd.example.sbom", kept.get(0).get("artifactType").asText());

        upstream.down = true;
        assertInstanceOf(OciAnswer.Unavailable.class, mirror.referrers(REPO, subject, null));
    }

    @Test
    void referrersFallBackToTheTagSchemaWhenTheUpstreamLacksTheApi() throws IOException {
        upstream.referrersApi = false;
        Digest subject = upstream.putManifest(REPO.value(), null, imageManifest(21), MediaTypes.OCI_MANIFEST);

        OciAnswer.Referrers none = assertInstanceOf(OciAnswer.Referrers.class, mirror.referrers(REPO, subject, null));
        assertEquals(0, JSON.readTree(none.index()).get("manifests").size());
        assertEquals(
                MediaTypes.OCI_INDEX,
                JSON.readTree(none.index()).get("mediaType").asText());

        upstream.putManifest(REPO.value(), subject.referrersTag(), referrersIndex(), MediaTypes.OCI_INDEX);
        OciAnswer.Referrers tagged = assertInstanceOf(
                OciAnswer.Referrers.class, mirror.referrers(REPO, subject, "application/vnd.example.sig"));
        assertEquals("application/vnd.example.sig", tagged.filteredBy());
        JsonNode kept = JSON.readTree(tagged.index()).get("manifests");
        assertEquals(1, kept.size());
        assertEquals(
                "application/vnd.example.sig", kept.get(0).get("artifactType").asText());
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    // ---- offline (--registry NAME=off) ---------------------------------------------------------------------

    @Test
    void offlineMirrorServesWhatIsStoredAtAnyAgeAndNeverAsksTheClient() throws IOException {
        byte[] manifest = imageManifest(42);
        Digest manifestDigest = upstream.putManifest(REPO.value(), "3.20", manifest, MediaTypes.OCI_MANIFEST);
        byte[] blob = randomBytes(1000, 42);
        Digest blobDigest = FakeRegistryClient.sha256(blob);
        upstream.putBlob(blobDigest, FakeRegistryClient.BlobSource.of(blob));
        // What an import would have stored: a tag record, its manifest, a linked blob.
        read(content(mirror.manifest(REPO, tag("3.20"), false)).body());
        read(content(mirror.blob(REPO, blobDigest, false, null)).body());
        awaitCommitted(blobDigest); // the offline mirror reads the store only
        // Present upstream but never fetched: the offline mirror must not find these by asking.
        Digest notStored = upstream.putManifest(REPO.value(), "edge", imageManifest(43), MediaTypes.OCI_MANIFEST);
        byte[] otherBlob = randomBytes(100, 43);
        Digest otherBlobDigest = FakeRegistryClient.sha256(otherBlob);
        upstream.putBlob(otherBlobDigest, FakeRegistryClient.BlobSource.of(otherBlob));

        CachingRegistryMirror offline = new CachingRegistryMirror(
                store, upstream, new OciMirrorSettings(TTL, dir.resolve("spool"), 64 << 10).withOffline(true), clock);
        int asked = asked();
        clock.advance(Duration.ofDays(400));

        OciAnswer.Content byTag = content(offline.manifest(REPO, tag("3.20"), false));
        assertArrayEquals(manifest, read(byTag.body()));
        assertEquals(manifestDigest, byTag.digest());
        assertEquals(OciAnswer.Freshness.FRESH, byTag.freshness(), "nothing is stale without an upstream");
        assertEquals(OciAnswer.CacheOutcome.HIT, byTag.outcome());
        assertNull(content(offline.manifest(REPO, tag("3.20"), true)).body());
        assertArrayEquals(
                manifest,
                read(content(offline.manifest(REPO, new Reference.ByDigest(manifestDigest), false))
                        .body()));
        assertArrayEquals(
                blob, read(content(offline.blob(REPO, blobDigest, false, null)).body()));
        assertEquals(
                new ByteRange(1, 2),
                content(offline.blob(REPO, blobDigest, false, "bytes=1-2")).range());
        assertEquals(new OciAnswer.TagList(REPO.value(), List.of("3.20"), null), offline.tags(REPO, -1, null));
        assertEquals(List.of(REPO), offline.repositories());

        assertOffline(OciErrorCode.MANIFEST_UNKNOWN, offline.manifest(REPO, tag("edge"), false));
        assertOffline(OciErrorCode.MANIFEST_UNKNOWN, offline.manifest(REPO, tag("edge"), true));
        assertOffline(OciErrorCode.MANIFEST_UNKNOWN, offline.manifest(REPO, new Reference.ByDigest(notStored), false));
        assertOffline(OciErrorCode.MANIFEST_UNKNOWN, offline.manifest(REPO, new Reference.ByDigest(notStored), true));
        assertOffline(OciErrorCode.BLOB_UNKNOWN, offline.blob(REPO, otherBlobDigest, false, null));
        assertOffline(OciErrorCode.BLOB_UNKNOWN, offline.blob(REPO, otherBlobDigest, true, null));
        // Stored, but never linked to this repository: not served (offline nothing can confirm it).
        RepositoryName other = new RepositoryName("library/busybox");
        assertOffline(OciErrorCode.BLOB_UNKNOWN, offline.blob(other, blobDigest, false, null));
        assertOffline(
                OciErrorCode.MANIFEST_UNKNOWN, offline.manifest(other, new Reference.ByDigest(manifestDigest), false));
        assertOffline(OciErrorCode.NAME_UNKNOWN, offline.tags(other, -1, null));
        // Referrers: the tag schema from the store, here none: an empty index.
        assertInstanceOf(OciAnswer.Referrers.class, offline.referrers(REPO, manifestDigest, null));

        assertEquals(asked, asked(), "an offline mirror must never call its client");
        assertTrue(store.resolve(OciStoreNames.blob(otherBlobDigest)).isEmpty());
        assertNothingStored(notStored);
    }

    private int asked() {
        return upstream.heads.get()
                + upstream.gets.get()
                + upstream.blobGets.get()
                + upstream.blobHeads.get()
                + upstream.tagCalls.get()
                + upstream.referrerCalls.get();
    }

    private static void assertOffline(OciErrorCode code, OciAnswer answer) {
        OciAnswer.Error error = assertInstanceOf(OciAnswer.Error.class, answer, "never a 503: " + answer);
        assertEquals(code, error.code());
        assertTrue(
                error.message().contains("is not stored and registry registry.test is offline (off)"), error.message());
    }

    /**
     * A blob download refused: either the answer came while it streamed and its body must not end cleanly, or the
     * verdict came first and the answer is a 502.
     */
    private static void assertRefused(OciAnswer answer) {
        if (answer instanceof OciAnswer.Content c) {
            assertThrows(IOException.class, () -> read(c.body()), "a refused blob must not end cleanly");
        } else {
            assertTrue(assertInstanceOf(OciAnswer.Unavailable.class, answer).badGateway());
        }
    }

    private void assertNothingStored(Digest digest) {
        assertTrue(store.resolve(OciStoreNames.blob(digest)).isEmpty(), "no name for " + digest);
        assertTrue(store.meta(OciStoreNames.manifestType(digest)).isEmpty(), "no manifest type for " + digest);
        assertTrue(store.meta(OciStoreNames.link(TARGET, REPO, digest)).isEmpty(), "no link for " + digest);
    }

    private static Reference tag(String value) {
        return new Reference.ByTag(new Tag(value));
    }

    private static OciAnswer.Content content(OciAnswer answer) {
        return assertInstanceOf(OciAnswer.Content.class, answer);
    }

    private static byte[] read(Body body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        body.writeTo(out);
        return out.toByteArray();
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** A valid OCI image manifest, different for each {@code seed}. */
    private static byte[] imageManifest(long seed) {
        String config = HexFormat.of()
                .formatHex(FakeRegistryClient.sha256(("config " + seed).getBytes(StandardCharsets.UTF_8))
                        .bytes());
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                        + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + config + "\",\"size\":"
                        + (seed + 2)
                        + "},\"layers\":[]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] referrersIndex() {
        String a = FakeRegistryClient.sha256(new byte[] {1}).toString();
        String b = FakeRegistryClient.sha256(new byte[] {2}).toString();
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                        + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + a + "\",\"size\":10,"
                        + "\"artifactType\":\"application/vnd.example.sbom\"},"
                        + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + b + "\",\"size\":11,"
                        + "\"artifactType\":\"application/vnd.example.sig\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
