package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.server.registryauth.RegistryAuth;
import dev.ferry.testing.ManualClock;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hosted repositories need credentials (Basic, or a token from /v2/token); mirrored ones never do. */
class OciAuthTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final ManualClock clock = new ManualClock();
    OciTestServer server;

    @BeforeEach
    void start() {
        server = new OciTestServer(new RegistryAuth(OciTestServer.users(), false, clock));
        server.hosted.answers = call -> new OciAnswer.UploadProgress("u1", 0, false);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes());
    }

    @Test
    void baseChallengesAnonymousCallersToTheTokenEndpoint() throws Exception {
        HttpResponse<String> r = server.get("/v2/");
        assertEquals(401, r.statusCode());
        assertEquals(
                "Bearer realm=\"http://127.0.0.1:" + server.server.port() + "/v2/token\",service=\"ferry\"",
                r.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertEquals("UNAUTHORIZED", code(r));
        assertEquals(
                200,
                server.get("/v2/", "Authorization", OciTestServer.ALICE_BASIC).statusCode());
    }

    @Test
    void withoutUsersNobodyIsChallengedAtTheBase() throws Exception {
        try (OciTestServer open =
                new OciTestServer(new RegistryAuth(dev.ferry.server.registryauth.RegistryUsers.NONE, false, clock))) {
            HttpResponse<String> r = open.get("/v2/");
            assertEquals(200, r.statusCode());
            assertEquals("{}", r.body());
            assertEquals(
                    401, open.send("POST", "/v2/team/app/blobs/uploads/", null).statusCode());
            assertEquals(List.of(), open.hosted.calls);
        }
    }

    @Test
    void hostedPullAndPushWithoutCredentialsAre401WithAScopedChallenge() throws Exception {
        HttpResponse<String> pull = server.get("/v2/team/app/manifests/v1");
        assertEquals(401, pull.statusCode());
        assertEquals(
                "Bearer realm=\"http://127.0.0.1:" + server.server.port()
                        + "/v2/token\",service=\"ferry\",scope=\"repository:team/app:pull\"",
                pull.headers().firstValue("WWW-Authenticate").orElseThrow());
        HttpResponse<String> push = server.send("POST", "/v2/team/app/blobs/uploads/", null);
        assertEquals(401, push.statusCode());
        assertTrue(push.headers()
                .firstValue("WWW-Authenticate")
                .orElseThrow()
                .endsWith("scope=\"repository:team/app:pull,push\""));
        assertEquals(List.of(), server.calls());

        // A mount reads its source: the challenge asks for a token that may, as distribution's does.
        HttpResponse<String> mount = server.send(
                "POST", "/v2/team/app/blobs/uploads/?mount=sha256:" + "a".repeat(64) + "&from=team/base", null);
        assertEquals(401, mount.statusCode());
        assertTrue(
                mount.headers()
                        .firstValue("WWW-Authenticate")
                        .orElseThrow()
                        .endsWith("scope=\"repository:team/app:pull,push repository:team/base:pull\""),
                mount.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertEquals(List.of(), server.calls());
    }

    /**
     * Issue 16, finding 8: the Host header was reflected into the realm ({@code Host: evil.example} sent clients'
     * credentials to evil.example). Without a public URL only a Host naming the listen address or a configured name
     * is used, else the listen address; a duplicate Host is a 400.
     */
    @Test
    void theRealmUsesOnlyAHostThatNamesThisServer() throws Exception {
        String listen = "127.0.0.1:" + server.server.port();
        String unknown = server.raw("GET /v2/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
        assertTrue(unknown.contains("realm=\"http://" + listen + "/v2/token\""), unknown);
        String unknownPort = server.raw("GET /v2/ HTTP/1.1\r\nHost: ferry.example:8080\r\nConnection: close\r\n\r\n");
        assertTrue(unknownPort.contains("realm=\"http://" + listen + "/v2/token\""), unknownPort);
        String own = server.raw("GET /v2/ HTTP/1.1\r\nHost: " + listen + "\r\nConnection: close\r\n\r\n");
        assertTrue(own.contains("realm=\"http://" + listen + "/v2/token\""), own);
        String hostile = server.raw("GET /v2/ HTTP/1.1\r\nHost: evil\"/,x\r\nConnection: close\r\n\r\n");
        assertTrue(hostile.contains("realm=\"http://" + listen + "/v2/token\""), hostile);
        String twice = server.raw(
                "GET /v2/ HTTP/1.1\r\nHost: " + listen + "\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
        assertTrue(twice.startsWith("HTTP/1.1 400 "), twice);
        assertTrue(!twice.contains("evil.example"), twice);
    }

    @Test
    void aConfiguredHostNameIsUsedAsTheClientWroteIt() throws Exception {
        try (OciTestServer named = new OciTestServer(
                new RegistryAuth(OciTestServer.users(), false, Clock.systemUTC()),
                new dev.ferry.server.config.ListenerSettings(
                        Duration.ofSeconds(60), 0, null, List.of("ferry.example", "Registry.Corp:5000")))) {
            String a = named.raw("GET /v2/ HTTP/1.1\r\nHost: ferry.example:8080\r\nConnection: close\r\n\r\n");
            assertTrue(a.contains("realm=\"http://ferry.example:8080/v2/token\""), a);
            String forwarded = named.raw("GET /v2/ HTTP/1.1\r\nHost: FERRY.example\r\nX-Forwarded-Proto: https\r\n"
                    + "Connection: close\r\n\r\n");
            assertTrue(forwarded.contains("realm=\"https://FERRY.example/v2/token\""), forwarded);
            String port = named.raw("GET /v2/ HTTP/1.1\r\nHost: registry.corp:5000\r\nConnection: close\r\n\r\n");
            assertTrue(port.contains("realm=\"http://registry.corp:5000/v2/token\""), port);
            String otherPort = named.raw("GET /v2/ HTTP/1.1\r\nHost: registry.corp:6000\r\nConnection: close\r\n\r\n");
            assertTrue(
                    otherPort.contains("realm=\"http://127.0.0.1:" + named.server.port() + "/v2/token\""), otherPort);
        }
    }

    @Test
    void aPublicUrlNamesTheRealmWhateverTheClientSays() throws Exception {
        try (OciTestServer published = new OciTestServer(
                new RegistryAuth(OciTestServer.users(), false, Clock.systemUTC()),
                new dev.ferry.server.config.ListenerSettings(
                        Duration.ofSeconds(60),
                        0,
                        java.net.URI.create("https://registry.corp.example:8443/"),
                        List.of()))) {
            for (String headers : List.of(
                    "Host: evil.example\r\n",
                    "Host: 127.0.0.1:" + published.server.port() + "\r\nX-Forwarded-Proto: http\r\n")) {
                String r = published.raw("GET /v2/ HTTP/1.1\r\n" + headers + "Connection: close\r\n\r\n");
                assertTrue(r.contains("realm=\"https://registry.corp.example:8443/v2/token\""), r);
            }
        }
    }

    @Test
    void mirroredPullsNeverNeedCredentials() throws Exception {
        server.get("/v2/alpine/manifests/latest");
        server.get("/v2/alpine/manifests/latest", "Authorization", "Bearer not-a-token");
        assertEquals(
                List.of("manifest library/alpine latest", "manifest library/alpine latest"), server.dockerHub.calls);
    }

    @Test
    void basicCredentials() throws Exception {
        assertEquals(
                202,
                server.send("POST", "/v2/team/app/blobs/uploads/", null, "Authorization", OciTestServer.ALICE_BASIC)
                        .statusCode());
        for (String wrong : List.of(basic("alice", "wrong"), basic("mallory", "secret"), "Basic !!!", "Digest x")) {
            HttpResponse<String> r = server.send("POST", "/v2/team/app/blobs/uploads/", null, "Authorization", wrong);
            assertEquals(401, r.statusCode(), wrong);
            assertEquals("UNAUTHORIZED", code(r));
        }
        assertEquals(1, server.hosted.calls.size(), server.hosted.calls.toString());
    }

    @Test
    void tokenFlowGrantsWhatTheScopeAsksForUntilItExpires() throws Exception {
        HttpResponse<String> t = server.get(
                "/v2/token?service=ferry&scope=repository:team/app:pull,push",
                "Authorization",
                OciTestServer.ALICE_BASIC);
        assertEquals(200, t.statusCode(), t.body());
        JsonNode body = JSON.readTree(t.body());
        String token = body.path("token").asText();
        assertEquals(token, body.path("access_token").asText());
        assertEquals(300, body.path("expires_in").asInt());
        assertEquals(clock.instant().toString(), body.path("issued_at").asText());
        assertTrue(token.length() >= 43, token);

        String bearer = "Bearer " + token;
        assertEquals(
                202,
                server.send("POST", "/v2/team/app/blobs/uploads/", null, "Authorization", bearer)
                        .statusCode());
        // the scope names one repository
        assertEquals(
                401,
                server.send("POST", "/v2/team/other/blobs/uploads/", null, "Authorization", bearer)
                        .statusCode());

        clock.advance(Duration.ofSeconds(299));
        assertEquals(
                202,
                server.send("POST", "/v2/team/app/blobs/uploads/", null, "Authorization", bearer)
                        .statusCode());
        clock.advance(Duration.ofSeconds(1));
        HttpResponse<String> expired =
                server.send("POST", "/v2/team/app/blobs/uploads/", null, "Authorization", bearer);
        assertEquals(401, expired.statusCode());
        assertTrue(expired.body().contains("expired"), expired.body());
        assertEquals(2, server.hosted.calls.size());
    }

    @Test
    void anonymousTokensGrantNothingHostedWithoutAnonymousPull() throws Exception {
        HttpResponse<String> t = server.get("/v2/token?service=ferry&scope=repository:team/app:pull");
        assertEquals(200, t.statusCode());
        String bearer = "Bearer " + JSON.readTree(t.body()).path("token").asText();
        assertEquals(
                401,
                server.get("/v2/team/app/manifests/v1", "Authorization", bearer).statusCode());
        assertEquals(List.of(), server.hosted.calls);
    }

    @Test
    void tokenRequestWithAWrongPasswordIs401() throws Exception {
        HttpResponse<String> t = server.get(
                "/v2/token?service=ferry&scope=repository:team/app:push", "Authorization", basic("alice", "nope"));
        assertEquals(401, t.statusCode());
        assertEquals("UNAUTHORIZED", code(t));
        assertTrue(!t.body().contains("nope"));
    }

    @Test
    void anonymousPullWhenEnabled() throws Exception {
        try (OciTestServer open = OciTestServer.anonymous()) {
            open.get("/v2/team/app/manifests/v1");
            assertEquals(List.of("manifest team/app v1"), open.hosted.calls);
            assertEquals(
                    401, open.send("POST", "/v2/team/app/blobs/uploads/", null).statusCode());
            HttpResponse<String> t = open.get("/v2/token?service=ferry&scope=repository:team/app:pull,push");
            String bearer = "Bearer " + JSON.readTree(t.body()).path("token").asText();
            open.get("/v2/team/app/manifests/v2", "Authorization", bearer);
            assertEquals(
                    401,
                    open.send("POST", "/v2/team/app/blobs/uploads/", null, "Authorization", bearer)
                            .statusCode());
            assertEquals(List.of("manifest team/app v1", "manifest team/app v2"), open.hosted.calls);
        }
    }

    static String code(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).path("errors").path(0).path("code").asText();
    }
}
