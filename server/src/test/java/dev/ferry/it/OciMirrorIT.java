package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * ferry as a pull-through mirror of a real registry: Debian's docker-registry behind htpasswd auth plays
 * docker.io, holding the shared OCI fixture and a 300 MiB single-layer image built here. Real skopeo pulls
 * through ferry's three routes (default registry with {@code library/} added, {@code /v2/docker.io/...} path
 * prefix, containerd's {@code ?ns=}); digests must be the upstream's byte for byte. The last test stops the
 * upstream: what was pulled is still served, what was not fails fast and clearly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OciMirrorIT {
    private static final String USER = "mirror-upstream";
    private static final String PASSWORD = "upstream-secret-7";
    private static final long BIG_SIZE = 300L << 20;
    private static final String ALL_MANIFEST_TYPES = String.join(
            ", ",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private DockerRegistry upstream;
    private FerryProcess ferry;
    private Skopeo skopeo;
    private OciHttp http;
    private OciHttp upstreamHttp;
    private String ferryHost;
    private BigImage big;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(
                DockerRegistry.installed(),
                "docker-registry not installed (apt-get install docker-registry; .ci/run does)");
        assumeTrue(Skopeo.installed(), "skopeo not installed (apt-get install skopeo; .ci/run does)");
        assumeTrue(Htpasswd.installed(), "htpasswd not installed (apt-get install apache2-utils; .ci/run does)");
        upstream = new DockerRegistry(tmp.resolve("upstream"), USER, PASSWORD);
        OciFixtures.push(upstream.hostPort(), upstream.creds(), tmp.resolve("push-home"));
        // push.sh lets skopeo compress medium's uncompressed layer; this copy keeps it uncompressed, as built.
        Skopeo.Result raw = new Skopeo(tmp.resolve("push-home"))
                .copy(
                        "oci:" + OciFixtures.layout() + ":medium-3",
                        "docker://" + upstream.hostPort() + "/apps/medium-raw:3",
                        null,
                        upstream.creds(),
                        "--preserve-digests");
        assertTrue(raw.ok(), raw.toString());
        upstreamHttp = new OciHttp(upstream.url(), upstream.authorization());
        big = BigImage.build(tmp.resolve("big"), BIG_SIZE);
        big.push(upstreamHttp, "apps/big", "1");

        // Credentials from the environment, never argv; tags resolved again on every request (TTL 0), so the
        // upstream-down test shows stale serving rather than a still-fresh tag. A registry mirrored with the site's
        // credentials is served to anonymous clients only when configured so (docs/access.md): these tests pull
        // anonymously.
        ferry = FerryProcess.start(
                tmp.resolve("data"),
                tmp.resolve("ferry.log"),
                Map.of("FERRY_REGISTRY_DOCKER_IO_USERNAME", USER, "FERRY_REGISTRY_DOCKER_IO_PASSWORD", PASSWORD),
                "--registry",
                "docker.io=" + upstream.url(),
                "--default-registry",
                "docker.io",
                "--registry-tag-ttl",
                "0",
                "--anonymous-private");
        ferryHost = ferry.base().getHost() + ":" + ferry.base().getPort();
        skopeo = new Skopeo(tmp.resolve("skopeo-home"));
        http = new OciHttp(ferry.url(), null);
    }

    @AfterAll
    void stop() throws Exception {
        if (ferry != null) {
            ferry.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (http != null) {
            http.close();
            upstreamHttp.close();
        }
    }

    /** The manifest digest the upstream itself serves for a reference, as skopeo sees it. */
    private String upstreamDigest(String reference) throws Exception {
        Skopeo.Result r = skopeo.inspectRaw(upstream.hostPort() + "/" + reference, upstream.creds());
        assertTrue(r.ok(), r.toString());
        return OciFixtures.sha256(r.stdout());
    }

    @Test
    @Order(1)
    void skopeoPullsEveryFixtureImageByTagAndDigestOnEveryRoute() throws Exception {
        List<String> references = new ArrayList<>();
        for (OciFixtures.Image i : OciFixtures.images()) {
            // One tag of the twelve is enough here; r12 stays never-pulled for the upstream-down test.
            if (!i.repository().equals("apps/nested/tags") || i.tag().equals("r01")) {
                references.add(i.repository() + ":" + i.tag());
            }
        }
        references.add("apps/medium-raw:3");
        references.add("library/tiny-docker:1.0");
        references.add("library/duo-docker:2.0");

        int copies = 0;
        for (String ref : references) {
            String expected = upstreamDigest(ref);
            String repo = ref.substring(0, ref.indexOf(':'));
            List<String> routes = new ArrayList<>(List.of(ref, "docker.io/" + ref));
            if (repo.startsWith("library/")) {
                routes.add(ref.substring("library/".length())); // one-element name: library/ is added
            }
            for (String route : routes) {
                Skopeo.Result inspect = skopeo.inspectRaw(ferryHost + "/" + route, null);
                assertTrue(inspect.ok(), inspect.toString());
                assertEquals(
                        expected, OciFixtures.sha256(inspect.stdout()), "manifest digest through ferry for " + route);
            }
            // Copy by tag via the default route and by digest via the path prefix: blobs and manifests verified.
            String repoRoute = repo.startsWith("library/") ? repo.substring("library/".length()) : repo;
            copies += copyAndVerify(ref, ferryHost + "/" + repoRoute + ref.substring(repo.length()), expected);
            copies += copyAndVerify(ref, ferryHost + "/docker.io/" + repo + "@" + expected, expected);
        }
        assertEquals(references.size() * 2, copies);
        // The fixture's own digests for the OCI images: ferry changed nothing along the way.
        assertEquals(
                OciFixtures.image("duo-2.0").digest(),
                OciFixtures.sha256(
                        skopeo.inspectRaw(ferryHost + "/duo:2.0", null).stdout()));
        assertEquals(
                OciFixtures.image("medium-3").digest(),
                OciFixtures.sha256(skopeo.inspectRaw(ferryHost + "/docker.io/apps/medium-raw:3", null)
                        .stdout()));
    }

    /** skopeo copy --all from ferry into a local directory; checks every blob and the top manifest's digest. */
    private int copyAndVerify(String ref, String source, String expectedDigest) throws Exception {
        Path dest = Files.createTempDirectory(tmp, "copy-");
        boolean docker = ref.contains("-docker:");
        // oci: would convert Docker schema2 to OCI; dir: keeps manifests as served.
        String target = (docker ? "dir:" : "oci:") + dest + (docker ? "" : ":x");
        // --preserve-digests: an uncompressed layer stays uncompressed, so the copy's digests are the upstream's.
        Skopeo.Result copy = skopeo.copy("docker://" + source, target, null, null, "--preserve-digests");
        assertTrue(copy.ok(), copy.toString());
        if (docker) {
            assertEquals(
                    expectedDigest, OciFixtures.sha256(dest.resolve("manifest.json")), "copied manifest of " + source);
            try (var s = Files.list(dest)) {
                for (Path f : s.toList()) {
                    String name = f.getFileName().toString();
                    if (name.matches("[0-9a-f]{64}")) {
                        assertEquals("sha256:" + name, OciFixtures.sha256(f), "blob " + name + " of " + source);
                    }
                }
            }
        } else {
            JsonNode index = JSON.readTree(dest.resolve("index.json").toFile());
            assertEquals(
                    expectedDigest,
                    index.get("manifests").get(0).get("digest").asText(),
                    "copied manifest of " + source);
            assertTrue(OciFixtures.verifyLayoutBlobs(dest) >= 3, "blobs copied from " + source);
        }
        Fixtures.deleteTree(dest);
        return 1;
    }

    @Test
    @Order(2)
    void nsRouteServesEachManifestTypeWithItsDigestAndContentType() throws Exception {
        HttpResponse<byte[]> base = http.get("/v2/");
        assertEquals(200, base.statusCode(), OciHttp.text(base));
        assertEquals(
                "registry/2.0",
                base.headers().firstValue("Docker-Distribution-API-Version").orElse(null));

        String[][] cases = {
            {"library/tiny", "1.0", "application/vnd.oci.image.manifest.v1+json"},
            {"library/duo", "2.0", "application/vnd.oci.image.index.v1+json"},
            {"library/tiny-docker", "1.0", "application/vnd.docker.distribution.manifest.v2+json"},
            {"library/duo-docker", "2.0", "application/vnd.docker.distribution.manifest.list.v2+json"},
            {"apps/medium", "3", "application/vnd.oci.image.manifest.v1+json"},
        };
        for (String[] c : cases) {
            String path = "/v2/" + c[0] + "/manifests/" + c[1];
            HttpResponse<byte[]> up = upstreamHttp.get(path, "Accept", ALL_MANIFEST_TYPES);
            assertEquals(200, up.statusCode(), OciHttp.text(up));
            String digest = OciFixtures.sha256(up.body());

            HttpResponse<byte[]> r = http.get(path + "?ns=docker.io", "Accept", ALL_MANIFEST_TYPES);
            assertEquals(200, r.statusCode(), path + ": " + OciHttp.text(r));
            assertEquals(digest, r.headers().firstValue("Docker-Content-Digest").orElse(null), path);
            assertEquals(c[2], r.headers().firstValue("Content-Type").orElse(null), path);
            assertArrayEquals(up.body(), r.body(), path + ": body differs from the upstream's");

            HttpResponse<byte[]> h = http.head(path + "?ns=docker.io", "Accept", ALL_MANIFEST_TYPES);
            assertEquals(200, h.statusCode(), "HEAD " + path);
            assertEquals(digest, h.headers().firstValue("Docker-Content-Digest").orElse(null), "HEAD " + path);
            assertEquals(c[2], h.headers().firstValue("Content-Type").orElse(null), "HEAD " + path);
            assertEquals(
                    String.valueOf(up.body().length),
                    h.headers().firstValue("Content-Length").orElse(null),
                    "HEAD " + path);
            assertEquals(0, h.body().length);

            // By digest on the same route, the same bytes.
            HttpResponse<byte[]> byDigest =
                    http.get("/v2/" + c[0] + "/manifests/" + digest + "?ns=docker.io", "Accept", ALL_MANIFEST_TYPES);
            assertEquals(200, byDigest.statusCode(), OciHttp.text(byDigest));
            assertArrayEquals(up.body(), byDigest.body());
        }
    }

    @Test
    @Order(3)
    void tagsListPaginatesWithNLastAndLink() throws Exception {
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 12; i++) {
            expected.add("r%02d".formatted(i));
        }
        for (String start : List.of(
                "/v2/apps/nested/tags/tags/list?n=5",
                "/v2/docker.io/apps/nested/tags/tags/list?n=5",
                "/v2/apps/nested/tags/tags/list?ns=docker.io&n=5")) {
            List<String> seen = new ArrayList<>();
            List<Integer> pageSizes = new ArrayList<>();
            String next = start;
            while (next != null) {
                HttpResponse<byte[]> r = http.get(next);
                assertEquals(200, r.statusCode(), next + ": " + OciHttp.text(r));
                JsonNode body = JSON.readTree(r.body());
                // The name as this client addressed the repository: with the registry prefix when it used one.
                assertEquals(
                        start.startsWith("/v2/docker.io/") ? "docker.io/apps/nested/tags" : "apps/nested/tags",
                        body.get("name").asText(),
                        next);
                List<String> page = new ArrayList<>();
                body.get("tags").forEach(t -> page.add(t.asText()));
                seen.addAll(page);
                pageSizes.add(page.size());
                next = nextLink(r);
                assertTrue(pageSizes.size() <= 3, "more than 3 pages from " + start + ": " + seen);
            }
            assertEquals(expected, seen, "tags from " + start);
            assertEquals(List.of(5, 5, 2), pageSizes, "page sizes from " + start);
        }
        // last= alone: what sorts after it.
        HttpResponse<byte[]> after = http.get("/v2/apps/nested/tags/tags/list?n=100&last=r10");
        assertEquals(200, after.statusCode(), OciHttp.text(after));
        assertEquals(
                "[\"r11\",\"r12\"]", JSON.readTree(after.body()).get("tags").toString());
        assertTrue(after.headers().firstValue("Link").isEmpty(), "no Link on the last page");
    }

    private static final Pattern LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");

    private static String nextLink(HttpResponse<?> r) {
        String link = r.headers().firstValue("Link").orElse(null);
        if (link == null) {
            return null;
        }
        Matcher m = LINK.matcher(link);
        assertTrue(m.find(), "Link header " + link);
        return m.group(1);
    }

    @Test
    @Order(4)
    void blobRangeGetServesTheSliceAnd416BeyondTheEnd() throws Exception {
        // The 8 MiB random layer of apps/medium:3 (pushed as medium-raw with the layout's digests), known byte for
        // byte from the fixture layout.
        JsonNode manifest = JSON.readTree(
                Files.readAllBytes(layoutBlob(OciFixtures.image("medium-3").digest())));
        JsonNode largest = null;
        for (JsonNode l : manifest.get("layers")) {
            if (largest == null || l.get("size").asLong() > largest.get("size").asLong()) {
                largest = l;
            }
        }
        String digest = largest.get("digest").asText();
        long size = largest.get("size").asLong();
        byte[] whole = Files.readAllBytes(layoutBlob(digest));
        String path = "/v2/docker.io/apps/medium-raw/blobs/" + digest;

        for (long[] range : new long[][] {{0, 0}, {1000, 1999}, {size - 4096, size - 1}, {3_000_000, 5_999_999}}) {
            HttpResponse<byte[]> r = http.get(path, "Range", "bytes=" + range[0] + "-" + range[1]);
            assertEquals(
                    206,
                    r.statusCode(),
                    "range " + range[0] + "-" + range[1] + ": " + r.headers().map());
            assertEquals(
                    "bytes " + range[0] + "-" + range[1] + "/" + size,
                    r.headers().firstValue("Content-Range").orElse(null));
            assertArrayEquals(
                    java.util.Arrays.copyOfRange(whole, (int) range[0], (int) range[1] + 1),
                    r.body(),
                    "range " + range[0] + "-" + range[1]);
        }
        HttpResponse<byte[]> suffix = http.get(path, "Range", "bytes=-100");
        assertEquals(206, suffix.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(whole, whole.length - 100, whole.length), suffix.body());

        HttpResponse<byte[]> beyond = http.get(path, "Range", "bytes=" + size + "-");
        assertEquals(416, beyond.statusCode(), OciHttp.text(beyond));
        HttpResponse<byte[]> wayBeyond = http.get(path, "Range", "bytes=" + (size + 10) + "-" + (size + 20));
        assertEquals(416, wayBeyond.statusCode(), OciHttp.text(wayBeyond));

        HttpResponse<byte[]> all = http.get(path);
        assertEquals(200, all.statusCode());
        assertEquals(digest, OciFixtures.sha256(all.body()));
        assertEquals(digest, all.headers().firstValue("Docker-Content-Digest").orElse(digest));
    }

    private static Path layoutBlob(String digest) {
        return OciFixtures.layout().resolve("blobs/sha256/" + digest.substring("sha256:".length()));
    }

    @Test
    @Order(5)
    void twoConcurrentPullsOfAn300MiBLayerMakeOneUpstreamFetch() throws Exception {
        String path = "/v2/apps/big/blobs/" + big.layerDigest();
        // The manifest first, as a client would: it is what makes the blob's size and digest known.
        Skopeo.Result inspect = skopeo.inspectRaw(ferryHost + "/apps/big:1", null);
        assertTrue(inspect.ok(), inspect.toString());
        assertEquals(big.manifestDigest(), OciFixtures.sha256(inspect.stdout()));
        assertEquals(0, upstream.requests("GET", path).size(), "blob fetched before anyone asked for it");

        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Pull>> pulls = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            pulls.add(CompletableFuture.supplyAsync(() -> pull(go, path)));
        }
        go.countDown();
        Pull a = pulls.get(0).get(5, TimeUnit.MINUTES);
        Pull b = pulls.get(1).get(5, TimeUnit.MINUTES);
        for (Pull p : List.of(a, b)) {
            assertEquals(200, p.status());
            assertEquals(BIG_SIZE, p.bytes());
            assertEquals(big.layerDigest(), p.digest(), "bytes of the 300 MiB layer through ferry");
        }
        // The test is only worth something if the two really overlapped.
        assertTrue(a.startNanos() < b.endNanos() && b.startNanos() < a.endNanos(), "the two pulls did not overlap");
        List<Integer> fetched = upstream.requests("GET", path);
        System.out.printf(
                "OciMirrorIT: two concurrent 300 MiB pulls in %d and %d ms; upstream blob GETs: %s%n",
                TimeUnit.NANOSECONDS.toMillis(a.endNanos() - a.startNanos()),
                TimeUnit.NANOSECONDS.toMillis(b.endNanos() - b.startNanos()),
                fetched);
        assertEquals(List.of(200), fetched, "upstream blob GETs for two concurrent pulls");

        // Stored now: a range deep inside comes from the store, equal to the file's bytes; no new upstream GET.
        long from = 200_000_000L;
        HttpResponse<byte[]> r = http.get(path, "Range", "bytes=" + from + "-" + (from + 65_535));
        assertEquals(206, r.statusCode(), r.headers().map().toString());
        assertArrayEquals(big.slice(from, 65_536), r.body());
        assertEquals(416, http.get(path, "Range", "bytes=" + BIG_SIZE + "-").statusCode());
        assertEquals(List.of(200), upstream.requests("GET", path), "upstream blob GETs after a ranged read");
    }

    /**
     * Many clients miss one layer at once (issue 18; bench/cold/concurrency.sh runs 100 clients of 200 MiB by hand):
     * one upstream GET, and every client gets the whole layer, byte for byte.
     */
    @Test
    @Order(9)
    void manyConcurrentColdPullsOfOneLayerMakeOneUpstreamFetch() throws Exception {
        int clients = 24;
        long size = 48L << 20;
        BigImage crowd = BigImage.build(tmp.resolve("crowd"), size, 20261206L);
        crowd.push(upstreamHttp, "apps/crowd", "1");
        String path = "/v2/apps/crowd/blobs/" + crowd.layerDigest();
        assertEquals(0, upstream.requests("GET", path).size(), "blob fetched before anyone asked for it");

        CountDownLatch go = new CountDownLatch(1);
        List<Pull> done = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Pull>> pulls = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                pulls.add(threads.submit(() -> pull(go, path)));
            }
            go.countDown();
            for (Future<Pull> p : pulls) {
                done.add(p.get(5, TimeUnit.MINUTES));
            }
        }
        for (Pull p : done) {
            assertEquals(200, p.status());
            assertEquals(size, p.bytes());
            assertEquals(crowd.layerDigest(), p.digest(), "bytes of the layer through ferry");
        }
        // Worth something only if clients really shared a download: several started before the first one ended.
        long firstEnd = done.stream().mapToLong(Pull::endNanos).min().orElseThrow();
        long overlapping = done.stream().filter(p -> p.startNanos() < firstEnd).count();
        assertTrue(overlapping >= 2, "only " + overlapping + " pulls overlapped");
        assertEquals(List.of(200), upstream.requests("GET", path), "upstream blob GETs for " + clients + " pulls");
    }

    record Pull(int status, long bytes, String digest, long startNanos, long endNanos) {}

    private Pull pull(CountDownLatch go, String path) {
        try {
            go.await();
            long t0 = System.nanoTime();
            HttpResponse<InputStream> r =
                    http.send(http.request(path).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long n = 0;
            try (InputStream in = r.body()) {
                byte[] buf = new byte[1 << 16];
                int k;
                while ((k = in.read(buf)) > 0) {
                    md.update(buf, 0, k);
                    n += k;
                }
            }
            return new Pull(
                    r.statusCode(), n, "sha256:" + HexFormat.of().formatHex(md.digest()), t0, System.nanoTime());
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    @Order(6)
    void unconfiguredNamespaceIsAFast404WithTheSpecsErrorBody() throws Exception {
        for (String path : List.of(
                "/v2/library/tiny/manifests/1.0?ns=evil.example",
                "/v2/library/tiny/manifests/1.0?ns=127.0.0.1:1",
                "/v2/library/tiny/tags/list?ns=evil.example")) {
            long t0 = System.nanoTime();
            HttpResponse<byte[]> r = http.get(path, "Accept", ALL_MANIFEST_TYPES);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(404, r.statusCode(), path + ": " + OciHttp.text(r));
            assertTrue(
                    r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), OciHttp.text(r));
            JsonNode error = JSON.readTree(r.body()).get("errors").get(0);
            assertFalse(error.get("code").asText().isEmpty(), OciHttp.text(r));
            assertFalse(error.get("message").asText().isEmpty(), OciHttp.text(r));
            assertTrue(ms < 2000, path + " took " + ms + " ms (a lookup or dial of the name?)");
        }
    }

    @Test
    @Order(7)
    void credentialsFromTheConfigFileThroughEnvReferencesAndWrongOnesFailClearly() throws Exception {
        Path config = tmp.resolve("registries.yaml");
        Files.writeString(config, """
                oci:
                  registries:
                    docker.io:
                      endpoints: [%s]
                      username: ${IT_UPSTREAM_USER}
                      password: ${IT_UPSTREAM_PASSWORD}
                  defaultRegistry: docker.io
                access:
                  anonymousPrivate: true
                """.formatted(upstream.url()));
        String expected = upstreamDigest("library/duo:2.0");
        for (String password : List.of(PASSWORD, "not-the-password")) {
            Path data = Files.createTempDirectory(tmp, "yaml-data-");
            try (FerryProcess yaml = FerryProcess.start(
                    data,
                    tmp.resolve("ferry-yaml.log"),
                    Map.of("IT_UPSTREAM_USER", USER, "IT_UPSTREAM_PASSWORD", password),
                    "--config",
                    config.toString())) {
                String host = yaml.base().getHost() + ":" + yaml.base().getPort();
                Skopeo.Result r = skopeo.inspectRaw(host + "/duo:2.0", null);
                if (password.equals(PASSWORD)) {
                    assertTrue(r.ok(), r.toString());
                    assertEquals(expected, OciFixtures.sha256(r.stdout()));
                } else {
                    assertFalse(r.ok(), "pulled with a wrong upstream password: " + r);
                    assertTrue(r.millis() < 30_000, r.toString());
                    try (OciHttp h = new OciHttp(yaml.url(), null)) {
                        HttpResponse<byte[]> e = h.get("/v2/library/duo/manifests/2.0", "Accept", ALL_MANIFEST_TYPES);
                        assertTrue(e.statusCode() >= 400 && e.statusCode() != 500, OciHttp.text(e));
                        String message = JSON.readTree(e.body())
                                .get("errors")
                                .get(0)
                                .get("message")
                                .asText();
                        // Even once the endpoint's breaker is open, the message says what opened it.
                        assertTrue(message.contains("401") && message.contains("refused"), message);
                        assertFalse(
                                OciHttp.text(e).contains(password),
                                "the upstream password in an answer: " + OciHttp.text(e));
                        System.out.println("OciMirrorIT: wrong upstream password: " + OciHttp.text(e));
                    }
                }
            }
            assertFalse(
                    Files.readString(tmp.resolve("ferry-yaml.log")).contains(password), "a password in ferry's log");
        }
    }

    @Test
    @Order(8)
    void containerdWithFerryAsItsDockerIoMirrorPullsThroughTheNsRoute() throws Exception {
        assumeTrue(Containerd.usable(), "containerd and ctr not installed, or not root");
        String duo = upstreamDigest("library/duo:2.0");
        String r07 = upstreamDigest("apps/nested/tags:r07");
        try (Containerd containerd = new Containerd(tmp.resolve("containerd"))) {
            Path hosts = containerd.hostsDir("docker.io", ferry.url());
            for (String ref : List.of("docker.io/library/duo:2.0", "docker.io/apps/nested/tags:r07")) {
                Containerd.Result fetch =
                        containerd.ctr("content", "fetch", "--all-platforms", "--hosts-dir", hosts.toString(), ref);
                assertTrue(fetch.ok(), "ctr content fetch " + ref + ":\n" + fetch.output());
            }
            Containerd.Result ls = containerd.ctr("content", "ls", "-q");
            assertTrue(ls.ok(), ls.output());
            List<String> have = ls.output().lines().map(String::strip).toList();
            // The index, both platforms' manifests (containerd checked every digest as it fetched), and r07.
            JsonNode index = JSON.readTree(upstreamHttp
                    .get("/v2/library/duo/manifests/2.0", "Accept", ALL_MANIFEST_TYPES)
                    .body());
            List<String> expected = new ArrayList<>(List.of(duo, r07));
            index.get("manifests").forEach(m -> expected.add(m.get("digest").asText()));
            assertTrue(have.containsAll(expected), "containerd's content " + have + " lacks some of " + expected);
        }
        // containerd really took the ?ns= route: nothing else here asks for r07.
        String log = Files.readString(tmp.resolve("ferry.log"));
        assertTrue(
                log.contains("/v2/apps/nested/tags/manifests/r07?ns=docker.io"),
                "no ?ns=docker.io request for r07 in ferry's log");
    }

    @Test
    @Order(100)
    void upstreamDownServesStoredTagsStaleAndDigestsAndFailsFastForTheRest() throws Exception {
        // Pulled through ferry before the upstream goes away.
        String tiny = upstreamDigest("library/tiny:1.0");
        String duo = upstreamDigest("library/duo:2.0");
        assertTrue(skopeo.inspectRaw(ferryHost + "/tiny:1.0", null).ok());
        upstream.stop();
        try {
            Skopeo.Result stale = skopeo.inspectRaw(ferryHost + "/tiny:1.0", null);
            assertTrue(stale.ok(), "stored tag with upstream down: " + stale);
            assertEquals(tiny, OciFixtures.sha256(stale.stdout()));
            HttpResponse<byte[]> staleHttp =
                    http.get("/v2/library/tiny/manifests/1.0?ns=docker.io", "Accept", ALL_MANIFEST_TYPES);
            assertEquals(200, staleHttp.statusCode(), OciHttp.text(staleHttp));
            assertEquals(
                    tiny,
                    staleHttp.headers().firstValue("Docker-Content-Digest").orElse(null));

            assertEquals(
                    1,
                    copyAndVerify(
                            "apps/medium-raw:3",
                            ferryHost + "/docker.io/apps/medium-raw:3",
                            OciFixtures.image("medium-3").digest()),
                    "copy of a stored tag with upstream down");
            assertEquals(
                    1,
                    copyAndVerify("library/duo:2.0", ferryHost + "/library/duo@" + duo, duo),
                    "copy by digest with upstream down");

            // Never pulled: a clear failure, promptly.
            Skopeo.Result never = skopeo.inspectRaw(ferryHost + "/apps/nested/tags:r12", null);
            assertFalse(never.ok(), never.toString());
            assertTrue(never.millis() < 30_000, "a never-pulled tag with upstream down took " + never.millis() + " ms");
            long t0 = System.nanoTime();
            HttpResponse<byte[]> r = http.get("/v2/apps/nested/tags/manifests/r12", "Accept", ALL_MANIFEST_TYPES);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(r.statusCode() >= 400 && r.statusCode() != 500, OciHttp.text(r));
            JsonNode error = JSON.readTree(r.body()).get("errors").get(0);
            assertFalse(error.get("message").asText().isEmpty(), OciHttp.text(r));
            assertTrue(ms < 15_000, "never-pulled manifest with upstream down took " + ms + " ms");
            System.out.println(
                    "OciMirrorIT: never-pulled tag, upstream down: " + OciHttp.text(r) + " in " + ms + " ms");
        } finally {
            upstream.start();
        }
    }

    /**
     * A one-layer image with a layer of random bytes (an uncompressed layer media type; nothing unpacks it here),
     * its config and manifest, built in a directory. Big enough that a pull takes seconds, which is what the
     * coalescing test needs.
     */
    record BigImage(Path layer, String layerDigest, long size, byte[] config, byte[] manifest, String manifestDigest) {
        static BigImage build(Path dir, long size) throws Exception {
            return build(dir, size, 20261121L);
        }

        /** @param seed of the layer's bytes: another seed makes a layer that shares no chunk with the first */
        static BigImage build(Path dir, long size, long seed) throws Exception {
            Files.createDirectories(dir);
            Path layer = dir.resolve("layer");
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            SplittableRandom random = new SplittableRandom(seed);
            byte[] buf = new byte[1 << 20];
            ByteBuffer longs = ByteBuffer.wrap(buf);
            try (OutputStream out = Files.newOutputStream(layer)) {
                for (long written = 0; written < size; written += buf.length) {
                    longs.clear();
                    while (longs.hasRemaining()) {
                        longs.putLong(random.nextLong());
                    }
                    md.update(buf);
                    out.write(buf);
                }
            }
            String layerDigest = "sha256:" + HexFormat.of().formatHex(md.digest());
            byte[] config = """
                    {"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]},"config":{}}""".formatted(layerDigest).getBytes(StandardCharsets.UTF_8);
            byte[] manifest = """
                    {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                    "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},\
                    "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]}""".formatted(OciFixtures.sha256(config), config.length, layerDigest, size)
                    .getBytes(StandardCharsets.UTF_8);
            return new BigImage(layer, layerDigest, size, config, manifest, OciFixtures.sha256(manifest));
        }

        void push(OciHttp registry, String repo, String tag) throws Exception {
            assertEquals(layerDigest, registry.pushBlob(repo, layer));
            registry.pushBlob(repo, config);
            registry.putManifest(repo, tag, "application/vnd.oci.image.manifest.v1+json", manifest);
        }

        byte[] slice(long from, int length) throws IOException {
            try (FileChannel ch = FileChannel.open(layer)) {
                ByteBuffer b = ByteBuffer.allocate(length);
                while (b.hasRemaining() && ch.read(b, from + b.position()) > 0) {
                    // read until full
                }
                return b.array();
            }
        }
    }
}
