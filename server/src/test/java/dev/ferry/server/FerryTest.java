package dev.ferry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.server.admin.AdminAuth;
import dev.ferry.server.admin.SigningKey;
import dev.ferry.server.config.BundlesConfig;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.ListenAddress;
import dev.ferry.server.metrics.PrometheusText;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real wiring: RocksDB store, mirror, routes and web server, started on a free port and stopped again. */
class FerryTest {
    @TempDir
    Path tmp;

    final HttpClient http = HttpClient.newHttpClient();

    FerryConfig config() {
        return config(new ListenAddress("127.0.0.1", 0));
    }

    FerryConfig config(ListenAddress listen) {
        return config(listen, tmp.resolve("data"));
    }

    FerryConfig config(ListenAddress listen, Path data) {
        return new FerryConfig(
                listen,
                data,
                "off",
                new GoProxyList(List.of()),
                Duration.ofMinutes(5),
                Duration.ofMinutes(1),
                UpstreamTimeouts.defaults(),
                Level.INFO,
                false);
    }

    HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void startsOnAFreePortPrintsTheReadyLineServesHealthAndMetricsAndStops() throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Ferry ferry;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ferry = Ferry.start(config());
        } finally {
            System.setOut(stdout);
        }
        try (ferry) {
            assertTrue(ferry.port() > 0);
            assertEquals("http://127.0.0.1:" + ferry.port(), ferry.url());
            assertEquals(
                    "ferry ready on http://127.0.0.1:" + ferry.port(),
                    captured.toString(StandardCharsets.UTF_8).strip());
            assertTrue(Files.isDirectory(tmp.resolve("data").resolve("store")));

            HttpResponse<String> health = get(ferry.url() + "/health");
            assertEquals(200, health.statusCode());
            assertEquals("ok", health.body().strip());

            HttpResponse<String> metrics = get(ferry.url() + "/metrics");
            Map<String, Double> m = PrometheusText.parse(metrics.body());
            assertEquals(0.0, m.get("ferry_store_objects"), metrics.body());
            assertTrue(m.containsKey("ferry_store_disk_bytes"));
            assertEquals(0.0, m.get("ferry_store_quota_bytes"), "no quota configured");
            for (String kind : new String[] {"prewarm", "mirror_set", "export", "import"}) {
                assertEquals(0.0, m.get("ferry_jobs_running{kind=\"" + kind + "\"}"), kind);
            }
            assertTrue(m.get("process_cpu_seconds_total") > 0, "the server exports the process collector");
            assertTrue(m.get("jvm_threads_current") > 0, "and the JVM's");
        }
        assertTrue(ferry.awaitStopped(Duration.ofSeconds(10)));
        assertThrows(IOException.class, () -> get(ferry.url() + "/health"));
        // the store was closed: it opens again
        try (Ferry again = Ferry.start(config())) {
            assertEquals(200, get(again.url() + "/health").statusCode());
        }
    }

    @Test
    void listensOnIpv6LoopbackWithABracketedUrl() throws Exception {
        boolean ipv6;
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(new java.net.InetSocketAddress("::1", 0));
            ipv6 = true;
        } catch (IOException e) {
            ipv6 = false;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(ipv6, "no IPv6 loopback here");
        try (Ferry ferry = Ferry.start(config(ListenAddress.parse("[::1]:0")))) {
            assertEquals("http://[::1]:" + ferry.port(), ferry.url());
            assertEquals(200, get(ferry.url() + "/health").statusCode());
        }
    }

    @Test
    void anAddressInUseFailsStartWithTheReasonAndLeavesTheStoreClosed() throws Exception {
        try (java.net.ServerSocket taken =
                new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            ListenAddress busy = new ListenAddress("127.0.0.1", taken.getLocalPort());
            IOException e = assertThrows(IOException.class, () -> Ferry.start(config(busy)));
            assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
        }
        try (Ferry ferry = Ferry.start(config())) { // the store was not left open
            assertEquals(200, get(ferry.url() + "/health").statusCode());
        }
    }

    @Test
    void aDamagedBundleSigningKeyStopsTheStartWithTheReason() throws Exception {
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve(dev.ferry.server.admin.SigningKey.FILE), "PRIVATE+KEY+x+00000000+AAAA\n");
        IOException e = assertThrows(IOException.class, () -> Ferry.start(config()));
        assertTrue(e.getMessage().contains("bundle-signing.key is damaged"), e.getMessage());
        assertTrue(e.getMessage().contains("ferry keys generate --force"), e.getMessage());
        // the store was closed on the way out: a start with the key removed succeeds
        Files.delete(data.resolve(dev.ferry.server.admin.SigningKey.FILE));
        try (Ferry ferry = Ferry.start(config())) {
            assertTrue(ferry.port() > 0);
        }
    }

    /**
     * The wiring of docs/bundles.md's promise: a mirror set registered at A travels in A's full export, and B, which
     * imports it, lists it without a schedule.
     */
    @Test
    void aRegisteredMirrorSetTravelsInAFullExportAndArrivesUnscheduled() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Path dataA = Files.createDirectories(tmp.resolve("a"));
        Signer signer = Signer.generate("ferry-a.example");
        SigningKey.write(dataA.resolve(SigningKey.FILE), signer, false);
        String yaml = "name: plant\nmodules:\n  - path: example.com/plant\n";
        JsonNode exported;
        List<Path> medium = List.of(tmp.resolve("medium").toAbsolutePath().normalize());
        try (Ferry a = Ferry.start(config(new ListenAddress("127.0.0.1", 0), dataA)
                .withBundles(new BundlesConfig(List.of(), List.of(), medium, false)))) {
            String token = Files.readString(dataA.resolve(AdminAuth.TOKEN_FILE)).strip();
            ObjectNode set = json.createObjectNode()
                    .put("content", yaml)
                    .put("fileName", "plant.yaml")
                    .put("refresh", "6h");
            assertEquals(
                    201, admin(a, token, "POST", "/admin/api/mirror-sets", set).statusCode());
            ObjectNode export = json.createObjectNode()
                    .put("to", Files.createDirectories(tmp.resolve("medium")).toString());
            exported = finished(
                    a,
                    token,
                    "/admin/api/exports/",
                    json.readTree(admin(a, token, "POST", "/admin/api/exports", export)
                                    .body())
                            .get("id")
                            .asText());
        }
        assertEquals("SUCCEEDED", exported.path("state").asText(), exported.toString());
        assertTrue(exported.toString().contains("{\"what\":\"mirror sets\",\"value\":1}"), exported.toString());

        Path dataB = Files.createDirectories(tmp.resolve("b"));
        // B trusts A's key by configuration and reads the medium under its bundle root
        try (Ferry b = Ferry.start(config(new ListenAddress("127.0.0.1", 0), dataB)
                .withBundles(new BundlesConfig(List.of(signer.verifier()), List.of(), medium, false)))) {
            String token = Files.readString(dataB.resolve(AdminAuth.TOKEN_FILE)).strip();
            ObjectNode imp = json.createObjectNode()
                    .put("from", exported.path("directory").asText());
            HttpResponse<String> started = admin(b, token, "POST", "/admin/api/imports", imp);
            assertEquals(202, started.statusCode(), started.body());
            JsonNode imported = finished(
                    b,
                    token,
                    "/admin/api/imports/",
                    json.readTree(started.body()).get("id").asText());
            assertEquals("SUCCEEDED", imported.path("state").asText(), imported.toString());
            // The sets are registered once the import job has ended, on a thread of their own.
            JsonNode sets;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            do {
                Thread.sleep(20); // polling interval, bounded by the deadline
                sets = json.readTree(admin(b, token, "GET", "/admin/api/mirror-sets", null)
                                .body())
                        .get("mirrorSets");
            } while (sets.isEmpty() && System.nanoTime() < deadline);
            assertEquals(1, sets.size(), sets.toString());
            assertEquals("plant", sets.get(0).path("name").asText(), sets.toString());
            assertTrue(sets.get(0).path("refresh").isNull(), "registered without a schedule: " + sets);
        }
    }

    HttpResponse<String> admin(Ferry f, String token, String method, String path, JsonNode body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(f.url() + path))
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body.toString()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Polls a job until it ended (bounded by a deadline). */
    JsonNode finished(Ferry f, String token, String jobs, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode p = new ObjectMapper()
                    .readTree(admin(f, token, "GET", jobs + id, null).body());
            if (!p.path("state").asText().equals("RUNNING") || System.nanoTime() > deadline) {
                return p;
            }
            Thread.sleep(20); // polling interval, bounded by the deadline
        }
    }
}
