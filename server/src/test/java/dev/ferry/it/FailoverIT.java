package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real go command through ferry configured with three upstreams of which two are broken in different ways:
 * the first answers every request 503 with Retry-After, the second accepts connections and never answers. Every
 * run of {@code go mod download all} must succeed, the broken ones must stop being asked once their breakers
 * open, and the admin API must show it (and want its token).
 */
class FailoverIT {
    private static final String TOKEN = "it-admin-token";

    @TempDir
    Path tmp;

    @Test
    void goModDownloadSucceedsThroughTwoBrokenUpstreamsOnEveryRun() throws Exception {
        String sumdbName = Fixtures.sumdbKey().split("\\+")[0];
        try (StaticGoProxy healthy = new StaticGoProxy(Fixtures.goProxyTree());
                Unavailable unavailable = new Unavailable();
                BlackHole hole = new BlackHole()) {
            String gosumdb = Fixtures.sumdbKey() + " " + healthy.url() + "/sumdb/" + sumdbName;
            Path config = tmp.resolve("ferry.yaml");
            Files.writeString(config, """
                    go:
                      upstream: %s|%s|%s
                    upstream:
                      firstByteTimeout: 10s
                    upstreams:
                      - url: %s
                        firstByteTimeout: 1s
                    """.formatted(unavailable.url(), hole.url(), healthy.url(), hole.url()));

            for (int run = 1; run <= 2; run++) {
                // Cold every time: a new data directory and an empty module cache.
                Path data = tmp.resolve("data" + run);
                int healthyBefore = healthy.requests();
                try (FerryProcess ferry = FerryProcess.start(
                        data,
                        tmp.resolve("ferry.log"),
                        "--config",
                        config.toString(),
                        "--admin-token",
                        TOKEN,
                        "--sumdb",
                        Fixtures.sumdbKey())) {
                    Path app = Fixtures.copyApp(tmp.resolve("app" + run));
                    GoTool go = new GoTool(tmp.resolve("go" + run), ferry.url(), gosumdb);
                    GoTool.Result download = go.run(app, "mod", "download", "all");
                    assertTrue(download.ok(), "run " + run + ": go mod download all:\n" + download.output());
                    assertTrue(go.run(app, "mod", "verify").ok(), "go mod verify");
                    go.makeDeletable();

                    List<String> zips = healthy.paths().stream()
                            .skip(healthyBefore)
                            .filter(p -> p.endsWith(".zip"))
                            .toList();
                    assertTrue(zips.size() >= 20, "zips from the healthy upstream: " + zips);

                    JsonNode upstreams = admin(ferry, TOKEN);
                    assertEquals("open", breaker(upstreams, unavailable.url()), upstreams.toPrettyString());
                    assertTrue(
                            List.of("open", "half_open").contains(breaker(upstreams, hole.url())),
                            upstreams.toPrettyString());
                    assertEquals("closed", breaker(upstreams, healthy.url()), upstreams.toPrettyString());
                    assertTrue(!upstreams.toString().contains(TOKEN));

                    HttpResponse<String> denied = get(ferry, "/admin/api/upstreams", null);
                    assertEquals(401, denied.statusCode());
                    assertEquals(
                            "Bearer",
                            denied.headers()
                                    .firstValue("WWW-Authenticate")
                                    .orElse("")
                                    .split(" ")[0]);
                    assertEquals(
                            401, get(ferry, "/admin/api/upstreams", "wrong").statusCode());

                    String metrics = get(ferry, "/metrics", null).body();
                    assertTrue(
                            metrics.contains("ferry_upstream_breaker_state{upstream=\"" + unavailable.url() + "\"} 1"),
                            metrics);
                }
            }
            System.out.println("FailoverIT: 503 upstream asked " + unavailable.requests()
                    + " times, black hole connected " + hole.connections() + " times, healthy upstream "
                    + healthy.requests() + " requests over 2 cold runs");
            // Retry-After opens the breaker on the first 503; only requests already under way got through.
            assertTrue(unavailable.requests() <= 2 * 12, "503 upstream asked " + unavailable.requests() + " times");
            assertTrue(hole.connections() <= 2 * 16, "black hole connected " + hole.connections() + " times");
        }
    }

    private static String breaker(JsonNode upstreams, String url) {
        for (JsonNode u : upstreams.get("pools").get("go").get("upstreams")) {
            if (u.get("url").asText().equals(url)) {
                return u.get("breaker").asText();
            }
        }
        throw new AssertionError("no upstream " + url + " in " + upstreams);
    }

    private static JsonNode admin(FerryProcess ferry, String token) throws Exception {
        HttpResponse<String> r = get(ferry, "/admin/api/upstreams", token);
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body());
    }

    private static HttpResponse<String> get(FerryProcess ferry, String path, String token) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(ferry.url() + path)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    /** Answers everything 503 with Retry-After, as an overloaded mirror does. */
    private static final class Unavailable implements AutoCloseable {
        private final HttpServer server;
        private final AtomicInteger requests = new AtomicInteger();

        Unavailable() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", ex -> {
                try (ex) {
                    requests.incrementAndGet();
                    byte[] body = "overloaded".getBytes();
                    ex.getResponseHeaders().add("Retry-After", "120");
                    ex.sendResponseHeaders(503, body.length);
                    ex.getResponseBody().write(body);
                }
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        int requests() {
            return requests.get();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** Accepts connections and holds them without a byte in answer. */
    private static final class BlackHole implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> held = new CopyOnWriteArrayList<>();

        BlackHole() throws IOException {
            server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        held.add(server.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        int connections() {
            return held.size();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
