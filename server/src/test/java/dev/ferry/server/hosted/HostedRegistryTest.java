package dev.ferry.server.hosted;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.protocols.oci.ByteRange;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.testing.ManualClock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hosted registry on the real RocksDB store: every operation's happy path and each refusal. */
class HostedRegistryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RepositoryName REPO = RepositoryName.parse("team/app");
    private static final RepositoryName OTHER = RepositoryName.parse("team/other");
    private static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";
    private static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";

    @TempDir
    Path dir;

    ContentStore store;
    ManualClock clock = new ManualClock();
    HostedRegistry registry;
    Path uploads;

    @BeforeEach
    void open() throws IOException {
        store = RocksContentStore.open(dir.resolve("store"), StoreOptions.defaults());
        uploads = dir.resolve("uploads");
        registry = open(1 << 20, true);
    }

    @AfterEach
    void close() {
        store.close();
    }

    HostedRegistry open(long maxUploadSize, boolean deleteEnabled) throws IOException {
        return new HostedRegistry(
                store, new HostedSettings(uploads, maxUploadSize, Duration.ofHours(1), deleteEnabled), clock);
    }

    // ---------------------------------------------------------------- blobs

    @Test
    void monolithicUploadIsServedWholeAndByRange() throws IOException {
        byte[] bytes = "0123456789".getBytes(StandardCharsets.UTF_8);
        Digest d = digest(bytes);
        assertEquals(new OciAnswer.Created(d, false, null), registry.startUpload(REPO, d, in(bytes), bytes.length));

        OciAnswer.Content whole = content(registry.blob(REPO, d, false, null));
        assertArrayEquals(bytes, read(whole));
        assertEquals(10, whole.size());
        assertEquals(OciAnswer.Freshness.IMMUTABLE, whole.freshness());
        OciAnswer.Content head = content(registry.blob(REPO, d, true, null));
        assertNull(head.body());
        assertEquals(10, head.size());

        OciAnswer.Content part = content(registry.blob(REPO, d, false, "bytes=2-5"));
        assertEquals(new ByteRange(2, 4), part.range());
        assertEquals("2345", new String(read(part), StandardCharsets.UTF_8));
        assertEquals(10, part.size());
        assertEquals(new OciAnswer.RangeNotSatisfiable(10), registry.blob(REPO, d, false, "bytes=10-"));
        assertError(OciErrorCode.RANGE_INVALID, registry.blob(REPO, d, false, "bytes=x-"));

        assertError(OciErrorCode.BLOB_UNKNOWN, registry.blob(OTHER, d, false, null));
        assertEquals(List.of(REPO), registry.repositories());
    }

    @Test
    void monolithicDigestMismatchStoresNothing() {
        byte[] bytes = bytes(100, 1);
        Digest claimed = digest(bytes(100, 2));
        assertError(OciErrorCode.DIGEST_INVALID, registry.startUpload(REPO, claimed, in(bytes), bytes.length));
        assertError(OciErrorCode.BLOB_UNKNOWN, registry.blob(REPO, claimed, true, null));
        assertTrue(store.resolve(OciStoreNames.blob(claimed)).isEmpty());
        assertTrue(store.object(dev.ferry.storage.Sha256.ofHex(digest(bytes).hex()))
                .isEmpty());
        assertEquals(List.of(), registry.repositories());
    }

    @Test
    void chunkedUploadRefusesOutOfOrderChunksAndAppendsNothing() throws IOException {
        byte[] all = bytes(30, 3);
        String uuid = started(registry.startUpload(REPO, null, InputStream.nullInputStream(), 0));

        assertEquals(
                new OciAnswer.UploadProgress(uuid, 10, false),
                registry.appendChunk(REPO, uuid, "0-9", slice(all, 0, 10), 10));
        assertError(OciErrorCode.RANGE_INVALID, registry.appendChunk(REPO, uuid, "20-29", slice(all, 20, 30), 10));
        assertError(OciErrorCode.RANGE_INVALID, registry.appendChunk(REPO, uuid, "0-9", slice(all, 0, 10), 10));
        assertError(
                OciErrorCode.RANGE_INVALID, registry.appendChunk(REPO, uuid, "bytes=10-19", slice(all, 10, 20), 10));
        assertEquals(new OciAnswer.UploadProgress(uuid, 10, true), registry.uploadStatus(REPO, uuid));
        assertEquals(10, Files.size(uploads.resolve(uuid + ".data")));

        // A streamed PATCH (no Content-Range, no length) appends; the PUT brings the last bytes.
        assertEquals(
                new OciAnswer.UploadProgress(uuid, 20, false),
                registry.appendChunk(REPO, uuid, null, slice(all, 10, 20), -1));
        Digest d = digest(all);
        assertEquals(
                new OciAnswer.Created(d, false, null), registry.finishUpload(REPO, uuid, d, slice(all, 20, 30), 10));
        assertArrayEquals(all, read(content(registry.blob(REPO, d, false, null))));
        assertError(OciErrorCode.BLOB_UPLOAD_UNKNOWN, registry.uploadStatus(REPO, uuid));
        assertEquals(List.of(), files(uploads));
    }

    @Test
    void postWithBodyStartsTheSessionWithItAndPutWithoutBodyFinishes() throws IOException {
        byte[] all = bytes(42, 4);
        OciAnswer.UploadProgress p =
                assertInstanceOf(OciAnswer.UploadProgress.class, registry.startUpload(REPO, null, in(all), all.length));
        assertEquals(42, p.offset());
        Digest d = digest(all);
        assertEquals(
                new OciAnswer.Created(d, false, null),
                registry.finishUpload(REPO, p.uuid(), d, InputStream.nullInputStream(), 0));
        assertArrayEquals(all, read(content(registry.blob(REPO, d, false, null))));
    }

    @Test
    void aRefusedFirstChunkLeavesNoSessionAndAFinishNeedsADigest() throws IOException {
        registry = open(10, true);
        assertError(OciErrorCode.SIZE_TOO_LARGE, registry.startUpload(REPO, null, in(bytes(11, 1)), 11));
        assertEquals(List.of(), files(uploads));
        String uuid = started(registry.startUpload(REPO, null, null, 0));
        assertError(OciErrorCode.DIGEST_INVALID, registry.finishUpload(REPO, uuid, null, null, 0));
        assertEquals(new OciAnswer.UploadProgress(uuid, 0, true), registry.uploadStatus(REPO, uuid));
    }

    @Test
    void aChunkWhoseLengthDisagreesIsRefusedWhole() throws IOException {
        String uuid = started(registry.startUpload(REPO, null, null, 0));
        assertError(OciErrorCode.SIZE_INVALID, registry.appendChunk(REPO, uuid, "0-9", in(bytes(10, 5)), 9));
        // The body ends before its announced length (a client that went away): nothing kept.
        assertError(OciErrorCode.SIZE_INVALID, registry.appendChunk(REPO, uuid, "0-9", in(bytes(4, 5)), 10));
        assertError(OciErrorCode.SIZE_INVALID, registry.appendChunk(REPO, uuid, null, in(bytes(4, 5)), 10));
        assertEquals(
                0,
                assertInstanceOf(OciAnswer.UploadProgress.class, registry.uploadStatus(REPO, uuid))
                        .offset());
        assertEquals(0, Files.size(uploads.resolve(uuid + ".data")));
    }

    @Test
    void sizeLimitRefusesAndKeepsNothingBeyond() throws IOException {
        registry = open(10, true);
        byte[] eleven = bytes(11, 6);
        Digest d = digest(eleven);
        assertError(OciErrorCode.SIZE_TOO_LARGE, registry.startUpload(REPO, d, in(eleven), 11));
        assertError(OciErrorCode.SIZE_TOO_LARGE, registry.startUpload(REPO, d, in(eleven), -1));
        assertTrue(store.resolve(OciStoreNames.blob(d)).isEmpty());

        String uuid = started(registry.startUpload(REPO, null, null, 0));
        assertEquals(
                new OciAnswer.UploadProgress(uuid, 6, false),
                registry.appendChunk(REPO, uuid, "0-5", slice(eleven, 0, 6), 6));
        assertError(OciErrorCode.SIZE_TOO_LARGE, registry.appendChunk(REPO, uuid, "6-10", slice(eleven, 6, 11), 5));
        assertError(OciErrorCode.SIZE_TOO_LARGE, registry.appendChunk(REPO, uuid, null, slice(eleven, 6, 11), -1));
        assertError(OciErrorCode.SIZE_TOO_LARGE, registry.finishUpload(REPO, uuid, d, slice(eleven, 6, 11), -1));
        assertEquals(6, Files.size(uploads.resolve(uuid + ".data")));
        assertEquals(
                6,
                assertInstanceOf(OciAnswer.UploadProgress.class, registry.uploadStatus(REPO, uuid))
                        .offset());
    }

    @Test
    void emptyBlobsUploadMonolithicallyAndThroughASession() throws IOException {
        Digest empty = digest(new byte[0]);
        assertEquals(
                new OciAnswer.Created(empty, false, null),
                registry.startUpload(REPO, empty, InputStream.nullInputStream(), 0));
        OciAnswer.Content c = content(registry.blob(REPO, empty, false, null));
        assertEquals(0, c.size());
        assertArrayEquals(new byte[0], read(c));
        assertEquals(new OciAnswer.RangeNotSatisfiable(0), registry.blob(REPO, empty, false, "bytes=0-"));

        String uuid = started(registry.startUpload(OTHER, null, null, 0));
        assertEquals(new OciAnswer.Created(empty, false, null), registry.finishUpload(OTHER, uuid, empty, null, 0));
        assertEquals(0, content(registry.blob(OTHER, empty, true, null)).size());

        byte[] emptyJson = "{}".getBytes(StandardCharsets.UTF_8);
        Digest ed = digest(emptyJson);
        assertEquals("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", ed.toString());
        uuid = started(registry.startUpload(REPO, null, null, 0));
        assertEquals(new OciAnswer.Created(ed, false, null), registry.finishUpload(REPO, uuid, ed, in(emptyJson), 2));
    }

    @Test
    void finishWithTheWrongDigestStoresNothingAndEndsTheSession() throws IOException {
        byte[] all = bytes(50, 7);
        String uuid = started(registry.startUpload(REPO, null, null, 0));
        registry.appendChunk(REPO, uuid, "0-49", in(all), 50);
        Digest wrong = digest(bytes(50, 8));
        assertError(OciErrorCode.DIGEST_INVALID, registry.finishUpload(REPO, uuid, wrong, null, 0));
        assertError(OciErrorCode.BLOB_UNKNOWN, registry.blob(REPO, wrong, true, null));
        assertError(OciErrorCode.BLOB_UNKNOWN, registry.blob(REPO, digest(all), true, null));
        assertTrue(
                store.object(dev.ferry.storage.Sha256.ofHex(digest(all).hex())).isEmpty());
        assertError(OciErrorCode.BLOB_UPLOAD_UNKNOWN, registry.uploadStatus(REPO, uuid));
        assertEquals(List.of(), files(uploads));
    }

    @Test
    void sha512DigestsAreCheckedAndServed() throws Exception {
        byte[] bytes = bytes(70, 9);
        Digest d = Digest.parse("sha512:"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(bytes)));
        assertEquals(new OciAnswer.Created(d, false, null), registry.startUpload(REPO, d, in(bytes), bytes.length));
        assertArrayEquals(bytes, read(content(registry.blob(REPO, d, false, null))));

        String uuid = started(registry.startUpload(REPO, null, null, 0));
        Digest wrong = Digest.parse("sha512:"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(bytes(70, 10))));
        assertError(OciErrorCode.DIGEST_INVALID, registry.finishUpload(REPO, uuid, wrong, in(bytes), 70));
        assertError(OciErrorCode.BLOB_UNKNOWN, registry.blob(REPO, wrong, true, null));
    }

    @Test
    void anUploadBelongsToItsRepository() {
        String uuid = started(registry.startUpload(REPO, null, null, 0));
        byte[] b = bytes(5, 11);
        assertError(OciErrorCode.BLOB_UPLOAD_UNKNOWN, registry.uploadStatus(OTHER, uuid));
        assertError(OciErrorCode.BLOB_UPLOAD_UNKNOWN, registry.appendChunk(OTHER, uuid, "0-4", in(b), 5));
        assertError(OciErrorCode.BLOB_UPLOAD_UNKNOWN, registry.finishUpload(OTHER, uuid, digest(b), in(b), 5));
        assertError(OciErrorCode.BLOB_UPLOAD_UNKNOWN, registry.cancelUpload(OTHER, uuid));
        assertError(OciErrorCode.BLOB_UPLOAD_UNKNOWN, registry.uploadStatus(REPO, "../../etc/passwd"));
        assertEquals(new OciAnswer.UploadProgress(uuid, 0, true), registry.uploadStatus(REPO, uuid));
    }

    @Test
    void cancelDropsTheSessionAndItsFiles() throws IOException {
        String uuid = started(registry.startUpload(REPO, null, in(bytes(8, 12)), 8));
        assertEquals(new OciAnswer.NoContent(), registry.cancelUpload(REPO, uuid));
        assertError(OciErrorCode.BLOB_UPLOAD_UNKNOWN, registry.uploadStatus(REPO, uuid));
        assertError(OciErrorCode.BLOB_UPLOAD_UNKNOWN, registry.cancelUpload(REPO, uuid));
        assertEquals(List.of(), files(uploads));
    }

    // ---------------------------------------------------------------- sessions across restarts and expiry

    @Test
    void anUploadSurvivesARestartAndCompletes() throws IOException {
        byte[] all = bytes(40, 13);
        String uuid = started(registry.startUpload(REPO, null, null, 0));
        registry.appendChunk(REPO, uuid, "0-19", slice(all, 0, 20), 20);

        HostedRegistry reopened = open(1 << 20, true);
        assertEquals(new OciAnswer.UploadProgress(uuid, 20, true), reopened.uploadStatus(REPO, uuid));
        assertEquals(
                new OciAnswer.UploadProgress(uuid, 30, false),
                reopened.appendChunk(REPO, uuid, "20-29", slice(all, 20, 30), 10));
        Digest d = digest(all);
        assertEquals(
                new OciAnswer.Created(d, false, null), reopened.finishUpload(REPO, uuid, d, slice(all, 30, 40), 10));
        assertArrayEquals(all, read(content(reopened.blob(REPO, d, false, null))));
    }

    @Test
    void aRestartTrimsBytesThatWereNeverAcknowledged() throws IOException {
        byte[] all = bytes(20, 14);
        String uuid = started(registry.startUpload(REPO, null, null, 0));
        registry.appendChunk(REPO, uuid, "0-9", slice(all, 0, 10), 10);
        // A crash after the data was written but before the metadata said so: a tail no client was told about.
        Files.write(uploads.resolve(uuid + ".data"), bytes(7, 99), StandardOpenOption.APPEND);

        HostedRegistry reopened = open(1 << 20, true);
        assertEquals(new OciAnswer.UploadProgress(uuid, 10, true), reopened.uploadStatus(REPO, uuid));
        assertEquals(10, Files.size(uploads.resolve(uuid + ".data")));
        Digest d = digest(all);
        assertEquals(
                new OciAnswer.Created(d, false, null), reopened.finishUpload(REPO, uuid, d, slice(all, 10, 20), 10));
    }

    @Test
    void aRestartDropsASessionWhoseAcknowledgedBytesAreGone() throws IOException {
        String uuid = started(registry.startUpload(REPO, null, in(bytes(10, 15)), 10));
        try (var ch = java.nio.channels.FileChannel.open(uploads.resolve(uuid + ".data"), StandardOpenOption.WRITE)) {
            ch.truncate(4);
        }
        Files.write(uploads.resolve("stray.data"), bytes(3, 1));
        Files.write(uploads.resolve("other.json.tmp"), bytes(3, 1));

        HostedRegistry reopened = open(1 << 20, true);
        assertError(OciErrorCode.BLOB_UPLOAD_UNKNOWN, reopened.uploadStatus(REPO, uuid));
        assertEquals(List.of(), files(uploads));
    }

    @Test
    void expiryDropsSessionsIdleTooLongByTheirLastTouch() throws IOException {
        String idle = started(registry.startUpload(REPO, null, null, 0));
        String busy = started(registry.startUpload(REPO, null, null, 0));
        clock.advance(Duration.ofMinutes(40));
        registry.appendChunk(REPO, busy, "0-4", in(bytes(5, 16)), 5);
        clock.advance(Duration.ofMinutes(30));

        assertEquals(1, registry.expireUploads());
        assertError(OciErrorCode.BLOB_UPLOAD_UNKNOWN, registry.uploadStatus(REPO, idle));
        assertEquals(new OciAnswer.UploadProgress(busy, 5, true), registry.uploadStatus(REPO, busy));
        assertEquals(List.of(busy + ".data", busy + ".json"), files(uploads));
        assertEquals(0, registry.expireUploads());

        // The touched time is kept across a restart.
        clock.advance(Duration.ofMinutes(31));
        assertEquals(1, open(1 << 20, true).expireUploads());
        assertEquals(List.of(), files(uploads));
    }

    // ---------------------------------------------------------------- mounts

    @Test
    void mountLinksABlobFromARepositoryThatHoldsIt() throws IOException {
        byte[] bytes = bytes(33, 17);
        Digest d = push(REPO, bytes);
        assertEquals(new OciAnswer.Created(d, false, null), registry.mount(OTHER, d, REPO));
        assertArrayEquals(bytes, read(content(registry.blob(OTHER, d, false, null))));
        assertEquals(List.of(REPO, OTHER), registry.repositories());

        RepositoryName third = RepositoryName.parse("third");
        // Not from a repository that lacks it, and not without from (no automatic discovery across repositories).
        OciAnswer.UploadProgress p = assertInstanceOf(
                OciAnswer.UploadProgress.class, registry.mount(third, d, RepositoryName.parse("empty")));
        assertEquals(0, p.offset());
        assertInstanceOf(OciAnswer.UploadProgress.class, registry.mount(third, d, null));
        assertError(OciErrorCode.BLOB_UNKNOWN, registry.blob(third, d, true, null));
        // The session a refused mount starts is a real one.
        assertEquals(
                new OciAnswer.Created(d, false, null),
                registry.finishUpload(third, p.uuid(), d, in(bytes), bytes.length));
    }

    // ---------------------------------------------------------------- manifests

    @Test
    void aManifestIsStoredAndServedByTagAndDigest() throws IOException {
        Image image = image(REPO, 1);
        byte[] m = image.manifest;
        OciAnswer created = registry.putManifest(REPO, Reference.parse("v1"), MediaTypes.OCI_MANIFEST, in(m), m.length);
        Digest d = digest(m);
        assertEquals(new OciAnswer.Created(d, true, null), created);

        OciAnswer.Content byTag = content(registry.manifest(REPO, Reference.parse("v1"), false));
        assertArrayEquals(m, read(byTag));
        assertEquals(MediaTypes.OCI_MANIFEST, byTag.mediaType());
        assertEquals(d, byTag.digest());
        assertEquals(OciAnswer.Freshness.FRESH, byTag.freshness());
        OciAnswer.Content byDigest = content(registry.manifest(REPO, new Reference.ByDigest(d), true));
        assertNull(byDigest.body());
        assertEquals(m.length, byDigest.size());
        assertEquals(OciAnswer.Freshness.IMMUTABLE, byDigest.freshness());

        assertError(OciErrorCode.MANIFEST_UNKNOWN, registry.manifest(REPO, Reference.parse("v2"), false));
        assertError(OciErrorCode.MANIFEST_UNKNOWN, registry.manifest(OTHER, new Reference.ByDigest(d), false));
        // A blob is not a manifest.
        assertError(
                OciErrorCode.MANIFEST_UNKNOWN, registry.manifest(REPO, new Reference.ByDigest(image.config), false));
        assertEquals(new OciAnswer.TagList(REPO.value(), List.of("v1"), null), registry.tags(REPO, -1, null));

        // By digest: the bytes must hash to it.
        assertEquals(
                new OciAnswer.Created(d, true, null),
                registry.putManifest(REPO, new Reference.ByDigest(d), null, in(m), m.length));
        Digest other = digest(bytes(5, 1));
        assertError(
                OciErrorCode.DIGEST_INVALID,
                registry.putManifest(REPO, new Reference.ByDigest(other), MediaTypes.OCI_MANIFEST, in(m), m.length));
        assertError(OciErrorCode.MANIFEST_UNKNOWN, registry.manifest(REPO, new Reference.ByDigest(other), true));
    }

    @Test
    void aManifestWithAMissingBlobIsRefusedAndNothingStored() throws IOException {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        push(REPO, config);
        byte[] layer = bytes(64, 18);
        byte[] m =
                manifest(descriptor(CONFIG_TYPE, config), List.of(descriptor(LAYER_TYPE, layer)), null, null, Map.of());
        assertError(
                OciErrorCode.MANIFEST_BLOB_UNKNOWN,
                registry.putManifest(REPO, Reference.parse("v1"), MediaTypes.OCI_MANIFEST, in(m), m.length));
        assertError(OciErrorCode.MANIFEST_UNKNOWN, registry.manifest(REPO, Reference.parse("v1"), true));
        assertTrue(store.resolve(OciStoreNames.blob(digest(m))).isEmpty());
        // A blob in another repository does not count.
        push(OTHER, layer);
        assertError(
                OciErrorCode.MANIFEST_BLOB_UNKNOWN,
                registry.putManifest(REPO, Reference.parse("v1"), MediaTypes.OCI_MANIFEST, in(m), m.length));
        push(REPO, layer);
        assertEquals(
                new OciAnswer.Created(digest(m), true, null),
                registry.putManifest(REPO, Reference.parse("v1"), MediaTypes.OCI_MANIFEST, in(m), m.length));
    }

    @Test
    void badManifestsAreRefused() {
        byte[] junk = "blablabla".getBytes(StandardCharsets.UTF_8);
        assertError(
                OciErrorCode.MANIFEST_INVALID,
                registry.putManifest(REPO, Reference.parse("v1"), MediaTypes.OCI_MANIFEST, in(junk), junk.length));
        byte[] huge = new byte[dev.ferry.protocols.oci.Manifest.MAX_SIZE + 1];
        assertError(
                OciErrorCode.SIZE_TOO_LARGE,
                registry.putManifest(REPO, Reference.parse("v1"), MediaTypes.OCI_MANIFEST, in(huge), huge.length));
        assertError(
                OciErrorCode.SIZE_TOO_LARGE,
                registry.putManifest(REPO, Reference.parse("v1"), MediaTypes.OCI_MANIFEST, in(huge), -1));
        assertEquals(
                new OciAnswer.Error(OciErrorCode.SIZE_TOO_LARGE, "a manifest may have at most 4194304 bytes"),
                registry.putManifest(REPO, Reference.parse("v1"), MediaTypes.OCI_MANIFEST, in(huge), -1));
        assertEquals(List.of(), registry.repositories());
    }

    @Test
    void anIndexNeedsItsChildManifestsInTheRepository() throws IOException {
        Image image = image(REPO, 2);
        Digest child = digest(image.manifest);
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_INDEX);
        index.putArray("manifests")
                .add(JSON.createObjectNode()
                        .put("mediaType", MediaTypes.OCI_MANIFEST)
                        .put("digest", child.toString())
                        .put("size", image.manifest.length));
        byte[] ix = JSON.writeValueAsBytes(index);
        assertError(
                OciErrorCode.MANIFEST_BLOB_UNKNOWN,
                registry.putManifest(REPO, Reference.parse("multi"), MediaTypes.OCI_INDEX, in(ix), ix.length));

        registry.putManifest(
                REPO,
                new Reference.ByDigest(child),
                MediaTypes.OCI_MANIFEST,
                in(image.manifest),
                image.manifest.length);
        assertEquals(
                new OciAnswer.Created(digest(ix), true, null),
                registry.putManifest(REPO, Reference.parse("multi"), MediaTypes.OCI_INDEX, in(ix), ix.length));
        assertEquals(
                MediaTypes.OCI_INDEX,
                content(registry.manifest(REPO, Reference.parse("multi"), true)).mediaType());
        // Pushed by digest only: no tag.
        assertEquals(
                List.of("multi"),
                assertInstanceOf(OciAnswer.TagList.class, registry.tags(REPO, -1, null))
                        .tags());
    }

    @Test
    void deletingATagKeepsTheManifestAndDeletingTheDigestRemovesEveryTag() throws IOException {
        Image image = image(REPO, 3);
        byte[] m = image.manifest;
        Digest d = digest(m);
        for (String tag : List.of("a", "b")) {
            registry.putManifest(REPO, Reference.parse(tag), MediaTypes.OCI_MANIFEST, in(m), m.length);
        }
        Image second = image(REPO, 4);
        registry.putManifest(
                REPO, Reference.parse("c"), MediaTypes.OCI_MANIFEST, in(second.manifest), second.manifest.length);

        assertEquals(new OciAnswer.Accepted(), registry.deleteManifest(REPO, Reference.parse("a")));
        assertError(OciErrorCode.MANIFEST_UNKNOWN, registry.manifest(REPO, Reference.parse("a"), true));
        assertError(OciErrorCode.MANIFEST_UNKNOWN, registry.deleteManifest(REPO, Reference.parse("a")));
        content(registry.manifest(REPO, Reference.parse("b"), true));
        content(registry.manifest(REPO, new Reference.ByDigest(d), true));

        assertEquals(new OciAnswer.Accepted(), registry.deleteManifest(REPO, new Reference.ByDigest(d)));
        assertError(OciErrorCode.MANIFEST_UNKNOWN, registry.manifest(REPO, Reference.parse("b"), true));
        assertError(OciErrorCode.MANIFEST_UNKNOWN, registry.manifest(REPO, new Reference.ByDigest(d), true));
        assertEquals(
                List.of("c"),
                assertInstanceOf(OciAnswer.TagList.class, registry.tags(REPO, -1, null))
                        .tags());
        assertError(OciErrorCode.MANIFEST_UNKNOWN, registry.deleteManifest(REPO, new Reference.ByDigest(d)));
        // A blob's digest is not a manifest to delete.
        assertError(OciErrorCode.MANIFEST_UNKNOWN, registry.deleteManifest(REPO, new Reference.ByDigest(image.config)));
    }

    @Test
    void deletingABlobUnlinksItFromThatRepositoryOnly() throws IOException {
        byte[] bytes = bytes(21, 19);
        Digest d = push(REPO, bytes);
        push(OTHER, bytes);
        assertEquals(new OciAnswer.Accepted(), registry.deleteBlob(REPO, d));
        assertError(OciErrorCode.BLOB_UNKNOWN, registry.blob(REPO, d, false, null));
        assertError(OciErrorCode.BLOB_UNKNOWN, registry.deleteBlob(REPO, d));
        assertArrayEquals(bytes, read(content(registry.blob(OTHER, d, false, null))));
    }

    @Test
    void linkedContentIsPinnedPerRepositoryAndUnpinnedWhenNoRepositoryLinksIt() throws IOException {
        byte[] bytes = bytes(22, 23);
        Digest d = push(REPO, bytes);
        dev.ferry.storage.Sha256 object = dev.ferry.storage.Sha256.ofHex(d.hex());
        assertTrue(store.isPinned(object), "pushed content is never evicted");
        assertEquals(new OciAnswer.Created(d, false, null), registry.mount(OTHER, d, REPO));
        Image image = image(REPO, 5);
        registry.putManifest(
                REPO, Reference.parse("v1"), MediaTypes.OCI_MANIFEST, in(image.manifest), image.manifest.length);
        dev.ferry.storage.Sha256 manifest =
                dev.ferry.storage.Sha256.ofHex(digest(image.manifest).hex());
        assertTrue(store.isPinned(manifest));
        assertTrue(store.isPinned(dev.ferry.storage.Sha256.ofHex(image.config.hex())));
        List<String> sets = new java.util.ArrayList<>();
        store.scanPinSets(HostedRegistry.PIN_SET_PREFIX, sets::add);
        assertEquals(List.of(HostedRegistry.pinSet(REPO), HostedRegistry.pinSet(OTHER)), sets);
        assertEquals(0, store.evict(0).evictedObjects(), "an eviction to nothing leaves hosted content");

        registry.deleteBlob(REPO, d);
        assertTrue(store.isPinned(object), "still linked by " + OTHER);
        registry.deleteBlob(OTHER, d);
        assertFalse(store.isPinned(object), "no repository links it: evictable");
        registry.deleteManifest(REPO, new Reference.ByDigest(digest(image.manifest)));
        assertFalse(store.isPinned(manifest));
        assertTrue(store.delete(object, false));
    }

    @Test
    void linksMadeBeforePinningArePinnedOnceAtOpen() throws IOException {
        byte[] bytes = bytes(24, 25);
        Digest d = push(REPO, bytes);
        dev.ferry.storage.Sha256 object = dev.ferry.storage.Sha256.ofHex(d.hex());
        // As an older ferry left it: linked, not pinned, no marker.
        store.unpinAll(HostedRegistry.pinSet(REPO));
        store.update(b -> b.deleteMeta(HostedRegistry.PINNED_MARKER));
        assertFalse(store.isPinned(object));
        open(1 << 20, true);
        assertTrue(store.isPinned(object));
    }

    @Test
    void deletesCanBeSwitchedOff() throws IOException {
        registry = open(1 << 20, false);
        Image image = image(REPO, 5);
        registry.putManifest(
                REPO, Reference.parse("v1"), MediaTypes.OCI_MANIFEST, in(image.manifest), image.manifest.length);
        assertError(OciErrorCode.UNSUPPORTED, registry.deleteBlob(REPO, image.config));
        assertError(OciErrorCode.UNSUPPORTED, registry.deleteManifest(REPO, Reference.parse("v1")));
        assertError(
                OciErrorCode.UNSUPPORTED,
                registry.deleteManifest(REPO, new Reference.ByDigest(digest(image.manifest))));
        content(registry.manifest(REPO, Reference.parse("v1"), true));
        content(registry.blob(REPO, image.config, true, null));
    }

    // ---------------------------------------------------------------- discovery

    @Test
    void tagsArePagedLexicallyWithNAndLast() throws IOException {
        Image image = image(REPO, 6);
        List<String> tags = List.of("v2", "A", "v10", "latest", "v1");
        for (String tag : tags) {
            registry.putManifest(
                    REPO, Reference.parse(tag), MediaTypes.OCI_MANIFEST, in(image.manifest), image.manifest.length);
        }
        assertEquals(
                new OciAnswer.TagList(REPO.value(), List.of("A", "latest", "v1", "v10", "v2"), null),
                registry.tags(REPO, -1, null));
        assertEquals(
                new OciAnswer.TagList(REPO.value(), List.of("A", "latest"), "latest"), registry.tags(REPO, 2, null));
        assertEquals(
                new OciAnswer.TagList(REPO.value(), List.of("v1", "v10"), "v10"), registry.tags(REPO, 2, "latest"));
        assertEquals(new OciAnswer.TagList(REPO.value(), List.of("v2"), null), registry.tags(REPO, 2, "v10"));
        assertEquals(
                new OciAnswer.TagList(REPO.value(), List.of("v1", "v10", "v2"), null), registry.tags(REPO, 3, "m"));
        assertEquals(new OciAnswer.TagList(REPO.value(), List.of(), null), registry.tags(REPO, 2, "v2"));
        assertEquals(new OciAnswer.TagList(REPO.value(), List.of(), null), registry.tags(REPO, 0, null));
        assertError(OciErrorCode.NAME_UNKNOWN, registry.tags(OTHER, -1, null));
    }

    @Test
    void referrersListThePushedDescriptorsAndFilterByArtifactType() throws IOException {
        Image subjectImage = image(REPO, 7);
        Digest subject = digest(subjectImage.manifest);
        ObjectNode subjectDescriptor = JSON.createObjectNode()
                .put("mediaType", MediaTypes.OCI_MANIFEST)
                .put("digest", subject.toString())
                .put("size", subjectImage.manifest.length);
        byte[] emptyJson = "{}".getBytes(StandardCharsets.UTF_8);
        push(REPO, emptyJson);
        byte[] sig = bytes(30, 20);
        push(REPO, sig);

        // Before the subject exists: config media type as the artifact type.
        byte[] a = manifest(
                descriptor("application/vnd.example.sbom", emptyJson),
                List.of(descriptor(LAYER_TYPE, sig)),
                subjectDescriptor,
                null,
                Map.of("note", "a"));
        Digest da = digest(a);
        assertEquals(
                new OciAnswer.Created(da, true, subject),
                registry.putManifest(REPO, new Reference.ByDigest(da), MediaTypes.OCI_MANIFEST, in(a), a.length));
        // artifactType field with the empty config.
        byte[] b = manifest(
                descriptor(MediaTypes.OCI_EMPTY, emptyJson),
                List.of(descriptor(LAYER_TYPE, sig)),
                subjectDescriptor,
                "application/vnd.example.signature",
                Map.of("note", "b"));
        Digest db = digest(b);
        assertEquals(
                new OciAnswer.Created(db, true, subject),
                registry.putManifest(REPO, new Reference.ByDigest(db), MediaTypes.OCI_MANIFEST, in(b), b.length));
        registry.putManifest(
                REPO,
                Reference.parse("v1"),
                MediaTypes.OCI_MANIFEST,
                in(subjectImage.manifest),
                subjectImage.manifest.length);

        OciAnswer.Referrers all = assertInstanceOf(OciAnswer.Referrers.class, registry.referrers(REPO, subject, null));
        assertNull(all.filteredBy());
        JsonNode index = JSON.readTree(all.index());
        assertEquals(2, index.get("schemaVersion").asInt());
        assertEquals(MediaTypes.OCI_INDEX, index.get("mediaType").asText());
        assertEquals(2, index.get("manifests").size());
        for (JsonNode entry : index.get("manifests")) {
            boolean isA = entry.get("digest").asText().equals(da.toString());
            assertEquals(
                    isA ? "application/vnd.example.sbom" : "application/vnd.example.signature",
                    entry.get("artifactType").asText());
            assertEquals(isA ? a.length : b.length, entry.get("size").asLong());
            assertEquals(MediaTypes.OCI_MANIFEST, entry.get("mediaType").asText());
            assertEquals(isA ? "a" : "b", entry.get("annotations").get("note").asText());
        }

        OciAnswer.Referrers filtered = assertInstanceOf(
                OciAnswer.Referrers.class, registry.referrers(REPO, subject, "application/vnd.example.signature"));
        assertEquals("application/vnd.example.signature", filtered.filteredBy());
        JsonNode only = JSON.readTree(filtered.index()).get("manifests");
        assertEquals(1, only.size());
        assertEquals(db.toString(), only.get(0).get("digest").asText());

        Digest unknown = digest(bytes(3, 21));
        assertEquals(
                0,
                JSON.readTree(assertInstanceOf(OciAnswer.Referrers.class, registry.referrers(REPO, unknown, null))
                                .index())
                        .get("manifests")
                        .size());
        assertError(OciErrorCode.NAME_UNKNOWN, registry.referrers(RepositoryName.parse("nowhere"), subject, null));

        // Deleting a referrer removes its entry.
        assertEquals(new OciAnswer.Accepted(), registry.deleteManifest(REPO, new Reference.ByDigest(da)));
        JsonNode left = JSON.readTree(
                        assertInstanceOf(OciAnswer.Referrers.class, registry.referrers(REPO, subject, null))
                                .index())
                .get("manifests");
        assertEquals(1, left.size());
        assertEquals(db.toString(), left.get(0).get("digest").asText());
    }

    // ---------------------------------------------------------------- concurrency

    @Test
    void twoUploadsOfTheSameBlobFinishingTogetherBothSucceed() throws Exception {
        byte[] all = bytes(200_000, 22);
        Digest d = digest(all);
        List<String> sessions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String uuid = started(registry.startUpload(REPO, null, null, 0));
            registry.appendChunk(REPO, uuid, null, in(all), all.length);
            sessions.add(uuid);
        }
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(sessions.size());
        try {
            List<Future<OciAnswer>> answers = new ArrayList<>();
            for (String uuid : sessions) {
                answers.add(pool.submit((Callable<OciAnswer>) () -> {
                    go.await();
                    return registry.finishUpload(REPO, uuid, d, null, 0);
                }));
            }
            go.countDown();
            for (Future<OciAnswer> answer : answers) {
                assertEquals(new OciAnswer.Created(d, false, null), answer.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertArrayEquals(all, read(content(registry.blob(REPO, d, false, null))));
        assertEquals(List.of(), files(uploads));
    }

    // ---------------------------------------------------------------- helpers

    /** A pushed config and layer, and an image manifest (not yet pushed) naming them. */
    record Image(Digest config, Digest layer, byte[] manifest) {}

    Image image(RepositoryName repository, int seed) throws IOException {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"author\":\"" + seed + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] layer = bytes(1000 + seed, seed);
        Digest c = push(repository, config);
        Digest l = push(repository, layer);
        return new Image(
                c,
                l,
                manifest(
                        descriptor(CONFIG_TYPE, config), List.of(descriptor(LAYER_TYPE, layer)), null, null, Map.of()));
    }

    static byte[] manifest(
            ObjectNode config,
            List<ObjectNode> layers,
            ObjectNode subject,
            String artifactType,
            Map<String, String> annotations)
            throws IOException {
        ObjectNode m = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_MANIFEST);
        if (artifactType != null) {
            m.put("artifactType", artifactType);
        }
        m.set("config", config);
        layers.forEach(m.putArray("layers")::add);
        if (subject != null) {
            m.set("subject", subject);
        }
        if (!annotations.isEmpty()) {
            ObjectNode a = m.putObject("annotations");
            annotations.forEach(a::put);
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m);
    }

    static ObjectNode descriptor(String mediaType, byte[] content) {
        return JSON.createObjectNode()
                .put("mediaType", mediaType)
                .put("digest", digest(content).toString())
                .put("size", content.length);
    }

    Digest push(RepositoryName repository, byte[] bytes) {
        Digest d = digest(bytes);
        assertEquals(
                new OciAnswer.Created(d, false, null), registry.startUpload(repository, d, in(bytes), bytes.length));
        return d;
    }

    static Digest digest(byte[] bytes) {
        try {
            return Digest.sha256(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    static InputStream in(byte[] b) {
        return new ByteArrayInputStream(b);
    }

    static InputStream slice(byte[] b, int from, int to) {
        return in(Arrays.copyOfRange(b, from, to));
    }

    static String started(OciAnswer answer) {
        OciAnswer.UploadProgress p = assertInstanceOf(OciAnswer.UploadProgress.class, answer);
        assertFalse(p.statusOnly());
        return p.uuid();
    }

    static OciAnswer.Content content(OciAnswer answer) {
        return assertInstanceOf(OciAnswer.Content.class, answer);
    }

    static byte[] read(OciAnswer.Content content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        content.body().writeTo(out);
        assertEquals(content.body().length(), out.size());
        return out.toByteArray();
    }

    static void assertError(OciErrorCode code, OciAnswer answer) {
        OciAnswer.Error error =
                assertInstanceOf(OciAnswer.Error.class, answer, () -> "expected " + code + ", got " + answer);
        assertEquals(code, error.code(), error.message());
        assertFalse(error.message().isBlank());
    }

    static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
