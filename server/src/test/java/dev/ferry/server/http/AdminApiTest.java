package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.admin.AdminAuth;
import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.server.metrics.PrometheusText;
import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.AttemptOutcome;
import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.FailureKind;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamPool;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminApiTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final FerryMetrics metrics = new FerryMetrics(null);
    private UpstreamPool pool;
    private WebServer server;

    @BeforeEach
    void start() {
        List<Upstream> ups = List.of(
                new Upstream(
                        URI.create("https://a.example"),
                        "https://a.example",
                        AfterFailure.MOVE_ON,
                        1,
                        new Credentials.Bearer("upstream-s3cret"),
                        UpstreamTimeouts.defaults()),
                new Upstream(
                        URI.create("https://b.example"),
                        "https://b.example",
                        AfterFailure.STOP,
                        2,
                        new Credentials.Basic("ci", "pa55word"),
                        UpstreamTimeouts.defaults()));
        pool = new UpstreamPool(ups, PoolSettings.defaults(), Clock.systemUTC(), metrics);
        metrics.watch(pool);
        UpstreamPool.Member a = pool.members().getFirst();
        a.tryAcquire();
        a.record(new AttemptOutcome.Failure(FailureKind.STATUS_5XX, "HTTP 503: overloaded", Duration.ofSeconds(60)));
        FerryRoutes routes = new FerryRoutes(
                new TestServer.RecordingMirror(r -> {
                    throw new AssertionError("admin requests must not reach the mirror");
                }),
                metrics,
                () -> true,
                AdminAuth.of("adm1n"),
                Map.of("go", pool));
        server = FerryHttpServer.create("127.0.0.1", 0, routes, Duration.ofSeconds(1))
                .start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void upstreamsShowsHealthAndBreakersButNeverCredentials() throws Exception {
        HttpResponse<String> r = get("/admin/api/upstreams", "Authorization", "Bearer adm1n");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        JsonNode go = new ObjectMapper().readTree(r.body()).get("pools").get("go");
        assertEquals("failover", go.get("strategy").asText());
        JsonNode a = go.get("upstreams").get(0);
        assertEquals("https://a.example", a.get("url").asText());
        assertEquals("open", a.get("breaker").asText());
        assertFalse(a.get("healthy").asBoolean());
        assertEquals(1, a.get("failures").get("status_5xx").asInt());
        assertEquals("status_5xx", a.get("recentErrors").get(0).get("kind").asText());
        assertEquals("bearer", a.get("credentials").asText());
        JsonNode b = go.get("upstreams").get(1);
        assertEquals(2, b.get("weight").asInt());
        assertEquals("closed", b.get("breaker").asText());
        assertEquals("basic", b.get("credentials").asText());
        assertFalse(
                r.body().contains("upstream-s3cret")
                        || r.body().contains("pa55word")
                        || r.body().contains("ci"),
                r.body());
    }

    @Test
    void missingOrWrongTokenIs401WithAChallengeAndJson() throws Exception {
        for (String[] headers :
                new String[][] {{}, {"Authorization", "Bearer wrong"}, {"Authorization", "Basic adm1n"}}) {
            HttpResponse<String> r = get("/admin/api/upstreams", headers);
            assertEquals(401, r.statusCode());
            assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            JsonNode body = new ObjectMapper().readTree(r.body());
            assertEquals("unauthorized", body.get("error").asText());
        }
        assertEquals(401, get("/admin/api/anything").statusCode(), "unknown admin paths need the token too");
        assertEquals(
                404, get("/admin/api/anything", "Authorization", "Bearer adm1n").statusCode());
    }

    @Test
    void metricsShowTheBreakerStatePerUpstream() throws Exception {
        String text = get("/metrics").body();
        assertTrue(text.contains("ferry_upstream_breaker_state{upstream=\"https://a.example\"} 1"), text);
        assertTrue(text.contains("ferry_upstream_breaker_state{upstream=\"https://b.example\"} 0"), text);
        Map<String, Double> m = PrometheusText.parse(text);
        assertEquals(
                1.0,
                m.get("ferry_upstream_breaker_transitions_total{upstream=\"https://a.example\",state=\"open\"}"),
                text);
        assertEquals(
                1.0, m.get("ferry_upstream_failures_total{upstream=\"https://a.example\",kind=\"status_5xx\"}"), text);
    }
}
