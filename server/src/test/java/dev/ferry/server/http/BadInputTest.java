package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.protocols.goproxy.ProxyRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad requests over a raw socket, against the real Helidon server and the real ProxyRequest.parse: each gets a
 * 4xx with a readable plain-text message and never reaches the mirror (a double that fails the test if called).
 */
class BadInputTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.refusingEverything();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void mirrorNeverAsked() {
        assertTrue(server.mirror.asked.isEmpty(), "mirror asked " + server.mirror.asked);
    }

    record Raw(int status, String headers, String body) {}

    static Raw send(String method, String target, String extraHeaders) throws Exception {
        String all = server.raw(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders
                + "Connection: close\r\n\r\n");
        Matcher m = Pattern.compile("^HTTP/1\\.1 (\\d{3})").matcher(all);
        assertTrue(m.find(), "no status line: " + all);
        int split = all.indexOf("\r\n\r\n");
        return new Raw(
                Integer.parseInt(m.group(1)),
                all.substring(0, split),
                all.substring(split + 4).strip());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ' ',
            value = {
                "/github.com/pkg/errors/@v/../../../../etc/passwd 400",
                "/%2e%2e/%2e%2e/etc/passwd 400",
                "/github.com/pkg/errors/@v/%2e%2e%2fsecret.zip 400",
                "/github.com%2fpkg/errors/@v/list 400",
                "/github.com/pkg%2Ferrors/@v/list 400",
                "/github.com/pkg/errors%00/@v/list 400",
                "/github.com/pkg/errors/@v/list?go-get=1 400",
                "/github.com/pkg/errors/@v/v0.9.1.zip?x=../../y 400",
                "/github.com//pkg/errors/@v/list 400",
                "/github.com/pkg/./errors/@v/list 400",
                "/github.com/pkg/errors/@v/./v1.0.0.zip 400",
                "/github.com\\pkg\\errors/@v/list 400",
                "/github.com/pkg/errors/@v/list/ 400",
                "/github.com/Pkg/errors/@v/list 400",
                "/github.com/!pkg!/errors/@v/list 400",
                "/errors/@v/list 400",
                "/-github.com/pkg/errors/@v/list 400",
                "/github.com/pkg/con/@v/list 400",
                "/github.com/pkg/errors/@v/v0.9.1.exe 400",
                "/github.com/pkg/errors/@v/ 400",
                "/github.com/pkg/errors/v1/@v/list 400",
                "/github.com/pkg/errors/@v/v0.9.zip 404",
                "/github.com/pkg/errors/@v/not-a-version.mod 404",
                "/github.com/pkg/errors/@v/v0.9.1+meta.zip 404",
                "/github.com/pkg/errors/v2/@v/v0.9.1.mod 404",
                "/github.com/pkg/errors/@v/master.info 404",
                "/github.com/pkg/errors/@latest/extra 404",
                "/ 404",
                "/favicon.ico 404",
            })
    void refusedWithAMessage(String target, int status) throws Exception {
        Raw r = send("GET", target, "");
        assertEquals(status, r.status, target + " -> " + r);
        assertFalse(r.body.isBlank(), "message for " + target);
        assertTrue(r.headers.toLowerCase().contains("content-type: text/plain"), r.headers);
    }

    @Test
    void overlongPathsAndHeadersGet4xxWithAMessage() throws Exception {
        List<String> failures = new ArrayList<>();
        for (String target : List.of(
                "/" + "a".repeat(2100) + ".com/x/@v/list",
                "/" + "a".repeat(5000) + ".com/x/@v/list",
                "/github.com/" + "x/".repeat(3000) + "@v/list")) {
            Raw r = send("GET", target, "");
            if (r.status < 400 || r.status > 499 || r.body.isBlank()) {
                failures.add(target.length() + " chars -> " + r.status + " " + r.body);
            }
        }
        Raw big = send("GET", "/github.com/pkg/errors/@v/list", "X-Big: " + "b".repeat(64 * 1024) + "\r\n");
        if (big.status < 400 || big.status > 499 || big.body.isBlank()) {
            failures.add("64 KiB header -> " + big.status);
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO"})
    void otherMethodsGet405WithAllow(String method) throws Exception {
        for (String path : List.of("/github.com/pkg/errors/@v/list", "/health", "/metrics")) {
            Raw r = send(method, path, "Content-Length: 0\r\n");
            assertEquals(405, r.status, method + " " + path);
            assertTrue(r.headers.toLowerCase().contains("allow: get, head"), r.headers);
            assertTrue(r.body.contains(method), r.body);
        }
    }

    @Test
    void serverStaysUsableAfterRefusals() throws Exception {
        try (TestServer s =
                TestServer.answering(r -> new GoAnswer.NotFound("nope", false, GoAnswer.CacheOutcome.MISS))) {
            assertEquals(400, s.get("/a.com/b/@v/list?x=1").statusCode());
            assertEquals(400, s.get("/a.com/b/@v/%2e%2e").statusCode());
            assertEquals(404, s.get("/a.com/b/@v/list").statusCode());
            assertEquals(1, s.mirror.asked.size());
            assertTrue(s.mirror.asked.getFirst() instanceof ProxyRequest.List);
        }
    }

    @Test
    void connectionCloseEndsTheConnectionAndHttp10IsRefusedWithAMessage() throws Exception {
        // raw() reads until the server closes: these return only because it does
        String close = server.raw("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(close.startsWith("HTTP/1.1 200") && close.endsWith("ok\n"), close);
        // Helidon 4 speaks HTTP/1.1 only: 1.0 gets a 505 with a reason, other protocols a 400
        String ten = server.raw("GET /health HTTP/1.0\r\n\r\n");
        assertTrue(ten.startsWith("HTTP/1.1 505") && ten.endsWith("HTTP version not supported\n"), ten);
        String two = server.raw("GET /health HTTP/2.0\r\nHost: x\r\n\r\n");
        assertTrue(two.startsWith("HTTP/1.1 400") && two.contains("bad request"), two);
    }

    /** The go command (1.19+) writes the '!' of the case-encoding as %21: the edge passes it to the parser. */
    @Test
    void percentEncodedCaseEscapesReachTheMirrorAsTheSameRequest() throws Exception {
        try (TestServer s =
                TestServer.answering(r -> new GoAnswer.NotFound("nope", false, GoAnswer.CacheOutcome.MISS))) {
            assertEquals(
                    404,
                    s.get("/github.com/%21burnt%21sushi/toml/@v/v1.2.0.info").statusCode());
            assertEquals(
                    404, s.get("/github.com/!burnt!sushi/toml/@v/v1.2.0.info").statusCode());
            assertEquals(2, s.mirror.asked.size());
            assertEquals(s.mirror.asked.get(0), s.mirror.asked.get(1));
            assertEquals(
                    "github.com/!burnt!sushi/toml/@v/v1.2.0.info",
                    s.mirror.asked.get(0).upstreamPath());
        }
    }
}
