package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.AdminAuth;
import dev.ferry.server.admin.AuditLog;
import dev.ferry.server.metrics.FerryMetrics;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The admin API of {@code api} served over loopback HTTP with ferry's routes, behind {@code token}, auditing to
 * {@code audit}; requests that reach the mirror fail the test. For the admin endpoint tests.
 */
final class AdminHttp implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final AuditLog audit;
    private final WebServer server;

    AdminHttp(AdminApi api, FerryMetrics metrics, AuditLog audit, String token) {
        this(api, metrics, audit, token, Map.of());
    }

    /** With upstream pools for /admin/api/upstreams (and api null: only those endpoints). */
    AdminHttp(
            AdminApi api,
            FerryMetrics metrics,
            AuditLog audit,
            String token,
            Map<String, dev.ferry.upstreams.pool.UpstreamPool> pools) {
        this.audit = audit;
        FerryRoutes routes = new FerryRoutes(
                new TestServer.RecordingMirror(r -> {
                    throw new AssertionError("admin requests must not reach the mirror");
                }),
                List.of(),
                metrics,
                () -> true,
                AdminAuth.of(token),
                pools,
                new OciRouting(Map.of(), null, List.of(), null, null, 1 << 20),
                api,
                audit);
        server = FerryHttpServer.create("127.0.0.1", 0, routes, Duration.ofSeconds(1))
                .start();
    }

    String url() {
        return "http://127.0.0.1:" + server.port();
    }

    HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Asserts the status and a JSON answer; returns the body parsed. */
    static JsonNode ok(int status, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        return JSON.readTree(r.body());
    }

    List<JsonNode> auditLines() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        if (Files.exists(audit.file())) {
            for (String line : Files.readAllLines(audit.file())) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    @Override
    public void close() {
        server.stop();
    }
}
