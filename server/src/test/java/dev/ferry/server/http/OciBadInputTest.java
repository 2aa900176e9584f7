package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad registry requests against the real server, router and parsers: each gets a 4xx with the spec's JSON error
 * body, and none reaches a registry target (the doubles record every call; none may be recorded).
 */
class OciBadInputTest {
    static final String D = "sha256:" + "a".repeat(64);
    static final ObjectMapper JSON = new ObjectMapper();
    static OciTestServer server;

    @BeforeAll
    static void start() {
        server = OciTestServer.anonymous();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void noTargetAsked() {
        assertEquals(java.util.List.of(), server.calls(), "bad input reached a registry target");
        server.dockerHub.calls.clear();
        server.ghcr.calls.clear();
        server.hosted.calls.clear();
    }

    static String code(String body) throws Exception {
        JsonNode root = JSON.readTree(body);
        return root.path("errors").path(0).path("code").asText();
    }

    @ParameterizedTest(name = "{0} {1} -> {2} {3}")
    @CsvSource(
            delimiter = ' ',
            value = {
                // names
                "GET /v2/Library/alpine/manifests/latest 400 NAME_INVALID",
                "GET /v2/library/../alpine/manifests/latest 400 NAME_INVALID",
                "GET /v2/a//b/manifests/latest 400 NAME_INVALID",
                "GET /v2/a/./b/manifests/latest 400 NAME_INVALID",
                "GET /v2/-a/manifests/latest 400 NAME_INVALID",
                "GET /v2/a%2fb/manifests/latest 400 NAME_INVALID",
                "GET /v2/a/b/ 404 NAME_UNKNOWN",
                // digests
                "GET /v2/library/alpine/blobs/md5:d41d8cd98f00b204e9800998ecf8427e 400 DIGEST_INVALID",
                "GET /v2/library/alpine/blobs/sha256:abc 400 DIGEST_INVALID",
                "GET /v2/library/alpine/blobs/sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 400 DIGEST_INVALID",
                "GET /v2/library/alpine/manifests/sha256:xyz 400 DIGEST_INVALID",
                "GET /v2/library/alpine/referrers/sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709 400 DIGEST_INVALID",
                "GET /v2/library/alpine/blobs/ 400 DIGEST_INVALID",
                // tags
                // a reader asking for a reference outside the grammar: no such manifest can exist (the spec's 404)
                "GET /v2/library/alpine/manifests/-latest 404 MANIFEST_UNKNOWN",
                "GET /v2/library/alpine/manifests/.hidden 404 MANIFEST_UNKNOWN",
                "PUT /v2/team/app/manifests/.hidden 400 TAG_INVALID",
                "GET /v2/library/alpine/tags/list?last=-x 400 TAG_INVALID",
                "GET /v2/library/alpine/tags/list?n=-1 400 PAGINATION_NUMBER_INVALID",
                "GET /v2/library/alpine/tags/list?n=ten 400 PAGINATION_NUMBER_INVALID",
                "GET /v2/_catalog?n=99999999999 400 PAGINATION_NUMBER_INVALID",
                // routing
                "GET /v2/library/alpine/manifests/latest?ns=evil.example.com 404 NAME_UNKNOWN",
                "GET /v2/library/alpine/manifests/latest?ns=127.0.0.1:9999 404 NAME_UNKNOWN",
                "GET /v2/ghcr.io/manifests/latest 404 NAME_UNKNOWN",
                // writes to mirrors
                "DELETE /v2/library/alpine/manifests/latest 405 UNSUPPORTED",
                "POST /v2/library/alpine/blobs/uploads/ 405 UNSUPPORTED",
                "PUT /v2/ghcr.io/org/app/manifests/latest 405 UNSUPPORTED",
                "DELETE /v2/library/alpine/blobs/"
                        + "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                        + " 405 UNSUPPORTED",
                // methods the API does not have
                "POST /v2/library/alpine/tags/list 405 UNSUPPORTED",
                "PATCH /v2/team/app/manifests/latest 405 UNSUPPORTED",
                "POST /v2/ 405 UNSUPPORTED",
                // uploads: bad ids and digests
                "PUT /v2/team/app/blobs/uploads/abc?digest=sha256:zz 400 DIGEST_INVALID",
                "PUT /v2/team/app/blobs/uploads/abc 400 DIGEST_INVALID",
                "POST /v2/team/app/blobs/uploads/?mount=md5:00&from=team/other 400 DIGEST_INVALID",
                "GET /v2/team/app/blobs/uploads/a.b 404 BLOB_UPLOAD_UNKNOWN",
                // a digest given to any upload request must parse, even where the operation does not use it
                "GET /v2/team/app/blobs/uploads/abc?digest=md5:00 400 DIGEST_INVALID",
                "PATCH /v2/team/app/blobs/uploads/abc?digest=sha256:zz 400 DIGEST_INVALID",
                "DELETE /v2/team/app/blobs/uploads/abc?digest= 400 DIGEST_INVALID",
                "POST /v2/team/app/blobs/uploads/?mount="
                        + "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                        + "&from=Team 400 NAME_INVALID",
                // the order of the checks: path, then method, then where the name goes, then the parameters
                "PUT /v2/library/alpine/tags/list?n=ten 405 UNSUPPORTED",
                "POST /v2/library/alpine/blobs/uploads/?digest=md5:00 405 UNSUPPORTED",
                "GET /v2/library/alpine/tags/list?ns=evil.example&n=ten 404 NAME_UNKNOWN",
            })
    void refusedWithTheSpecErrorAndNoTargetCall(String method, String path, int status, String code) throws Exception {
        HttpResponse<String> r = server.send(method, path, null);
        assertEquals(status, r.statusCode(), r.body());
        assertEquals(code, code(r.body()), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertEquals(
                "registry/2.0",
                r.headers().firstValue("Docker-Distribution-API-Version").orElse(null));
    }

    /** A method the resource does not have: 405 UNSUPPORTED with the methods it does have. */
    @ParameterizedTest(name = "{0} {1} -> Allow: {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "POST   | /v2/                              | GET, HEAD",
                "DELETE | /v2/_catalog                      | GET, HEAD",
                "POST   | /v2/token                         | GET",
                "HEAD   | /v2/token                         | GET",
                "PATCH  | /v2/team/app/manifests/latest     | GET, HEAD, PUT, DELETE",
                "PUT    | /v2/library/alpine/blobs/sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | GET, HEAD, DELETE",
                "GET    | /v2/team/app/blobs/uploads/       | POST",
                "POST   | /v2/team/app/blobs/uploads/abc    | GET, PATCH, PUT, DELETE",
                "HEAD   | /v2/team/app/blobs/uploads/abc    | GET, PATCH, PUT, DELETE",
                "DELETE | /v2/library/alpine/tags/list      | GET, HEAD",
                "PUT    | /v2/library/alpine/referrers/sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | GET, HEAD",
            })
    void methodNotAllowedSaysWhichAre(String method, String path, String allow) throws Exception {
        HttpResponse<String> r = server.send(method, path, null);
        assertEquals(405, r.statusCode(), r.body());
        assertEquals(allow, r.headers().firstValue("Allow").orElse(null));
        if (!method.equals("HEAD")) {
            assertEquals("UNSUPPORTED", code(r.body()), r.body());
            assertTrue(r.body().contains("method " + method + " is not allowed here; use " + allow), r.body());
        }
    }

    @Test
    void theTokenEndpointIsNeverCachedEvenWhenItRefuses() throws Exception {
        HttpResponse<String> r = server.send("POST", "/v2/token", null);
        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(null));
    }

