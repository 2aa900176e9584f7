package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.go.GoAnswer.CacheOutcome;
import dev.ferry.mirror.go.GoAnswer.Freshness;
import dev.ferry.server.metrics.PrometheusText;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** /health, /metrics and the access log, over real HTTP. */
class OperationsTest {
    static final byte[] MOD = "module example.com/m\n".getBytes(StandardCharsets.UTF_8);

    static TestServer server() {
        return TestServer.answering(r -> r.module().value().equals("example.com/missing")
                ? new GoAnswer.NotFound("not found", false, CacheOutcome.NEGATIVE_HIT)
                : new GoAnswer.Content(
                        Bodies.of(MOD),
                        "text/plain; charset=utf-8",
                        "ab".repeat(32),
                        Freshness.IMMUTABLE,
                        CacheOutcome.HIT));
    }

    @Test
    void healthIs200WhenReadyAnd503Otherwise() throws Exception {
        try (TestServer s = server()) {
            HttpResponse<byte[]> ok = s.get("/health");
            assertEquals(200, ok.statusCode());
            assertEquals("ok", new String(ok.body(), StandardCharsets.UTF_8).strip());
            assertEquals(200, s.send("HEAD", "/health").statusCode());
            s.ready.set(false);
            HttpResponse<byte[]> not = s.get("/health");
            assertEquals(503, not.statusCode());
            assertTrue(s.mirror.asked.isEmpty());
        }
    }

    @Test
    void readyFollowsReadinessWhileLiveAnswersWheneverTheProcessDoes() throws Exception {
        try (TestServer s = server()) {
            assertEquals(200, s.get("/health/ready").statusCode());
            assertEquals(200, s.get("/health/live").statusCode());
            s.ready.set(false);
            HttpResponse<byte[]> ready = s.get("/health/ready");
            assertEquals(503, ready.statusCode());
            assertEquals("not ready", new String(ready.body(), StandardCharsets.UTF_8).strip());
            assertEquals(503, s.send("HEAD", "/health/ready").statusCode());
            HttpResponse<byte[]> live = s.get("/health/live");
            assertEquals(200, live.statusCode());
            assertEquals("ok", new String(live.body(), StandardCharsets.UTF_8).strip());
            assertEquals("no-store", live.headers().firstValue("cache-control").orElseThrow());
            assertEquals(200, s.send("HEAD", "/health/live").statusCode());
            assertEquals(405, s.send("POST", "/health/live").statusCode());
            // Neither is a module path: nothing reached the mirror.
            assertTrue(s.mirror.asked.isEmpty());
            Map<String, Double> m =
                    PrometheusText.parse(new String(s.get("/metrics").body(), StandardCharsets.UTF_8));
            // Counted under the one "health" endpoint label /health has always had.
            assertEquals(
                    1.0,
                    m.get(
                            "ferry_http_requests_total{endpoint=\"health\",method=\"GET\",status=\"503\",cache=\"none\"}"));
            assertEquals(
                    3.0,
                    m.get(
                            "ferry_http_requests_total{endpoint=\"health\",method=\"GET\",status=\"200\",cache=\"none\"}"));
        }
    }

