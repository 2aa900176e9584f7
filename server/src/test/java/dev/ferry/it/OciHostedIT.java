package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * ferry's hosted repositories ({@code --hosted team}) pushed to and pulled from by real skopeo and by raw
 * distribution-spec requests: credentials from a bcrypt htpasswd file, chunked uploads with their 416 answers,
 * cross-repository mount, tags pagination, deletes by tag and by digest, the upload size limit, and uploads that
 * outlive a restart (SIGTERM and SIGKILL) of ferry on the same data directory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OciHostedIT {
    private static final String USER = "pusher";
    private static final String PASSWORD = "push-secret-9";
    private static final String CREDS = USER + ":" + PASSWORD;
    private static final String BASIC =
            "Basic " + Base64.getEncoder().encodeToString(CREDS.getBytes(StandardCharsets.UTF_8));
    private static final long MAX_UPLOAD = 16L << 20;
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final String ACCEPT = String.join(
            ", ",
            OCI_MANIFEST,
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private String[] ferryArgs;
    private FerryProcess ferry;
    private String ferryHost;
    private Skopeo skopeo;
    private OciHttp basic;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(Skopeo.installed(), "skopeo not installed (apt-get install skopeo; .ci/run does)");
        assumeTrue(Htpasswd.installed(), "htpasswd not installed (apt-get install apache2-utils; .ci/run does)");
        Path users = tmp.resolve("users.htpasswd");
        Files.writeString(users, Htpasswd.bcryptLine(USER, PASSWORD) + Htpasswd.bcryptLine("other", "other-secret"));
        ferryArgs = new String[] {
            "--hosted", "team", "--hosted-users", users.toString(), "--registry-delete", "--max-upload-size", "16MiB"
        };
        startFerry();
        skopeo = new Skopeo(tmp.resolve("skopeo-home"));
    }

    private void startFerry() throws Exception {
        ferry = FerryProcess.start(tmp.resolve("data"), tmp.resolve("ferry.log"), ferryArgs);
        ferryHost = ferry.base().getHost() + ":" + ferry.base().getPort();
        if (basic != null) {
            basic.close();
        }
        basic = new OciHttp(ferry.url(), BASIC);
    }

    @AfterAll
    void stop() throws Exception {
        if (ferry != null) {
            ferry.close();
        }
        if (basic != null) {
            basic.close();
        }
    }

    @Test
    @Order(1)
    void skopeoPushesFixtureImagesAndPullsThemBackIdentical() throws Exception {
        for (String ref : List.of("tiny-1.0", "duo-2.0", "medium-3", "tags-r01")) {
            OciFixtures.Image image = OciFixtures.image(ref);
            String dest = ferryHost + "/team/" + image.repository() + ":" + image.tag();
            // --preserve-digests: skopeo would otherwise compress medium's uncompressed layer on the way.
            Skopeo.Result push = skopeo.copy(
                    "oci:" + OciFixtures.layout() + ":" + ref, "docker://" + dest, null, CREDS, "--preserve-digests");
            assertTrue(push.ok(), push.toString());

            Skopeo.Result inspect = skopeo.inspectRaw(dest, CREDS);
            assertTrue(inspect.ok(), inspect.toString());
            assertEquals(image.digest(), OciFixtures.sha256(inspect.stdout()), "pulled back " + dest);

            Path back = tmp.resolve("back-" + ref);
            Skopeo.Result pull = skopeo.copy(
                    "docker://" + ferryHost + "/team/" + image.repository() + "@" + image.digest(),
                    "oci:" + back + ":x",
                    CREDS,
                    null,
                    "--preserve-digests");
            assertTrue(pull.ok(), pull.toString());
            assertEquals(
                    image.digest(),
                    JSON.readTree(back.resolve("index.json").toFile())
                            .get("manifests")
                            .get(0)
                            .get("digest")
                            .asText());
            assertTrue(OciFixtures.verifyLayoutBlobs(back) >= 3);
        }
        // Each push is in the audit log with who sent it (skopeo takes the token flow: the token names its user),
        // the tag and the digest it now names.
        List<String> audit = Files.readAllLines(tmp.resolve("data").resolve("audit.log"));
        for (String ref : List.of("tiny-1.0", "duo-2.0", "medium-3", "tags-r01")) {
            OciFixtures.Image image = OciFixtures.image(ref);
            String action = "PUT /v2/team/" + image.repository() + "/manifests/" + image.tag();
            assertTrue(
                    audit.stream()
                            .anyMatch(l -> l.contains("\"who\":\"user:" + USER + "\"")
                                    && l.contains("\"action\":\"" + action + "\"")
                                    && l.contains("\"target\":\"" + image.digest() + "\"")
                                    && l.contains("\"result\":\"pushed\"")),
                    action + " by " + USER + " not in the audit log: " + audit);
        }
        // Docker schema2 form, as docker push would send it: the manifest list and manifests skopeo wrote.
        for (String ref : List.of("tiny-1.0", "duo-2.0")) {
            Path digestFile = tmp.resolve("digest-" + ref);
            String dest = ferryHost + "/team/docker/" + ref.replace("-", ":");
            Skopeo.Result push = skopeo.copy(
                    "oci:" + OciFixtures.layout() + ":" + ref,
                    "docker://" + dest,
                    null,
                    CREDS,
                    "--format",
                    "v2s2",
                    "--digestfile",
                    digestFile.toString());
            assertTrue(push.ok(), push.toString());
            String pushed = Files.readString(digestFile).strip();
            HttpResponse<byte[]> r = basic.get("/v2/team/docker/" + ref.replace("-", "/manifests/"), "Accept", ACCEPT);
            assertEquals(200, r.statusCode(), OciHttp.text(r));
            assertEquals(pushed, OciFixtures.sha256(r.body()));
            assertEquals(pushed, r.headers().firstValue("Docker-Content-Digest").orElse(null));
            assertTrue(
                    r.headers()
                            .firstValue("Content-Type")
                            .orElse("")
                            .startsWith("application/vnd.docker.distribution.manifest."),
                    OciHttp.text(r));
        }
    }

    @Test
    @Order(2)
    void pushAndPullWithoutValidCredentialsAreRefused() throws Exception {
        String source = "oci:" + OciFixtures.layout() + ":tiny-1.0";
        for (String creds : new String[] {null, USER + ":wrong-password", "nobody:" + PASSWORD}) {
            Skopeo.Result push = skopeo.copy(source, "docker://" + ferryHost + "/team/refused:1", null, creds);
            assertFalse(push.ok(), "push with " + creds + ": " + push);
            String err = push.err().toLowerCase(Locale.ROOT);
            assertTrue(err.contains("unauthorized") || err.contains("authentication required"), push.toString());
        }
        // Nothing of it landed.
        HttpResponse<byte[]> tags = basic.get("/v2/team/refused/tags/list");
        assertEquals(404, tags.statusCode(), OciHttp.text(tags));

        // Anonymous pull is off: pulling the pushed image without credentials is refused too.
        Skopeo.Result pull = skopeo.inspectRaw(ferryHost + "/team/library/tiny:1.0", null);
        assertFalse(pull.ok(), pull.toString());
        HttpResponse<byte[]> anon;
        try (OciHttp anonymous = new OciHttp(ferry.url(), null)) {
            anon = anonymous.get("/v2/team/library/tiny/manifests/1.0", "Accept", ACCEPT);
        }
        assertEquals(401, anon.statusCode(), OciHttp.text(anon));
        assertTrue(anon.headers().firstValue("WWW-Authenticate").isPresent(), OciHttp.text(anon));
        assertErrorBody(anon, "UNAUTHORIZED");

        // Credentials do not make a non-hosted name pushable.
        HttpResponse<byte[]> outside = basic.send("POST", "/v2/elsewhere/blobs/uploads/", null);
        assertTrue(outside.statusCode() >= 400 && outside.statusCode() < 500, OciHttp.text(outside));
    }

    @Test
    @Order(3)
    void tokenEndpointGrantsBearerTokensForTheChallengedScope() throws Exception {
        try (OciHttp anonymous = new OciHttp(ferry.url(), null)) {
            HttpResponse<byte[]> challenge = anonymous.send("POST", "/v2/team/tokened/blobs/uploads/", null);
            assertEquals(401, challenge.statusCode(), OciHttp.text(challenge));
            String bearer = bearerFromChallenge(anonymous, challenge, CREDS);
            anonymous.authorization(bearer);
            byte[] blob = "pushed with a bearer token".getBytes(StandardCharsets.UTF_8);
            String digest = anonymous.pushBlob("team/tokened", blob);
            HttpResponse<byte[]> back = anonymous.get("/v2/team/tokened/blobs/" + digest);
            assertEquals(200, back.statusCode(), OciHttp.text(back));
            assertArrayEquals(blob, back.body());

            anonymous.authorization("Bearer not-a-token-ferry-issued");
            assertEquals(
                    401,
                    anonymous
                            .send("POST", "/v2/team/tokened/blobs/uploads/", null)
                            .statusCode());
            anonymous.authorization(null);
            // A wrong password earns no token.
            Challenge c = Challenge.parse(challenge);
            HttpResponse<byte[]> denied = anonymous.send(
                    anonymous
                            .request(c.tokenUrl())
                            .header(
                                    "Authorization",
                                    "Basic "
                                            + Base64.getEncoder()
                                                    .encodeToString((USER + ":nope").getBytes(StandardCharsets.UTF_8)))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(401, denied.statusCode(), OciHttp.text(denied));
        }
    }

    @Test
    @Order(4)
    void chunkedUploadAnswersStatusAnd416AndChecksTheDigest() throws Exception {
        byte[] blob = random(2500, 1);
        String digest = OciFixtures.sha256(blob);
        HttpResponse<byte[]> start = basic.send("POST", "/v2/team/chunky/blobs/uploads/", null);
        assertEquals(202, start.statusCode(), OciHttp.text(start));
        assertTrue(start.headers().firstValue("Docker-Upload-UUID").isPresent(), OciHttp.text(start));
        String location = OciHttp.location(start);

        HttpResponse<byte[]> first = patch(basic, location, blob, 0, 1000);
        assertEquals(202, first.statusCode(), OciHttp.text(first));
        assertEquals("0-999", first.headers().firstValue("Range").orElse(null));
        location = OciHttp.location(first);

        // A chunk that does not start where the last ended: 416, and the session is unharmed.
        HttpResponse<byte[]> gap = patch(basic, location, blob, 2000, 500);
        assertEquals(416, gap.statusCode(), OciHttp.text(gap));
        HttpResponse<byte[]> overlap = patch(basic, location, blob, 500, 1000);
        assertEquals(416, overlap.statusCode(), OciHttp.text(overlap));

        HttpResponse<byte[]> status = basic.get(location);
        assertEquals(204, status.statusCode(), OciHttp.text(status));
        assertEquals("0-999", status.headers().firstValue("Range").orElse(null));
        location = OciHttp.location(status);

        HttpResponse<byte[]> second = patch(basic, location, blob, 1000, 1000);
        assertEquals(202, second.statusCode(), OciHttp.text(second));
        assertEquals("0-1999", second.headers().firstValue("Range").orElse(null));
        location = OciHttp.location(second);

        // The last chunk rides on the closing PUT.
        HttpResponse<byte[]> done = basic.send(
                "PUT",
                withDigest(location, digest),
                HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOfRange(blob, 2000, 2500)),
                "Content-Type",
                "application/octet-stream");
        assertEquals(201, done.statusCode(), OciHttp.text(done));
        assertEquals(digest, done.headers().firstValue("Docker-Content-Digest").orElse(null));
        assertTrue(OciHttp.location(done).endsWith("/v2/team/chunky/blobs/" + digest), OciHttp.text(done));

        HttpResponse<byte[]> head = basic.head("/v2/team/chunky/blobs/" + digest);
        assertEquals(200, head.statusCode());
        assertEquals("2500", head.headers().firstValue("Content-Length").orElse(null));
        assertArrayEquals(blob, basic.get("/v2/team/chunky/blobs/" + digest).body());
        HttpResponse<byte[]> range = basic.get("/v2/team/chunky/blobs/" + digest, "Range", "bytes=100-199");
        assertEquals(206, range.statusCode());
        assertArrayEquals(Arrays.copyOfRange(blob, 100, 200), range.body());

        // The finished session is gone.
        assertEquals(404, basic.get(location).statusCode());

        // Bytes that do not hash to the digest named: refused, and nothing stored under either digest.
        byte[] other = random(300, 2);
        HttpResponse<byte[]> post = basic.send("POST", "/v2/team/chunky/blobs/uploads/", null);
        HttpResponse<byte[]> wrong = basic.send(
                "PUT",
                withDigest(OciHttp.location(post), digest(random(300, 3))),
                HttpRequest.BodyPublishers.ofByteArray(other),
                "Content-Type",
                "application/octet-stream");
        assertEquals(400, wrong.statusCode(), OciHttp.text(wrong));
        assertErrorBody(wrong, "DIGEST_INVALID");
        assertEquals(
                404,
                basic.head("/v2/team/chunky/blobs/" + OciFixtures.sha256(other)).statusCode());

        // Over --max-upload-size: a 4xx with an error body, nothing stored.
        byte[] huge = random((int) MAX_UPLOAD + 1024, 4);
        HttpResponse<byte[]> hugeStart = basic.send("POST", "/v2/team/chunky/blobs/uploads/", null);
        assertEquals(202, hugeStart.statusCode(), OciHttp.text(hugeStart));
        HttpResponse<byte[]> tooBig = basic.send(
                "PUT",
                withDigest(OciHttp.location(hugeStart), digest(huge)),
                HttpRequest.BodyPublishers.ofByteArray(huge),
                "Content-Type",
                "application/octet-stream");
        assertTrue(tooBig.statusCode() >= 400 && tooBig.statusCode() < 500, OciHttp.text(tooBig));
        assertEquals(404, basic.head("/v2/team/chunky/blobs/" + digest(huge)).statusCode());

        // An empty blob is a blob.
        String empty = basic.pushBlob("team/chunky", new byte[0]);
        assertEquals("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", empty);
        HttpResponse<byte[]> emptyHead = basic.head("/v2/team/chunky/blobs/" + empty);
        assertEquals(200, emptyHead.statusCode());
        assertEquals("0", emptyHead.headers().firstValue("Content-Length").orElse(null));
    }

    @Test
    @Order(5)
    void crossMountTagsListAndDeletesByTagAndDigest() throws Exception {
        byte[] layer = random(4096, 5);
        String layerDigest = basic.pushBlob("team/src", layer);

        // Mount into another repository: 201 at once, no bytes sent.
        HttpResponse<byte[]> mount = basic.send(
                "POST", "/v2/team/dst/blobs/uploads/?mount=" + OciHttp.enc(layerDigest) + "&from=team/src", null);
        assertEquals(201, mount.statusCode(), OciHttp.text(mount));
        assertEquals(
                layerDigest, mount.headers().firstValue("Docker-Content-Digest").orElse(null));
        assertTrue(OciHttp.location(mount).endsWith("/v2/team/dst/blobs/" + layerDigest), OciHttp.text(mount));
        assertEquals(200, basic.head("/v2/team/dst/blobs/" + layerDigest).statusCode());
        // A mount of what the source does not hold falls back to an upload session.
        HttpResponse<byte[]> noMount = basic.send(
                "POST",
                "/v2/team/dst/blobs/uploads/?mount=" + OciHttp.enc(digest(random(10, 6))) + "&from=team/src",
                null);
        assertEquals(202, noMount.statusCode(), OciHttp.text(noMount));

        // Manifests whose blobs are missing are refused.
        Map<String, String> manifests = new LinkedHashMap<>();
        String missingLayer = digest(random(10, 7));
        HttpResponse<byte[]> unknown = basic.send(
                "PUT",
                "/v2/team/dst/manifests/broken",
                HttpRequest.BodyPublishers.ofByteArray(manifest(pushConfig("team/dst", 0), missingLayer, 10)),
                "Content-Type",
                OCI_MANIFEST);
        assertEquals(400, unknown.statusCode(), OciHttp.text(unknown));
        assertErrorBody(unknown, "MANIFEST_BLOB_UNKNOWN");

        // Seven tags over three manifests, pushed out of order.
        List<String> tags = List.of("v7", "v1", "v5", "v3", "v2", "v6", "v4");
        for (String tag : tags) {
            int variant = Integer.parseInt(tag.substring(1)) % 3;
            byte[] m = manifest(pushConfig("team/dst", variant), layerDigest, layer.length);
            manifests.put(tag, basic.putManifest("team/dst", tag, OCI_MANIFEST, m));
        }
        assertEquals(List.of("v1", "v2", "v3", "v4", "v5", "v6", "v7"), allTags("/v2/team/dst/tags/list?n=3", 3));
        HttpResponse<byte[]> afterV5 = basic.get("/v2/team/dst/tags/list?n=10&last=v5");
        assertEquals(
                "[\"v6\",\"v7\"]", JSON.readTree(afterV5.body()).get("tags").toString());

        // Delete by tag: the tag goes, the manifest stays (v4 still names it).
        assertEquals(manifests.get("v1"), manifests.get("v4"));
        HttpResponse<byte[]> delTag = basic.send("DELETE", "/v2/team/dst/manifests/v1", null);
        assertEquals(202, delTag.statusCode(), OciHttp.text(delTag));
        assertTrue(
                Files.readString(tmp.resolve("data").resolve("audit.log"))
                        .contains("\"who\":\"user:" + USER + "\",\"from\":\"127.0.0.1\","
                                + "\"action\":\"DELETE /v2/team/dst/manifests/v1\",\"target\":\"v1\",\"status\":202,"
                                + "\"result\":\"deleted\""),
                "the delete by tag is audited");
        HttpResponse<byte[]> goneTag = basic.get("/v2/team/dst/manifests/v1", "Accept", ACCEPT);
        assertEquals(404, goneTag.statusCode(), OciHttp.text(goneTag));
        assertErrorBody(goneTag, "MANIFEST_UNKNOWN");
        assertEquals(
                200,
                basic.get("/v2/team/dst/manifests/" + manifests.get("v1"), "Accept", ACCEPT)
                        .statusCode());
        assertEquals(
                200, basic.get("/v2/team/dst/manifests/v4", "Accept", ACCEPT).statusCode());

        // Delete by digest: the manifest and the tags naming it (v2, v5) go.
        String d2 = manifests.get("v2");
        HttpResponse<byte[]> delDigest = basic.send("DELETE", "/v2/team/dst/manifests/" + d2, null);
        assertEquals(202, delDigest.statusCode(), OciHttp.text(delDigest));
        assertEquals(
                404, basic.get("/v2/team/dst/manifests/" + d2, "Accept", ACCEPT).statusCode());
        assertEquals(
                404, basic.get("/v2/team/dst/manifests/v5", "Accept", ACCEPT).statusCode());
        assertEquals(
                404, basic.send("DELETE", "/v2/team/dst/manifests/" + d2, null).statusCode());
        assertEquals(List.of("v3", "v4", "v6", "v7"), allTags("/v2/team/dst/tags/list", 1));

        // Blob delete.
        HttpResponse<byte[]> delBlob = basic.send("DELETE", "/v2/team/src/blobs/" + layerDigest, null);
        assertEquals(202, delBlob.statusCode(), OciHttp.text(delBlob));
        assertEquals(404, basic.head("/v2/team/src/blobs/" + layerDigest).statusCode());
    }

    @Test
    @Order(100)
    void uploadsInProgressSurviveARestartAndAKill() throws Exception {
        for (boolean kill : new boolean[] {false, true}) {
            byte[] blob = random(3 << 20, kill ? 8 : 9);
            String digest = OciFixtures.sha256(blob);
            String repo = kill ? "team/killed" : "team/restarted";
            HttpResponse<byte[]> start = basic.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
            assertEquals(202, start.statusCode(), OciHttp.text(start));
            HttpResponse<byte[]> first = patch(basic, OciHttp.location(start), blob, 0, 2 << 20);
            assertEquals(202, first.statusCode(), OciHttp.text(first));
            String location = pathOf(OciHttp.location(first));

            if (kill) {
                ferry.kill();
            } else {
                assertEquals(0, ferry.stop());
            }
            startFerry();

            HttpResponse<byte[]> status = basic.get(location);
            assertEquals(
                    204, status.statusCode(), (kill ? "after SIGKILL: " : "after restart: ") + OciHttp.text(status));
            assertEquals(
                    "0-" + ((2 << 20) - 1), status.headers().firstValue("Range").orElse(null));
            HttpResponse<byte[]> second =
                    patch(basic, pathOf(OciHttp.location(status)), blob, 2 << 20, blob.length - (2 << 20));
            assertEquals(202, second.statusCode(), OciHttp.text(second));
            HttpResponse<byte[]> done = basic.send("PUT", withDigest(pathOf(OciHttp.location(second)), digest), null);
            assertEquals(201, done.statusCode(), OciHttp.text(done));
            HttpResponse<byte[]> back = basic.get("/v2/" + repo + "/blobs/" + digest);
            assertEquals(200, back.statusCode());
            assertEquals(digest, OciFixtures.sha256(back.body()));
        }
        // What was pushed before the restarts is still there.
        Skopeo.Result inspect = skopeo.inspectRaw(ferryHost + "/team/library/tiny:1.0", CREDS);
        assertTrue(inspect.ok(), inspect.toString());
        assertEquals(OciFixtures.image("tiny-1.0").digest(), OciFixtures.sha256(inspect.stdout()));
    }

    // ---- helpers ----

    private static HttpResponse<byte[]> patch(OciHttp http, String location, byte[] blob, int from, int length)
            throws Exception {
        return http.send(
                "PATCH",
                location,
                HttpRequest.BodyPublishers.ofByteArray(blob, from, length),
                "Content-Type",
                "application/octet-stream",
                "Content-Range",
                from + "-" + (from + length - 1));
    }

    private static String withDigest(String location, String digest) {
        return location + (location.contains("?") ? "&" : "?") + "digest=" + OciHttp.enc(digest);
    }

    /** A Location as a path and query, so it survives ferry coming back on another port. */
    private static String pathOf(String location) {
        URI u = URI.create(location);
        return u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < size; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    private static String digest(byte[] b) {
        return OciFixtures.sha256(b);
    }

    private String pushConfig(String repo, int variant) throws Exception {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"variant\":\"" + variant
                        + "\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}")
                .getBytes(StandardCharsets.UTF_8);
        return basic.pushBlob(repo, config) + "/" + config.length;
    }

    private static byte[] manifest(String configDigestAndSize, String layer, long layerSize) {
        String[] c = configDigestAndSize.split("/");
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                        + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + c[0] + "\",\"size\":" + c[1]
                        + "},"
                        + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + layer
                        + "\",\"size\":" + layerSize + "}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Follows Link headers from {@code start}; asserts no page holds more than {@code n} tags. */
    private List<String> allTags(String start, int n) throws Exception {
        List<String> all = new ArrayList<>();
        String next = start;
        for (int pages = 0; next != null; pages++) {
            assertTrue(pages < 20, "endless Link chain from " + start);
            HttpResponse<byte[]> r = basic.get(next);
            assertEquals(200, r.statusCode(), OciHttp.text(r));
            JsonNode tags = JSON.readTree(r.body()).get("tags");
            List<String> page = new ArrayList<>();
            tags.forEach(t -> page.add(t.asText()));
            if (start.contains("n=")) {
                assertTrue(page.size() <= n, "page of " + next + ": " + page);
            }
            all.addAll(page);
            next = r.headers().firstValue("Link").map(OciHostedIT::linkTarget).orElse(null);
        }
        return all;
    }

    private static String linkTarget(String link) {
        Matcher m = Pattern.compile("<([^>]+)>").matcher(link);
        assertTrue(m.find(), link);
        return m.group(1);
    }

    private static void assertErrorBody(HttpResponse<byte[]> r, String code) throws Exception {
        JsonNode errors = JSON.readTree(r.body()).get("errors");
        assertNotNull(errors, OciHttp.text(r));
        assertEquals(code, errors.get(0).get("code").asText(), OciHttp.text(r));
        assertFalse(errors.get(0).get("message").asText().isEmpty(), OciHttp.text(r));
    }

    /** A parsed WWW-Authenticate challenge. */
    record Challenge(String scheme, Map<String, String> params) {
        private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

        static Challenge parse(HttpResponse<?> r) {
            String h = r.headers()
                    .firstValue("WWW-Authenticate")
                    .orElseThrow(() -> new AssertionError("no challenge: " + r.headers()));
            String scheme = h.split(" ", 2)[0].toLowerCase(Locale.ROOT);
            Map<String, String> params = new LinkedHashMap<>();
            Matcher m = PARAM.matcher(h);
            while (m.find()) {
                params.put(m.group(1), m.group(2));
            }
            return new Challenge(scheme, params);
        }

        String tokenUrl() {
            String url = params.get("realm");
            String sep = url.contains("?") ? "&" : "?";
            if (params.containsKey("service")) {
                url += sep + "service=" + OciHttp.enc(params.get("service"));
                sep = "&";
            }
            if (params.containsKey("scope")) {
                url += sep + "scope=" + OciHttp.enc(params.get("scope"));
            }
            return url;
        }
    }

    /**
     * Answers a 401 as docker and containerd do: asks the Bearer challenge's realm (ferry's token endpoint) for a
     * token for the challenged scope, with Basic credentials. Returns the Authorization header to use.
     */
    private static String bearerFromChallenge(OciHttp http, HttpResponse<byte[]> challenge, String creds)
            throws Exception {
        Challenge c = Challenge.parse(challenge);
        String basicAuth = "Basic " + Base64.getEncoder().encodeToString(creds.getBytes(StandardCharsets.UTF_8));
        // ferry challenges with Bearer so that docker and containerd fetch a token; Basic is accepted as well.
        assertEquals("bearer", c.scheme(), OciHttp.text(challenge));
        assertTrue(
                c.params().get("realm").endsWith("/v2/token")
                        || c.params().get("realm").contains("/v2/token?"),
                "realm " + c.params());
        HttpResponse<byte[]> token = http.send(
                http.request(c.tokenUrl())
                        .header("Authorization", basicAuth)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, token.statusCode(), OciHttp.text(token));
        JsonNode body = JSON.readTree(token.body());
        String t = body.has("token")
                ? body.get("token").asText()
                : body.get("access_token").asText();
        assertFalse(t.isEmpty(), OciHttp.text(token));
        return "Bearer " + t;
    }
}
