package dev.ferry.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.ListenAddress;
import dev.ferry.server.config.OciConfig;
import dev.ferry.server.config.RegistryConfig;
import dev.ferry.server.registryauth.RegistryUsers;
import dev.ferry.testing.LoopbackWireMock;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole ferry, in-process, with docker.io mirrored from a WireMock endpoint and "team" hosted: bad input
 * never reaches the endpoint nor the store; good requests do reach the real mirror and hosted implementations.
 */
class FerryRegistryTest {
    static final String ALICE = "Basic " + Base64.getEncoder().encodeToString("alice:secret".getBytes());
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    final WireMockServer upstream = LoopbackWireMock.server();
    final HttpClient http = HttpClient.newHttpClient();
    Ferry ferry;

    @BeforeEach
    void start() throws Exception {
        upstream.start();
        Path users = tmp.resolve("htpasswd");
        Files.writeString(users, "alice:$2y$04$/bTlFK1R8VW4an/u4ZphauFFhUrVAyi7TpbcUVWsM4ws5XQHGtpke\n");
        URI base = URI.create("http://127.0.0.1:" + upstream.port());
        Upstream endpoint = new Upstream(
                base,
                base.toString(),
                AfterFailure.MOVE_ON,
                1,
                Credentials.NONE,
                new UpstreamTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2)));
        OciConfig oci = new OciConfig(
                List.of(new RegistryConfig("docker.io", List.of(endpoint))),
                "docker.io",
                List.of("team"),
                Duration.ofMinutes(5),
                1 << 20,
                Duration.ofHours(1),
                true,
                false,
                RegistryUsers.load(users));
        FerryConfig config = new FerryConfig(
                        new ListenAddress("127.0.0.1", 0),
                        tmp.resolve("data"),
                        "off",
                        new GoProxyList(List.of()),
                        Duration.ofMinutes(5),
                        Duration.ofMinutes(1),
                        UpstreamTimeouts.defaults(),
                        Level.WARNING,
                        false)
                .withOci(oci);
        ferry = Ferry.start(config);
    }

    @AfterEach
    void stop() {
        if (ferry != null) {
            ferry.close();
        }
        upstream.stop();
    }

    HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ferry.url() + path))
                .timeout(Duration.ofSeconds(20))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void badInputNeverReachesTheUpstreamNorTheStore() throws Exception {
        String d = "sha256:" + "a".repeat(64);
        String[][] cases = {
            {"GET", "/v2/Library/alpine/manifests/latest"},
            {"GET", "/v2/library/../etc/manifests/latest"},
            {"GET", "/v2/a//b/manifests/latest"},
            {"GET", "/v2/" + "a/".repeat(150) + "b/manifests/latest"},
            {"GET", "/v2/library/alpine/blobs/md5:d41d8cd98f00b204e9800998ecf8427e"},
            {"GET", "/v2/library/alpine/blobs/sha256:abc"},
            {"GET", "/v2/library/alpine/blobs/sha256:" + "A".repeat(64)},
            {"GET", "/v2/library/alpine/manifests/-bad"},
            {"GET", "/v2/library/alpine/manifests/latest?ns=127.0.0.1:" + upstream.port()},
            {"GET", "/v2/library/alpine/manifests/latest?ns=evil.example"},
            {"PUT", "/v2/library/alpine/manifests/latest"},
            {"POST", "/v2/library/alpine/blobs/uploads/"},
        };
        for (String[] c : cases) {
            HttpResponse<byte[]> r = send(c[0], c[1], null);
            assertTrue(r.statusCode() >= 400 && r.statusCode() < 500, c[1] + " -> " + r.statusCode());
            assertTrue(
                    JSON.readTree(r.body()).path("errors").path(0).path("code").isTextual(), c[1]);
        }
        HttpResponse<byte[]> range = send("GET", "/v2/library/alpine/blobs/" + d, null, "Range", "bytes=x-y");
        assertEquals(416, range.statusCode());
        HttpResponse<byte[]> tooBig = send(
                "POST", "/v2/team/app/blobs/uploads/?digest=" + d, new byte[(1 << 20) + 1], "Authorization", ALICE);
        assertEquals(413, tooBig.statusCode());
        assertEquals(0, upstream.getAllServeEvents().size(), "requests reached the upstream registry");
        HttpResponse<byte[]> catalog = send("GET", "/v2/_catalog", null, "Authorization", ALICE);
        assertEquals(200, catalog.statusCode(), new String(catalog.body()));
        assertEquals(0, JSON.readTree(catalog.body()).path("repositories").size(), new String(catalog.body()));
    }

    @Test
    void aPushedBlobComesBackAndAMirroredRequestDialsTheConfiguredEndpoint() throws Exception {
        byte[] blob = "hello, registry".getBytes();
        String digest = "sha256:"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob));
        HttpResponse<byte[]> anonymous = send("POST", "/v2/team/app/blobs/uploads/?digest=" + digest, blob);
        assertEquals(401, anonymous.statusCode());
        HttpResponse<byte[]> pushed = send(
                "POST",
                "/v2/team/app/blobs/uploads/?digest=" + digest,
                blob,
                "Authorization",
                ALICE,
                "Content-Type",
                "application/octet-stream");
        assertEquals(201, pushed.statusCode(), new String(pushed.body()));
        assertEquals(
                "/v2/team/app/blobs/" + digest,
                pushed.headers().firstValue("Location").orElseThrow());
        HttpResponse<byte[]> pulled = send("GET", "/v2/team/app/blobs/" + digest, null, "Authorization", ALICE);
        assertEquals(200, pulled.statusCode());
        assertArrayEquals(blob, pulled.body());
        assertEquals(
                digest, pulled.headers().firstValue("Docker-Content-Digest").orElseThrow());

        HttpResponse<byte[]> mirrored = send("GET", "/v2/alpine/manifests/latest", null);
        assertTrue(mirrored.statusCode() >= 400, "WireMock has no stubs: " + mirrored.statusCode());
        assertTrue(
                upstream.getAllServeEvents().stream()
                        .anyMatch(e -> e.getRequest().getUrl().startsWith("/v2/library/alpine/manifests/latest")),
                "the mirror asked its endpoint for library/alpine");

        HttpResponse<byte[]> admin = send(
                "GET",
                "/admin/api/upstreams",
                null,
                "Authorization",
                "Bearer " + Files.readString(tmp.resolve("data/admin-token")).strip());
        assertTrue(new String(admin.body()).contains("\"registry:docker.io\""), new String(admin.body()));
    }
}
