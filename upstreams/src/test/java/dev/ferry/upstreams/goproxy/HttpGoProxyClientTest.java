package dev.ferry.upstreams.goproxy;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.ferry.testing.LoopbackWireMock;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.ContentRejected;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.UpstreamEvents;
import dev.ferry.upstreams.pool.UpstreamHttp;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpGoProxyClientTest {
    private static final String PATH = "github.com/!burnt!sushi/toml/@v/v1.2.0.mod";
    private static final String URL = "/" + PATH;
    private static final byte[] MOD = "module github.com/BurntSushi/toml\n\ngo 1.16\n".getBytes(StandardCharsets.UTF_8);
    /** Short enough to keep the fault tests quick, long enough for a loaded 2-core CI machine. */
    private static final UpstreamTimeouts SHORT =
            new UpstreamTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5));

    private final WireMockServer a = LoopbackWireMock.withLengths();
    private final WireMockServer b = LoopbackWireMock.withLengths();
    private final RecordingEvents events = new RecordingEvents();

    @BeforeEach
    void start() {
        a.start();
        b.start();
    }

    @AfterEach
    void stop() {
        a.stop();
        b.stop();
    }

    private HttpGoProxyClient client(char separator) {
        return new HttpGoProxyClient(GoProxyList.parse(a.baseUrl() + separator + b.baseUrl()), SHORT, events);
    }

    private static final BodyHandler<byte[]> READ_ALL = (body, length, upstream) -> body.readAllBytes();

    @Test
    void streamsTheBodyWithItsDeclaredLengthAndIdentifiesItself() {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        long[] seenLength = {-2};
        FetchResult<byte[]> result = client(',').fetch(PATH, (body, length, upstream) -> {
            seenLength[0] = length;
            return body.readAllBytes();
        });
        Fetched<byte[]> fetched = fetched(result);
        assertArrayEquals(MOD, fetched.value());
        assertEquals(a.baseUrl(), fetched.upstream());
        assertEquals(MOD.length, seenLength[0]);
        a.verify(1, getRequestedFor(urlEqualTo(URL)).withHeader("User-Agent", equalTo(UpstreamHttp.USER_AGENT)));
        assertTrue(UpstreamHttp.USER_AGENT.startsWith("ferry/"));
        b.verify(0, getRequestedFor(urlEqualTo(URL)));
        assertEquals(
                List.of("response " + a.baseUrl() + " 200", "bytes " + a.baseUrl() + " " + MOD.length), events.log);
    }

    /**
     * Issue 16, finding 7: a GOPROXY upstream's 302 was followed anywhere (the HttpClient followed it). One to the
     * upstream's own host ("localhost", WireMock's base URL) is followed; one to a loopback, link-local or private
     * address on another host (127.0.0.1) is not.
     */
    @Test
    void redirectsAreFollowedOnTheUpstreamsHostOnly() {
        a.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse().withStatus(302).withHeader("Location", b.baseUrl() + "/moved" + URL)));
        b.stubFor(get(urlEqualTo("/moved" + URL))
                .willReturn(aResponse().withStatus(200).withBody(MOD)));
        HttpGoProxyClient same = new HttpGoProxyClient(GoProxyList.parse(a.baseUrl()), SHORT, events);
        assertArrayEquals(
                MOD,
                assertInstanceOf(FetchResult.Fetched.class, same.fetch(PATH, READ_ALL))
                                        .value()
                                instanceof byte[] v
                        ? v
                        : null);

        for (String target : List.of("http://127.0.0.1:" + b.port() + "/moved" + URL, "http://169.254.169.254/x")) {
            a.resetAll();
            b.resetRequests();
            a.stubFor(
                    get(urlEqualTo(URL)).willReturn(aResponse().withStatus(302).withHeader("Location", target)));
            HttpGoProxyClient c = new HttpGoProxyClient(GoProxyList.parse(a.baseUrl()), SHORT, events);
            FetchResult<byte[]> r = c.fetch(PATH, READ_ALL);
            String summary = assertInstanceOf(FetchResult.Failed.class, r).summary();
            assertTrue(summary.contains("refused"), summary);
            b.verify(0, getRequestedFor(urlEqualTo("/moved" + URL)));
        }
    }

    @Test
    void notFoundAndGoneFallThroughAfterComma() {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(404).withBody("not here")));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        assertEquals(b.baseUrl(), fetched(client(',').fetch(PATH, READ_ALL)).upstream());

        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(410).withBody("gone")));
        assertEquals(b.baseUrl(), fetched(client(',').fetch(PATH, READ_ALL)).upstream());
        a.verify(2, getRequestedFor(urlEqualTo(URL)));
        b.verify(2, getRequestedFor(urlEqualTo(URL)));
    }

    @Test
    void everyoneMissingIsNotFoundWithTheLastReason() {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(404).withBody("a: no such module")));
        b.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse()
                        .withStatus(410)
                        .withBody("not found: module github.com/BurntSushi/toml: \u0001\u0002" + "x".repeat(5000))));
        FetchResult<byte[]> result = client('|').fetch(PATH, READ_ALL);
        FetchResult.NotFound<byte[]> notFound = assertInstanceOf(FetchResult.NotFound.class, result);
        assertEquals(410, notFound.status());
        assertTrue(notFound.message().startsWith("not found: module github.com/BurntSushi/toml: "), notFound.message());
        assertTrue(notFound.message().chars().noneMatch(c -> c < 0x20), notFound.message());
        assertTrue(notFound.message().length() <= HttpGoProxyClient.REASON_LIMIT + 1);
    }

    @Test
    void serverErrorEndsTheRequestAfterComma() {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(503).withBody("overloaded")));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        FetchResult.Failed<byte[]> failed = failed(client(',').fetch(PATH, READ_ALL));
        assertEquals(List.of(new FetchResult.Attempt(a.baseUrl(), "status_5xx: HTTP 503")), failed.attempts());
        b.verify(0, getRequestedFor(urlEqualTo(URL)));
        assertTrue(events.log.contains("failure " + a.baseUrl() + " status_5xx"), events.log.toString());
    }

    @Test
    void serverErrorMovesOnAfterPipe() {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(500)));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        assertEquals(b.baseUrl(), fetched(client('|').fetch(PATH, READ_ALL)).upstream());
        a.verify(1, getRequestedFor(urlEqualTo(URL)));
    }

    @Test
    void aFailureOutranksALaterNotFound() {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(502)));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(404)));
        FetchResult.Failed<byte[]> failed = failed(client('|').fetch(PATH, READ_ALL));
        assertEquals(2, failed.attempts().size());
        assertEquals("not found (404)", failed.attempts().get(1).problem());
    }

    @Test
    void otherClientErrorsAreFailures() {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(403).withBody("forbidden")));
        FetchResult.Failed<byte[]> failed = failed(client(',').fetch(PATH, READ_ALL));
        assertEquals("status_4xx: HTTP 403", failed.attempts().getFirst().problem());
        b.verify(0, getRequestedFor(urlEqualTo(URL)));
    }

    @Test
    void connectionResetIsReportedAndMovesOnAfterPipe() {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        assertEquals(b.baseUrl(), fetched(client('|').fetch(PATH, READ_ALL)).upstream());
        assertTrue(events.log.contains("failure " + a.baseUrl() + " reset"), events.log.toString());

        FetchResult.Failed<byte[]> failed = failed(client(',').fetch(PATH, READ_ALL));
        assertTrue(failed.attempts().getFirst().problem().startsWith("reset: "), failed.summary());
        b.verify(1, getRequestedFor(urlEqualTo(URL)));
    }

    @Test
    void malformedChunkIsATruncatedTransfer() {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK)));
        UpstreamTimeouts timeouts =
                new UpstreamTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5));
        HttpGoProxyClient client = new HttpGoProxyClient(GoProxyList.parse(a.baseUrl()), timeouts, events);
        FetchResult.Failed<byte[]> failed = failed(client.fetch(PATH, READ_ALL));
        String problem = failed.attempts().getFirst().problem();
        assertTrue(problem.startsWith("truncated: ") || problem.startsWith("reset: "), problem);
    }

    @Test
    void bodyShorterThanDeclaredLengthIsTruncated() {
        a.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Length", String.valueOf(MOD.length * 2))
                        .withBody(MOD)));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        assertArrayEquals(MOD, fetched(client('|').fetch(PATH, READ_ALL)).value());
        assertTrue(events.log.contains("failure " + a.baseUrl() + " truncated"), events.log.toString());
    }

    @Test
    void slowHeadersHitTheFirstByteTimeout() {
        a.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse().withStatus(200).withBody(MOD).withFixedDelay(6000)));
        UpstreamTimeouts timeouts =
                new UpstreamTimeouts(Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofSeconds(5));
        HttpGoProxyClient client = new HttpGoProxyClient(GoProxyList.parse(a.baseUrl()), timeouts, events);
        long t0 = System.nanoTime();
        FetchResult.Failed<byte[]> failed = failed(client.fetch(PATH, READ_ALL));
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).toMillis() < 4000);
        assertTrue(failed.attempts().getFirst().problem().startsWith("timeout: "), failed.summary());
    }

    @Test
    void stalledBodyIsAbortedByTheWatchdog() {
        byte[] big = new byte[64 * 1024];
        // Headers come with the first chunk after one interval, well within the first-byte timeout; the next
        // chunk comes one interval later, past the stall timeout.
        a.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse().withStatus(200).withBody(big).withChunkedDribbleDelay(4, 4000)));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        UpstreamTimeouts timeouts =
                new UpstreamTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofMillis(300));
        HttpGoProxyClient client =
                new HttpGoProxyClient(GoProxyList.parse(a.baseUrl() + "|" + b.baseUrl()), timeouts, events);
        long t0 = System.nanoTime();
        assertArrayEquals(MOD, fetched(client.fetch(PATH, READ_ALL)).value());
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).toMillis() < 3500);
        assertTrue(events.log.contains("failure " + a.baseUrl() + " stall"), events.log.toString());
    }

    @Test
    void slowButSteadyBodyOutlivesTheFirstByteTimeout() {
        byte[] big = new byte[20 * 1024];
        // Gaps of 500 ms, well under the stall timeout; the whole body takes longer than the first-byte timeout.
        a.stubFor(get(urlEqualTo(URL))
                .willReturn(aResponse().withStatus(200).withBody(big).withChunkedDribbleDelay(8, 4000)));
        UpstreamTimeouts timeouts =
                new UpstreamTimeouts(Duration.ofSeconds(2), Duration.ofMillis(1500), Duration.ofMillis(1500));
        HttpGoProxyClient client = new HttpGoProxyClient(GoProxyList.parse(a.baseUrl()), timeouts, events);
        assertArrayEquals(big, fetched(client.fetch(PATH, READ_ALL)).value());
    }

    @Test
    void slowHandlerIsNotAStall() {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        UpstreamTimeouts timeouts =
                new UpstreamTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofMillis(300));
        HttpGoProxyClient client = new HttpGoProxyClient(GoProxyList.parse(a.baseUrl()), timeouts, events);
        FetchResult<byte[]> result = client.fetch(PATH, (body, length, upstream) -> {
            byte[] first = body.readNBytes(3);
            // The handler is busy (e.g. a slow disk) longer than the stall timeout while the body is idle.
            long until = System.nanoTime() + Duration.ofMillis(700).toNanos();
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            byte[] rest = body.readAllBytes();
            byte[] all = new byte[first.length + rest.length];
            System.arraycopy(first, 0, all, 0, first.length);
            System.arraycopy(rest, 0, all, first.length, rest.length);
            return all;
        });
        assertArrayEquals(MOD, fetched(result).value());
    }

    @Test
    void rejectedContentMovesOnOnlyAfterPipe() {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody("module evil.example/x\n")));
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        BodyHandler<byte[]> checking = (body, length, upstream) -> {
            byte[] bytes = body.readAllBytes();
            if (!new String(bytes, StandardCharsets.UTF_8).startsWith("module github.com/BurntSushi/toml")) {
                throw new ContentRejected("go.mod names another module");
            }
            return bytes;
        };
        assertEquals(b.baseUrl(), fetched(client('|').fetch(PATH, checking)).upstream());
        assertTrue(events.log.contains("failure " + a.baseUrl() + " rejected"), events.log.toString());

        FetchResult.Failed<byte[]> failed = failed(client(',').fetch(PATH, checking));
        assertEquals(
                List.of(new FetchResult.Attempt(a.baseUrl(), "rejected: go.mod names another module")),
                failed.attempts());
        a.verify(2, getRequestedFor(urlEqualTo(URL)));
        b.verify(1, getRequestedFor(urlEqualTo(URL)));
    }

    @Test
    void handlerFailureOfItsOwnIsReported() {
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        FetchResult.Failed<byte[]> failed = failed(client(',').fetch(PATH, (body, length, upstream) -> {
            throw new java.io.IOException("disk full");
        }));
        assertEquals(
                "handler: IOException: disk full", failed.attempts().getFirst().problem());
    }

    @Test
    void unreachableUpstreamIsAConnectFailure() {
        int port = a.port();
        a.stop();
        b.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
        HttpGoProxyClient client =
                new HttpGoProxyClient(GoProxyList.parse("http://127.0.0.1:" + port + "|" + b.baseUrl()), SHORT, events);
        assertEquals(b.baseUrl(), fetched(client.fetch(PATH, READ_ALL)).upstream());
        assertTrue(events.log.contains("failure http://127.0.0.1:" + port + " connect"), events.log.toString());
    }

    @Test
    void offFindsNothing() {
        HttpGoProxyClient client = new HttpGoProxyClient(GoProxyList.parse("off"), SHORT, events);
        assertInstanceOf(FetchResult.NotFound.class, client.fetch(PATH, READ_ALL));
    }

    @Test
    void undeclaredLengthIsMinusOne() {
        WireMockServer chunked = LoopbackWireMock.chunked();
        chunked.start();
        try {
            chunked.stubFor(
                    get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(MOD)));
            long[] seen = {0};
            FetchResult<byte[]> result = new HttpGoProxyClient(GoProxyList.parse(chunked.baseUrl()), SHORT, events)
                    .fetch(PATH, (body, length, upstream) -> {
                        seen[0] = length;
                        return body.readAllBytes();
                    });
            assertArrayEquals(MOD, fetched(result).value());
            assertEquals(-1, seen[0]);
        } finally {
            chunked.stop();
        }
    }

    @Test
    void bodyIsStreamedNotBuffered() {
        byte[] big = new byte[4 << 20];
        a.stubFor(get(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withBody(big)));
        FetchResult<Long> result = client(',').fetch(PATH, (InputStream body, long length, String upstream) -> {
            long total = 0;
            byte[] buf = new byte[8192];
            for (int n; (n = body.read(buf)) > 0; ) {
                total += n;
            }
            return total;
        });
        assertEquals(big.length, fetched(result).value());
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

    private static final class RecordingEvents implements UpstreamEvents {
        final List<String> log = new CopyOnWriteArrayList<>();

        @Override
        public void response(String upstream, int status, Duration latency) {
            log.add("response " + upstream + " " + status);
        }

        @Override
        public void failure(String upstream, String kind, String detail) {
            log.add("failure " + upstream + " " + kind);
        }

        @Override
        public void bytes(String upstream, long count) {
            log.add("bytes " + upstream + " " + count);
        }
    }
}
