package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.protocols.goproxy.ProxyRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad requests over a raw socket: each gets a 4xx with a readable message and never reaches the mirror.
 * The parser accepts anything, so these show the edge itself refuses them.
 */
class BadInputTest {
    static TestServer server;
    static final GoProxyHandler.Parser ACCEPT_ANYTHING = TestServer.SIMPLE_PARSER;

    @BeforeAll
    static void start() {
        server = new TestServer(new TestServer.RecordingMirror(r -> {
            throw new AssertionError("bad input reached the mirror: " + r);
        }), raw -> {
            try {
                return ACCEPT_ANYTHING.parse(raw);
            } catch (IllegalArgumentException e) {
                return new ProxyRequest.List(new dev.ferry.protocols.module.ModulePath(raw));
            }
        });
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Raw(int status, String headers, String body) {}

    static Raw send(String method, String target, String extraHeaders) throws Exception {
        String all = server.raw(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders
                + "Connection: close\r\n\r\n");
        Matcher m = Pattern.compile("^HTTP/1\\.1 (\\d{3})").matcher(all);
        assertTrue(m.find(), "no status line: " + all);
        int split = all.indexOf("\r\n\r\n");
        return new Raw(Integer.parseInt(m.group(1)), all.substring(0, split), all.substring(split + 4).strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/github.com/pkg/errors/@v/../../../../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/github.com/pkg/errors/@v/%2e%2e%2fsecret.zip",
            "/github.com%2fpkg/errors/@v/list",
            "/github.com/pkg%2Ferrors/@v/list",
            "/github.com/pkg/errors%00/@v/list",
            "/github.com/pkg/errors/@v/list?go-get=1",
            "/github.com/pkg/errors/@v/v0.9.1.zip?x=../../y",
            "/github.com//pkg/errors/@v/list",
            "/github.com/pkg/./errors/@v/list",
            "/github.com/pkg/errors/@v/./v1.0.0.zip",
            "/github.com\\pkg\\errors/@v/list",
            "/github.com/pkg/errors/@v/list/",
    })
    void refusedAtTheEdgeWith400AndAMessage(String target) throws Exception {
        Raw r = send("GET", target, "");
        assertEquals(400, r.status, target + " -> " + r);
        assertTrue(!r.body.isBlank(), "message for " + target);
        assertTrue(r.headers.toLowerCase().contains("content-type: text/plain"), r.headers);
        assertTrue(server.mirror.asked.isEmpty(), "mirror asked " + server.mirror.asked);
    }

    @Test
    void overlongPathsAndHeadersGet4xx() throws Exception {
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
        assertTrue(server.mirror.asked.isEmpty(), "mirror asked " + server.mirror.asked);
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
        assertTrue(server.mirror.asked.isEmpty(), "mirror asked " + server.mirror.asked);
    }

    @Test
    void parserRejectionsAre4xxWithTheParsersMessage() throws Exception {
        try (TestServer s = new TestServer(new TestServer.RecordingMirror(r -> {
            throw new AssertionError("reached the mirror: " + r);
        }), raw -> {
            throw new dev.ferry.protocols.FormatException("malformed module path \"x\": missing dot in first path element");
        })) {
            var r = s.get("/x/@v/list");
            assertEquals(400, r.statusCode());
            assertEquals("malformed module path \"x\": missing dot in first path element", new String(r.body()).strip());
            assertTrue(s.mirror.asked.isEmpty());
        }
    }

    /** With the real ProxyRequest.parse: the go command's path rules, all refused before the mirror. */
    @ParameterizedTest
    @ValueSource(strings = {
            "/github.com/Pkg/errors/@v/list",
            "/github.com/!pkg!/errors/@v/list",
            "/errors/@v/list",
            "/-github.com/pkg/errors/@v/list",
            "/github.com/pkg/con/@v/list",
            "/github.com/pkg/errors/@v/v0.9.zip",
            "/github.com/pkg/errors/@v/v0.9.1.exe",
            "/github.com/pkg/errors/@v/not-a-version.mod",
            "/github.com/pkg/errors/@v/v0.9.1+meta.zip",
            "/github.com/pkg/errors/v2/@v/v0.9.1.mod",
            "/github.com/pkg/errors/v1/@v/list",
            "/github.com/pkg/errors/@v/",
            "/github.com/pkg/errors/@latest/extra",
            "/",
            "/favicon.ico",
    })
    void realParserRejectionsAre4xx(String target) throws Exception {
        assumeTrue(parserImplemented(), "ProxyRequest.parse not implemented yet");
        try (TestServer s = new TestServer(new TestServer.RecordingMirror(r -> {
            throw new AssertionError("reached the mirror: " + r);
        }), ProxyRequest::parse)) {
            String all = s.raw("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            int status = Integer.parseInt(all.substring(9, 12));
            assertTrue(status == 400 || status == 404 || status == 410, target + " -> " + all);
            assertTrue(!all.substring(all.indexOf("\r\n\r\n") + 4).isBlank(), "message for " + target);
            assertTrue(s.mirror.asked.isEmpty());
        }
    }

    static boolean parserImplemented() {
        try {
            ProxyRequest.parse("/example.com/m/@v/list");
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        } catch (RuntimeException e) {
            return true;
        }
    }

    @Test
    void validRequestWithAnswerStillWorksAfterRefusals() throws Exception {
        try (TestServer s = TestServer.answering(r -> new GoAnswer.NotFound("nope", false, GoAnswer.CacheOutcome.MISS))) {
            assertEquals(400, s.get("/a.com/b/@v/list?x=1").statusCode());
            assertEquals(404, s.get("/a.com/b/@v/list").statusCode());
            assertEquals(1, s.mirror.asked.size());
        }
    }
}
