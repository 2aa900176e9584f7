package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.go.GoAnswer.CacheOutcome;
import dev.ferry.mirror.go.GoAnswer.Freshness;
import dev.ferry.protocols.goproxy.ProxyRequest;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every GoAnswer case over real HTTP: status, headers, body, HEAD, conditional requests, broken bodies. */
class GoAnswerMappingTest {
    static final String DIGEST = "0f".repeat(32);
    static final byte[] INFO =
            "{\"Version\":\"v1.2.3\",\"Time\":\"2020-01-01T00:00:00Z\"}".getBytes(StandardCharsets.UTF_8);

    static GoAnswer content(byte[] bytes, String type, Freshness f, CacheOutcome o) {
        return new GoAnswer.Content(Bodies.of(bytes), type, DIGEST, f, o);
    }

    @Test
    void immutableContentGets200WithTypeLengthEtagAndLongCache() throws Exception {
        try (TestServer s =
                TestServer.answering(r -> content(INFO, "application/json", Freshness.IMMUTABLE, CacheOutcome.HIT))) {
            HttpResponse<byte[]> r = s.get("/example.com/m/@v/v1.2.3.info");
            assertEquals(200, r.statusCode());
            assertArrayEquals(INFO, r.body());
            assertEquals(
                    "application/json", r.headers().firstValue("content-type").orElseThrow());
            assertEquals(
                    String.valueOf(INFO.length),
                    r.headers().firstValue("content-length").orElseThrow());
            assertEquals('"' + DIGEST + '"', r.headers().firstValue("etag").orElseThrow());
            assertEquals(
                    "public, max-age=31536000, immutable",
                    r.headers().firstValue("cache-control").orElseThrow());
            assertFalse(r.headers().firstValue("x-ferry-stale").isPresent());
            assertInstanceOf(ProxyRequest.Info.class, s.mirror.asked.getFirst());
        }
    }

    @Test
    void freshListGetsShortCache() throws Exception {
        byte[] list = "v1.0.0\nv1.1.0\n".getBytes(StandardCharsets.UTF_8);
        try (TestServer s = TestServer.answering(
                r -> content(list, "text/plain; charset=utf-8", Freshness.FRESH, CacheOutcome.MISS))) {
            HttpResponse<byte[]> r = s.get("/example.com/m/@v/list");
            assertEquals(200, r.statusCode());
            assertArrayEquals(list, r.body());
            assertEquals(
                    "text/plain; charset=utf-8",
                    r.headers().firstValue("content-type").orElseThrow());
            assertEquals(
                    "public, max-age=60",
                    r.headers().firstValue("cache-control").orElseThrow());
        }
    }

    @Test
    void staleContentSaysSo() throws Exception {
        try (TestServer s =
                TestServer.answering(r -> content(INFO, "application/json", Freshness.STALE, CacheOutcome.STALE))) {
            HttpResponse<byte[]> r = s.get("/example.com/m/@latest");
            assertEquals(200, r.statusCode());
            assertArrayEquals(INFO, r.body());
            assertEquals("no-cache", r.headers().firstValue("cache-control").orElseThrow());
            assertEquals("true", r.headers().firstValue("x-ferry-stale").orElseThrow());
            assertTrue(r.headers().firstValue("warning").orElseThrow().startsWith("110 "));
        }
    }

    @Test
    void matchingIfNoneMatchGets304WithoutBody() throws Exception {
        try (TestServer s =
                TestServer.answering(r -> content(INFO, "application/json", Freshness.IMMUTABLE, CacheOutcome.HIT))) {
            HttpResponse<byte[]> r =
                    s.get("/example.com/m/@v/v1.2.3.mod", "If-None-Match", "\"other\", \"" + DIGEST + '"');
            assertEquals(304, r.statusCode());
            assertEquals(0, r.body().length);
            assertEquals('"' + DIGEST + '"', r.headers().firstValue("etag").orElseThrow());
            HttpResponse<byte[]> other = s.get("/example.com/m/@v/v1.2.3.mod", "If-None-Match", "\"other\"");
            assertEquals(200, other.statusCode());
            assertArrayEquals(INFO, other.body());
        }
    }

    @Test
    void headGetsTheHeadersWithoutBody() throws Exception {
        byte[] zip = new byte[200_000];
        new Random(1).nextBytes(zip);
        try (TestServer s = TestServer.answering(r -> r instanceof ProxyRequest.Zip
                ? content(zip, "application/zip", Freshness.IMMUTABLE, CacheOutcome.HIT)
                : content(INFO, "application/json", Freshness.IMMUTABLE, CacheOutcome.HIT))) {
            for (String path : new String[] {"/example.com/m/@v/v1.2.3.zip", "/example.com/m/@v/v1.2.3.info"}) {
                HttpResponse<byte[]> r = s.send("HEAD", path);
                assertEquals(200, r.statusCode(), path);
                assertEquals(0, r.body().length, path);
                long expected = path.endsWith(".zip") ? zip.length : INFO.length;
                assertEquals(
                        String.valueOf(expected),
                        r.headers().firstValue("content-length").orElseThrow(),
                        path);
                assertEquals('"' + DIGEST + '"', r.headers().firstValue("etag").orElseThrow());
            }
            // and the connection stays usable: a GET right after gets the whole zip
            HttpResponse<byte[]> g = s.get("/example.com/m/@v/v1.2.3.zip");
            assertArrayEquals(zip, g.body());
            assertEquals(
                    "application/zip", g.headers().firstValue("content-type").orElseThrow());
        }
    }

