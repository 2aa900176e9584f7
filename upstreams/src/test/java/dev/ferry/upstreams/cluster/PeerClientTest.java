package dev.ferry.upstreams.cluster;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ferry.testing.LoopbackWireMock;
import dev.ferry.upstreams.goproxy.GoProxyClient;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.ContentMismatch;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.UpstreamEvents;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The peer client against stand-in peers: the token goes with every question, a 404 moves on to the next peer, a
 * node that answers with this node's own id is not asked again, a peer whose file fails the checks is quarantined
 * and not asked again, and PeersFirst asks the peers only for what never changes and the upstream only when no
 * peer has it.
 */
class PeerClientTest {
    private static final String TOKEN = "unit-test-cluster-token";
    private static final String ZIP = "example.com/m/@v/v1.0.0.zip";

    private final WireMockServer one = LoopbackWireMock.server();
    private final WireMockServer two = LoopbackWireMock.server();
    private final List<String> outcomes = new CopyOnWriteArrayList<>();
    private PeerClient client;

    @BeforeEach
    void start() {
        one.start();
        two.start();
        client = new PeerClient(
                List.of(URI.create(one.baseUrl()), URI.create(two.baseUrl())),
                TOKEN,
                "this-node",
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                PoolSettings.defaults().withHedgeAfter(Duration.ZERO),
                UpstreamEvents.NONE,
                (peer, outcome) -> outcomes.add((peer.equals(one.baseUrl()) ? "one " : "two ") + outcome),
                Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        client.close();
        one.stop();
        two.stop();
    }

    private static final BodyHandler<String> TEXT =
            (body, length, from) -> new String(body.readAllBytes(), StandardCharsets.UTF_8);

    @Test
    void theTokenGoesWithEveryQuestionAndA404MovesOnToTheNextPeer() {
        one.stubFor(get("/" + ZIP).willReturn(aResponse().withStatus(404).withBody("not held by this node")));
        two.stubFor(get("/" + ZIP).willReturn(aResponse().withStatus(200).withBody("zip bytes")));

        FetchResult<String> r = client.fetch(ZIP, TEXT);

        assertEquals(new FetchResult.Fetched<>("zip bytes", two.baseUrl()), r);
        one.verify(getRequestedFor(urlEqualTo("/" + ZIP)).withHeader(PeerClient.TOKEN_HEADER, equalTo(TOKEN)));
        two.verify(getRequestedFor(urlEqualTo("/" + ZIP)).withHeader(PeerClient.TOKEN_HEADER, equalTo(TOKEN)));
        assertEquals(List.of("one not_found", "two found"), outcomes);
    }

    @Test
    void nobodyHoldingItIsNotFoundAndAFailingPeerIsAFailure() {
        one.stubFor(get("/" + ZIP).willReturn(aResponse().withStatus(503)));
        two.stubFor(get("/" + ZIP).willReturn(aResponse().withStatus(404)));
        assertInstanceOf(FetchResult.Failed.class, client.fetch(ZIP, TEXT), "a peer failed: not proof of absence");
        one.stubFor(get("/" + ZIP).willReturn(aResponse().withStatus(404)));
        assertInstanceOf(FetchResult.NotFound.class, client.fetch(ZIP, TEXT));
        assertEquals(List.of("one failed", "two not_found", "one not_found", "two not_found"), outcomes);
    }

    @Test
    void aPeerThatIsThisNodeIsAskedOnce() {
        one.stubFor(
                get("/" + ZIP).willReturn(aResponse().withStatus(404).withHeader(PeerClient.NODE_HEADER, "this-node")));
        two.stubFor(get("/" + ZIP).willReturn(aResponse().withStatus(200).withBody("zip bytes")));

        for (int i = 0; i < 3; i++) {
            assertInstanceOf(FetchResult.Fetched.class, client.fetch(ZIP, TEXT));
        }

        one.verify(1, getRequestedFor(urlEqualTo("/" + ZIP)));
        assertTrue(client.isSelf(one.baseUrl()));
        assertEquals(List.of("one self", "two found", "two found", "two found"), outcomes);
    }

    @Test
    void aPeerWhoseFileFailsTheChecksIsQuarantinedAndNotAskedAgain() {
        one.stubFor(get("/" + ZIP).willReturn(aResponse().withStatus(200).withBody("tampered")));
        two.stubFor(get("/" + ZIP).willReturn(aResponse().withStatus(200).withBody("genuine")));
        BodyHandler<String> checked = (body, length, from) -> {
            String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            if (!text.equals("genuine")) {
                throw new ContentMismatch(ZIP, ZIP + " from " + from + " failed its check");
            }
            return text;
        };

        assertEquals(new FetchResult.Fetched<>("genuine", two.baseUrl()), client.fetch(ZIP, checked));
        assertEquals(new FetchResult.Fetched<>("genuine", two.baseUrl()), client.fetch(ZIP, checked));

        one.verify(1, getRequestedFor(urlEqualTo("/" + ZIP)));
        assertTrue(client.pool().member(one.baseUrl()).breaker().quarantined());
        assertEquals(List.of("one rejected", "two found", "two found"), outcomes);
    }

    @Test
    void peersFirstAsksThePeersOnlyForWhatNeverChangesAndTheUpstreamOnlyWhenNoPeerHasIt() {
        one.stubFor(get("/" + ZIP).willReturn(aResponse().withStatus(200).withBody("from a peer")));
        List<String> upstream = new ArrayList<>();
        GoProxyClient origin = new GoProxyClient() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
                upstream.add(path);
                return (FetchResult<T>) new FetchResult.Fetched<>("from the upstream", "upstream");
            }
        };
        PeersFirst first = new PeersFirst(client, origin, PeersFirst::moduleFile);

