package dev.ferry.server.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ferry.server.Ferry;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.Setting;
import dev.ferry.testing.LoopbackWireMock;
import dev.ferry.upstreams.cluster.KeyOwners;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node answering its peers: only with the cluster token (compared whole), only from its store (the upstream is
 * never asked on a peer's behalf), only for what never changes, and with its node id on every answer.
 */
class PeerAnswersTest {
    private static final String TOKEN = "peer-answers-test-token";
    private static final String INFO = "/example.com/m/@v/v1.0.0.info";
    private static final byte[] INFO_BODY =
            "{\"Version\":\"v1.0.0\",\"Time\":\"2024-01-02T03:04:05Z\"}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    private final WireMockServer upstream = LoopbackWireMock.server();
    private final HttpClient http = HttpClient.newHttpClient();
    private Ferry ferry;

    @BeforeEach
    void upstream() {
        upstream.start();
        upstream.stubFor(get(INFO).willReturn(aResponse().withStatus(200).withBody(INFO_BODY)));
    }

    @AfterEach
    void stop() {
        if (ferry != null) {
            ferry.close();
        }
        upstream.stop();
    }

    private void start(String token) throws Exception {
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        flags.put(Setting.LISTEN, "127.0.0.1:0");
        flags.put(Setting.DATA, tmp.resolve("data").toString());
        flags.put(Setting.GO_UPSTREAM, upstream.baseUrl());
        flags.put(Setting.GO_SUMDB, "off");
        flags.put(Setting.OCI_REGISTRIES, "docker.io=" + upstream.baseUrl());
        flags.put(Setting.ACCESS_LOG, "false");
        ferry = Ferry.start(
                ConfigLoader.load(flags, token == null ? Map.of() : Map.of("FERRY_CLUSTER_TOKEN", token), null));
    }

    private HttpResponse<byte[]> ask(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ferry.url() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Ferry-Peer", token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void aNodeWithoutATokenAnswersNoPeer() throws Exception {
        start(null);
        HttpResponse<byte[]> r = ask("GET", INFO, TOKEN);
        assertEquals(403, r.statusCode());
        assertEquals("this node answers no peer requests: it has no cluster token\n", text(r));
        assertTrue(r.headers().firstValue("Ferry-Node").isPresent());
        assertEquals(0, upstream.getAllServeEvents().size());
    }

    @Test
    void onlyTheWholeTokenOpensTheStoreAndNothingReachesTheUpstream() throws Exception {
        start(TOKEN);
        for (String wrong : new String[] {"", "peer-answers-test-toke", TOKEN + "x", "Peer-answers-test-token"}) {
            HttpResponse<byte[]> r = ask("GET", INFO, wrong);
            assertEquals(403, r.statusCode(), wrong);
            assertEquals("wrong cluster token in Ferry-Peer\n", text(r));
        }
        String[][] cases = {
            {"GET", INFO, "404", "not held by this node\n"},
            {"HEAD", INFO, "404", ""},
            {"GET", "/example.com/m/@v/list", "404", "not held by this node\n"},
            {"GET", "/example.com/m/@latest", "404", "not held by this node\n"},
            {"GET", "/example.com/m/@v/master.info", "404", "not held by this node\n"},
            {"GET", "/sumdb/sum.golang.org/latest", "404", "not held by this node\n"},
            {"GET", "/v2/docker.io/library/x/manifests/latest", "404", "not held by this node\n"},
            {"GET", "/v2/docker.io/library/x/blobs/sha256:" + "a".repeat(64), "404", "not held by this node\n"},
            {"GET", "/v2/elsewhere/x/blobs/sha256:" + "a".repeat(64), "404", "not held by this node\n"},
            {"POST", INFO, "405", "peer requests are GET or HEAD\n"},
            {"GET", INFO + "?x=1", "400", "peer requests take no query string\n"},
            {"GET", "/Example.com/%2e%2e/@v/v1.0.0.info", "400", null},
        };
        for (String[] c : cases) {
            HttpResponse<byte[]> r = ask(c[0], c[1], TOKEN);
            assertEquals(Integer.parseInt(c[2]), r.statusCode(), c[0] + " " + c[1] + ": " + text(r));
            if (c[3] != null) {
                assertEquals(c[3], text(r), c[0] + " " + c[1]);
            }
        }
        assertEquals(0, upstream.getAllServeEvents().size(), "a peer request reached the upstream");
    }

    @Test
    void whatTheStoreHoldsIsServedWithTheNodesId() throws Exception {
        start(TOKEN);
        HttpResponse<byte[]> client = ask("GET", INFO, null);
        assertEquals(200, client.statusCode());
        assertEquals(1, upstream.getAllServeEvents().size());

        HttpResponse<byte[]> peer = ask("GET", INFO, TOKEN);
        assertEquals(200, peer.statusCode());
        assertArrayEquals(INFO_BODY, peer.body());
        assertEquals(
                "application/json", peer.headers().firstValue("Content-Type").orElse(""));
        HttpResponse<byte[]> head = ask("HEAD", INFO, TOKEN);
        assertEquals(200, head.statusCode());
        assertEquals(0, head.body().length);
        assertEquals(
                Long.toString(INFO_BODY.length),
                head.headers().firstValue("Content-Length").orElse(""));
        String node = peer.headers().firstValue("Ferry-Node").orElse("");
        assertTrue(node.length() >= 32, node);
        assertEquals(node, head.headers().firstValue("Ferry-Node").orElse(""), "one id per process");
        assertEquals(1, upstream.getAllServeEvents().size());

        String metrics = text(ask("GET", "/metrics", null));
        assertTrue(metrics.contains("ferry_peer_answers_total{outcome=\"found\"} 2.0"), metrics);
    }

    private HttpResponse<byte[]> ownerFetch(String method, String path, String value) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(ferry.url() + path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .header("Ferry-Peer", TOKEN)
                        .header("Ferry-Fetch", value)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> ownerFetchWithDown(String path, String down) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(ferry.url() + path))
                        .header("Ferry-Peer", TOKEN)
                        .header("Ferry-Fetch", "owner")
                        .header("Ferry-Owner-Down", down)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void anOwnerFetchIsServedThroughTheMirrorOnlyForAKeyThisNodeOwns() throws Exception {
        int port = freePort();
        String self = "http://127.0.0.1:" + port;
        String other = "http://127.0.0.1:" + freePort();
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        flags.put(Setting.LISTEN, "127.0.0.1:" + port);
        flags.put(Setting.DATA, tmp.resolve("data").toString());
        flags.put(Setting.GO_UPSTREAM, upstream.baseUrl());
        flags.put(Setting.GO_SUMDB, "off");
        flags.put(Setting.ACCESS_LOG, "false");
        flags.put(Setting.CLUSTER_PEERS, self + "," + other);
        flags.put(Setting.CLUSTER_SELF, self);
        ferry = Ferry.start(ConfigLoader.load(flags, Map.of("FERRY_CLUSTER_TOKEN", TOKEN), null));
        KeyOwners ring = new KeyOwners(List.of(URI.create(self), URI.create(other)), URI.create(self));
        List<String> infos = java.util.stream.IntStream.range(0, 200)
                .mapToObj(i -> "/example.com/m" + i + "/@v/v1.0.0.info")
                .toList();
        String mine = infos.stream().filter(ring::ownsSelf).findFirst().orElseThrow();
        String theirs =
                infos.stream().filter(p -> !ring.ownsSelf(p)).findFirst().orElseThrow();
        upstream.stubFor(get(mine).willReturn(aResponse().withStatus(200).withBody(INFO_BODY)));

        HttpResponse<byte[]> refused = ownerFetch("GET", theirs, "owner");
        assertEquals(421, refused.statusCode());
        assertTrue(text(refused).contains(other + " owns it"), text(refused));
        assertEquals(400, ownerFetch("GET", mine, "please").statusCode());
        assertEquals(405, ownerFetch("HEAD", mine, "owner").statusCode());
        assertEquals(400, ownerFetch("GET", "/example.com/m/@v/list", "owner").statusCode());
        assertEquals(0, upstream.getAllServeEvents().size(), "a refused owner fetch reached the upstream");

        HttpResponse<byte[]> served = ownerFetch("GET", mine, "owner");
        assertEquals(200, served.statusCode(), text(served));
        assertArrayEquals(INFO_BODY, served.body());
        assertEquals(1, upstream.getAllServeEvents().size());
        // Stored: asked again, as an owner fetch or as a peer, it is not fetched again.
        assertArrayEquals(INFO_BODY, ownerFetch("GET", mine, "owner").body());
        assertArrayEquals(INFO_BODY, ask("GET", mine, TOKEN).body());
        assertEquals(1, upstream.getAllServeEvents().size());
        String metrics = text(ask("GET", "/metrics", null));
        assertTrue(metrics.contains("ferry_peer_answers_total{outcome=\"owner_fetch\"} 2.0"), metrics);
        assertTrue(metrics.contains("ferry_peer_answers_total{outcome=\"not_owner\"} 1.0"), metrics);
    }

    @Test
    void anOwnerFetchNamingADeadOwnerIsServedOnlyByTheKeysOwnerWithoutIt() throws Exception {
        int port = freePort();
        String self = "http://127.0.0.1:" + port;
        String other = "http://127.0.0.1:" + freePort();
        String dead = "http://127.0.0.1:" + freePort();
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        flags.put(Setting.LISTEN, "127.0.0.1:" + port);
        flags.put(Setting.DATA, tmp.resolve("data").toString());
        flags.put(Setting.GO_UPSTREAM, upstream.baseUrl());
        flags.put(Setting.GO_SUMDB, "off");
        flags.put(Setting.ACCESS_LOG, "false");
        flags.put(Setting.CLUSTER_PEERS, self + "," + other + "," + dead);
        flags.put(Setting.CLUSTER_SELF, self);
        ferry = Ferry.start(ConfigLoader.load(flags, Map.of("FERRY_CLUSTER_TOKEN", TOKEN), null));
        KeyOwners ring =
                new KeyOwners(List.of(URI.create(self), URI.create(other), URI.create(dead)), URI.create(self));
        List<String> deadOwns = java.util.stream.IntStream.range(0, 300)
                .mapToObj(i -> "/example.com/m" + i + "/@v/v1.0.0.info")
                .filter(p -> ring.owner(p).equals(URI.create(dead)))
                .toList();
        String mine = deadOwns.stream()
                .filter(p ->
                        ring.owner(p, List.of(URI.create(dead))).orElseThrow().equals(URI.create(self)))
                .findFirst()
                .orElseThrow();
        String theirs = deadOwns.stream()
                .filter(p ->
                        ring.owner(p, List.of(URI.create(dead))).orElseThrow().equals(URI.create(other)))
                .findFirst()
                .orElseThrow();
        upstream.stubFor(get(mine).willReturn(aResponse().withStatus(200).withBody(INFO_BODY)));
        upstream.resetRequests();

        // Without the down-set, the dead node owns both.
        HttpResponse<byte[]> notOwner = ownerFetch("GET", mine, "owner");
        assertEquals(421, notOwner.statusCode());
        assertTrue(text(notOwner).contains(dead + " owns it"), text(notOwner));
        // Without the dead node, the other node owns this one: 421 naming it.
        HttpResponse<byte[]> refused = ownerFetchWithDown(theirs, dead);
        assertEquals(421, refused.statusCode());
        assertTrue(text(refused).contains(other + " owns it"), text(refused));
        // Naming every other node down leaves this node the owner of everything; naming itself, never.
        assertEquals(421, ownerFetchWithDown(mine, self).statusCode());
        // Only nodes of the ring may be named.
        for (String bad : List.of("http://127.0.0.1:1", "not a url", "", dead + ",", dead + ",http://example.com")) {
            HttpResponse<byte[]> r = ownerFetchWithDown(mine, bad);
            assertEquals(400, r.statusCode(), bad + ": " + text(r));
            assertTrue(text(r).contains("Ferry-Owner-Down"), text(r));
        }
        assertEquals(0, upstream.getAllServeEvents().size(), "a refused owner fetch reached the upstream");

        // This node owns it without the dead node: served through its mirror, fetched once.
        HttpResponse<byte[]> served = ownerFetchWithDown(mine, dead + "/");
        assertEquals(200, served.statusCode(), text(served));
        assertArrayEquals(INFO_BODY, served.body());
        assertEquals(1, upstream.getAllServeEvents().size());
        assertArrayEquals(INFO_BODY, ownerFetchWithDown(mine, dead).body());
        assertEquals(1, upstream.getAllServeEvents().size());
    }
}
