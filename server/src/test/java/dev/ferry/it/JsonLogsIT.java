package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --log-format json}: every line ferry writes to standard error, server records and access lines alike,
 * is one JSON object with the documented fields; the only other line is the ready line on standard output.
 */
class JsonLogsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void everyLineIsAJsonObjectAndAccessLinesCarryTheRequestsFields() throws Exception {
        Path log = tmp.resolve("ferry.log");
        String module = "/github.com/pkg/errors/@v/v0.9.1.info";
        try (StaticGoProxy upstream = new StaticGoProxy(Fixtures.goProxyTree());
                FerryProcess ferry = FerryProcess.start(
                        tmp.resolve("data"),
                        log,
                        Map.of("FERRY_ADMIN_TOKEN", "json-logs-token"),
                        "--go-upstream",
                        upstream.url(),
                        "--sumdb",
                        "off",
                        "--log-format",
                        "json");
                HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> miss = get(http, ferry.url() + module, "ci-job-17.step:3");
            assertEquals(200, miss.statusCode(), miss.body());
            assertEquals(
                    "ci-job-17.step:3",
                    miss.headers().firstValue("X-Request-Id").orElse(null));
            HttpResponse<String> hit = get(http, ferry.url() + module, "bad id with spaces");
            assertEquals(200, hit.statusCode());
            String madeUp = hit.headers().firstValue("X-Request-Id").orElseThrow();
            assertFalse(madeUp.contains(" "), madeUp);
            assertEquals(
                    404,
                    get(http, ferry.url() + "/github.com/no/such/@v/v1.0.0.info", null)
                            .statusCode());
            assertEquals(
                    400,
                    get(http, ferry.url() + "/github.com/x/y/@v/..%2f.info?\"q", null)
                            .statusCode());
            assertEquals(
                    401, get(http, ferry.url() + "/admin/api/upstreams", null).statusCode());
            // An access line is written once its response has gone out: wait for the last one before stopping,
            // or the stop races it (and the JVM's logging shuts down with the process).
            ferry.awaitOutput(
                    java.util.regex.Pattern.compile("\"logger\":\"ferry.access\".*GET /admin/api/upstreams 401"),
                    java.time.Duration.ofSeconds(30));
            assertEquals(0, ferry.stop());
        }

        List<JsonNode> access = new ArrayList<>();
        int server = 0;
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("ferry ready on ")) {
                continue; // standard output's ready line, which scripts wait for
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (Exception e) {
                throw new AssertionError("not a JSON line: " + line, e);
            }
            assertTrue(n.isObject(), line);
            for (String field : List.of("time", "level", "logger", "message")) {
                assertTrue(n.hasNonNull(field), field + " in " + line);
            }
            if (n.get("logger").asText().equals("ferry.access")) {
                access.add(n);
            } else {
                server++;
            }
        }
        assertTrue(server >= 3, "server records (starting, ready, stopped)");
        assertEquals(5, access.size(), "one access line per request: " + access);
        for (JsonNode a : access) {
            for (String field : List.of(
                    "request_id", "client", "method", "path", "route", "status", "cache", "bytes", "duration_ms")) {
                assertTrue(a.hasNonNull(field), field + " in " + a);
            }
            assertEquals("127.0.0.1", a.get("client").asText());
            assertEquals("GET", a.get("method").asText());
            assertTrue(
                    a.get("status").isInt()
                            && a.get("bytes").isNumber()
                            && a.get("duration_ms").isNumber(),
                    a.toString());
        }
        JsonNode first = access.get(0);
        assertEquals("ci-job-17.step:3", first.get("request_id").asText());
        assertEquals(module, first.get("path").asText());
        assertEquals("info", first.get("route").asText());
        assertEquals(200, first.get("status").asInt());
        assertEquals("miss", first.get("cache").asText());
        assertEquals("go", first.get("upstream").asText());
        assertTrue(first.get("bytes").asLong() > 0);
        JsonNode second = access.get(1);
        assertEquals("hit", second.get("cache").asText());
        assertFalse(second.has("upstream"), second.toString());
        assertFalse(
                second.get("request_id").asText().equals(first.get("request_id").asText()));
        assertEquals(404, access.get(2).get("status").asInt());
        assertEquals(400, access.get(3).get("status").asInt());
        assertTrue(
                access.get(3).get("path").asText().contains("?\"q")
                        || access.get(3).get("path").asText().contains("?%22q"),
                access.get(3).toString());
        assertEquals("admin", access.get(4).get("route").asText());
        assertEquals(401, access.get(4).get("status").asInt());
        assertFalse(Files.readString(log).contains("no Helidon logging implementation"), "Helidon's start-up note");
    }

    private static HttpResponse<String> get(HttpClient http, String url, String requestId) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url.replace("\"", "%22")));
        if (requestId != null) {
            b.header("X-Request-Id", requestId);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
