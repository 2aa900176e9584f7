package dev.ferry.upstreams.cluster;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ferry.testing.LoopbackWireMock;
import dev.ferry.upstreams.goproxy.GoProxyClient;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.UpstreamEvents;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PeersFirst with an owner: a file another node owns is asked of that owner first (token and Ferry-Fetch: owner),
 * and neither the peers' stores nor the upstream are asked when the owner sends it or says the upstream has no such
 * file; when the owner refuses (421), sends a stale copy, or cannot be reached, the node goes on as without owners.
 * A file this node owns is never asked of another node as owner.
 */
class OwnerFetchTest {
    private static final String TOKEN = "unit-test-cluster-token";
    private static final BodyHandler<String> TEXT =
            (body, length, from) -> new String(body.readAllBytes(), StandardCharsets.UTF_8);

    private final WireMockServer owner = LoopbackWireMock.server();
    private final List<String> upstream = new CopyOnWriteArrayList<>();
    private URI self;
    private URI dead;
    private KeyOwners ring;
    private PeerClient peers;
    private OwnerFetch fetch;
    private PeersFirst first;

    @BeforeEach
    void start() throws IOException {
        owner.start();
        self = URI.create("http://127.0.0.1:" + freePort());
        dead = URI.create("http://127.0.0.1:" + freePort());
        List<URI> nodes = List.of(self, URI.create(owner.baseUrl()), dead);
        ring = new KeyOwners(nodes, self);
        List<URI> others = List.of(URI.create(owner.baseUrl()), dead);
        peers = new PeerClient(
                others,
                TOKEN,
                "this-node",
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                PoolSettings.defaults().withHedgeAfter(Duration.ZERO),
                UpstreamEvents.NONE,
                PeerEvents.NONE,
                Clock.systemUTC());
        fetch = new OwnerFetch(
                ring,
                others,
                TOKEN,
                new UpstreamTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(5)),
                PoolSettings.defaults(),
                UpstreamEvents.NONE,
                Clock.systemUTC());
        GoProxyClient origin = new GoProxyClient() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
                upstream.add(path);
                return (FetchResult<T>) new FetchResult.Fetched<>("from the upstream", "upstream");
            }
        };
        first = new PeersFirst(peers, fetch, origin, p -> PeersFirst.moduleFile(p) || PeersFirst.sumdbRecord(p));
        owner.stubFor(get(anyUrl()).atPriority(9).willReturn(aResponse().withStatus(404)));
    }

    @AfterEach
    void stop() {
        fetch.close();
        peers.close();
        owner.stop();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A module zip whose owner is {@code node}. */
    private String zipOwnedBy(URI node) {
        Predicate<String> owned = p -> ring.owner("/" + p).equals(node);
        return IntStream.range(0, 1000)
                .mapToObj(i -> "example.com/m" + i + "/@v/v1.0.0.zip")
                .filter(owned)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void whatTheOwnerSendsIsTakenAndNobodyElseIsAsked() {
        String zip = zipOwnedBy(URI.create(owner.baseUrl()));
        owner.stubFor(get("/" + zip)
                .withHeader(OwnerFetch.FETCH_HEADER, equalTo(OwnerFetch.OWNER))
                .willReturn(aResponse().withStatus(200).withBody("from the owner")));

        assertEquals(
                new FetchResult.Fetched<>("from the owner", OwnerFetch.name(URI.create(owner.baseUrl()))),
                first.fetch(zip, TEXT));
        owner.verify(1, anyRequestedFor(anyUrl()));
        owner.verify(getRequestedFor(urlEqualTo("/" + zip)).withHeader(PeerClient.TOKEN_HEADER, equalTo(TOKEN)));
        assertEquals(List.of(), upstream);
    }

    @Test
    void theOwnersNotFoundIsFinal() {
        String zip = zipOwnedBy(URI.create(owner.baseUrl()));
        assertEquals(
                404,
                assertInstanceOf(FetchResult.NotFound.class, first.fetch(zip, TEXT))
                        .status());
        owner.verify(1, anyRequestedFor(anyUrl()));
        assertEquals(List.of(), upstream);
    }

    @Test
    void aRefusalOrAStaleCopyGoesOnToThePeersStoresAndTheUpstream() {
        String zip = zipOwnedBy(URI.create(owner.baseUrl()));
        owner.stubFor(get("/" + zip)
                .withHeader(OwnerFetch.FETCH_HEADER, equalTo(OwnerFetch.OWNER))
                .willReturn(aResponse().withStatus(OwnerFetch.NOT_OWNER).withBody("not the owner")));
        assertEquals(new FetchResult.Fetched<>("from the upstream", "upstream"), first.fetch(zip, TEXT));
        // Then asked store-only, as a peer, without the owner-fetch header.
        owner.verify(getRequestedFor(urlEqualTo("/" + zip)).withHeader(OwnerFetch.FETCH_HEADER, absent()));
        assertEquals(List.of(zip), upstream);

        // The tree head of a database the owner owns: a stale copy is refused, and the upstream asked (never the
        // peers' stores: it changes).
        String latest = IntStream.range(0, 1000)
                .mapToObj(i -> "sumdb/db" + i + ".example/latest")
                .filter(p -> ring.owner("/" + p).toString().equals(owner.baseUrl()))
                .findFirst()
                .orElseThrow();
        owner.stubFor(get("/" + latest)
                .withHeader(OwnerFetch.FETCH_HEADER, equalTo(OwnerFetch.OWNER))
                .willReturn(aResponse().withStatus(200).withHeader(OwnerFetch.STALE_HEADER, "true")));
        assertEquals(new FetchResult.Fetched<>("from the upstream", "upstream"), first.fetch(latest, TEXT));
        owner.verify(1, getRequestedFor(urlEqualTo("/" + latest)));
        assertEquals(List.of(zip, latest), upstream);
    }

    /** A module zip whose owner is {@code node}, and whose owner without {@code node} is {@code fallback}. */
    private String zipOwnedBy(URI node, URI fallback) {
        return IntStream.range(0, 1000)
                .mapToObj(i -> "example.com/m" + i + "/@v/v1.0.0.zip")
                .filter(p -> ring.owner("/" + p).equals(node)
                        && ring.owner("/" + p, List.of(node)).orElseThrow().equals(fallback))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void anOwnerThatCannotBeReachedIsPassedOverWhenThisNodeIsTheFallbackOwner() {
        String zip = zipOwnedBy(dead, self);
        assertEquals(new FetchResult.Fetched<>("from the upstream", "upstream"), first.fetch(zip, TEXT));
        // The dead owner refused the connection; this node owns the key without it, so it asked the live peer's
        // store, as a peer, and then its upstream: no owner fetch went to the live node.
        owner.verify(1, anyRequestedFor(anyUrl()));
        owner.verify(1, getRequestedFor(urlEqualTo("/" + zip)).withHeader(OwnerFetch.FETCH_HEADER, absent()));
        assertEquals(List.of(zip), upstream);
    }

    @Test
    void anOwnerThatCannotBeReachedIsReplacedByTheFallbackOwnerToldWhoIsDown() {
        String zip = zipOwnedBy(dead, URI.create(owner.baseUrl()));
        owner.stubFor(get("/" + zip)
                .withHeader(OwnerFetch.FETCH_HEADER, equalTo(OwnerFetch.OWNER))
                .withHeader(OwnerFetch.DOWN_HEADER, equalTo(dead.toString()))
                .willReturn(aResponse().withStatus(200).withBody("from the fallback owner")));

        assertEquals(
                new FetchResult.Fetched<>("from the fallback owner", OwnerFetch.name(URI.create(owner.baseUrl()))),
                first.fetch(zip, TEXT));
        owner.verify(1, anyRequestedFor(anyUrl()));
        owner.verify(getRequestedFor(urlEqualTo("/" + zip)).withHeader(PeerClient.TOKEN_HEADER, equalTo(TOKEN)));
        assertEquals(List.of(), upstream);
    }

    @Test
    void theFallbackOwnersNotFoundIsFinal() {
        String zip = zipOwnedBy(dead, URI.create(owner.baseUrl()));
        assertEquals(
                404,
                assertInstanceOf(FetchResult.NotFound.class, first.fetch(zip, TEXT))
                        .status());
        owner.verify(1, anyRequestedFor(anyUrl()));
        owner.verify(
                getRequestedFor(urlEqualTo("/" + zip)).withHeader(OwnerFetch.DOWN_HEADER, equalTo(dead.toString())));
        assertEquals(List.of(), upstream);
    }

    @Test
    void aFallbackOwnersRefusalGoesOnToThePeersStoresAndTheUpstream() {
        // It answered: what it said stands as an owner's would (a refusal: on to the peers' stores and the upstream).
        String zip = zipOwnedBy(dead, URI.create(owner.baseUrl()));
        owner.stubFor(get("/" + zip)
                .withHeader(OwnerFetch.FETCH_HEADER, equalTo(OwnerFetch.OWNER))
                .willReturn(aResponse().withStatus(OwnerFetch.NOT_OWNER).withBody("not the owner")));
        assertEquals(new FetchResult.Fetched<>("from the upstream", "upstream"), first.fetch(zip, TEXT));
        owner.verify(1, getRequestedFor(urlEqualTo("/" + zip)).withHeader(OwnerFetch.FETCH_HEADER, equalTo("owner")));
        assertEquals(List.of(zip), upstream);
    }

    @Test
    void aKeyThisNodeServesAnOwnerFetchOfIsAskedOfNoOwner() {
        // As the fallback owner serving an accepted owner fetch, its own download of the key goes to the peers' stores
        // and the upstream, never to an owner: the request travels no further.
        String zip = zipOwnedBy(URI.create(owner.baseUrl()));
        FetchResult<String> result = fetch.servingFor("/" + zip, () -> first.fetch(zip, TEXT));
        assertEquals(new FetchResult.Fetched<>("from the upstream", "upstream"), result);
        owner.verify(0, getRequestedFor(anyUrl()).withHeader(OwnerFetch.FETCH_HEADER, equalTo(OwnerFetch.OWNER)));
        assertEquals(List.of(zip), upstream);
        // Once served, the key is asked of its owner again.
        assertInstanceOf(FetchResult.NotFound.class, first.fetch(zip, TEXT));
        owner.verify(1, getRequestedFor(anyUrl()).withHeader(OwnerFetch.FETCH_HEADER, equalTo(OwnerFetch.OWNER)));
    }

    @Test
    void aFileThisNodeOwnsIsNeverAskedOfAnotherAsOwner() {
        String zip = zipOwnedBy(self);
        assertEquals(new FetchResult.Fetched<>("from the upstream", "upstream"), first.fetch(zip, TEXT));
        owner.verify(0, getRequestedFor(anyUrl()).withHeader(OwnerFetch.FETCH_HEADER, equalTo(OwnerFetch.OWNER)));
        assertEquals(List.of(zip), upstream);
    }
}