    @Test
    void aWriteToAMirrorIsNotAMissingMethod() throws Exception {
        HttpResponse<String> r = server.send("DELETE", "/v2/library/alpine/manifests/latest", null);
        assertEquals(405, r.statusCode());
        assertEquals(java.util.Optional.empty(), r.headers().firstValue("Allow"), "DELETE is a method manifests have");
        assertTrue(
                r.body().contains("library/alpine is mirrored from docker.io and read-only; push to team/..."),
                r.body());
    }

    @Test
    void overlongName() throws Exception {
        String name = "a/".repeat(150) + "b"; // 301 characters
        HttpResponse<String> r = server.get("/v2/" + name + "/manifests/latest");
        assertEquals(400, r.statusCode());
        assertEquals("NAME_INVALID", code(r.body()));
    }

    @Test
    void overlongTag() throws Exception {
        HttpResponse<String> r = server.get("/v2/library/alpine/manifests/" + "t".repeat(129));
        assertEquals(404, r.statusCode());
        assertEquals("MANIFEST_UNKNOWN", code(r.body()));
        assertTrue(r.body().contains("128"), r.body());
    }

    @ParameterizedTest(name = "Range: {0}")
    @CsvSource(
            delimiter = '|',
            value = {"bytes=abc", "bytes=5-2", "items=0-1", "bytes=0-1,3-4", "bytes=-"})
    void malformedRangeIs416BeforeAnyLookup(String range) throws Exception {
        HttpResponse<String> r = server.get("/v2/library/alpine/blobs/" + D, "Range", range);
        assertEquals(416, r.statusCode(), r.body());
        assertEquals("RANGE_INVALID", code(r.body()));
        assertEquals("bytes */*", r.headers().firstValue("Content-Range").orElse(null));
    }

