package dev.ferry.upstreams.goproxy;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.ferry.testing.LoopbackWireMock;
import dev.ferry.testing.ManualClock;
import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.AttemptOutcome;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.BreakerSettings;
import dev.ferry.upstreams.pool.BreakerState;
import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.RetryPolicy;
import dev.ferry.upstreams.pool.Strategy;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamEvents;
import dev.ferry.upstreams.pool.UpstreamPool;
import dev.ferry.upstreams.pool.UpstreamStatus;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Upstreams misbehaving in the ways real mirrors do, each scenario asserting what the client got, what each
 * upstream was asked, and the breaker states. Cool-downs run on a test clock; timeouts are short.
 */
class FailoverScenariosTest {
    private static final String PATH = "github.com/!burnt!sushi/toml/@v/v1.2.0.zip";
    private static final String URL = "/" + PATH;
    private static final byte[] MOD = "module github.com/BurntSushi/toml\n".getBytes(StandardCharsets.UTF_8);
    /** Over the default small-body size, so it is streamed (and continued with Range) rather than read ahead. */
    private static final byte[] BIG = new byte[160 * 1024];
    /** Generous for WireMock on a loaded machine; the black holes get their own short first-byte timeout. */
    private static final UpstreamTimeouts QUICK =
            new UpstreamTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2));

    private static final UpstreamTimeouts HOLE =
            new UpstreamTimeouts(Duration.ofSeconds(2), Duration.ofMillis(300), Duration.ofSeconds(2));
    private static final BodyHandler<byte[]> READ_ALL = (body, length, upstream) -> body.readAllBytes();

    static {
        new Random(7).nextBytes(BIG);
    }

    private final WireMockServer a = LoopbackWireMock.withLengths();
    private final WireMockServer b = LoopbackWireMock.withLengths();
    private final ManualClock clock = new ManualClock();
    private final List<String> transitions = new CopyOnWriteArrayList<>();
    private final UpstreamEvents events = new UpstreamEvents() {
        @Override
        public void breaker(String upstream, BreakerState from, BreakerState to, String why) {
            transitions.add(upstream + " " + to.label());
        }
    };
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<String> holes = new ArrayList<>();

    private PoolSettings settings = PoolSettings.defaults()
            .withBreaker(new BreakerSettings(
                    3, 0.5, Duration.ofSeconds(60), 6, Duration.ofSeconds(30), Duration.ofMinutes(5)))
            .withRetry(RetryPolicy.none());

    @BeforeEach
    void start() {
        a.start();
        b.start();
    }

    @AfterEach
    void stop() throws Exception {
        a.stop();
        b.stop();
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private HttpGoProxyClient client(String list) {
        List<Upstream> ups = GoProxyList.parse(list).entries().stream()
                .map(e -> e.upstream(holes.contains(e.base().toString()) ? HOLE : QUICK))
                .toList();
        HttpGoProxyClient c = new HttpGoProxyClient(ups, settings, events, clock);
        closeables.add(c);
        return c;
    }

    private static UpstreamPool.Member member(HttpGoProxyClient client, String name) {
        return client.pool().members().stream()
                .filter(m -> m.upstream().name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static BreakerState state(HttpGoProxyClient client, String name) {
        return member(client, name).breaker().state();
    }

    @Test
    void serviceUnavailableStormWithRetryAfterOpensAtOnceAndRecoversAfterTheCoolDown() {
        a.stubFor(get(anyUrl())
                .willReturn(aResponse()
                        .withStatus(503)
                        .withHeader("Retry-After", "120")
                        .withBody("overloaded")));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        HttpGoProxyClient client = client(a.baseUrl() + "|" + b.baseUrl());
        for (int i = 0; i < 5; i++) {
            assertEquals(b.baseUrl(), fetched(client.fetch(PATH, READ_ALL)).upstream());
        }
        a.verify(1, getRequestedFor(urlEqualTo(URL)));
        assertEquals(BreakerState.OPEN, state(client, a.baseUrl()));
        assertEquals(
                clock.instant().plusSeconds(120),
                member(client, a.baseUrl()).breaker().openUntil(),
                "Retry-After honoured");
        assertEquals(List.of(a.baseUrl() + " open"), transitions);

        clock.advance(Duration.ofSeconds(119));
        client.pool().probeDue(u -> {
            throw new AssertionError("probe before the cool-down ended");
        });

        // Recovered; after the cool-down the active probe notices and requests go back to the first upstream.
        a.resetAll();
        a.stubFor(get(urlEqualTo("/")).willReturn(aResponse().withStatus(404)));
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        clock.advance(Duration.ofSeconds(1));
        client.pool().probeDue(u -> new AttemptOutcome.Success());
        assertEquals(BreakerState.CLOSED, state(client, a.baseUrl()));
        assertEquals(a.baseUrl(), fetched(client.fetch(PATH, READ_ALL)).upstream());
        assertEquals(List.of(a.baseUrl() + " open", a.baseUrl() + " half_open", a.baseUrl() + " closed"), transitions);
    }

    @Test
    void activeProbeAsksTheBaseUrlAndClosesTheBreakerWithoutAClientRequest() throws Exception {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(429).withHeader("Retry-After", "45")));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        UpstreamEvents watching = new UpstreamEvents() {
            @Override
            public void breaker(String upstream, BreakerState from, BreakerState to, String why) {
                if (to == BreakerState.CLOSED) {
                    closed.countDown();
                }
            }
        };
        settings = settings.withProbeInterval(Duration.ofMillis(20));
        List<Upstream> ups = GoProxyList.parse(a.baseUrl() + "|" + b.baseUrl()).entries().stream()
                .map(e -> e.upstream(QUICK))
                .toList();
        HttpGoProxyClient client = new HttpGoProxyClient(ups, settings, watching, clock);
        closeables.add(client);
        client.startProbing();
        assertEquals(b.baseUrl(), fetched(client.fetch(PATH, READ_ALL)).upstream());
        assertEquals(BreakerState.OPEN, state(client, a.baseUrl()));
        assertEquals(1L, member(client, a.baseUrl()).status().failures().get("status_429"));

        a.stubFor(get(urlEqualTo("/")).willReturn(aResponse().withStatus(404).withBody("no module here")));
        clock.advance(Duration.ofSeconds(45));
        assertTrue(closed.await(5, java.util.concurrent.TimeUnit.SECONDS), "the probe closed the breaker");
        a.verify(1, getRequestedFor(urlEqualTo("/")));
        a.verify(1, getRequestedFor(urlEqualTo(URL)));
    }

    @Test
    void aProbeAnsweredWith503HonoursRetryAfterAndA500DoesNot() {
        // One Retry-After rule for every answer, the probe's included: only a 429 or 503 asks for a wait.
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(503).withHeader("Retry-After", "60")));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        HttpGoProxyClient client = client(a.baseUrl() + "|" + b.baseUrl());
        assertEquals(b.baseUrl(), fetched(client.fetch(PATH, READ_ALL)).upstream());
        assertEquals(
                clock.instant().plusSeconds(60),
                member(client, a.baseUrl()).breaker().openUntil());

        a.stubFor(get(urlEqualTo("/")).willReturn(aResponse().withStatus(503).withHeader("Retry-After", "200")));
        clock.advance(Duration.ofSeconds(60));
        client.probeDue();
        assertEquals(BreakerState.OPEN, state(client, a.baseUrl()));
        assertEquals(
                clock.instant().plusSeconds(200),
                member(client, a.baseUrl()).breaker().openUntil(),
                "the probe's 503 said how long to wait");

        a.stubFor(get(urlEqualTo("/")).willReturn(aResponse().withStatus(500).withHeader("Retry-After", "200")));
        clock.advance(Duration.ofSeconds(200));
        client.probeDue();
        assertEquals(BreakerState.OPEN, state(client, a.baseUrl()));
        assertEquals(
                clock.instant().plusSeconds(120),
                member(client, a.baseUrl()).breaker().openUntil(),
                "a 500 asks for nothing: the cool-down of 30 s doubles after each failed probe, as ever");
        a.verify(2, getRequestedFor(urlEqualTo("/")));
        assertEquals(
                List.of("status_5xx"),
                List.copyOf(member(client, a.baseUrl()).status().failures().keySet()));
    }

    @Test
    void blackHoleCostsOneFirstByteTimeoutPerFailureUntilItsBreakerOpens() throws Exception {
        RawUpstream hole = RawUpstream.blackHole();
        closeables.add(hole);
        holes.add(hole.url());
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        HttpGoProxyClient client = client(hole.url() + "|" + b.baseUrl());
        long t0 = System.nanoTime();
        for (int i = 0; i < 6; i++) {
            assertEquals(b.baseUrl(), fetched(client.fetch(PATH, READ_ALL)).upstream());
        }
        long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        assertEquals(3, hole.connections(), "three timeouts open the breaker; then the hole is skipped");
        assertEquals(BreakerState.OPEN, state(client, hole.url()));
        // The connection count above proves the breaker; this bound only proves no default (30 s) timeout was
        // waited for, loosely enough for a loaded machine.
        assertTrue(ms < 15_000, "took " + ms + " ms");
        b.verify(6, getRequestedFor(urlEqualTo(URL)));
        UpstreamStatus status = member(client, hole.url()).status();
        assertEquals(3L, status.failures().get("timeout"));
    }

    @Test
    void slowHeadersAreHedgedToTheNextUpstreamAndLaterRequestsSkipTheHangingOne() throws Exception {
        RawUpstream hole = RawUpstream.blackHole();
        closeables.add(hole);
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        // The hole's own timeout is long; the hedge does not wait for it.
        settings = settings.withHedgeAfter(Duration.ofMillis(200));
        List<Upstream> ups = List.of(
                new Upstream(
                        URI.create(hole.url()),
                        hole.url(),
                        AfterFailure.MOVE_ON,
                        1,
                        Credentials.NONE,
                        new UpstreamTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(2))),
                new Upstream(URI.create(b.baseUrl()), b.baseUrl(), AfterFailure.MOVE_ON, 1, Credentials.NONE, QUICK));
        HttpGoProxyClient client = new HttpGoProxyClient(ups, settings, events, clock);
        closeables.add(client);
        long t0 = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            assertEquals(b.baseUrl(), fetched(client.fetch(PATH, READ_ALL)).upstream());
        }
        long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        assertTrue(ms < 2000, "took " + ms + " ms: one hedge delay, not the hole's 3 s timeout");
        assertEquals(1, hole.connections(), "later requests skipped the upstream that kept one waiting");
        b.verify(4, getRequestedFor(urlEqualTo(URL)));
    }

    @Test
    void aHedgedNotFoundDoesNotOvertakeTheEarlierUpstream() {
        a.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse().withStatus(200).withBody(MOD).withFixedDelay(600)));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(404)));
        settings = settings.withHedgeAfter(Duration.ofMillis(100));
        HttpGoProxyClient client = client(a.baseUrl() + "|" + b.baseUrl());
        Fetched<byte[]> got = fetched(client.fetch(PATH, READ_ALL));
        assertEquals(a.baseUrl(), got.upstream(), "b's quick 404 waited for a's answer");
        b.verify(1, getRequestedFor(urlEqualTo(URL)));
    }

    @Test
    void noHedgingPastAComma() {
        a.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse().withStatus(200).withBody(MOD).withFixedDelay(500)));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        settings = settings.withHedgeAfter(Duration.ofMillis(50));
        HttpGoProxyClient client = client(a.baseUrl() + "," + b.baseUrl());
        assertEquals(a.baseUrl(), fetched(client.fetch(PATH, READ_ALL)).upstream());
        b.verify(0, getRequestedFor(urlEqualTo(URL)));
    }

    @Test
    void connectionResetMidBodyIsContinuedWithARangeRequest() throws Exception {
        RawUpstream resetting = new RawUpstream(RawUpstream.Mode.RESET_MID_BODY, BIG, 20_000);
        RangeServer ranged = new RangeServer(BIG);
        closeables.add(resetting);
        closeables.add(ranged);
        HttpGoProxyClient client = client(resetting.url() + "|" + ranged.url());
        Fetched<byte[]> got = fetched(client.fetch(PATH, READ_ALL));
        assertArrayEquals(BIG, got.value());
        assertEquals(ranged.url(), got.upstream());
        assertEquals(1, ranged.ranges().size());
        assertTrue(
                ranged.ranges().getFirst().matches("bytes=[1-9]\\d*-"),
                ranged.ranges().toString());
        UpstreamStatus status = member(client, resetting.url()).status();
        assertEquals(1L, status.attempts());
        assertTrue(
                status.failures().containsKey("reset") || status.failures().containsKey("truncated"),
                status.toString());
    }

    @Test
    void truncatedBodyIsContinuedFromAnUpstreamWithoutRangeSupport() {
        byte[] firstPart = java.util.Arrays.copyOf(BIG, 1500);
        a.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Length", String.valueOf(BIG.length))
                        .withBody(firstPart)));
        // b ignores Range and sends everything: the client reads past the part it has.
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(BIG)));
        HttpGoProxyClient client = client(a.baseUrl() + "|" + b.baseUrl());
        assertArrayEquals(BIG, fetched(client.fetch(PATH, READ_ALL)).value());
        // From what the client had: the 1,500 bytes sent, or fewer when the break reached it first (under load).
        b.verify(
                1,
                getRequestedFor(urlEqualTo(URL))
                        .withHeader("Range", matching("bytes=([1-9]\\d{0,2}|1[0-4]\\d\\d|1500)-")));
        assertEquals(1L, member(client, a.baseUrl()).status().failures().get("truncated"));
    }

    @Test
    void truncatedBodyWithNothingToContinueFromFailsAndTheHandlerNeverSeesAnEnd() {
        a.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Length", String.valueOf(BIG.length))
                        .withBody(java.util.Arrays.copyOf(BIG, 1500))));
        HttpGoProxyClient client = client(a.baseUrl());
        FetchResult.Failed<byte[]> failed = failed(client.fetch(PATH, READ_ALL));
        assertTrue(failed.summary().contains("truncated"), failed.summary());
    }

    @Test
    void slowDripBelowTheFloorRateIsAbandonedAndContinuedElsewhere() throws Exception {
        // 40 KiB a second, far below the 100 KB/s floor; gaps of a second, well under the 2 s stall timeout.
        a.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse().withStatus(200).withBody(BIG).withChunkedDribbleDelay(4, 4000)));
        RangeServer ranged = new RangeServer(BIG);
        closeables.add(ranged);
        // No hedging: the headers come after a second, and this test is about the body.
        settings = settings.withStallFloor(100_000, Duration.ofMillis(300)).withHedgeAfter(Duration.ZERO);
        HttpGoProxyClient client = client(a.baseUrl() + "|" + ranged.url());
        long t0 = System.nanoTime();
        assertArrayEquals(BIG, fetched(client.fetch(PATH, READ_ALL)).value());
        long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        assertTrue(ms < 3000, "took " + ms + " ms");
        assertEquals(
                1L,
                member(client, a.baseUrl()).status().failures().get("stall"),
                member(client, a.baseUrl()).status().toString());
        assertEquals(1, ranged.ranges().size());
        assertTrue(
                ranged.ranges().getFirst().startsWith("bytes="), ranged.ranges().toString());
    }

    @Test
    void flappingUpstreamOpensOnTheErrorRateWhileClientsKeepSucceeding() {
        String scenario = "flap";
        a.stubFor(get(urlEqualTo(URL))
                .inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(502))
                .willSetStateTo("up"));
        a.stubFor(get(urlEqualTo(URL))
                .inScenario(scenario)
                .whenScenarioStateIs("up")
                .willReturn(aResponse().withStatus(200).withBody(MOD))
                .willSetStateTo(Scenario.STARTED));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        HttpGoProxyClient client = client(a.baseUrl() + "|" + b.baseUrl());
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(MOD, fetched(client.fetch(PATH, READ_ALL)).value());
        }
        // Never three failures in a row, but at the seventh request four of seven failed: over half.
        a.verify(7, getRequestedFor(urlEqualTo(URL)));
        assertEquals(BreakerState.OPEN, state(client, a.baseUrl()));
        b.verify(3 + 4, getRequestedFor(urlEqualTo(URL)));
    }

    @Test
    void allUpstreamsDownFailsWithEveryReasonThenFastOnceTheBreakersOpen() {
        a.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(500).withBody("boom")));
        int refused = b.port();
        b.stop();
        settings = settings.withBreaker(
                new BreakerSettings(1, 0.5, Duration.ofSeconds(60), 6, Duration.ofSeconds(30), Duration.ofMinutes(5)));
        HttpGoProxyClient client = client(a.baseUrl() + "|http://127.0.0.1:" + refused);
        FetchResult.Failed<byte[]> first = failed(client.fetch(PATH, READ_ALL));
        assertEquals(2, first.attempts().size());
        assertTrue(first.attempts().get(0).problem().startsWith("status_5xx: HTTP 500"), first.summary());
        assertTrue(first.attempts().get(1).problem().startsWith("connect: "), first.summary());

        long t0 = System.nanoTime();
        FetchResult.Failed<byte[]> second = failed(client.fetch(PATH, READ_ALL));
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).toMillis() < 200);
        assertTrue(
                second.attempts().stream().allMatch(x -> x.problem().startsWith("skipped: circuit open")),
                second.summary());
        a.verify(1, anyRequestedFor(anyUrl()));
    }

    @Test
    void openBreakerIsSkippedEvenAfterAComma() {
        a.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(503).withHeader("Retry-After", "60")));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        HttpGoProxyClient client = client(a.baseUrl() + "," + b.baseUrl());
        // After a comma the go command's meaning stands: the 503 is the answer.
        assertInstanceOf(FetchResult.Failed.class, client.fetch(PATH, READ_ALL));
        b.verify(0, getRequestedFor(urlEqualTo(URL)));
        // Now a is known to be down: it is skipped, and b answers.
        assertEquals(b.baseUrl(), fetched(client.fetch(PATH, READ_ALL)).upstream());
        a.verify(1, getRequestedFor(urlEqualTo(URL)));
    }

    @Test
    void aSkippedUpstreamDoesNotTurnALaterNotFoundIntoAFailure() {
        a.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(503).withHeader("Retry-After", "60")));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(404).withBody("no such module")));
        HttpGoProxyClient client = client(a.baseUrl() + "|" + b.baseUrl());
        assertInstanceOf(FetchResult.Failed.class, client.fetch(PATH, READ_ALL), "a failed, so b's 404 proves nothing");
        FetchResult.NotFound<byte[]> nf =
                assertInstanceOf(FetchResult.NotFound.class, client.fetch("x.example/m/@v/list", READ_ALL));
        assertEquals(404, nf.status());
    }

    @Test
    void notFoundIsRememberedBrieflyPerUpstream() {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(404)));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        HttpGoProxyClient client = client(a.baseUrl() + "," + b.baseUrl());
        for (int i = 0; i < 3; i++) {
            assertEquals(b.baseUrl(), fetched(client.fetch(PATH, READ_ALL)).upstream());
        }
        a.verify(1, getRequestedFor(urlEqualTo(URL)));
        assertEquals(BreakerState.CLOSED, state(client, a.baseUrl()), "404 is no penalty");
        clock.advance(settings.notFoundMemory());
        client.fetch(PATH, READ_ALL);
        a.verify(2, getRequestedFor(urlEqualTo(URL)));
    }

    @Test
    void transientFailureIsRetriedAfterABackoffWithinTheBudget() {
        a.stubFor(get(urlEqualTo(URL))
                .inScenario("blip")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(502))
                .willSetStateTo("ok"));
        a.stubFor(get(urlEqualTo(URL))
                .inScenario("blip")
                .whenScenarioStateIs("ok")
                .willReturn(aResponse().withStatus(200).withBody(MOD)));
        settings = settings.withRetry(
                new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5)));
        HttpGoProxyClient client = client(a.baseUrl() + "," + b.baseUrl());
        assertEquals(a.baseUrl(), fetched(client.fetch(PATH, READ_ALL)).upstream());
        a.verify(2, getRequestedFor(urlEqualTo(URL)));
        b.verify(0, getRequestedFor(urlEqualTo(URL)));
    }

    @Test
    void retryBudgetBoundsHowLongAClientWaits() throws Exception {
        RawUpstream hole = RawUpstream.blackHole();
        closeables.add(hole);
        holes.add(hole.url());
        settings = settings.withRetry(
                        new RetryPolicy(50, Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(900)))
                .withBreaker(new BreakerSettings(
                        1000, 1.0, Duration.ofSeconds(60), 1000, Duration.ofSeconds(30), Duration.ofMinutes(5)));
        HttpGoProxyClient client = client(hole.url());
        long t0 = System.nanoTime();
        assertInstanceOf(FetchResult.Failed.class, client.fetch(PATH, READ_ALL));
        long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        assertTrue(ms < 900 + 300 + 700, "took " + ms + " ms");
        assertTrue(hole.connections() <= 4, "attempts: " + hole.connections());
    }

    @Test
    void weightedStrategySpreadsRequestsByWeight() {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        settings = settings.withStrategy(Strategy.WEIGHTED);
        List<Upstream> ups = List.of(
                new Upstream(URI.create(a.baseUrl()), "a", AfterFailure.MOVE_ON, 3, Credentials.NONE, QUICK),
                new Upstream(
                        URI.create(b.baseUrl()), "b", AfterFailure.MOVE_ON, 1, new Credentials.Bearer("t0ken"), QUICK));
        HttpGoProxyClient client = new HttpGoProxyClient(ups, settings, events, clock);
        closeables.add(client);
        for (int i = 0; i < 8; i++) {
            fetched(client.fetch(PATH, READ_ALL));
        }
        a.verify(6, getRequestedFor(urlEqualTo(URL)).withHeader("Authorization", absent()));
        b.verify(2, getRequestedFor(urlEqualTo(URL)).withHeader("Authorization", equalTo("Bearer t0ken")));
    }

    private static <T> Fetched<T> fetched(FetchResult<T> result) {
        if (result instanceof FetchResult.Fetched<T> f) {
            return new Fetched<>(f.value(), f.upstream());
        }
        throw new AssertionError("expected Fetched, got " + result);
    }

    private static <T> FetchResult.Failed<T> failed(FetchResult<T> result) {
        if (result instanceof FetchResult.Failed<T> f) {
            return f;
        }
        throw new AssertionError("expected Failed, got " + result);
    }

    private record Fetched<T>(T value, String upstream) {}
}
