package dev.ferry.server;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry whose first endpoint tampers with a blob and whose second serves it right: the pull that met the
 * tampered bytes is answered with the right ones (skopeo gives up a whole copy on one 500), the liar is
 * quarantined, and nothing wrong is stored.
 */
class RegistryTamperFailoverTest {
    @TempDir
    Path tmp;
    /** With a Content-Length (as registries send), so clients follow the download as it arrives. */
    final WireMockServer liar = LoopbackWireMock.withLengths();

    final WireMockServer honest = LoopbackWireMock.server();
    final HttpClient http = HttpClient.newHttpClient();
    Ferry ferry;

    @BeforeEach
    void start() throws Exception {
        liar.start();
        honest.start();
        OciConfig oci = new OciConfig(
                List.of(new RegistryConfig("docker.io", List.of(endpoint(liar), endpoint(honest)))),
                "docker.io",
                List.of(),
                Duration.ZERO,
                1 << 20,
                Duration.ofHours(1),
                false,
                false,
                RegistryUsers.NONE);
        FerryConfig config = new FerryConfig(
                        new ListenAddress("127.0.0.1", 0),
                        tmp.resolve("data"),
                        "off",
                        new GoProxyList(List.of()),
                        Duration.ofMinutes(5),
                        Duration.ofMinutes(1),
                        UpstreamTimeouts.defaults(),
                        Level.SEVERE,
                        false)
                .withOci(oci);
        ferry = Ferry.start(config);
    }

    private static Upstream endpoint(WireMockServer server) {
        URI base = URI.create("http://127.0.0.1:" + server.port());
        return new Upstream(
                base,
                base.toString(),
                AfterFailure.MOVE_ON,
                1,
                Credentials.NONE,
                new UpstreamTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2)));
    }

    @AfterEach
    void stop() {
        if (ferry != null) {
            ferry.close();
        }
        liar.stop();
        honest.stop();
    }

    @Test
    void theClientWhosePullMetTheTamperedBlobGetsTheRightBytesFromTheNextEndpoint() throws Exception {
        // Small enough to be answered whole (the response has not started when the digest fails).
        byte[] good = "a small config blob ".repeat(140).getBytes(StandardCharsets.UTF_8);
        byte[] tampered = good.clone();
        tampered[tampered.length / 2] ^= 1;
        String digest = "sha256:"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(good));
        String path = "/v2/library/app/blobs/" + digest;
        // In pieces, so the client's response has taken in most of the bytes before the digest fails.
        liar.stubFor(get(urlEqualTo(path))
                .willReturn(aResponse().withStatus(200).withBody(tampered).withChunkedDribbleDelay(4, 400)));
        honest.stubFor(
                get(urlEqualTo(path)).willReturn(aResponse().withStatus(200).withBody(good)));

        HttpResponse<byte[]> r = pull(path);

        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertArrayEquals(good, r.body());
        liar.verify(1, getRequestedFor(urlEqualTo(path)));
        honest.verify(1, getRequestedFor(urlEqualTo(path)));
        String token = java.nio.file.Files.readString(tmp.resolve("data").resolve("admin-token"))
                .strip();
        HttpResponse<String> status = http.send(
                HttpRequest.newBuilder(URI.create(ferry.url() + "/admin/api/upstreams"))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(status.body().contains("\"subject\":\"blob " + digest), status.body());

        // Served from the store now: neither endpoint is asked again, and the bytes are the right ones.
        HttpResponse<byte[]> again = pull(path);
        assertEquals(200, again.statusCode());
        assertArrayEquals(good, again.body());
        liar.verify(1, getRequestedFor(urlEqualTo(path)));
        honest.verify(1, getRequestedFor(urlEqualTo(path)));
    }

    private HttpResponse<byte[]> pull(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(ferry.url() + path))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }
}