    @Test
    void aMalformedChunkRangeIs416BeforeTheSessionIsLookedUp() throws Exception {
        HttpResponse<String> r = server.send(
                "PATCH",
                "/v2/team/app/blobs/uploads/abc",
                "x".getBytes(),
                "Content-Range",
                "bytes=0-0",
                "Authorization",
                OciTestServer.ALICE_BASIC);
        assertEquals(416, r.statusCode(), r.body());
        assertEquals("RANGE_INVALID", code(r.body()));
        assertEquals("bytes */*", r.headers().firstValue("Content-Range").orElse(null));
    }

    /** HEAD never sends a body, so its Range is not looked at: a bad one is no reason to refuse. */
    @Test
    void headIgnoresRange() throws Exception {
        HttpResponse<String> r = server.send("HEAD", "/v2/team/app/blobs/" + D, null, "Range", "bytes=abc");
        assertEquals(404, r.statusCode());
        assertEquals(java.util.List.of("blob team/app " + D + " head"), server.hosted.calls);
        server.hosted.calls.clear();
    }

    @Test
    void manifestPutWithoutContentTypeIsRefused() throws Exception {
        HttpResponse<String> r = server.send("PUT", "/v2/team/app/manifests/v1", "{}".getBytes());
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("MANIFEST_INVALID", code(r.body()));
    }

    @Test
    void manifestOverFourMiBIsRefusedByItsContentLengthWithoutReadingIt() throws Exception {
        // Only the headers are sent: the answer must come without the body, and the connection then closes.
        String all = server.raw("PUT /v2/team/app/manifests/v1 HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: 4194305\r\n\r\n");
        assertStatusAndCode(all, 413, "SIZE_TOO_LARGE");
    }

    @Test
    void chunkedManifestOverFourMiBIsRefused() throws Exception {
        byte[] big = new byte[4 * 1024 * 1024 + 10];
        java.util.Arrays.fill(big, (byte) ' ');
        var req = java.net.http.HttpRequest.newBuilder(server.uri("/v2/team/app/manifests/v1"))
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .header("Authorization", OciTestServer.ALICE_BASIC)
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(big)))
                .build();
        HttpResponse<String> r;
        try {
            r = server.client.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException closed) {
            return; // the server may close while the client still sends: also a refusal, and nothing was stored
        }
        assertEquals(413, r.statusCode(), r.body());
        assertEquals("SIZE_TOO_LARGE", code(r.body()));
    }

    @Test
    void uploadOverTheLimitIsRefusedByItsContentLengthWithoutReadingIt() throws Exception {
        String all = server.raw("PATCH /v2/team/app/blobs/uploads/abc HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: " + (OciTestServer.MAX_UPLOAD + 1)
                + "\r\n\r\n");
        assertStatusAndCode(all, 413, "SIZE_TOO_LARGE");
        String post = server.raw("POST /v2/team/app/blobs/uploads/?digest=" + D + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 10737418240\r\n\r\n");
        assertStatusAndCode(post, 413, "SIZE_TOO_LARGE");
    }

    private static void assertStatusAndCode(String raw, int status, String code) throws Exception {
        Matcher m = Pattern.compile("^HTTP/1\\.1 (\\d{3})").matcher(raw);
        assertTrue(m.find(), raw);
        assertEquals(status, Integer.parseInt(m.group(1)), raw);
        int split = raw.indexOf("\r\n\r\n");
        assertEquals(code, code(raw.substring(split + 4).strip()), raw);
    }
}