    @Test
    void metricsCountRequestsByEndpointMethodStatusAndCache() throws Exception {
        try (TestServer s = server()) {
            s.metrics.response("https://proxy.golang.org", 200, Duration.ofMillis(12));
            s.metrics.failure("https://goproxy.io", "timeout", "first byte after 30s");
            s.metrics.bytes("https://proxy.golang.org", 1234);
            for (int i = 0; i < 3; i++) {
                assertEquals(200, s.get("/example.com/m/@v/v1.0.0.mod").statusCode());
            }
            assertEquals(200, s.send("HEAD", "/example.com/m/@v/v1.0.0.mod").statusCode());
            assertEquals(404, s.get("/example.com/missing/@v/list").statusCode());
            assertEquals(400, s.get("/example.com/m/@v/list?q=1").statusCode());
            assertEquals(405, s.send("DELETE", "/example.com/m/@v/list").statusCode());

            HttpResponse<byte[]> r = s.get("/metrics");
            assertEquals(200, r.statusCode());
            assertEquals(
                    "text/plain; version=0.0.4; charset=utf-8",
                    r.headers().firstValue("content-type").orElseThrow());
            String text = new String(r.body(), StandardCharsets.UTF_8);
            Map<String, Double> m = PrometheusText.parse(text);

            assertEquals(
                    3.0,
                    m.get("ferry_http_requests_total{endpoint=\"mod\",method=\"GET\",status=\"200\",cache=\"hit\"}"),
                    text);
            assertEquals(
                    1.0,
                    m.get("ferry_http_requests_total{endpoint=\"mod\",method=\"HEAD\",status=\"200\",cache=\"hit\"}"));
            assertEquals(
                    1.0,
                    m.get(
                            "ferry_http_requests_total{endpoint=\"list\",method=\"GET\",status=\"404\",cache=\"negative_hit\"}"));
            assertEquals(
                    1.0,
                    m.get(
                            "ferry_http_requests_total{endpoint=\"other\",method=\"GET\",status=\"400\",cache=\"none\"}"));
            assertEquals(
                    1.0,
                    m.get(
                            "ferry_http_requests_total{endpoint=\"other\",method=\"DELETE\",status=\"405\",cache=\"none\"}"));
            assertEquals(3.0 * MOD.length, m.get("ferry_http_response_bytes_total{endpoint=\"mod\"}"));
            assertEquals(4.0, m.get("ferry_http_request_duration_seconds_count{endpoint=\"mod\"}"));
            assertEquals(4.0, m.get("ferry_http_request_duration_seconds_bucket{endpoint=\"mod\",le=\"+Inf\"}"));
            assertEquals(
                    1.0, m.get("ferry_upstream_requests_total{upstream=\"https://proxy.golang.org\",status=\"200\"}"));
            assertEquals(1.0, m.get("ferry_upstream_failures_total{upstream=\"https://goproxy.io\",kind=\"timeout\"}"));
            assertEquals(1234.0, m.get("ferry_upstream_bytes_total{upstream=\"https://proxy.golang.org\"}"));
            assertEquals(
                    1.0,
                    m.get("ferry_upstream_latency_seconds_bucket{upstream=\"https://proxy.golang.org\",le=\"0.025\"}"));
            assertEquals(
                    0.0,
                    m.get("ferry_upstream_latency_seconds_bucket{upstream=\"https://proxy.golang.org\",le=\"0.01\"}"));
            assertTrue(text.contains("# TYPE ferry_http_requests_total counter\n"));
            assertTrue(text.contains("# TYPE ferry_http_request_duration_seconds histogram\n"));
        }
    }

    @Test
    void accessLogDurations() {
        StringBuilder sb = new StringBuilder();
        AccessLog.appendMillis(sb, 42_000);
        sb.append(' ');
        AccessLog.appendMillis(sb, 999_999);
        sb.append(' ');
        AccessLog.appendMillis(sb, 3_250_000);
        sb.append(' ');
        AccessLog.appendMillis(sb, 12_000_000_000L);
        assertEquals("0.04 0.99 3.2 12000.0", sb.toString());
    }

    @Test
    void oneAccessLogLinePerRequest() throws Exception {
        Logger access = Logger.getLogger(AccessLog.LOGGER_NAME);
        List<String> lines = new CopyOnWriteArrayList<>();
        CountDownLatch three = new CountDownLatch(3);
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getMessage());
                three.countDown();
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Level before = access.getLevel();
        access.setLevel(Level.INFO);
        access.addHandler(capture);
        try (TestServer s = server()) {
            s.get("/example.com/m/@v/v1.0.0.mod");
            s.get("/example.com/missing/@v/list");
            s.send("POST", "/health");
            assertTrue(three.await(5, TimeUnit.SECONDS), "three access-log lines: " + lines);
            assertTrue(
                    lines.get(0)
                            .matches("127\\.0\\.0\\.1 GET /example\\.com/m/@v/v1\\.0\\.0\\.mod 200 " + MOD.length
                                    + "B \\d+\\.\\d{1,2}ms hit"),
                    lines.get(0));
            assertTrue(
                    lines.get(1)
                            .matches(
                                    "127\\.0\\.0\\.1 GET /example\\.com/missing/@v/list 404 \\d+B \\d+\\.\\d{1,2}ms negative_hit"),
                    lines.get(1));
            assertTrue(
                    lines.get(2).matches("127\\.0\\.0\\.1 POST /health 405 \\d+B \\d+\\.\\d{1,2}ms none"),
                    lines.get(2));
            assertEquals(3, lines.size());
        } finally {
            access.removeHandler(capture);
            access.setLevel(before);
        }
    }
}
