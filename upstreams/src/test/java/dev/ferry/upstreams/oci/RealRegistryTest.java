package dev.ferry.upstreams.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.RetryPolicy;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamEvents;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against Debian's docker-registry (CNCF distribution 2.8.2) with htpasswd auth, holding the shared OCI
 * fixture pushed by skopeo. That registry answers Basic challenges (not Bearer) and has no referrers API.
 */
class RealRegistryTest {
    private static final Path FIXTURES = Path.of("/work/shared/fixtures/oci");
    private static final String TINY_DIGEST = "sha256:b2302881ff0e3e948d5b997559bd2661fad201c00688554156cdb97d3cb2a989";
    private static final UpstreamTimeouts TIMEOUTS =
            new UpstreamTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(10));

    @TempDir
    static Path dir;

    private static Process registry;
    private static String url;

    @BeforeAll
    static void startRegistryAndPush() throws Exception {
        for (String tool : List.of("/usr/bin/docker-registry", "/usr/bin/skopeo", "/usr/bin/htpasswd")) {
            Assumptions.assumeTrue(Files.isExecutable(Path.of(tool)), tool + " is not installed");
        }
        Assumptions.assumeTrue(Files.isExecutable(FIXTURES.resolve("push.sh")), "OCI fixture missing");
        Process htpasswd = new ProcessBuilder("htpasswd", "-Bbn", "user", "pass")
                .redirectErrorStream(false)
                .start();
        byte[] entry = htpasswd.getInputStream().readAllBytes();
        assertEquals(0, htpasswd.waitFor());
        Files.write(dir.resolve("htpasswd"), entry);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("config.yml"), """
                version: 0.1
                log: { level: warn }
                storage: { filesystem: { rootdirectory: %s } }
                http: { addr: 127.0.0.1:%d, secret: ferry-test }
                auth: { htpasswd: { realm: ferry-test, path: %s } }
                """.formatted(dir.resolve("data"), port, dir.resolve("htpasswd")));
        registry = new ProcessBuilder(
                        "/usr/bin/docker-registry",
                        "serve",
                        dir.resolve("config.yml").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile())
                .start();
        url = "http://127.0.0.1:" + port;
        awaitListening(URI.create(url + "/v2/"));
        Process push = new ProcessBuilder(
                        FIXTURES.resolve("push.sh").toString(), "127.0.0.1:" + port, "--creds", "user:pass")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("push.log").toFile())
                .start();
        assertTrue(push.waitFor(5, TimeUnit.MINUTES), "push.sh did not finish");
        assertEquals(0, push.exitValue(), () -> read(dir.resolve("push.log")));
    }

    /** Polls until the registry answers (it needs a moment to bind); bounded, so a broken start fails the test. */
    private static void awaitListening(URI v2) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            try {
                int status = http.send(HttpRequest.newBuilder(v2).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                assertEquals(401, status, "an htpasswd registry refuses anonymous /v2/");
                return;
            } catch (IOException e) {
                assertTrue(registry.isAlive(), () -> "docker-registry exited: " + read(dir.resolve("registry.log")));
                Thread.sleep(100);
            }
        }
        throw new AssertionError("docker-registry did not listen within 20 s: " + read(dir.resolve("registry.log")));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.destroy();
        }
    }

    private static HttpRegistryClient client(Credentials credentials) {
        Upstream endpoint = new Upstream(URI.create(url), url, AfterFailure.MOVE_ON, 1, credentials, TIMEOUTS);
        return new HttpRegistryClient(
                "local",
                List.of(endpoint),
                PoolSettings.defaults().withRetry(RetryPolicy.none()),
                UpstreamEvents.NONE,
                Clock.systemUTC());
    }

    @Test
    void headManifestBlobAndTagsWithCredentials() throws Exception {
        try (HttpRegistryClient c = client(new Credentials.Basic("user", "pass"))) {
            RepositoryName tiny = RepositoryName.parse("library/tiny");

            ManifestHead head = fetched(c.headManifest(tiny, Reference.parse("1.0")));
            assertEquals(new ManifestHead(MediaTypes.OCI_MANIFEST, Digest.parse(TINY_DIGEST), head.size()), head);
            assertTrue(head.size() > 0);

            byte[] manifest = fetched(c.manifest(tiny, Reference.parse(TINY_DIGEST), (body, h, endpoint) -> {
                assertEquals(head, h);
                return body.readAllBytes();
            }));
            assertEquals(TINY_DIGEST, sha256(manifest));
            assertEquals(head.size(), manifest.length);

            JsonNode layer = new ObjectMapper().readTree(manifest).get("layers").get(0);
            Digest layerDigest = Digest.parse(layer.get("digest").asText());
            byte[] blob = fetched(c.blob(tiny, layerDigest, (body, length, endpoint) -> {
                assertEquals(layer.get("size").asLong(), length);
                return body.readAllBytes();
            }));
            assertEquals(layerDigest.toString(), sha256(blob));

            RepositoryName nested = RepositoryName.parse("apps/nested/tags");
            List<String> all = new ArrayList<>();
            String last = null;
            int pages = 0;
            do {
                TagPage page = fetched(c.tags(nested, 5, last));
                all.addAll(page.tags());
                last = page.nextLast();
                pages++;
            } while (last != null && pages < 10);
            // distribution 2.8.2 ignores n for tags (one page, no Link) and lists in storage order, not lexical
            // order: compare sorted. Pagination itself is covered against WireMock.
            assertEquals(
                    List.of("r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09", "r10", "r11", "r12"),
                    all.stream().sorted().toList());

            // distribution 2.8 has no referrers API: NotFound, so the mirror falls back to the tag schema.
            assertInstanceOf(FetchResult.NotFound.class, c.referrers(tiny, Digest.parse(TINY_DIGEST)));
            assertInstanceOf(FetchResult.NotFound.class, c.headManifest(tiny, Reference.parse("no-such-tag")));
        }
    }

    @Test
    void wrongCredentialsFailWithoutLeakingThePassword() {
        try (HttpRegistryClient c = client(new Credentials.Basic("user", "wrong-password"))) {
            FetchResult<ManifestHead> r = c.headManifest(RepositoryName.parse("library/tiny"), Reference.parse("1.0"));
            String summary = assertInstanceOf(FetchResult.Failed.class, r).summary();
            assertTrue(summary.contains("401") && !summary.contains("wrong-password"), summary);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T fetched(FetchResult<T> r) {
        return ((FetchResult.Fetched<T>) assertInstanceOf(FetchResult.Fetched.class, r, r.toString())).value();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return "sha256:"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
