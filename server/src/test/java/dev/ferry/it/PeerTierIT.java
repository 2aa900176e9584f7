package dev.ferry.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import dev.ferry.server.Ferry;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.Setting;
import dev.ferry.testing.LoopbackWireMock;
import dev.ferry.upstreams.cluster.KeyOwners;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two ferry nodes on loopback in front of one static upstream that counts what it is asked: a file one node holds
 * reaches the other from it with no upstream request, checked exactly as an upstream's would be; a peer request is
 * answered from the store only (so it can neither reach the upstream nor loop), and only with the cluster token; a
 * peer that sends tampered bytes is refused, and what is stored is the upstream's.
 */
class PeerTierIT {
    private static final String TOKEN = "peer-tier-it-token-0123456789";
    private static final String UUID_ZIP = "github.com/google/uuid/@v/v1.3.0.zip";
    private static final String UUID_MOD = "github.com/google/uuid/@v/v1.3.0.mod";
    private static final String COBRA_ZIP = "github.com/spf13/cobra/@v/v1.6.1.zip";
    private static final String REPO = "library/demo";

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** A static upstream of the Go fixture (proxy and checksum database) and one blob of a registry. */
    private record Upstream(StaticGoProxy server, byte[] blob, String digest) {}

    private Upstream upstream() throws Exception {
        byte[] blob = ("a layer of the peer tier test " + System.nanoTime())
                .repeat(3000)
                .getBytes();
        String digest = "sha256:"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob));
        Path registry = tmp.resolve("registry");
        Path file = registry.resolve("v2/" + REPO + "/blobs/" + digest);
        Files.createDirectories(file.getParent());
        Files.write(file, blob);
        StaticGoProxy server = new StaticGoProxy(Fixtures.goProxyTree(), registry);
        open.add(server);
        return new Upstream(server, blob, digest);
    }

    private Ferry node(String name, int port, String upstream, String peers) throws Exception {
        return node(name, port, upstream, peers, null);
    }

    private Ferry node(String name, int port, String upstream, String peers, String self) throws Exception {
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        flags.put(Setting.LISTEN, "127.0.0.1:" + port);
        flags.put(Setting.DATA, tmp.resolve(name).toString());
        flags.put(Setting.GO_UPSTREAM, upstream);
        flags.put(Setting.GO_SUMDB, Fixtures.sumdbKey());
        flags.put(Setting.OCI_REGISTRIES, "docker.io=" + upstream);
        flags.put(Setting.ACCESS_LOG, "false");
        if (peers != null) {
            flags.put(Setting.CLUSTER_PEERS, peers);
        }
        if (self != null) {
            flags.put(Setting.CLUSTER_SELF, self);
        }
        Ferry ferry = Ferry.start(ConfigLoader.load(flags, Map.of("FERRY_CLUSTER_TOKEN", TOKEN), null));
        open.add(ferry);
        return ferry;
    }

    private HttpResponse<byte[]> get(String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (token != null) {
            b.header("Ferry-Peer", token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** An owner fetch ({@code Ferry-Fetch: owner}) with {@code token} in Ferry-Peer (none when null). */
    private HttpResponse<byte[]> ownerFetch(String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Ferry-Fetch", "owner");
        if (token != null) {
            b.header("Ferry-Peer", token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The sum of the series of {@code name} whose labels contain {@code label} (e.g. {@code upstream="..."}). */
    private double sum(Ferry ferry, String name, String label) throws Exception {
        return new String(get(ferry.url() + "/metrics", null).body())
                .lines()
                .filter(l -> l.startsWith(name + "{") && l.contains(label))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private String peerLines(Ferry ferry) throws Exception {
        return "\n"
                + new String(get(ferry.url() + "/metrics", null).body())
                        .lines()
                        .filter(l -> l.startsWith("ferry_peer")
                                || l.startsWith("ferry_sumdb")
                                || l.startsWith("ferry_upstream_requests"))
                        .collect(java.util.stream.Collectors.joining("\n"));
    }

    private double metric(Ferry ferry, String series) throws Exception {
        String text = new String(get(ferry.url() + "/metrics", null).body());
        Matcher m =
                Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void aFileOneNodeHoldsReachesTheOtherWithoutTheUpstream() throws Exception {
        Upstream up = upstream();
        int portA = DockerRegistry.freePort();
        int portB = DockerRegistry.freePort();
        // The same list on both nodes and no cluster.self: each finds itself in it and stops asking itself.
        String peers = "http://127.0.0.1:" + portA + ",http://127.0.0.1:" + portB;
        Ferry a = node("a", portA, up.server().url(), peers);
        Ferry b = node("b", portB, up.server().url(), peers);
        byte[] genuine = Files.readAllBytes(Fixtures.goProxyTree().resolve(UUID_ZIP));

        HttpResponse<byte[]> first = get(a.url() + "/" + UUID_ZIP, null);
        assertEquals(200, first.statusCode());
        assertArrayEquals(genuine, first.body());
        assertEquals(1, up.server().requestsFor("/" + UUID_ZIP));
        HttpResponse<byte[]> blobA = get(a.url() + "/v2/docker.io/" + REPO + "/blobs/" + up.digest(), null);
        assertEquals(200, blobA.statusCode());
        assertArrayEquals(up.blob(), blobA.body());

        int before = up.server().requests();
        HttpResponse<byte[]> second = get(b.url() + "/" + UUID_ZIP, null);
        assertEquals(200, second.statusCode());
        assertArrayEquals(genuine, second.body());
        HttpResponse<byte[]> blobB = get(b.url() + "/v2/docker.io/" + REPO + "/blobs/" + up.digest(), null);
        assertEquals(200, blobB.statusCode());
        assertArrayEquals(up.blob(), blobB.body());
        assertEquals(
                List.of(),
                up.server().paths().subList(before, up.server().requests()),
                "node B asked the upstream for what node A holds (the zip, its checksum records, the blob)"
                        + peerLines(a) + peerLines(b));
        String peerA = "peer=\"http://127.0.0.1:" + portA + "\"";
        assertTrue(metric(b, "ferry_peer_requests_total{outcome=\"found\"," + peerA + "}") >= 2, "from A");
        assertEquals(
                metric(b, "ferry_peer_requests_total{outcome=\"found\"," + peerA + "}"),
                metric(a, "ferry_peer_answers_total{outcome=\"found\"}"));
        // A asked itself (first in the list; a few questions at once may each do so), saw its own id, and stops.
        double self = metric(a, "ferry_peer_requests_total{outcome=\"self\"," + peerA + "}");
        assertTrue(self >= 1, "A never found itself");
        assertEquals(200, get(a.url() + "/" + UUID_MOD, null).statusCode());
        assertEquals(self, metric(a, "ferry_peer_requests_total{outcome=\"self\"," + peerA + "}"));

        // Now B holds them and serves them itself (its own copy, as stored after its checks).
        HttpResponse<byte[]> peerAsk = get(b.url() + "/" + UUID_ZIP, TOKEN);
        assertEquals(200, peerAsk.statusCode());
        assertArrayEquals(genuine, peerAsk.body());
    }

    @Test
    void aPeerRequestNeedsTheTokenAndNeverReachesTheUpstreamOrLoops() throws Exception {
        Upstream up = upstream();
        int portA = DockerRegistry.freePort();
        int portB = DockerRegistry.freePort();
        Ferry a = node("a", portA, up.server().url(), "http://127.0.0.1:" + portB);
        Ferry b = node("b", portB, up.server().url(), "http://127.0.0.1:" + portA);

        for (String token : new String[] {"", "wrong-token-of-the-right-length"}) {
            HttpResponse<byte[]> refused = get(a.url() + "/" + UUID_MOD, token);
            assertEquals(403, refused.statusCode(), "token \"" + token + "\"");
            assertTrue(new String(refused.body()).contains("cluster token"), new String(refused.body()));
        }
        HttpResponse<byte[]> notHeld = get(a.url() + "/" + COBRA_ZIP, TOKEN);
        assertEquals(404, notHeld.statusCode());
        assertEquals("not held by this node\n", new String(notHeld.body()));
        HttpResponse<byte[]> blobNotHeld = get(a.url() + "/v2/docker.io/" + REPO + "/blobs/" + up.digest(), TOKEN);
        assertEquals(404, blobNotHeld.statusCode());
        HttpResponse<byte[]> bad = get(a.url() + "/not/a/module/@v/v1.zip%2f", TOKEN);
        assertEquals(400, bad.statusCode());

        assertEquals(
                0,
                up.server().requests(),
                "a peer request reached the upstream: " + up.server().paths());
        assertEquals(2.0, metric(a, "ferry_peer_answers_total{outcome=\"refused\"}"));
        assertEquals(2.0, metric(a, "ferry_peer_answers_total{outcome=\"not_found\"}"));
        // A answered from its store alone: it asked B nothing, so nothing could come back to A.
        assertEquals(0.0, metric(b, "ferry_peer_answers_total{outcome=\"not_found\"}"));
        assertEquals(0.0, metric(b, "ferry_peer_answers_total{outcome=\"found\"}"));

        // A client's miss on A: A asks B (the zip, its checksum records), B answers each from its store (404) and
        // asks A nothing back; the upstream is asked once per file.
        HttpResponse<byte[]> client = get(a.url() + "/" + COBRA_ZIP, null);
        assertEquals(200, client.statusCode());
        String peerB = "peer=\"http://127.0.0.1:" + portB + "\"";
        String peerA = "peer=\"http://127.0.0.1:" + portA + "\"";
        double asked = metric(a, "ferry_peer_requests_total{outcome=\"not_found\"," + peerB + "}");
        assertTrue(asked >= 2, "the zip and its lookup were asked of B: " + asked);
        assertEquals(asked, metric(b, "ferry_peer_answers_total{outcome=\"not_found\"}"));
        for (String outcome : new String[] {"found", "not_found", "failed", "self"}) {
            assertEquals(0.0, metric(b, "ferry_peer_requests_total{outcome=\"" + outcome + "\"," + peerA + "}"));
        }
        assertEquals(0.0, metric(a, "ferry_peer_answers_total{outcome=\"found\"}"));
        List<String> paths = up.server().paths();
        assertEquals(
                paths.size(), new java.util.HashSet<>(paths).size(), "a file asked of the upstream twice: " + paths);
        assertEquals(1, up.server().requestsFor("/" + COBRA_ZIP));
    }

    @Test
    void anOwnerFetchIsServedOnlyByTheKeysOwnerNeverLoopsAndNeedsTheToken() throws Exception {
        Upstream up = upstream();
        int portA = DockerRegistry.freePort();
        int portB = DockerRegistry.freePort();
        String urlA = "http://127.0.0.1:" + portA;
        String urlB = "http://127.0.0.1:" + portB;
        String peers = urlA + "," + urlB;
        Ferry a = node("a", portA, up.server().url(), peers, urlA);
        Ferry b = node("b", portB, up.server().url(), peers, urlB);
        // The ring both nodes compute (as HAProxy would with these two servers, in this order).
        KeyOwners ring = new KeyOwners(List.of(URI.create(urlA), URI.create(urlB)), URI.create(urlA));
        List<String> zips = new ArrayList<>();
        try (var files = Files.walk(Fixtures.goProxyTree())) {
            files.filter(f -> f.toString().endsWith(".zip"))
                    .map(f -> Fixtures.goProxyTree().relativize(f).toString())
                    .sorted()
                    .forEach(zips::add);
        }
        String ownedByA =
                zips.stream().filter(z -> ring.ownsSelf("/" + z)).findFirst().orElseThrow();
        List<String> ofB = zips.stream().filter(z -> !ring.ownsSelf("/" + z)).toList();
        String ownedByB = ofB.get(0);
        String alsoOwnedByB = ofB.get(1);

        // Without the cluster token, or with a wrong one: 403, before anything is looked up.
        for (String token : new String[] {null, "", "wrong-token-of-the-right-length"}) {
            HttpResponse<byte[]> refused = ownerFetch(a.url() + "/" + ownedByA, token);
            assertEquals(403, refused.statusCode(), "token " + token);
        }
        // B does not own A's key: it refuses (421, naming the owner) and fetches nothing, nor asks A.
        double answeredByA = sum(a, "ferry_peer_answers_total", "");
        HttpResponse<byte[]> misdirected = ownerFetch(b.url() + "/" + ownedByA, TOKEN);
        assertEquals(421, misdirected.statusCode());
        assertTrue(new String(misdirected.body()).contains(urlA + " owns it"), new String(misdirected.body()));
        assertEquals(
                0,
                up.server().requests(),
                "a refused owner fetch reached the upstream: " + up.server().paths());
        assertEquals(answeredByA, sum(a, "ferry_peer_answers_total", ""), "B asked A: " + peerLines(a));
        // Only the files a client could ask that never change, and the tree head: not lists.
        String list = ownedByA.substring(0, ownedByA.indexOf("/@v/") + 4) + "list";
        assertEquals(400, ownerFetch(a.url() + "/" + list, TOKEN).statusCode());

        // The owner serves it through its mirror: fetched once, checked, stored, the bytes sent.
        byte[] genuine = Files.readAllBytes(Fixtures.goProxyTree().resolve(ownedByA));
        HttpResponse<byte[]> owned = ownerFetch(a.url() + "/" + ownedByA, TOKEN);
        assertEquals(200, owned.statusCode(), new String(owned.body()));
        assertArrayEquals(genuine, owned.body());
        assertEquals(1, up.server().requestsFor("/" + ownedByA));
        assertArrayEquals(genuine, get(a.url() + "/" + ownedByA, TOKEN).body(), "stored on the owner");

        // A client's miss on A of a file B owns: A asks B to fetch it; B fetches it once and never asks A back.
        HttpResponse<byte[]> viaOwner = get(a.url() + "/" + ownedByB, null);
        assertEquals(200, viaOwner.statusCode());
        assertArrayEquals(Files.readAllBytes(Fixtures.goProxyTree().resolve(ownedByB)), viaOwner.body());
        assertEquals(1, up.server().requestsFor("/" + ownedByB));
        assertTrue(
                sum(b, "ferry_peer_answers_total", "outcome=\"owner_fetch\"") >= 1,
                "A asked B to fetch: " + peerLines(b));
        // Both nodes stored it: B as its owner, A as the asker.
        assertEquals(200, get(b.url() + "/" + ownedByB, TOKEN).statusCode());
        assertEquals(200, get(a.url() + "/" + ownedByB, TOKEN).statusCode());
        // Concurrent misses of one file on both nodes meet in the owner's one download.
        List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> both = new ArrayList<>();
        for (Ferry n : new Ferry[] {a, b, a, b}) {
            both.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return get(n.url() + "/" + alsoOwnedByB, null);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (var f : both) {
            assertEquals(200, f.join().statusCode());
        }
        assertEquals(1, up.server().requestsFor("/" + alsoOwnedByB));

        // No loop, by the counts: every owner fetch one node sent, the other answered as the owner (A also answered
        // this test's own); none was refused as misdirected but the one above; no file reached the upstream twice.
        String ownerOfA = "upstream=\"" + urlA + " (owner)\"";
        String ownerOfB = "upstream=\"" + urlB + " (owner)\"";
        assertEquals(
                sum(b, "ferry_upstream_requests_total", ownerOfA) + 1,
                sum(a, "ferry_peer_answers_total", "outcome=\"owner_fetch\""),
                peerLines(a) + peerLines(b));
        assertEquals(
                sum(a, "ferry_upstream_requests_total", ownerOfB),
                sum(b, "ferry_peer_answers_total", "outcome=\"owner_fetch\""),
                peerLines(a) + peerLines(b));
        assertEquals(0.0, sum(a, "ferry_peer_answers_total", "outcome=\"not_owner\""));
        assertEquals(1.0, sum(b, "ferry_peer_answers_total", "outcome=\"not_owner\""));
        List<String> paths = up.server().paths();
        assertEquals(
                paths.size(), new java.util.HashSet<>(paths).size(), "a file asked of the upstream twice: " + paths);
    }

    @Test
    void aFileWhoseOwnerIsDownIsFetchedOnceByItsFallbackOwner() throws Exception {
        Upstream up = upstream();
        int portA = DockerRegistry.freePort();
        int portB = DockerRegistry.freePort();
        String urlA = "http://127.0.0.1:" + portA;
        String urlB = "http://127.0.0.1:" + portB;
        // The third node of the ring never starts: its keys' owner fetches find it down.
        String urlC = "http://127.0.0.1:" + DockerRegistry.freePort();
        String peers = urlA + "," + urlB + "," + urlC;
        Ferry a = node("a", portA, up.server().url(), peers, urlA);
        Ferry b = node("b", portB, up.server().url(), peers, urlB);
        KeyOwners ring = new KeyOwners(List.of(URI.create(urlA), URI.create(urlB), URI.create(urlC)), URI.create(urlA));
        List<String> ofC = new ArrayList<>();
        try (var files = Files.walk(Fixtures.goProxyTree())) {
            files.filter(f -> f.toString().endsWith(".zip"))
                    .map(f -> Fixtures.goProxyTree().relativize(f).toString())
                    .filter(z -> ring.owner("/" + z).equals(URI.create(urlC)))
                    .sorted()
                    .forEach(ofC::add);
        }
        List<String> fallbackB = ofC.stream()
                .filter(z -> ring.owner("/" + z, List.of(URI.create(urlC)))
                        .orElseThrow()
                        .equals(URI.create(urlB)))
                .toList();
        List<String> fallbackA = ofC.stream()
                .filter(z -> ring.owner("/" + z, List.of(URI.create(urlC)))
                        .orElseThrow()
                        .equals(URI.create(urlA)))
                .toList();

        // A client's miss on A of a file whose owner C is down and whose owner without C is B: A asks B (telling it
        // C is down), B fetches it once; B's own client then gets it from B's store.
        String zip = fallbackB.get(0);
        byte[] genuine = Files.readAllBytes(Fixtures.goProxyTree().resolve(zip));
        assertArrayEquals(genuine, get(a.url() + "/" + zip, null).body());
        // B fetched and stored it (asked store-only, as a peer), before any client of B asked.
        assertEquals(200, get(b.url() + "/" + zip, TOKEN).statusCode(), "the fallback owner holds it");
        assertArrayEquals(genuine, get(b.url() + "/" + zip, null).body());
        assertEquals(1, up.server().requestsFor("/" + zip), "fetched once, by the fallback owner");
        // (At least: the checksum lookups and tiles that verify it are owner fetches too.)
        assertTrue(sum(b, "ferry_peer_answers_total", "outcome=\"owner_fetch\"") >= 1, peerLines(b));
        // The other way round: B's miss of a file whose fallback owner is A.
        String other = fallbackA.get(0);
        assertArrayEquals(
                Files.readAllBytes(Fixtures.goProxyTree().resolve(other)),
                get(b.url() + "/" + other, null).body());
        assertEquals(200, get(a.url() + "/" + other, TOKEN).statusCode(), "the fallback owner holds it");
        assertEquals(1, up.server().requestsFor("/" + other));
        // (At least: the checksum lookups and tiles that verify it are owner fetches too.)
        assertTrue(sum(a, "ferry_peer_answers_total", "outcome=\"owner_fetch\"") >= 1, peerLines(a));

        // Concurrent misses on both nodes of a file only C held meet in the fallback owner's one download.
        String third = fallbackB.get(1);
        List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> both = new ArrayList<>();
        for (Ferry n : new Ferry[] {a, b, a, b}) {
            both.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return get(n.url() + "/" + third, null);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (var f : both) {
            assertEquals(200, f.join().statusCode());
        }
        assertEquals(1, up.server().requestsFor("/" + third));
        // Nothing was refused as misdirected: every fallback owner fetch went to the node that owned it without C.
        assertEquals(0.0, sum(a, "ferry_peer_answers_total", "outcome=\"not_owner\""), peerLines(a));
        assertEquals(0.0, sum(b, "ferry_peer_answers_total", "outcome=\"not_owner\""), peerLines(b));
        List<String> paths = up.server().paths();
        assertEquals(
                paths.size(), new java.util.HashSet<>(paths).size(), "a file asked of the upstream twice: " + paths);
    }

    /** A peer that answers 404 to everything but {@code path}, which it answers with {@code body}. */
    private WireMockServer liar(String path, byte[] body) {
        WireMockServer liar = LoopbackWireMock.server();
        liar.start();
        open.add(liar::stop);
        liar.stubFor(any(anyUrl())
                .atPriority(9)
                .willReturn(aResponse().withStatus(404).withHeader("Ferry-Node", "liar")));
        liar.stubFor(WireMock.get(path).willReturn(aResponse().withStatus(200).withBody(body)));
        return liar;
    }

    @Test
    void aTamperedPeerZipIsRefusedAndTheUpstreamsIsStored() throws Exception {
        Upstream up = upstream();
        byte[] genuine = Files.readAllBytes(Fixtures.goProxyTree().resolve(UUID_ZIP));
        WireMockServer liar = liar("/" + UUID_ZIP, ChecksumIT.rewriteOneGoFile(genuine));
        Ferry c = node("c", DockerRegistry.freePort(), up.server().url(), "http://127.0.0.1:" + liar.port());

        HttpResponse<byte[]> zip = get(c.url() + "/" + UUID_ZIP, null);
        assertEquals(200, zip.statusCode());
        assertArrayEquals(genuine, zip.body(), "the tampered peer's zip was served");
        assertEquals(1, up.server().requestsFor("/" + UUID_ZIP), "the upstream is asked once the peer lied");
        liar.verify(
                1,
                WireMock.getRequestedFor(WireMock.urlEqualTo("/" + UUID_ZIP)).withHeader("Ferry-Peer", equalTo(TOKEN)));
        String peer = "peer=\"http://127.0.0.1:" + liar.port() + "\"";
        assertEquals(
                1.0,
                metric(c, "ferry_peer_requests_total{outcome=\"rejected\"," + peer + "}"),
                new String(get(c.url() + "/metrics", null).body()));
        // What C stored is the upstream's: asked as a peer, it answers the genuine bytes.
        assertArrayEquals(genuine, get(c.url() + "/" + UUID_ZIP, TOKEN).body());

        // Quarantined, the liar is asked nothing more: for peers the upstream is the last resort, not the liar.
        int asked = liar.getAllServeEvents().size();
        assertEquals(200, get(c.url() + "/" + COBRA_ZIP, null).statusCode());
        assertEquals(asked, liar.getAllServeEvents().size());
    }

    @Test
    void aTamperedPeerBlobIsRefusedAndTheUpstreamsIsStored() throws Exception {
        Upstream up = upstream();
        byte[] bad = up.blob().clone();
        bad[bad.length / 2] ^= 1;
        String path = "/v2/docker.io/" + REPO + "/blobs/" + up.digest();
        WireMockServer liar = liar(path, bad);
        Ferry c = node("c", DockerRegistry.freePort(), up.server().url(), "http://127.0.0.1:" + liar.port());

        HttpResponse<byte[]> blob = get(c.url() + path, null);
        assertEquals(200, blob.statusCode());
        assertArrayEquals(up.blob(), blob.body(), "the tampered peer's blob was served");
        liar.verify(1, WireMock.getRequestedFor(WireMock.urlEqualTo(path)).withHeader("Ferry-Peer", equalTo(TOKEN)));
        assertEquals(1, up.server().requestsFor("/v2/" + REPO + "/blobs/" + up.digest()));
        String peer = "peer=\"http://127.0.0.1:" + liar.port() + "\"";
        assertEquals(1.0, metric(c, "ferry_peer_requests_total{outcome=\"rejected\"," + peer + "}"));
        assertArrayEquals(up.blob(), get(c.url() + path, TOKEN).body());
    }
}
