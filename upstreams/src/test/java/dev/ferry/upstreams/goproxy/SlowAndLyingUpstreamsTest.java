package dev.ferry.upstreams.goproxy;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ferry.testing.LoopbackWireMock;
import dev.ferry.testing.ManualClock;
import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.BreakerSettings;
import dev.ferry.upstreams.pool.BreakerState;
import dev.ferry.upstreams.pool.CircuitBreaker;
import dev.ferry.upstreams.pool.ContentMismatch;
import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.RetryPolicy;
import dev.ferry.upstreams.pool.SpeedSettings;
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
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Upstreams that answer, but slowly or with wrong content: slowness counts against them (judged against the
 * pool's best other upstream), hedges race whole small bodies, large slow bodies are continued elsewhere, a
 * checksum mismatch quarantines, and the weighted strategy follows what it measures. Breakers, quarantines and
 * the decay of the averages run on a test clock; the assertions are on what each upstream was asked and what the
 * pool recorded, not on wall time.
 */
class SlowAndLyingUpstreamsTest {
    private static final String PATH = "example.com/m/@v/v1.0.0.zip";
    private static final String URL = "/" + PATH;
    private static final byte[] SMALL = new byte[2000];
    private static final byte[] BIG = new byte[400 * 1024];
    private static final UpstreamTimeouts QUICK =
            new UpstreamTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5));
    private static final BodyHandler<byte[]> READ_ALL = (body, length, upstream) -> body.readAllBytes();

    static {
        new Random(3).nextBytes(SMALL);
        new Random(5).nextBytes(BIG);
    }

    private final WireMockServer a = server();
    private final WireMockServer b = server();
    private final ManualClock clock = new ManualClock();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private PoolSettings settings = PoolSettings.defaults()
            .withBreaker(new BreakerSettings(
                    3, 0.5, Duration.ofSeconds(60), 6, Duration.ofSeconds(30), Duration.ofMinutes(5)))
            .withRetry(RetryPolicy.none())
            .withSpeed(new SpeedSettings(4, Duration.ofMillis(100), Duration.ofMillis(300), 64 * 1024))
            .withHedgeAfter(Duration.ofMillis(400));

    private static WireMockServer server() {
        return LoopbackWireMock.withLengths();
    }

    @BeforeEach
    void start() {
        a.start();
        b.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        a.stop();
        b.stop();
    }

    private HttpGoProxyClient client(Upstream... ups) {
        HttpGoProxyClient c = new HttpGoProxyClient(List.of(ups), settings, UpstreamEvents.NONE, clock);
        closeables.add(c);
        return c;
    }

    private static Upstream up(String url, String name, int weight) {
        return new Upstream(URI.create(url), name, AfterFailure.MOVE_ON, weight, Credentials.NONE, QUICK);
    }

    private static UpstreamPool.Member member(HttpGoProxyClient c, String name) {
        return c.pool().member(name);
    }

    @Test
    void aSmallBodyThatTricklesIsHedgedAsAWholeAndCountsAsSlow() {
        // Headers at once, then 2,000 bytes over three seconds: only a hedge on the whole body helps.
        a.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse().withStatus(200).withBody(SMALL).withChunkedDribbleDelay(20, 3000)));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(SMALL)));
        HttpGoProxyClient client = client(up(a.baseUrl(), "a", 1), up(b.baseUrl(), "b", 1));

        FetchResult<byte[]> first = client.fetch(PATH, READ_ALL);

        assertEquals("b", assertFetched(first).upstream());
        assertArrayEquals(SMALL, assertFetched(first).value());
        UpstreamStatus slow = member(client, "a").status();
        assertEquals(1L, slow.failures().get("slow"), slow.toString());
        assertTrue(slow.recentErrors().getLast().detail().contains("no complete answer after"), slow.toString());
        assertNotNull(slow.speed().smallBodyMillis());
        assertTrue(slow.speed().smallBodyMillis() >= 400, slow.toString());
        assertNull(member(client, "b").status().failures().get("slow"));

        // Further requests go straight to b while a's request still trickles, or are hedged again and count.
        for (int i = 0; i < 4; i++) {
            assertEquals("b", assertFetched(client.fetch(PATH, READ_ALL)).upstream());
        }
        int asked = a.findAll(getRequestedFor(urlEqualTo(URL))).size();
        assertTrue(asked <= 5, "a asked " + asked + " times");
        assertEquals(
                (long) asked,
                member(client, "a").status().failures().get("slow"),
                "every request to a counted as slow");
        b.verify(5, getRequestedFor(urlEqualTo(URL)));
    }

    @Test
    void aCompletedButSlowTransferCountsAsAFailureAndThreeOpenTheBreaker() {
        // No hedging: a's answers complete, each a second late, against b's few milliseconds (a second, so that a
        // loaded machine's slower b, up to 250 ms, still makes a slow by the factor of 4).
        settings = settings.withHedgeAfter(Duration.ZERO);
        a.stubFor(get(urlPathMatching("/slow/.*"))
                .willReturn(aResponse().withStatus(200).withBody(SMALL).withFixedDelay(1000)));
        a.stubFor(get(urlPathMatching("/known/.*")).willReturn(aResponse().withStatus(404)));
        b.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(200).withBody(SMALL)));
        HttpGoProxyClient client = client(up(a.baseUrl(), "a", 1), up(b.baseUrl(), "b", 1));
        // b becomes known as fast (a says 404 for these, so b answers).
        for (int i = 0; i < 3; i++) {
            assertEquals(
                    "b", assertFetched(client.fetch("known/" + i, READ_ALL)).upstream());
        }
        for (int i = 0; i < 3; i++) {
            FetchResult.Fetched<byte[]> got = assertFetched(client.fetch("slow/" + i, READ_ALL));
            assertEquals("a", got.upstream(), "a slow answer that completes is still served");
            assertArrayEquals(SMALL, got.value());
        }
        assertEquals(3L, member(client, "a").status().failures().get("slow"));
        assertEquals(BreakerState.OPEN, member(client, "a").breaker().state());
        assertEquals("b", assertFetched(client.fetch("slow/next", READ_ALL)).upstream());
        a.verify(3, getRequestedFor(urlPathMatching("/slow/.*")));
    }

    @Test
    void aHalfOpenProbeMustMeetTheSpeedBarNotMerelyAnswer() {
        settings = settings.withHedgeAfter(Duration.ZERO);
        a.stubFor(get(urlPathMatching("/slow/.*"))
                .willReturn(aResponse().withStatus(200).withBody(SMALL).withFixedDelay(300)));
        a.stubFor(get(urlPathMatching("/known/.*")).willReturn(aResponse().withStatus(404)));
        // The probe's GET / answers 404 at once and then trickles its body: alive, but as slow as ever.
        a.stubFor(get(urlEqualTo("/"))
                .willReturn(aResponse().withStatus(404).withBody(SMALL).withChunkedDribbleDelay(10, 600)));
        b.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(200).withBody(SMALL)));
        HttpGoProxyClient client = client(up(a.baseUrl(), "a", 1), up(b.baseUrl(), "b", 1));
        for (int i = 0; i < 3; i++) {
            client.fetch("known/" + i, READ_ALL);
        }
        for (int i = 0; i < 3; i++) {
            client.fetch("slow/" + i, READ_ALL);
        }
        CircuitBreaker breaker = member(client, "a").breaker();
        assertEquals(BreakerState.OPEN, breaker.state());

        clock.advance(Duration.ofSeconds(30));
        client.probeDue();
        a.verify(1, getRequestedFor(urlEqualTo("/")));
        assertEquals(BreakerState.OPEN, breaker.state(), "a probe that answers slowly does not close the breaker");
        assertTrue(member(client, "a").status().recentErrors().getLast().kind().equals("slow"));

        // Recovered: the probe answers at once and the breaker closes.
        a.stubFor(get(urlEqualTo("/")).willReturn(aResponse().withStatus(404).withBody("no module here")));
        clock.advance(Duration.ofSeconds(60));
        client.probeDue();
        assertEquals(BreakerState.CLOSED, breaker.state());
    }

    @Test
    void aLargeBodyUnderTheBestUpstreamsRateIsContinuedElsewhereWithRange() throws Exception {
        RangeServer fast = new RangeServer(BIG);
        closeables.add(fast);
        // 400 KiB over ten seconds (40 KiB/s): far above ferry's absolute floor (turned off here anyway), far
        // below what the fast upstream manages.
        a.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse().withStatus(200).withBody(BIG).withChunkedDribbleDelay(50, 10_000)));
        a.stubFor(get(urlPathMatching("/known/.*")).willReturn(aResponse().withStatus(404)));
        settings = settings.withStallFloor(0, Duration.ofSeconds(10));
        HttpGoProxyClient client = client(up(a.baseUrl(), "a", 1), up(fast.url(), "fast", 1));
        // The fast upstream's rate becomes known.
        for (int i = 0; i < 2; i++) {
            assertEquals(
                    "fast", assertFetched(client.fetch("known/" + i, READ_ALL)).upstream());
        }
        assertNotNull(member(client, "fast").status().speed().bytesPerSecond());

        FetchResult.Fetched<byte[]> got = assertFetched(client.fetch(PATH, READ_ALL));

        assertArrayEquals(BIG, got.value());
        assertEquals("fast", got.upstream());
        UpstreamStatus slow = member(client, "a").status();
        assertEquals(1L, slow.failures().get("slow"), slow.toString());
        assertNull(slow.failures().get("stall"));
        List<String> ranges = fast.ranges();
        assertTrue(ranges.getLast().matches("bytes=[1-9]\\d*-"), ranges.toString());
    }

    @Test
    void aContinuationThatGetsNoAnswerWithinTheHedgeDelayIsAskedOfTheNextUpstreamAsWell() throws Exception {
        RawUpstream breaks = new RawUpstream(RawUpstream.Mode.RESET_MID_BODY, BIG, BIG.length / 2);
        RangeServer fast = new RangeServer(BIG);
        closeables.add(breaks);
        closeables.add(fast);
        // The middle upstream would serve the rest correctly, but only after four seconds: before the fix the
        // continuation waited for it (a black hole cost its whole first-byte timeout the same way).
        b.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse().withStatus(200).withBody(BIG).withFixedDelay(4000)));
        HttpGoProxyClient client =
                client(up(breaks.url(), "breaks", 1), up(b.baseUrl(), "late", 1), up(fast.url(), "fast", 1));

        FetchResult.Fetched<byte[]> got = assertFetched(client.fetch(PATH, READ_ALL));

        assertArrayEquals(BIG, got.value());
        assertEquals("fast", got.upstream());
        b.verify(1, getRequestedFor(urlEqualTo(URL)));
        // Bytes in flight when the connection was reset are lost, so the continuation starts at or before the half.
        assertEquals(1, fast.ranges().size(), fast.ranges().toString());
        assertTrue(
                fast.ranges().getFirst().matches("bytes=[1-9]\\d*-"),
                fast.ranges().toString());
        assertNotNull(
                member(client, "fast").status().speed().bytesPerSecond(),
                "the rate of the continued part counts for the upstream that sent it");
        UpstreamStatus broke = member(client, "breaks").status();
        assertEquals(
                1L,
                broke.failures().getOrDefault("reset", 0L) + broke.failures().getOrDefault("truncated", 0L),
                broke.toString());
    }

    @Test
    void withNothingFasterToCompareWithASlowUpstreamIsNotPenalised() {
        settings = settings.withHedgeAfter(Duration.ZERO);
        a.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse().withStatus(200).withBody(SMALL).withFixedDelay(300)));
        HttpGoProxyClient client = client(up(a.baseUrl(), "a", 1));
        for (int i = 0; i < 4; i++) {
            assertEquals("a", assertFetched(client.fetch(PATH, READ_ALL)).upstream());
        }
        assertTrue(member(client, "a").status().failures().isEmpty());
        assertEquals(BreakerState.CLOSED, member(client, "a").breaker().state());
    }

    @Test
    void aChecksumMismatchQuarantinesAtOnceUntilReleased() {
        byte[] tampered = Arrays.copyOf(SMALL, SMALL.length);
        tampered[100] ^= 1;
        a.stubFor(get(urlPathMatching("/.*\\.zip"))
                .willReturn(aResponse().withStatus(200).withBody(tampered)));
        a.stubFor(get(urlPathMatching("/.*\\.mod"))
                .willReturn(aResponse().withStatus(200).withBody("module m\n")));
        b.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(200).withBody(SMALL)));
        BodyHandler<byte[]> checked = (body, length, upstream) -> {
            byte[] bytes = body.readAllBytes();
            if (!Arrays.equals(bytes, SMALL)) {
                throw new ContentMismatch(
                        "example.com/m@v1.0.0.zip",
                        "example.com/m@v1.0.0.zip from " + upstream + ": checksum mismatch");
            }
            return bytes;
        };
        HttpGoProxyClient client = client(up(a.baseUrl(), "a", 1), up(b.baseUrl(), "b", 1));
        // Correct small files do not make it look honest for long: the first mismatch is enough.
        assertEquals(
                "a",
                assertFetched(client.fetch("example.com/m/@v/v1.0.0.mod", READ_ALL))
                        .upstream());

        assertEquals("b", assertFetched(client.fetch(PATH, checked)).upstream());

        UpstreamPool.Member liar = member(client, "a");
        UpstreamStatus status = liar.status();
        assertEquals(BreakerState.OPEN, status.breaker());
        assertNotNull(status.quarantine());
        assertEquals("example.com/m@v1.0.0.zip", status.quarantine().subject());
        assertEquals(
                clock.instant().plus(settings.quarantine()), status.quarantine().until());
        assertEquals(1L, status.failures().get("mismatch"));
        assertEquals(1L, status.quarantines());
        // No probe while quarantined, however long past the breaker's cool-down.
        clock.advance(Duration.ofHours(1));
        client.pool().probeDue(u -> {
            throw new AssertionError("probed a quarantined upstream");
        });
        for (int i = 0; i < 3; i++) {
            FetchResult.Fetched<byte[]> got =
                    assertFetched(client.fetch("example.com/m/@v/v1.0." + i + ".zip", checked));
            assertEquals("b", got.upstream());
        }
        a.verify(1, getRequestedFor(urlPathMatching("/.*\\.zip")));
        assertTrue(liar.skippedBecause().contains("quarantined"), liar.skippedBecause());

        // An admin checked the mirror and releases it: requests go to it again at once.
        a.stubFor(get(urlPathMatching("/.*\\.zip"))
                .willReturn(aResponse().withStatus(200).withBody(SMALL)));
        String lifted = liar.release("admin");
        assertTrue(lifted.contains("example.com/m@v1.0.0.zip"), lifted);
        assertEquals(BreakerState.CLOSED, liar.breaker().state());
        assertNull(liar.status().quarantine());
        assertEquals("a", assertFetched(client.fetch(PATH, checked)).upstream());
    }

    @Test
    void aQuarantinedUpstreamWithNoOtherToAskIsStillAskedAsTheLastResort() {
        byte[] tampered = Arrays.copyOf(SMALL, SMALL.length);
        tampered[100] ^= 1;
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(tampered)));
        a.stubFor(get(urlPathMatching("/other/.*"))
                .willReturn(aResponse().withStatus(200).withBody(SMALL)));
        BodyHandler<byte[]> checked = (body, length, upstream) -> {
            byte[] bytes = body.readAllBytes();
            if (!Arrays.equals(bytes, SMALL)) {
                throw new ContentMismatch("example.com/m@v1.0.0.zip", "checksum mismatch");
            }
            return bytes;
        };
        HttpGoProxyClient client = client(up(a.baseUrl(), "a", 1));
        assertInstanceOf(FetchResult.Failed.class, client.fetch(PATH, checked));
        assertNotNull(member(client, "a").status().quarantine());

        // The pool's only upstream: one bad file must not fail every other request for hours. What it serves is
        // checked all the same (the same bad file is refused again), and its good answers do not lift the quarantine.
        assertEquals("a", assertFetched(client.fetch("other/x.mod", checked)).upstream());
        assertInstanceOf(FetchResult.Failed.class, client.fetch(PATH, checked));
        assertNotNull(member(client, "a").status().quarantine());
        assertEquals(BreakerState.OPEN, member(client, "a").breaker().state());
    }

    @Test
    void aQuarantineEndsByItselfAfterItsPeriodAndAProbe() {
        settings = settings.withQuarantine(Duration.ofHours(2));
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody("wrong")));
        a.stubFor(get(urlEqualTo("/")).willReturn(aResponse().withStatus(404)));
        b.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(200).withBody(SMALL)));
        HttpGoProxyClient client = client(up(a.baseUrl(), "a", 1), up(b.baseUrl(), "b", 1));
        client.fetch(PATH, (body, length, upstream) -> {
            byte[] bytes = body.readAllBytes();
            if (!Arrays.equals(bytes, SMALL)) {
                throw new ContentMismatch("m.zip", "mismatch");
            }
            return bytes;
        });
        assertTrue(member(client, "a").breaker().quarantined());
        clock.advance(Duration.ofMinutes(119));
        client.probeDue();
        a.verify(0, getRequestedFor(urlEqualTo("/")));
        clock.advance(Duration.ofMinutes(1));
        assertFalse(member(client, "a").breaker().quarantined());
        client.probeDue();
        a.verify(1, getRequestedFor(urlEqualTo("/")));
        assertEquals(BreakerState.CLOSED, member(client, "a").breaker().state());
    }

    @Test
    void weightedStrategyShiftsTrafficAwayFromASlowMemberAndBackAfterItRecovers() {
        // No hedging and a breaker that does not open: this is about the weights alone.
        settings = settings.withStrategy(Strategy.WEIGHTED)
                .withHedgeAfter(Duration.ZERO)
                .withBreaker(new BreakerSettings(
                        1000, 1.0, Duration.ofSeconds(60), 1000, Duration.ofSeconds(30), Duration.ofMinutes(5)));
        a.stubFor(get(anyUrl())
                .willReturn(aResponse().withStatus(200).withBody(SMALL).withFixedDelay(300)));
        b.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(200).withBody(SMALL)));
        HttpGoProxyClient client = client(up(a.baseUrl(), "a", 1), up(b.baseUrl(), "b", 1));
        for (int i = 0; i < 40; i++) {
            assertArrayEquals(SMALL, assertFetched(client.fetch(PATH, READ_ALL)).value());
        }
        int slowShare = a.findAll(anyRequestedFor(anyUrl())).size();
        // Equal weights would give it 20; its first answer (before b was known) was not yet judged slow.
        assertTrue(slowShare <= 10, "the slow member got " + slowShare + " of 40 requests");
        assertTrue(
                member(client, "a").status().speed().effectiveWeight() < 0.2,
                member(client, "a").status().toString());

        // It recovers. Its old measurements decay on the pool's clock, it is asked again, and it measures well.
        a.resetAll();
        a.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(200).withBody(SMALL)));
        clock.advance(Duration.ofMinutes(10));
        for (int i = 0; i < 40; i++) {
            assertArrayEquals(SMALL, assertFetched(client.fetch(PATH, READ_ALL)).value());
        }
        int recovered = a.findAll(anyRequestedFor(anyUrl())).size();
        assertTrue(
                recovered - slowShare >= 14, "the recovered member got " + (recovered - slowShare) + " of 40 requests");
    }

    private static FetchResult.Fetched<byte[]> assertFetched(FetchResult<byte[]> r) {
        if (r instanceof FetchResult.Fetched<byte[]> f) {
            return f;
        }
        throw new AssertionError("expected Fetched, got " + r);
    }

    @SuppressWarnings("unused")
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