    @Test
    void largeAndUnknownLengthBodiesStream() throws Exception {
        byte[] zip = new byte[3 * 1024 * 1024 + 17];
        new Random(2).nextBytes(zip);
        try (TestServer s = TestServer.answering(r -> new GoAnswer.Content(
                r.module().value().equals("example.com/unknown") ? Bodies.unknownLength(zip) : Bodies.of(zip),
                "application/zip",
                DIGEST,
                Freshness.IMMUTABLE,
                CacheOutcome.MISS))) {
            HttpResponse<byte[]> known = s.get("/example.com/known/@v/v1.0.0.zip");
            assertArrayEquals(zip, known.body());
            assertEquals(
                    String.valueOf(zip.length),
                    known.headers().firstValue("content-length").orElseThrow());
            HttpResponse<byte[]> unknown = s.get("/example.com/unknown/@v/v1.0.0.zip");
            assertEquals(200, unknown.statusCode());
            assertArrayEquals(zip, unknown.body());
        }
    }

    @Test
    void notFoundAndGoneCarryTheReason() throws Exception {
        try (TestServer s = TestServer.answering(r -> r.module().value().equals("example.com/gone")
                ? new GoAnswer.NotFound("gone: retracted upstream", true, CacheOutcome.NEGATIVE_HIT)
                : new GoAnswer.NotFound(
                        "not found: example.com/m@v1.9.9: unknown revision", false, CacheOutcome.MISS))) {
            HttpResponse<byte[]> r = s.get("/example.com/m/@v/v1.9.9.info");
            assertEquals(404, r.statusCode());
            assertEquals(
                    "text/plain; charset=utf-8",
                    r.headers().firstValue("content-type").orElseThrow());
            assertEquals(
                    "not found: example.com/m@v1.9.9: unknown revision",
                    new String(r.body(), StandardCharsets.UTF_8).strip());
            HttpResponse<byte[]> g = s.get("/example.com/gone/@v/list");
            assertEquals(410, g.statusCode());
            assertEquals("gone: retracted upstream", new String(g.body(), StandardCharsets.UTF_8).strip());
        }
    }

    @Test
    void unavailableIs502Or503() throws Exception {
        try (TestServer s = TestServer.answering(r -> r.module().value().equals("example.com/bad")
                ? new GoAnswer.Unavailable("upstream sent a zip that fails the module zip checks", true)
                : new GoAnswer.Unavailable("no upstream reachable: proxy.golang.org: connect timed out", false))) {
            HttpResponse<byte[]> bad = s.get("/example.com/bad/@v/v1.0.0.zip");
            assertEquals(502, bad.statusCode());
            assertEquals(
                    "upstream sent a zip that fails the module zip checks",
                    new String(bad.body(), StandardCharsets.UTF_8).strip());
            HttpResponse<byte[]> down = s.get("/example.com/down/@v/list");
            assertEquals(503, down.statusCode());
            assertTrue(new String(down.body(), StandardCharsets.UTF_8).contains("connect timed out"));
            assertEquals(
                    "text/plain; charset=utf-8",
                    down.headers().firstValue("content-type").orElseThrow());
        }
    }

    @Test
    void failureMidStreamAbortsTheConnection() throws Exception {
        long declared = 1_000_000;
        try (TestServer s = TestServer.answering(r -> new GoAnswer.Content(
                r.module().value().equals("example.com/chunked")
                        ? Bodies.failingAfter(-1, 300_000)
                        : Bodies.failingAfter(declared, 300_000),
                "application/zip",
                DIGEST,
                Freshness.IMMUTABLE,
                CacheOutcome.MISS))) {
            assertThrows(IOException.class, () -> s.get("/example.com/known/@v/v1.0.0.zip"));
            assertThrows(IOException.class, () -> s.get("/example.com/chunked/@v/v1.0.0.zip"));
            // raw: the server closes without completing the declared body
            String raw = s.raw("GET /example.com/known/@v/v1.0.0.zip HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(raw.startsWith("HTTP/1.1 200"), raw.lines().findFirst().orElse(""));
            int bodyStart = raw.indexOf("\r\n\r\n") + 4;
            assertTrue(raw.length() - bodyStart < declared, "body was cut short");
        }
    }

    @Test
    void smallBodyFailingBeforeAnythingWasSentIs500() throws Exception {
        try (TestServer s = TestServer.answering(r -> new GoAnswer.Content(
                Bodies.failingAfter(100, 10), "application/json", DIGEST, Freshness.IMMUTABLE, CacheOutcome.HIT))) {
            HttpResponse<byte[]> r = s.get("/example.com/m/@v/v1.0.0.info");
            assertEquals(500, r.statusCode());
        }
    }

    @Test
    void mirrorExceptionIs500WithGenericBody() throws Exception {
        try (TestServer s = TestServer.answering(r -> {
            throw new IllegalStateException("secret internals");
        })) {
            HttpResponse<byte[]> r = s.get("/example.com/m/@v/list");
            assertEquals(500, r.statusCode());
            String body = new String(r.body(), StandardCharsets.UTF_8);
            assertFalse(body.contains("secret"), body);
            assertEquals("internal server error", body.strip());
        }
    }
}
