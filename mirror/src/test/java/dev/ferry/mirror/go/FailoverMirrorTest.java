package dev.ferry.mirror.go;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ferry.mirror.InMemoryContentStore;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.testing.LoopbackWireMock;
import dev.ferry.testing.ManualClock;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.goproxy.HttpGoProxyClient;
import dev.ferry.upstreams.pool.BreakerSettings;
import dev.ferry.upstreams.pool.BreakerState;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.RetryPolicy;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamEvents;
import dev.ferry.upstreams.pool.UpstreamPool;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mirror over a pool of three upstreams: what clients get and what the store ends up holding. */
class FailoverMirrorTest {
    private static final String TOML = GoMirrorContractTest.TOML;
    private static final String ZIP = TOML + "/@v/v1.2.0.zip";
    private static final UpstreamTimeouts TIMEOUTS =
            new UpstreamTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2));

    @TempDir
    Path dir;

    private final WireMockServer[] servers = new WireMockServer[3];
    private final ManualClock clock = new ManualClock();
    private final InMemoryContentStore store = new InMemoryContentStore();
    private GoMirrorSettings settings;
    private HttpGoProxyClient client;
    private CachingGoModuleMirror mirror;

    @BeforeEach
    void setUp() {
        for (int i = 0; i < servers.length; i++) {
            servers[i] = LoopbackWireMock.withLengths();
            servers[i].start();
        }
        settings = new GoMirrorSettings(
                Duration.ofMinutes(5), Duration.ofMinutes(1), dir.resolve("spool"), 16 << 10, 1000);
        String list = servers[0].baseUrl() + "|" + servers[1].baseUrl() + "|" + servers[2].baseUrl();
        List<Upstream> ups = GoProxyList.parse(list).entries().stream()
                .map(e -> e.upstream(TIMEOUTS))
                .toList();
        PoolSettings pool = PoolSettings.defaults()
                .withRetry(RetryPolicy.none())
                .withNotFoundMemory(Duration.ZERO)
                .withBreaker(new BreakerSettings(
                        2, 0.5, Duration.ofSeconds(60), 10, Duration.ofSeconds(30), Duration.ofMinutes(5)));
        client = new HttpGoProxyClient(ups, pool, UpstreamEvents.NONE, clock);
        mirror = new CachingGoModuleMirror(store, client, settings, clock);
    }

    @AfterEach
    void tearDown() {
        client.close();
        for (WireMockServer s : servers) {
            s.stop();
        }
    }

    private GoAnswer answer(String path) {
        return mirror.answer(ProxyRequest.parse(path));
    }

    private UpstreamPool.Member member(int i) {
        return client.pool().members().get(i);
    }

    @Test
    void tamperedZipAndServerErrorAreSkippedAndOnlyTheGoodBytesAreStored() throws IOException {
        byte[] good = GoMirrorContractTest.fixture(ZIP);
        byte[] tampered = good.clone();
        tampered[30] = 'x';
        GoMirrorContractTest.serve(servers[0], ZIP, aResponse().withStatus(200).withBody(tampered));
        servers[1].stubFor(get(anyUrl()).willReturn(aResponse().withStatus(503).withHeader("Retry-After", "90")));
        GoMirrorContractTest.serve(servers[2], ZIP);

        GoAnswer first = answer("/" + ZIP);
        if (first instanceof GoAnswer.Content content) {
            // A client that followed the tampered attempt is aborted; otherwise it gets the good bytes.
            try {
                assertArrayEquals(good, GoMirrorContractTest.body(content));
            } catch (IOException aborted) {
                // fine: never a completed response with bad bytes
            }
        }
        GoAnswer.Content hit = assertInstanceOf(GoAnswer.Content.class, answer("/" + ZIP));
        assertEquals(GoAnswer.CacheOutcome.HIT, hit.outcome());
        assertArrayEquals(good, GoMirrorContractTest.body(hit));
        assertEquals(1, store.names().size(), "only the good zip: " + store.names());

        // A whole zip that fails its own checks is a mismatch: the upstream that served it is quarantined.
        assertEquals(1L, member(0).status().failures().get("mismatch"));
        assertEquals(BreakerState.OPEN, member(0).breaker().state());
        assertEquals(
                "github.com/BurntSushi/toml@v1.2.0.zip",
                member(0).status().quarantine().subject());
        assertEquals(BreakerState.OPEN, member(1).breaker().state(), "503 with Retry-After opens at once");
        assertEquals(BreakerState.CLOSED, member(2).breaker().state());
        servers[2].verify(1, getRequestedFor(urlEqualTo("/" + ZIP)));
    }

    @Test
    void allUpstreamsDownServesTheStaleListAndAClearErrorForUnknownVersions() throws IOException {
        String list = TOML + "/@v/list";
        GoMirrorContractTest.serve(servers[0], list);
        assertEquals("v1.1.1\nv1.1.2\nv1.2.0\n", GoMirrorContractTest.text(answer("/" + list)));

        for (WireMockServer s : servers) {
            s.resetAll();
            s.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(502).withBody("bad gateway")));
        }
        clock.advance(settings.listTtl().plusSeconds(1));
        GoAnswer.Content stale = assertInstanceOf(GoAnswer.Content.class, answer("/" + list));
        assertEquals(GoAnswer.Freshness.STALE, stale.freshness());
        assertEquals("v1.1.1\nv1.1.2\nv1.2.0\n", GoMirrorContractTest.text(stale));

        GoAnswer.Unavailable unknown =
                assertInstanceOf(GoAnswer.Unavailable.class, answer("/" + TOML + "/@v/v1.9.0.info"));
        assertTrue(
                unknown.reason().contains("github.com/BurntSushi/toml@v1.9.0.info: no upstream could serve it"),
                unknown.reason());
        for (WireMockServer s : servers) {
            assertTrue(unknown.reason().contains(s.baseUrl()), unknown.reason());
        }
        // Two failures each open every breaker: the next unknown version is refused without asking anyone.
        int before = servers[0].getAllServeEvents().size();
        GoAnswer.Unavailable fast =
                assertInstanceOf(GoAnswer.Unavailable.class, answer("/" + TOML + "/@v/v1.9.1.info"));
        assertTrue(fast.reason().contains("circuit open"), fast.reason());
        assertEquals(before, servers[0].getAllServeEvents().size());
        assertTrue(
                store.names().keySet().stream().noneMatch(n -> n.contains("v1.9")),
                store.names().toString());
    }
}