        assertEquals("from a peer", ((FetchResult.Fetched<String>) first.fetch(ZIP, TEXT)).value());
        assertEquals(List.of(), upstream);
        assertEquals(
                "from the upstream",
                ((FetchResult.Fetched<String>) first.fetch("example.com/m/@v/v1.1.0.mod", TEXT)).value());
        assertEquals(List.of("example.com/m/@v/v1.1.0.mod"), upstream);
        first.fetch("example.com/m/@v/list", TEXT);
        first.fetch("example.com/m/@latest", TEXT);
        first.fetch("example.com/m/@v/master.info", TEXT);
        assertEquals(4, upstream.size());
        one.verify(0, getRequestedFor(urlEqualTo("/example.com/m/@v/list")));
        one.verify(0, getRequestedFor(urlEqualTo("/example.com/m/@latest")));
        one.verify(0, getRequestedFor(urlEqualTo("/example.com/m/@v/master.info")));
    }

    @Test
    void whatPeersAreAskedFor() {
        assertTrue(PeersFirst.moduleFile("example.com/m/@v/v1.0.0.info"));
        assertTrue(PeersFirst.moduleFile("example.com/m/@v/v1.0.0.mod"));
        assertTrue(PeersFirst.moduleFile("github.com/!burnt!sushi/toml/@v/v1.2.0.zip"));
        assertFalse(PeersFirst.moduleFile("example.com/m/@v/master.info"));
        assertFalse(PeersFirst.moduleFile("example.com/m/@v/list"));
        assertFalse(PeersFirst.moduleFile("example.com/m/@latest"));
        assertFalse(PeersFirst.moduleFile("sumdb/sum.golang.org/latest"));
        assertTrue(PeersFirst.sumdbRecord("sumdb/sum.golang.org/lookup/example.com/m@v1.0.0"));
        assertTrue(PeersFirst.sumdbRecord("sumdb/sum.golang.org/tile/8/0/000"));
        assertTrue(PeersFirst.sumdbRecord("sumdb/sum.golang.org/tile/8/0/000.p/81"));
        assertFalse(PeersFirst.sumdbRecord("sumdb/sum.golang.org/latest"));
        assertFalse(PeersFirst.sumdbRecord("sumdb/sum.golang.org/supported"));
        assertFalse(PeersFirst.sumdbRecord("example.com/m/@v/v1.0.0.zip"));
    }
}
