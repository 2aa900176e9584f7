package dev.ferry.upstreams.oci;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.testing.LoopbackWireMock;
import dev.ferry.testing.ManualClock;
import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.RetryPolicy;
import dev.ferry.upstreams.pool.SpeedSettings;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamEvents;
import dev.ferry.upstreams.pool.UpstreamStatus;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpRegistryClientTest {
    private static final RepositoryName REPO = RepositoryName.parse("library/tiny");
    private static final String MANIFEST_URL = "/v2/library/tiny/manifests/1.0";
    private static final byte[] MANIFEST =
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}"
                    .getBytes(StandardCharsets.UTF_8);
    private static final String SCOPE = "repository:library/tiny:pull";
    private static final UpstreamTimeouts SHORT =
            new UpstreamTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5));
    private static final PoolSettings ONE_WALK = PoolSettings.defaults().withRetry(RetryPolicy.none());
    private static final RegistryClient.ManifestHandler<byte[]> READ_MANIFEST =
            (body, head, endpoint) -> body.readAllBytes();
    private static final BodyHandler<byte[]> READ_ALL = (body, length, upstream) -> body.readAllBytes();

    private final WireMockServer a = server();
    private final WireMockServer b = server();
    private final WireMockServer auth = server();
    private final ManualClock clock = new ManualClock();
    private final List<HttpRegistryClient> clients = new ArrayList<>();

    private static WireMockServer server() {
        return LoopbackWireMock.withLengths();
    }

    @BeforeEach
    void start() {
        a.start();
        b.start();
        auth.start();
    }

    @AfterEach
    void stop() {
        clients.forEach(HttpRegistryClient::close);
        a.stop();
        b.stop();
        auth.stop();
    }

    private HttpRegistryClient client(Upstream... endpoints) {
        HttpRegistryClient c =
                new HttpRegistryClient("test.io", List.of(endpoints), ONE_WALK, UpstreamEvents.NONE, clock);
        clients.add(c);
        return c;
    }

    private static Upstream endpoint(String url, Credentials credentials) {
        // STOP on purpose: the registry client must move on after any error anyway.
        return new Upstream(URI.create(url), url, AfterFailure.STOP, 1, credentials, SHORT);
    }

    private static Upstream endpoint(WireMockServer s) {
        return endpoint(s.baseUrl(), Credentials.NONE);
    }

    private String bearerChallenge() {
        return "Bearer realm=\"" + auth.baseUrl() + "/token\",service=\"test-registry\",scope=\"" + SCOPE + "\"";
    }

    /** The registry answers the manifest with {@code token}, and a Bearer challenge to anything else. */
    private void registryWantsToken(WireMockServer s, String token) {
        s.stubFor(get(urlEqualTo(MANIFEST_URL))
                .atPriority(5)
                .willReturn(aResponse()
                        .withStatus(401)
                        .withHeader("WWW-Authenticate", bearerChallenge())
                        .withBody("{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}")));
        s.stubFor(get(urlEqualTo(MANIFEST_URL))
                .atPriority(1)
                .withHeader("Authorization", equalTo("Bearer " + token))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", MediaTypes.OCI_MANIFEST)
                        .withBody(MANIFEST)));
    }

    private void realmGives(String token, int expiresIn) {
        auth.stubFor(get(urlPathEqualTo("/token"))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"token\":\"" + token + "\",\"expires_in\":" + expiresIn + "}")));
    }

    private static byte[] fetched(FetchResult<byte[]> r) {
        return assertInstanceOf(FetchResult.Fetched.class, r, r.toString()) instanceof FetchResult.Fetched<?> f
                ? (byte[]) f.value()
                : null;
    }

    @Test
    void anonymousTokenFlowAsksTheRealmWithoutCredentialsForThePullScope() {
        registryWantsToken(a, "anon-token");
        realmGives("anon-token", 300);

        assertArrayEquals(MANIFEST, fetched(client(endpoint(a)).manifest(REPO, Reference.parse("1.0"), READ_MANIFEST)));

        auth.verify(
                1,
                getRequestedFor(urlEqualTo("/token?service=test-registry&scope=repository%3Alibrary%2Ftiny%3Apull"))
                        .withHeader("Authorization", absent()));
        a.verify(1, getRequestedFor(urlEqualTo(MANIFEST_URL)).withHeader("Authorization", absent()));
        a.verify(
                1, getRequestedFor(urlEqualTo(MANIFEST_URL)).withHeader("Authorization", equalTo("Bearer anon-token")));
    }

    @Test
    void credentialedTokenFlowSendsBasicCredentialsToTheRealmOnly() {
        registryWantsToken(a, "user-token");
        // The challenge names no scope here: ferry builds the pull scope itself.
        a.stubFor(get(urlEqualTo(MANIFEST_URL))
                .atPriority(5)
                .willReturn(aResponse()
                        .withStatus(401)
                        .withHeader(
                                "WWW-Authenticate", "Bearer realm=\"" + auth.baseUrl() + "/token\",service=\"svc\"")));
        realmGives("user-token", 300);
        String basic = "Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));

        assertArrayEquals(
                MANIFEST,
                fetched(client(endpoint(a.baseUrl(), new Credentials.Basic("alice", "s3cret")))
                        .manifest(REPO, Reference.parse("1.0"), READ_MANIFEST)));

        auth.verify(
                1,
                getRequestedFor(urlPathEqualTo("/token"))
                        .withHeader("Authorization", equalTo(basic))
                        .withQueryParam("scope", equalTo(SCOPE))
                        .withQueryParam("service", equalTo("svc")));
        // The registry never sees the password, only the token.
        a.verify(0, getRequestedFor(urlEqualTo(MANIFEST_URL)).withHeader("Authorization", equalTo(basic)));
    }

    /**
     * Issue 16, finding 7: upstream Basic credentials went to whatever token realm the upstream named. A realm on
     * another host (here 127.0.0.1 while the registry is "localhost", WireMock's base URL) gets an anonymous token
     * request.
     */
    @Test
    void credentialsGoToATokenRealmOnlyOnTheUpstreamsHost() {
        String realm = "http://127.0.0.1:" + auth.port() + "/token";
        a.stubFor(get(urlEqualTo(MANIFEST_URL))
                .atPriority(5)
                .willReturn(aResponse()
                        .withStatus(401)
                        .withHeader("WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"svc\"")));
        a.stubFor(get(urlEqualTo(MANIFEST_URL))
                .atPriority(1)
                .withHeader("Authorization", equalTo("Bearer anon-token"))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", MediaTypes.OCI_MANIFEST)
                        .withBody(MANIFEST)));
        realmGives("anon-token", 300);
        // Private addresses allowed (the realm is on loopback), no realm host configured.
        HttpRegistryClient c = new HttpRegistryClient(
                "test.io",
                List.of(endpoint(a.baseUrl(), new Credentials.Basic("alice", "s3cret"))),
                ONE_WALK.withRedirects(new dev.ferry.upstreams.pool.RedirectPolicy(true, List.of())),
                UpstreamEvents.NONE,
                clock);
        clients.add(c);
        assertArrayEquals(MANIFEST, fetched(c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST)));

        auth.verify(1, getRequestedFor(urlPathEqualTo("/token")));
        auth.verify(0, getRequestedFor(urlPathEqualTo("/token")).withHeader("Authorization", matching(".*")));
    }

    @Test
    void aTokenRealmOnAnotherHostsPrivateAddressIsNotAskedByDefault() {
        a.stubFor(get(urlEqualTo(MANIFEST_URL))
                .willReturn(aResponse()
                        .withStatus(401)
                        .withHeader(
                                "WWW-Authenticate",
                                "Bearer realm=\"http://127.0.0.1:" + auth.port() + "/token\",service=\"svc\"")));
        realmGives("t", 300);
        FetchResult<byte[]> r = client(endpoint(a.baseUrl(), new Credentials.Basic("alice", "s3cret")))
                .manifest(REPO, Reference.parse("1.0"), READ_MANIFEST);
        String summary = assertInstanceOf(FetchResult.Failed.class, r).summary();
        assertTrue(summary.contains("refused"), summary);
        auth.verify(0, getRequestedFor(urlPathEqualTo("/token")));
    }

    @Test
    void aConfiguredRealmHostGetsTheCredentials() {
        String realm = "http://127.0.0.1:" + auth.port() + "/token";
        a.stubFor(get(urlEqualTo(MANIFEST_URL))
                .atPriority(5)
                .willReturn(aResponse()
                        .withStatus(401)
                        .withHeader("WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"svc\"")));
        realmGives("t", 300);
        HttpRegistryClient c = new HttpRegistryClient(
                "test.io",
                List.of(endpoint(a.baseUrl(), new Credentials.Basic("alice", "s3cret"))),
                ONE_WALK.withRedirects(new dev.ferry.upstreams.pool.RedirectPolicy(false, List.of("127.0.0.1"))),
                UpstreamEvents.NONE,
                clock);
        clients.add(c);
        c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST);
        auth.verify(1, getRequestedFor(urlPathEqualTo("/token")).withHeader("Authorization", matching("Basic .*")));
    }

    /**
     * Issue 16, finding 7: a registry's 302 to the cloud metadata address or to another loopback host was followed.
     * Redirects to private, loopback and link-local addresses are refused unless allowed; one to the upstream's own
     * host ("localhost" here, WireMock's base URL) is followed, as the redirect tests above show.
     */
    @Test
    void redirectsToPrivateAddressesAreRefusedUnlessAllowed() {
        Digest digest = sha256("layer".getBytes(StandardCharsets.UTF_8));
        String blobUrl = "/v2/library/tiny/blobs/" + digest;
        for (String target :
                List.of("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:" + b.port() + "/bucket/layer")) {
            a.resetAll();
            a.stubFor(get(urlEqualTo(blobUrl))
                    .willReturn(aResponse().withStatus(302).withHeader("Location", target)));
            b.resetAll();
            b.stubFor(get(urlEqualTo("/bucket/layer"))
                    .willReturn(aResponse().withStatus(200).withBody("layer")));
            FetchResult<byte[]> r = client(endpoint(a)).blob(REPO, digest, READ_ALL);
            String summary = assertInstanceOf(FetchResult.Failed.class, r).summary();
            assertTrue(summary.contains("refused"), summary);
            b.verify(0, getRequestedFor(urlEqualTo("/bucket/layer")));
        }
        HttpRegistryClient allowing = new HttpRegistryClient(
                "test.io",
                List.of(endpoint(a)),
                ONE_WALK.withRedirects(new dev.ferry.upstreams.pool.RedirectPolicy(true, List.of())),
                UpstreamEvents.NONE,
                clock);
        clients.add(allowing);
        assertArrayEquals("layer".getBytes(StandardCharsets.UTF_8), fetched(allowing.blob(REPO, digest, READ_ALL)));
    }

    /** Issue 16, finding 7: an upstream's error body is not repeated in ferry's messages (it may be anything). */
    @Test
    void upstreamErrorBodiesAreNotEchoed() {
        a.stubFor(get(urlEqualTo(MANIFEST_URL))
                .willReturn(aResponse()
                        .withStatus(403)
                        .withBody("{\"errors\":[{\"code\":\"DENIED\",\"message\":\"<script>secret-token-xyz\"}]}")));
        String summary = assertInstanceOf(
                        FetchResult.Failed.class,
                        client(endpoint(a)).manifest(REPO, Reference.parse("1.0"), READ_MANIFEST))
                .summary();
        assertTrue(summary.contains("403"), summary);
        assertTrue(summary.contains("DENIED"), summary);
        assertTrue(!summary.contains("secret-token-xyz"), summary);
    }

    @Test
    void aTokenIsCachedUntilItExpiresThenRenewed() {
        registryWantsToken(a, "t");
        realmGives("t", 120);
        HttpRegistryClient c = client(endpoint(a));

        fetched(c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST));
        fetched(c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST));
        auth.verify(1, getRequestedFor(urlPathEqualTo("/token")));
        a.verify(1, getRequestedFor(urlEqualTo(MANIFEST_URL)).withHeader("Authorization", absent()));

        // Past its life less the margin: dropped before use, so the registry sees an anonymous request again.
        clock.advance(Duration.ofSeconds(115));
        fetched(c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST));
        auth.verify(2, getRequestedFor(urlPathEqualTo("/token")));
        a.verify(2, getRequestedFor(urlEqualTo(MANIFEST_URL)).withHeader("Authorization", absent()));
    }

    @Test
    void aCachedTokenRefusedMidUseIsRenewedAndTheRequestRetriedOnce() {
        registryWantsToken(a, "old");
        realmGives("old", 3600);
        HttpRegistryClient c = client(endpoint(a));
        fetched(c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST));

        // The registry revokes "old" long before its stated expiry.
        a.resetAll();
        registryWantsToken(a, "new");
        realmGives("new", 3600);
        assertArrayEquals(MANIFEST, fetched(c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST)));

        a.verify(1, getRequestedFor(urlEqualTo(MANIFEST_URL)).withHeader("Authorization", equalTo("Bearer old")));
        a.verify(1, getRequestedFor(urlEqualTo(MANIFEST_URL)).withHeader("Authorization", equalTo("Bearer new")));
        auth.verify(2, getRequestedFor(urlPathEqualTo("/token")));
    }

    @Test
    void aFreshTokenThatIsRefusedFailsTheEndpointWithoutLooping() {
        registryWantsToken(a, "accepted");
        realmGives("tok-xyz", 3600);

        FetchResult<byte[]> r = client(endpoint(a)).manifest(REPO, Reference.parse("1.0"), READ_MANIFEST);

        FetchResult.Failed<byte[]> failed = assertInstanceOf(FetchResult.Failed.class, r);
        assertTrue(failed.summary().contains("401"), failed.summary());
        assertTrue(!failed.summary().contains("tok-xyz"), "no token in messages");
        a.verify(2, getRequestedFor(urlEqualTo(MANIFEST_URL)));
        auth.verify(1, getRequestedFor(urlPathEqualTo("/token")));
    }

    @Test
    void aFailingTokenRealmFailsTheEndpointAndTheNextOneIsAsked() {
        registryWantsToken(a, "t");
        auth.stubFor(get(urlPathEqualTo("/token")).willReturn(aResponse().withStatus(500)));
        b.stubFor(get(urlEqualTo(MANIFEST_URL))
                .willReturn(aResponse().withStatus(200).withBody(MANIFEST)));
        HttpRegistryClient c = client(endpoint(a), endpoint(b));

        FetchResult<byte[]> r = c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST);

        assertEquals(b.baseUrl(), assertInstanceOf(FetchResult.Fetched.class, r).upstream());
        assertEquals(1L, c.pool().status().get(0).failures().get("status_5xx"));
    }

    @Test
    void basicChallengeIsAnsweredWithTheEndpointsCredentialsAndThenSentUpFront() {
        String basic = "Basic " + Base64.getEncoder().encodeToString("bob:pw".getBytes(StandardCharsets.UTF_8));
        a.stubFor(get(urlEqualTo(MANIFEST_URL))
                .atPriority(5)
                .willReturn(
                        aResponse().withStatus(401).withHeader("WWW-Authenticate", "Basic realm=\"Registry Realm\"")));
        a.stubFor(get(urlEqualTo(MANIFEST_URL))
                .atPriority(1)
                .withHeader("Authorization", equalTo(basic))
                .willReturn(aResponse().withStatus(200).withBody(MANIFEST)));
        HttpRegistryClient c = client(endpoint(a.baseUrl(), new Credentials.Basic("bob", "pw")));

        fetched(c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST));
        fetched(c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST));

        a.verify(1, getRequestedFor(urlEqualTo(MANIFEST_URL)).withHeader("Authorization", absent()));
        a.verify(2, getRequestedFor(urlEqualTo(MANIFEST_URL)).withHeader("Authorization", equalTo(basic)));
    }

    @Test
    void aBasicChallengeWithoutCredentialsFails() {
        a.stubFor(get(urlEqualTo(MANIFEST_URL))
                .willReturn(
                        aResponse().withStatus(401).withHeader("WWW-Authenticate", "Basic realm=\"Registry Realm\"")));
        FetchResult<byte[]> r = client(endpoint(a)).manifest(REPO, Reference.parse("1.0"), READ_MANIFEST);
        assertTrue(assertInstanceOf(FetchResult.Failed.class, r).summary().contains("Basic credentials"), r.toString());
    }

    @Test
    void failsOverToTheNextEndpointOn503() {
        a.stubFor(get(urlEqualTo(MANIFEST_URL)).willReturn(aResponse().withStatus(503)));
        b.stubFor(get(urlEqualTo(MANIFEST_URL))
                .willReturn(aResponse().withStatus(200).withBody(MANIFEST)));
        HttpRegistryClient c = client(endpoint(a), endpoint(b));

        FetchResult<byte[]> r = c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST);

        assertEquals(b.baseUrl(), assertInstanceOf(FetchResult.Fetched.class, r).upstream());
        List<UpstreamStatus> status = c.pool().status();
        assertEquals(1L, status.get(0).failures().get("status_5xx"));
        assertEquals(1L, status.get(1).successes());
    }

    @Test
    void failsOverToTheNextEndpointWhenTheFirstRefusesConnections() throws IOException {
        String closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = "http://127.0.0.1:" + s.getLocalPort();
        }
        b.stubFor(get(urlEqualTo(MANIFEST_URL))
                .willReturn(aResponse().withStatus(200).withBody(MANIFEST)));
        HttpRegistryClient c = client(endpoint(closed, Credentials.NONE), endpoint(b));

        FetchResult<byte[]> r = c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST);

        assertEquals(b.baseUrl(), assertInstanceOf(FetchResult.Fetched.class, r).upstream());
        assertEquals(1L, c.pool().status().get(0).failures().get("connect"));
    }

    @Test
    void notFoundFromAHealthyEndpointIsFinal() {
        a.stubFor(get(urlEqualTo(MANIFEST_URL))
                .willReturn(aResponse().withStatus(404).withBody("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}")));
        b.stubFor(get(urlEqualTo(MANIFEST_URL)).willReturn(aResponse().withStatus(404)));

        FetchResult<byte[]> r = client(endpoint(a), endpoint(b)).manifest(REPO, Reference.parse("1.0"), READ_MANIFEST);

        FetchResult.NotFound<byte[]> nf = assertInstanceOf(FetchResult.NotFound.class, r);
        assertTrue(nf.message().contains("MANIFEST_UNKNOWN"), nf.message());
        // Endpoints are replicas: a healthy one's 404 is the registry's answer.
        b.verify(0, getRequestedFor(urlEqualTo(MANIFEST_URL)));
    }

    @Test
    void notFoundAfterAFailedEndpointIsAFailureNotProofOfAbsence() {
        a.stubFor(get(urlEqualTo(MANIFEST_URL)).willReturn(aResponse().withStatus(503)));
        b.stubFor(get(urlEqualTo(MANIFEST_URL)).willReturn(aResponse().withStatus(404)));

        FetchResult<byte[]> r = client(endpoint(a), endpoint(b)).manifest(REPO, Reference.parse("1.0"), READ_MANIFEST);

        String summary = assertInstanceOf(FetchResult.Failed.class, r).summary();
        assertTrue(summary.contains("503") && summary.contains("not found (404)"), summary);
    }

    @Test
    void headManifestReadsTypeDigestAndLengthFromHeaders() {
        String digest = "sha256:" + "ab".repeat(32);
        a.stubFor(head(urlEqualTo(MANIFEST_URL))
                .withHeader("Accept", equalTo(String.join(", ", MediaTypes.MANIFESTS)))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "Application/VND.oci.image.manifest.v1+json; charset=utf-8")
                        .withHeader("Docker-Content-Digest", digest)
                        .withHeader("Content-Length", "123")));
        b.stubFor(head(urlEqualTo(MANIFEST_URL))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", MediaTypes.OCI_INDEX)
                        .withHeader("Docker-Content-Digest", "md5:nothex")));

        FetchResult<ManifestHead> r = client(endpoint(a)).headManifest(REPO, Reference.parse("1.0"));
        assertEquals(
                new ManifestHead(MediaTypes.OCI_MANIFEST, Digest.parse(digest), 123),
                assertInstanceOf(FetchResult.Fetched.class, r).value());

        ManifestHead bad = (ManifestHead) assertInstanceOf(
                        FetchResult.Fetched.class, client(endpoint(b)).headManifest(REPO, Reference.parse("1.0")))
                .value();
        assertNull(bad.digest());
    }

    @Test
    void aManifestDeclaredLargerThanTheLimitIsRejectedAndTheNextEndpointAsked() {
        a.stubFor(get(urlEqualTo(MANIFEST_URL))
                .willReturn(aResponse().withStatus(200).withBody(new byte[Manifest.MAX_SIZE + 1])));
        b.stubFor(get(urlEqualTo(MANIFEST_URL))
                .willReturn(aResponse().withStatus(200).withBody(MANIFEST)));
        int[] calls = {0};
        HttpRegistryClient c = client(endpoint(a), endpoint(b));

        FetchResult<byte[]> r = c.manifest(REPO, Reference.parse("1.0"), (body, head, endpoint) -> {
            calls[0]++;
            return body.readAllBytes();
        });

        assertArrayEquals(MANIFEST, fetched(r));
        assertEquals(1, calls[0], "the oversized manifest never reached the handler");
        assertEquals(1L, c.pool().status().get(0).failures().get("rejected"));
    }

    @Test
    void aHandlersOwnIOExceptionStopsTheWalkWithoutPenalty() {
        a.stubFor(get(urlEqualTo(MANIFEST_URL))
                .willReturn(aResponse().withStatus(200).withBody(MANIFEST)));
        b.stubFor(get(urlEqualTo(MANIFEST_URL))
                .willReturn(aResponse().withStatus(200).withBody(MANIFEST)));
        HttpRegistryClient c = client(endpoint(a), endpoint(b));

        FetchResult<Object> r = c.manifest(REPO, Reference.parse("1.0"), (body, head, endpoint) -> {
            throw new IOException("disk full");
        });

        assertTrue(assertInstanceOf(FetchResult.Failed.class, r).summary().contains("handler: IOException: disk full"));
        assertTrue(c.pool().status().get(0).failures().isEmpty());
        b.verify(0, getRequestedFor(urlEqualTo(MANIFEST_URL)));
    }

    @Test
    void blobRedirectToAnotherHostCarriesNoAuthorization() {
        Digest digest = sha256("layer".getBytes(StandardCharsets.UTF_8));
        String blobUrl = "/v2/library/tiny/blobs/" + digest;
        a.stubFor(get(urlEqualTo(blobUrl))
                .willReturn(aResponse()
                        .withStatus(307)
                        .withHeader("Location", b.baseUrl() + "/bucket/layer?X-Amz-Signature=abc")));
        b.stubFor(get(urlEqualTo("/bucket/layer?X-Amz-Signature=abc"))
                .willReturn(aResponse().withStatus(200).withBody("layer")));

        FetchResult<byte[]> r = client(endpoint(a.baseUrl(), new Credentials.Bearer("static-token")))
                .blob(REPO, digest, READ_ALL);

        assertArrayEquals("layer".getBytes(StandardCharsets.UTF_8), fetched(r));
        a.verify(1, getRequestedFor(urlEqualTo(blobUrl)).withHeader("Authorization", equalTo("Bearer static-token")));
        b.verify(
                1,
                getRequestedFor(urlEqualTo("/bucket/layer?X-Amz-Signature=abc")).withHeader("Authorization", absent()));
    }

    @Test
    void relativeRedirectsResolveAgainstTheRequestAndKeepAuthorizationOnTheSameHost() {
        Digest digest = sha256("layer".getBytes(StandardCharsets.UTF_8));
        String blobUrl = "/v2/library/tiny/blobs/" + digest;
        a.stubFor(
                get(urlEqualTo(blobUrl)).willReturn(aResponse().withStatus(302).withHeader("Location", "../store/x")));
        a.stubFor(get(urlEqualTo("/v2/library/tiny/store/x"))
                .willReturn(aResponse().withStatus(301).withHeader("Location", "/final")));
        a.stubFor(
                get(urlEqualTo("/final")).willReturn(aResponse().withStatus(200).withBody("layer")));

        FetchResult<byte[]> r =
                client(endpoint(a.baseUrl(), new Credentials.Bearer("t"))).blob(REPO, digest, READ_ALL);

        assertArrayEquals("layer".getBytes(StandardCharsets.UTF_8), fetched(r));
        a.verify(1, getRequestedFor(urlEqualTo("/final")).withHeader("Authorization", equalTo("Bearer t")));
    }

    @Test
    void aBlobHeadTakesARedirectToStorageAsTheAnswerWithoutFollowingIt() {
        Digest here = sha256("here".getBytes(StandardCharsets.UTF_8));
        Digest moved = sha256("moved".getBytes(StandardCharsets.UTF_8));
        Digest gone = sha256("gone".getBytes(StandardCharsets.UTF_8));
        a.stubFor(head(urlEqualTo("/v2/library/tiny/blobs/" + here))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Length", "4")));
        a.stubFor(head(urlEqualTo("/v2/library/tiny/blobs/" + moved))
                .willReturn(aResponse().withStatus(307).withHeader("Location", b.baseUrl() + "/signed-for-get-only")));
        a.stubFor(head(urlEqualTo("/v2/library/tiny/blobs/" + gone))
                .willReturn(aResponse().withStatus(404)));
        HttpRegistryClient c = client(endpoint(a));

        assertEquals(
                4L,
                assertInstanceOf(FetchResult.Fetched.class, c.headBlob(REPO, here))
                        .value());
        assertEquals(
                -1L,
                assertInstanceOf(FetchResult.Fetched.class, c.headBlob(REPO, moved))
                        .value());
        assertInstanceOf(FetchResult.NotFound.class, c.headBlob(REPO, gone));
        b.verify(
                0,
                com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
                        com.github.tomakehurst.wiremock.client.WireMock.anyUrl()));
    }

    @Test
    void anEndpointServingABlobThatFailsItsDigestIsQuarantinedAndTheNextServesIt() {
        byte[] blob = "the real layer".getBytes(StandardCharsets.UTF_8);
        Digest digest = sha256(blob);
        String url = "/v2/library/tiny/blobs/" + digest;
        a.stubFor(get(urlEqualTo(url)).willReturn(aResponse().withStatus(200).withBody("the tampered layer")));
        b.stubFor(get(urlEqualTo(url)).willReturn(aResponse().withStatus(200).withBody(blob)));
        BodyHandler<byte[]> checked = (body, length, endpoint) -> {
            byte[] bytes = body.readAllBytes();
            if (!sha256(bytes).equals(digest)) {
                throw new dev.ferry.upstreams.pool.ContentMismatch(
                        "blob " + digest, "blob from " + endpoint + " does not hash to " + digest);
            }
            return bytes;
        };
        HttpRegistryClient c = client(endpoint(a), endpoint(b));

        for (int i = 0; i < 3; i++) {
            FetchResult<byte[]> r = c.blob(REPO, digest, checked);
            assertEquals(
                    b.baseUrl(), assertInstanceOf(FetchResult.Fetched.class, r).upstream());
        }

        a.verify(1, getRequestedFor(urlEqualTo(url)));
        var status = c.pool().member(a.baseUrl()).status();
        assertEquals(dev.ferry.upstreams.pool.BreakerState.OPEN, status.breaker());
        assertEquals("blob " + digest, status.quarantine().subject());
        assertEquals(
                clock.instant().plus(ONE_WALK.quarantine()), status.quarantine().until());
    }

    @Test
    void redirectLoopsEndAfterFiveHops() {
        Digest digest = sha256("x".getBytes(StandardCharsets.UTF_8));
        a.stubFor(get(urlEqualTo("/v2/library/tiny/blobs/" + digest))
                .willReturn(aResponse().withStatus(302).withHeader("Location", "/v2/library/tiny/blobs/" + digest)));

        FetchResult<byte[]> r = client(endpoint(a)).blob(REPO, digest, READ_ALL);

        assertTrue(assertInstanceOf(FetchResult.Failed.class, r).summary().contains("more than 5 redirects"));
        a.verify(6, getRequestedFor(urlEqualTo("/v2/library/tiny/blobs/" + digest)));
    }

    @Test
    void aBlobBodyThatBreaksIsContinuedWithARangeFromTheSameEndpoint() throws IOException {
        byte[] blob = new byte[200_000];
        new java.util.Random(7).nextBytes(blob);
        Digest digest = sha256(blob);
        try (BreakingBlobServer s = new BreakingBlobServer(blob, 70_000, 206)) {
            HttpRegistryClient c = client(endpoint(s.url(), Credentials.NONE));

            FetchResult<byte[]> r = c.blob(REPO, digest, READ_ALL);

            assertArrayEquals(blob, fetched(r));
            // From what the client had when the body broke: all 70,000 bytes sent, or (under load) fewer.
            assertEquals(2, s.ranges().size(), s.ranges().toString());
            assertEquals("", s.ranges().get(0));
            assertTrue(
                    s.ranges().get(1).matches("bytes=[1-9][0-9]*-")
                            && Long.parseLong(s.ranges().get(1).replaceAll("\\D", "")) <= 70_000,
                    s.ranges().toString());
            assertEquals(1L, c.pool().status().get(0).successes());
        }
    }

    @Test
    void aBlobBodyThatBreaksIsContinuedFromTheNextEndpointWhenItsOwnCannotResume() throws IOException {
        byte[] blob = new byte[200_000];
        new java.util.Random(8).nextBytes(blob);
        Digest digest = sha256(blob);
        // The next endpoint answers any range: under load the client may have handed on fewer than the 70,000
        // bytes the first endpoint sent before its connection failed, and continues from what it really has.
        try (BreakingBlobServer s = new BreakingBlobServer(blob, 70_000, 503);
                BreakingBlobServer next = new BreakingBlobServer(blob, blob.length, 206)) {
            HttpRegistryClient c = client(endpoint(s.url(), Credentials.NONE), endpoint(next.url(), Credentials.NONE));

            FetchResult<byte[]> r = c.blob(REPO, digest, READ_ALL);

            assertArrayEquals(blob, fetched(r));
            assertEquals(next.url(), ((FetchResult.Fetched<byte[]>) r).upstream());
            assertEquals(1, next.ranges().size(), "one request to the next endpoint: " + next.ranges());
            assertTrue(next.ranges().get(0).matches("bytes=[1-9][0-9]*-"), "a continuation: " + next.ranges());
            assertEquals(1L, c.pool().status().get(0).failures().get("truncated"));
        }
    }

    @Test
    void aBlobThatTricklesUnderTheFloorMovesOnAtOnceAndTheNextEndpointsRateIsMeasured() throws IOException {
        byte[] blob = new byte[200_000];
        new java.util.Random(9).nextBytes(blob);
        Digest digest = sha256(blob);
        // 200,000 bytes over 40 s: under a 4 KiB/s floor measured over 300 ms. Asking this endpoint again for the
        // rest would only trickle again, so the body goes on at the next endpoint, which continues the range.
        a.stubFor(get(urlEqualTo("/v2/library/tiny/blobs/" + digest))
                .willReturn(aResponse().withStatus(200).withBody(blob).withChunkedDribbleDelay(400, 40_000)));
        try (BreakingBlobServer next = new BreakingBlobServer(blob, blob.length, 206)) {
            HttpRegistryClient c = new HttpRegistryClient(
                    "test.io",
                    List.of(endpoint(a), endpoint(next.url(), Credentials.NONE)),
                    ONE_WALK.withStallFloor(4096, Duration.ofMillis(300)),
                    UpstreamEvents.NONE,
                    clock);
            clients.add(c);

            FetchResult<byte[]> r = c.blob(REPO, digest, READ_ALL);

            assertArrayEquals(blob, fetched(r));
            assertEquals(next.url(), ((FetchResult.Fetched<byte[]>) r).upstream());
            a.verify(1, getRequestedFor(urlEqualTo("/v2/library/tiny/blobs/" + digest)));
            assertEquals(1, next.ranges().size(), next.ranges().toString());
            assertTrue(
                    next.ranges().get(0).matches("bytes=[1-9][0-9]*-"),
                    next.ranges().toString());
            assertEquals(
                    1L,
                    c.pool().status().get(0).failures().get("stall"),
                    c.pool().status().get(0).toString());
            assertTrue(
                    c.pool().status().get(1).speed().bytesPerSecond() != null,
                    "the rate of the continued part counts for the endpoint that sent it: "
                            + c.pool().status().get(1));
        }
    }

    @Test
    void tagsPageReadsTheNextLastFromTheLinkHeader() {
        a.stubFor(get(urlEqualTo("/v2/library/tiny/tags/list?n=2&last=a%2Bb"))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Link", "</v2/library/tiny/tags/list?last=r02&n=2>; rel=\"next\"")
                        .withBody("{\"name\":\"library/tiny\",\"tags\":[\"r01\",\"r02\",\"not a tag\"]}")));
        a.stubFor(get(urlEqualTo("/v2/library/tiny/tags/list?n=2&last=r02"))
                .willReturn(aResponse().withStatus(200).withBody("{\"name\":\"library/tiny\",\"tags\":[\"r03\"]}")));
        HttpRegistryClient c = client(endpoint(a));

        TagPage first = (TagPage) assertInstanceOf(FetchResult.Fetched.class, c.tags(REPO, 2, "a+b"))
                .value();
        assertEquals(new TagPage(List.of("r01", "r02"), "r02"), first);
        TagPage second = (TagPage) assertInstanceOf(FetchResult.Fetched.class, c.tags(REPO, 2, first.nextLast()))
                .value();
        assertEquals(new TagPage(List.of("r03"), null), second);
    }

    @Test
    void linkHeaderVariants() {
        assertEquals(
                "r02", HttpRegistryClient.nextLast(List.of("<https://r/v2/x/tags/list?n=2&last=r02>; rel=\"next\"")));
        assertEquals("a b", HttpRegistryClient.nextLast(List.of("</v2/x/tags/list?last=a%20b&n=2>;rel=next")));
        assertEquals("z", HttpRegistryClient.nextLast(List.of("</p?last=y>; rel=\"prev\", </p?last=z>; REL=\"next\"")));
        assertNull(HttpRegistryClient.nextLast(List.of("</p?last=y>; rel=\"prev\"")));
        assertNull(HttpRegistryClient.nextLast(List.of("</p?n=1>; rel=\"next\"")));
        assertNull(HttpRegistryClient.nextLast(List.of("<not a uri>; rel=\"next\"")));
        assertNull(HttpRegistryClient.nextLast(List.of("garbage", "<<<>>>", "")));
        assertNull(HttpRegistryClient.nextLast(List.of()));
    }

    @Test
    void referrers404IsNotFoundSoTheCallerCanFallBack() {
        Digest subject = sha256("s".getBytes(StandardCharsets.UTF_8));
        a.stubFor(get(urlEqualTo("/v2/library/tiny/referrers/" + subject))
                .willReturn(aResponse().withStatus(404)));

        assertInstanceOf(FetchResult.NotFound.class, client(endpoint(a)).referrers(REPO, subject));
    }

    @Test
    void referrersReturnsTheIndexAndRejectsNonJson() {
        Digest subject = sha256("s".getBytes(StandardCharsets.UTF_8));
        String index =
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}";
        a.stubFor(get(urlEqualTo("/v2/library/tiny/referrers/" + subject))
                .willReturn(aResponse().withStatus(200).withBody("<html>")));
        b.stubFor(get(urlEqualTo("/v2/library/tiny/referrers/" + subject))
                .willReturn(aResponse().withStatus(200).withBody(index)));

        FetchResult<byte[]> r = client(endpoint(a), endpoint(b)).referrers(REPO, subject);

        assertArrayEquals(index.getBytes(StandardCharsets.UTF_8), fetched(r));
    }

    @Test
    void aFirstRequestIsHedgedPastABlackHoleEndpoint() throws Exception {
        // The black hole's request runs on (its 2 s timeout is recorded when it ends), but the next endpoint is
        // asked after the 20 ms hedge delay and its answer is the walk's.
        List<String> log = new CopyOnWriteArrayList<>();
        UpstreamEvents recording = new UpstreamEvents() {
            @Override
            public void response(String upstream, int status, Duration latency) {
                log.add("response " + upstream + " " + status);
            }

            @Override
            public void failure(String upstream, String kind, String detail) {
                log.add("failure " + upstream + " " + kind);
            }
        };
        a.stubFor(get(urlEqualTo(MANIFEST_URL))
                .willReturn(aResponse().withStatus(200).withBody(MANIFEST)));
        // Warm: were the walk to hedge, a's answer would surely come long before the black hole's timeout.
        assertArrayEquals(MANIFEST, fetched(client(endpoint(a)).manifest(REPO, Reference.parse("1.0"), READ_MANIFEST)));
        try (ServerSocket hole = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
            // Connections wait in the backlog: accepted by the kernel, never answered.
            String url = "http://127.0.0.1:" + hole.getLocalPort();
            Upstream silent = new Upstream(
                    URI.create(url),
                    url,
                    AfterFailure.MOVE_ON,
                    1,
                    Credentials.NONE,
                    new UpstreamTimeouts(SHORT.connect(), Duration.ofSeconds(2), SHORT.stall()));
            HttpRegistryClient c = new HttpRegistryClient(
                    "test.io",
                    List.of(silent, endpoint(a)),
                    ONE_WALK.withHedgeAfter(Duration.ofMillis(20)),
                    recording,
                    clock);
            clients.add(c);

            assertArrayEquals(MANIFEST, fetched(c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST)));

            assertEquals("response " + a.baseUrl() + " 200", log.getFirst(), log.toString());
            assertTrue(log.stream().noneMatch(l -> l.startsWith("response " + url)), log.toString());
        }
    }

    @Test
    void aManifestThatTricklesIsHedgedWholeToTheNextEndpointAndCountsAsSlow() {
        // Headers at once, then the body over six seconds: only a race on the whole body helps. The hedge delay of
        // a second is past the slow bar (4 times b's time) unless b takes over 250 ms, even on a loaded machine.
        a.stubFor(get(urlEqualTo(MANIFEST_URL))
                .willReturn(aResponse().withStatus(200).withBody(MANIFEST).withChunkedDribbleDelay(10, 6000)));
        b.stubFor(get(urlEqualTo(MANIFEST_URL))
                .willReturn(aResponse().withStatus(200).withBody(MANIFEST)));
        HttpRegistryClient c = new HttpRegistryClient(
                "test.io",
                List.of(endpoint(a), endpoint(b)),
                ONE_WALK.withHedgeAfter(Duration.ofMillis(1000))
                        .withSpeed(new SpeedSettings(4, Duration.ofMillis(100), Duration.ofMillis(300), 64 * 1024)),
                UpstreamEvents.NONE,
                clock);
        clients.add(c);

        FetchResult<byte[]> r = c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST);

        assertArrayEquals(MANIFEST, fetched(r));
        assertEquals(b.baseUrl(), ((FetchResult.Fetched<byte[]>) r).upstream());
        assertEquals(
                1L,
                c.pool().status().get(0).failures().get("slow"),
                c.pool().status().get(0).toString());
        // While a's first answer still trickles in, the next request skips a rather than wait a hedge delay again.
        assertEquals(
                b.baseUrl(),
                ((FetchResult.Fetched<byte[]>) c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST)).upstream());
        a.verify(1, getRequestedFor(urlEqualTo(MANIFEST_URL)));
    }

    @Test
    void probeCounts401AsAliveAnd503AsDown() {
        a.stubFor(get(urlEqualTo("/v2/")).willReturn(aResponse().withStatus(401)));
        b.stubFor(get(urlEqualTo("/v2/")).willReturn(aResponse().withStatus(503)));
        a.stubFor(get(urlEqualTo(MANIFEST_URL)).willReturn(aResponse().withStatus(503)));
        b.stubFor(get(urlEqualTo(MANIFEST_URL)).willReturn(aResponse().withStatus(503)));
        HttpRegistryClient c = client(endpoint(a), endpoint(b));
        for (int i = 0; i < 5; i++) {
            assertInstanceOf(FetchResult.Failed.class, c.manifest(REPO, Reference.parse("1.0"), READ_MANIFEST));
        }
        assertEquals(
                List.of("open", "open"),
                c.pool().status().stream().map(s -> s.breaker().label()).toList());
        clock.advance(Duration.ofMinutes(1));

        c.probeDue();

        assertEquals(
                List.of("closed", "open"),
                c.pool().status().stream().map(s -> s.breaker().label()).toList());
        a.verify(1, getRequestedFor(urlEqualTo("/v2/")).withHeader("Authorization", absent()));
    }

    private static Digest sha256(byte[] bytes) {
        try {
            return Digest.parse("sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Serves one blob at every path on a bare socket: a request without Range gets the full Content-Length but
     * only {@code breakAt} bytes, then an orderly close (FIN, so the client surely has every byte sent before it
     * sees the early end); a Range request gets {@code rangeStatus} (206 with the rest, or an error).
     */
    static final class BreakingBlobServer implements AutoCloseable {
        private final ServerSocket server;
        private final byte[] blob;
        private final int breakAt;
        private final int rangeStatus;
        private final List<String> ranges = new CopyOnWriteArrayList<>();

        BreakingBlobServer(byte[] blob, int breakAt, int rangeStatus) throws IOException {
            this.blob = blob;
            this.breakAt = breakAt;
            this.rangeStatus = rangeStatus;
            server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        List<String> ranges() {
            return List.copyOf(ranges);
        }

        private void serve(Socket s) {
            try (s) {
                String range = "";
                var in = new java.io.BufferedReader(
                        new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("range:")) {
                        range = line.substring(6).strip();
                    }
                }
                ranges.add(range);
                OutputStream out = s.getOutputStream();
                if (range.isEmpty()) {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + blob.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(blob, 0, breakAt);
                    out.flush();
                    s.shutdownOutput();
                    in.transferTo(java.io.Writer.nullWriter());
                    return;
                }
                int from = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
                if (rangeStatus != 206) {
                    out.write(("HTTP/1.1 " + rangeStatus + " Nope\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    return;
                }
                out.write(("HTTP/1.1 206 Partial Content\r\nContent-Length: " + (blob.length - from)
                                + "\r\nContent-Range: bytes " + from + "-" + (blob.length - 1) + "/" + blob.length
                                + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(blob, from, blob.length - from);
                out.flush();
            } catch (IOException e) {
                // the client went away first
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
