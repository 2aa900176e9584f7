package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.mirror.Body;
import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.protocols.oci.ByteRange;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.server.registryauth.RegistryAuth;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which target answers which request, under which name, and how each answer looks on the wire. */
class OciRoutingTest {
    static final String D = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    static final ObjectMapper JSON = new ObjectMapper();
    OciTestServer server;

    @BeforeEach
    void start() {
        server = OciTestServer.anonymous();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/v2/library/alpine/manifests/3.20?ns=docker.io | docker | manifest library/alpine 3.20",
                "/v2/alpine/manifests/3.20?ns=docker.io         | docker | manifest library/alpine 3.20",
                "/v2/org/app/manifests/v1?ns=ghcr.io            | ghcr   | manifest org/app v1",
                "/v2/team/app/manifests/v1?ns=ghcr.io           | ghcr   | manifest team/app v1",
                "/v2/docker.io/library/alpine/manifests/3.20    | docker | manifest library/alpine 3.20",
                "/v2/docker.io/alpine/manifests/3.20            | docker | manifest library/alpine 3.20",
                "/v2/ghcr.io/org/app/manifests/v1               | ghcr   | manifest org/app v1",
                "/v2/ghcr.io/app/manifests/v1                   | ghcr   | manifest app v1",
                "/v2/team/app/manifests/v1                      | hosted | manifest team/app v1",
                "/v2/team/manifests/v1                          | hosted | manifest team v1",
                "/v2/teams/app/manifests/v1                     | docker | manifest teams/app v1",
                "/v2/alpine/manifests/3.20                      | docker | manifest library/alpine 3.20",
                "/v2/bitnami/redis/manifests/7                  | docker | manifest bitnami/redis 7",
                "/v2/a/manifests/b/manifests/c                  | docker | manifest a/manifests/b c",
                "/v2/alpine/tags/list?n=2&last=3.19             | docker | tags library/alpine 2 3.19",
                "/v2/ghcr.io/org/app/referrers/" + D + "?artifactType=application/x | ghcr | referrers org/app " + D
                        + " application/x",
            })
    void routes(String path, String target, String call) throws Exception {
        server.get(path);
        FakeRegistry expected = switch (target) {
            case "docker" -> server.dockerHub;
            case "ghcr" -> server.ghcr;
            default -> server.hosted;
        };
        assertEquals(List.of(call), expected.calls, "calls of " + target + "; all: " + server.calls());
        assertEquals(1, server.calls().size(), server.calls().toString());
    }

    @Test
    void baseAnswersWithTheApiVersion() throws Exception {
        HttpResponse<String> r = server.get("/v2/", "Authorization", OciTestServer.ALICE_BASIC);
        assertEquals(200, r.statusCode());
        assertEquals("{}", r.body());
        assertEquals(
                "registry/2.0",
                r.headers().firstValue("Docker-Distribution-API-Version").orElseThrow());
    }

    @Test
    void manifestHeaders() throws Exception {
        byte[] manifest = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
        server.dockerHub.answers = call -> new OciAnswer.Content(
                bytes(manifest),
                MediaTypes.DOCKER_MANIFEST,
                Digest.parse(D),
                manifest.length,
                null,
                OciAnswer.Freshness.FRESH,
                OciAnswer.CacheOutcome.HIT);
        HttpResponse<String> r = server.get("/v2/alpine/manifests/latest");
        assertEquals(200, r.statusCode());
        assertEquals(
                MediaTypes.DOCKER_MANIFEST,
                r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(D, r.headers().firstValue("Docker-Content-Digest").orElseThrow());
        assertEquals("\"" + D + "\"", r.headers().firstValue("ETag").orElseThrow());
        assertEquals(
                String.valueOf(manifest.length),
                r.headers().firstValue("Content-Length").orElseThrow());
        assertEquals("{\"schemaVersion\":2}", r.body());

        HttpResponse<String> notModified = server.get("/v2/alpine/manifests/latest", "If-None-Match", "\"" + D + "\"");
        assertEquals(304, notModified.statusCode());

        server.dockerHub.answers = call -> new OciAnswer.Content(
                null,
                MediaTypes.DOCKER_MANIFEST,
                Digest.parse(D),
                manifest.length,
                null,
                OciAnswer.Freshness.STALE,
                OciAnswer.CacheOutcome.STALE);
        HttpResponse<String> head = server.send("HEAD", "/v2/alpine/manifests/latest", null);
        assertEquals(200, head.statusCode());
        assertEquals(
                String.valueOf(manifest.length),
                head.headers().firstValue("Content-Length").orElseThrow());
        assertEquals("true", head.headers().firstValue("X-Ferry-Stale").orElseThrow());
        assertEquals("manifest library/alpine latest head", server.dockerHub.calls.getLast());
    }

    @Test
    void blobRangesAndUnsatisfiableRanges() throws Exception {
        byte[] blob = "0123456789".getBytes(StandardCharsets.US_ASCII);
        server.dockerHub.answers = call -> {
            if (call.endsWith("bytes=2-4")) {
                return new OciAnswer.Content(
                        bytes(java.util.Arrays.copyOfRange(blob, 2, 5)),
                        null,
                        Digest.parse(D),
                        blob.length,
                        new ByteRange(2, 3),
                        OciAnswer.Freshness.IMMUTABLE,
                        OciAnswer.CacheOutcome.HIT);
            }
            if (call.endsWith("bytes=20-")) {
                return new OciAnswer.RangeNotSatisfiable(blob.length);
            }
            return new OciAnswer.Content(
                    bytes(blob),
                    null,
                    Digest.parse(D),
                    blob.length,
                    null,
                    OciAnswer.Freshness.IMMUTABLE,
                    OciAnswer.CacheOutcome.MISS);
        };
        HttpResponse<String> whole = server.get("/v2/alpine/blobs/" + D);
        assertEquals(200, whole.statusCode());
        assertEquals("0123456789", whole.body());
        assertEquals("bytes", whole.headers().firstValue("Accept-Ranges").orElseThrow());
        assertEquals(D, whole.headers().firstValue("Docker-Content-Digest").orElseThrow());
        assertEquals(
                "application/octet-stream",
                whole.headers().firstValue("Content-Type").orElseThrow());

        HttpResponse<String> part = server.get("/v2/alpine/blobs/" + D, "Range", "bytes=2-4");
        assertEquals(206, part.statusCode());
        assertEquals("234", part.body());
        assertEquals("bytes 2-4/10", part.headers().firstValue("Content-Range").orElseThrow());

        HttpResponse<String> outside = server.get("/v2/alpine/blobs/" + D, "Range", "bytes=20-");
        assertEquals(416, outside.statusCode());
        assertEquals("bytes */10", outside.headers().firstValue("Content-Range").orElseThrow());
        assertEquals(
                "RANGE_INVALID",
                JSON.readTree(outside.body())
                        .path("errors")
                        .path(0)
                        .path("code")
                        .asText());
    }

    @Test
    void tagsPagesLinkBackUnderTheNameTheClientUsed() throws Exception {
        server.ghcr.answers = call -> new OciAnswer.TagList("org/app", List.of("a", "b"), "b");
        HttpResponse<String> r = server.get("/v2/ghcr.io/org/app/tags/list?n=2");
        assertEquals(200, r.statusCode());
        assertEquals("ghcr.io/org/app", JSON.readTree(r.body()).path("name").asText());
        assertEquals(
                List.of("a", "b"), JSON.convertValue(JSON.readTree(r.body()).path("tags"), List.class));
        assertEquals(
                "</v2/ghcr.io/org/app/tags/list?n=2&last=b>; rel=\"next\"",
                r.headers().firstValue("Link").orElseThrow());

        server.ghcr.answers = call -> new OciAnswer.TagList("org/app", List.of("c"), null);
        HttpResponse<String> lastPage = server.get("/v2/ghcr.io/org/app/tags/list?n=2&last=b");
        assertFalse(lastPage.headers().firstValue("Link").isPresent());
        assertEquals("tags org/app 2 b", server.ghcr.calls.getLast());
    }

    @Test
    void catalogMergesTargetsSortedAndPaginates() throws Exception {
        server.dockerHub.repositories =
                List.of(RepositoryName.parse("library/alpine"), RepositoryName.parse("bitnami/redis"));
        server.ghcr.repositories = List.of(RepositoryName.parse("org/app"));
        server.hosted.repositories = List.of(RepositoryName.parse("team/app"));
        HttpResponse<String> all = server.get("/v2/_catalog");
        assertEquals(
                List.of("docker.io/bitnami/redis", "docker.io/library/alpine", "ghcr.io/org/app", "team/app"),
                JSON.convertValue(JSON.readTree(all.body()).path("repositories"), List.class));
        HttpResponse<String> first = server.get("/v2/_catalog?n=2");
        assertEquals(
                List.of("docker.io/bitnami/redis", "docker.io/library/alpine"),
                JSON.convertValue(JSON.readTree(first.body()).path("repositories"), List.class));
        assertEquals(
                "</v2/_catalog?n=2&last=docker.io%2Flibrary%2Falpine>; rel=\"next\"",
                first.headers().firstValue("Link").orElseThrow());
        HttpResponse<String> second = server.get("/v2/_catalog?n=2&last=docker.io%2Flibrary%2Falpine");
        assertEquals(
                List.of("ghcr.io/org/app", "team/app"),
                JSON.convertValue(JSON.readTree(second.body()).path("repositories"), List.class));
        assertFalse(second.headers().firstValue("Link").isPresent());
    }

    /** A protected repository's name is shown only to a caller who may pull it. */
    @Test
    void theCatalogHidesProtectedRepositoriesFromCallersWhoMayNotPullThem() throws Exception {
        // alice has every role but admin (OciTestServer.users): she may pull protected repositories
        try (OciTestServer guarded = new OciTestServer(
                new RegistryAuth(OciTestServer.users(), true, java.time.Clock.systemUTC()),
                dev.ferry.server.config.ListenerSettings.defaults(),
                new dev.ferry.server.registryauth.ProtectedContent(
                        dev.ferry.mirror.sumdb.PrivatePatterns.none(), List.of("docker.io/bitnami", "team/app")))) {
            guarded.dockerHub.repositories =
                    List.of(RepositoryName.parse("library/alpine"), RepositoryName.parse("bitnami/redis"));
            guarded.hosted.repositories = List.of(RepositoryName.parse("team/app"), RepositoryName.parse("team/web"));
            HttpResponse<String> anonymous = guarded.get("/v2/_catalog");
            assertEquals(
                    List.of("docker.io/library/alpine", "team/web"),
                    JSON.convertValue(JSON.readTree(anonymous.body()).path("repositories"), List.class));
            HttpResponse<String> alice =
                    guarded.send("GET", "/v2/_catalog", null, "Authorization", OciTestServer.ALICE_BASIC);
            assertEquals(
                    List.of("docker.io/bitnami/redis", "docker.io/library/alpine", "team/app", "team/web"),
                    JSON.convertValue(JSON.readTree(alice.body()).path("repositories"), List.class));
        }
    }

    @Test
    void referrersCarryTheFilterHeader() throws Exception {
        byte[] index = "{\"schemaVersion\":2,\"manifests\":[]}".getBytes(StandardCharsets.UTF_8);
        server.dockerHub.answers = call -> new OciAnswer.Referrers(
                index, call.endsWith("null") ? null : "application/x", OciAnswer.CacheOutcome.MISS);
        HttpResponse<String> filtered = server.get("/v2/alpine/referrers/" + D + "?artifactType=application%2Fx");
        assertEquals(200, filtered.statusCode());
        assertEquals(
                MediaTypes.OCI_INDEX,
                filtered.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(
                "artifactType",
                filtered.headers().firstValue("OCI-Filters-Applied").orElseThrow());
        assertEquals("referrers library/alpine " + D + " application/x", server.dockerHub.calls.getLast());
        HttpResponse<String> all = server.get("/v2/alpine/referrers/" + D);
        assertFalse(all.headers().firstValue("OCI-Filters-Applied").isPresent());
    }

    @Test
    void uploadsAndPushesAnswerWithLocations() throws Exception {
        server.hosted.answers = call -> {
            if (call.startsWith("startUpload") || call.startsWith("appendChunk")) {
                return new OciAnswer.UploadProgress("u1", call.startsWith("append") ? 5 : 0, false);
            }
            if (call.startsWith("finishUpload")) {
                return new OciAnswer.Created(Digest.parse(D), false, null);
            }
            if (call.startsWith("putManifest")) {
                return new OciAnswer.Created(Digest.parse(D), true, Digest.parse("sha256:" + "c".repeat(64)));
            }
            return new OciAnswer.Error(OciErrorCode.BLOB_UPLOAD_UNKNOWN, "no");
        };
        HttpResponse<String> post =
                server.send("POST", "/v2/team/app/blobs/uploads/", null, "Authorization", OciTestServer.ALICE_BASIC);
        assertEquals(202, post.statusCode(), post.body());
        assertEquals(
                "/v2/team/app/blobs/uploads/u1",
                post.headers().firstValue("Location").orElseThrow());
        assertEquals("u1", post.headers().firstValue("Docker-Upload-UUID").orElseThrow());
        assertEquals("0-0", post.headers().firstValue("Range").orElseThrow());

        HttpResponse<String> patch = server.send(
                "PATCH",
                "/v2/team/app/blobs/uploads/u1",
                "hello".getBytes(),
                "Content-Range",
                "0-4",
                "Content-Type",
                "application/octet-stream",
                "Authorization",
                OciTestServer.ALICE_BASIC);
        assertEquals(202, patch.statusCode(), patch.body());
        assertEquals("0-4", patch.headers().firstValue("Range").orElseThrow());
        assertEquals("appendChunk team/app u1 0-4 5 read=5", server.hosted.calls.getLast());
        // a body the target read to its end keeps the connection; a refused, unread one closes it
        assertEquals("keep-alive", patch.headers().firstValue("Connection").orElse("keep-alive"));
        HttpResponse<String> refused = server.send("PATCH", "/v2/team/app/blobs/uploads/u1", "hello".getBytes());
        assertEquals(401, refused.statusCode());
        assertEquals("close", refused.headers().firstValue("Connection").orElseThrow());

        HttpResponse<String> put = server.send(
                "PUT",
                "/v2/team/app/blobs/uploads/u1?digest=" + D,
                new byte[0],
                "Authorization",
                OciTestServer.ALICE_BASIC);
        assertEquals(201, put.statusCode(), put.body());
        assertEquals(
                "/v2/team/app/blobs/" + D, put.headers().firstValue("Location").orElseThrow());
        assertEquals(D, put.headers().firstValue("Docker-Content-Digest").orElseThrow());

        byte[] manifest = "{\"schemaVersion\":2}".getBytes();
        HttpResponse<String> pm = server.send(
                "PUT",
                "/v2/team/app/manifests/v1",
                manifest,
                "Content-Type",
                MediaTypes.OCI_MANIFEST,
                "Authorization",
                OciTestServer.ALICE_BASIC);
        assertEquals(201, pm.statusCode(), pm.body());
        assertEquals(
                "/v2/team/app/manifests/" + D,
                pm.headers().firstValue("Location").orElseThrow());
        assertEquals(
                "sha256:" + "c".repeat(64),
                pm.headers().firstValue("OCI-Subject").orElseThrow());
        assertEquals(
                "putManifest team/app v1 " + MediaTypes.OCI_MANIFEST + " " + manifest.length + " read="
                        + manifest.length,
                server.hosted.calls.getLast());
    }

    @Test
    void mountFromAHostedRepositoryMountsAndFromElsewhereStartsAnUpload() throws Exception {
        server.hosted.answers = call -> call.startsWith("mount")
                ? new OciAnswer.Created(Digest.parse(D), false, null)
                : new OciAnswer.UploadProgress("u2", 0, false);
        HttpResponse<String> mounted = server.send(
                "POST",
                "/v2/team/app/blobs/uploads/?mount=" + D + "&from=team/base",
                null,
                "Authorization",
                OciTestServer.ALICE_BASIC);
        assertEquals(201, mounted.statusCode());
        assertEquals("mount team/app " + D + " team/base", server.hosted.calls.getLast());
        HttpResponse<String> notMountable = server.send(
                "POST",
                "/v2/team/app/blobs/uploads/?mount=" + D + "&from=library/alpine",
                null,
                "Authorization",
                OciTestServer.ALICE_BASIC);
        assertEquals(202, notMountable.statusCode());
        assertTrue(
                server.hosted.calls.getLast().startsWith("startUpload team/app null 0"), server.hosted.calls.getLast());
        assertTrue(server.dockerHub.calls.isEmpty());
    }

    @Test
    void unavailableIsTheSpecsErrorWith503Or502() throws Exception {
        server.dockerHub.answers = call -> new OciAnswer.Unavailable("every endpoint failed", false);
        HttpResponse<String> r = server.get("/v2/alpine/manifests/latest");
        assertEquals(503, r.statusCode());
        assertEquals(
                "UNAVAILABLE",
                JSON.readTree(r.body()).path("errors").path(0).path("code").asText());
        server.dockerHub.answers = call -> new OciAnswer.Unavailable("bad content", true);
        assertEquals(502, server.get("/v2/alpine/manifests/latest").statusCode());
    }

    private static Body bytes(byte[] b) {
        return new Body() {
            @Override
            public long length() {
                return b.length;
            }

            @Override
            public void writeTo(OutputStream out) throws java.io.IOException {
                out.write(b);
            }
        };
    }

    /** A push to a mirrored name is refused before any target is asked, naming where this ferry takes pushes. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "PUT    | /v2/library/alpine/manifests/latest        | library/alpine is mirrored from docker.io",
                "POST   | /v2/ghcr.io/org/app/blobs/uploads/         | org/app is mirrored from ghcr.io",
                "DELETE | /v2/alpine/manifests/" + D + "             | alpine is mirrored from docker.io",
            })
    void aPushToAMirroredNameSaysWhichHostedPrefixesTakePushes(String method, String path, String what)
            throws Exception {
        HttpResponse<String> r = server.send(
                method,
                path,
                method.equals("PUT") ? "{}".getBytes() : null,
                "Authorization",
                OciTestServer.ALICE_BASIC);
        assertEquals(405, r.statusCode(), r.body());
        String message =
                JSON.readTree(r.body()).get("errors").get(0).get("message").asText();
        assertTrue(message.contains(what), message);
        assertTrue(message.endsWith("push to team/... instead (the hosted prefix of this ferry)"), message);
        assertEquals(List.of(), server.calls());
    }
}
