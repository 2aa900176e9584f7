package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.server.admin.AdminAuth;
import dev.ferry.server.admin.Callers;
import dev.ferry.server.admin.ConsoleSessions;
import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.server.registryauth.AccessTokens;
import dev.ferry.server.registryauth.Principals;
import dev.ferry.server.registryauth.ProtectedContent;
import dev.ferry.server.registryauth.RegistryAuth;
import dev.ferry.server.registryauth.RegistryUsers;
import dev.ferry.server.registryauth.Role;
import dev.ferry.server.registryauth.SignInThrottle;
import dev.ferry.testing.ManualClock;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wrong Basic passwords lock a user name out on every route family that takes them (docs/access.md): the admin
 * API, the registry's token endpoint and /v2/, and protected GOPROXY paths; a locked-out attempt runs no bcrypt,
 * and the right password works again once the oldest failure is {@link SignInThrottle#WINDOW} old.
 */
class PasswordGuessingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int N = SignInThrottle.MAX_FAILURES;

    @TempDir
    Path tmp;

    final ManualClock clock = new ManualClock();
    final HttpClient http = HttpClient.newHttpClient();
    RegistryUsers users;
    TestServer.RecordingMirror mirror;
    WebServer server;

    @BeforeEach
    void start() throws Exception {
        users = RegistryUsers.load(Files.writeString(
                tmp.resolve("users"), entry("alice", "alice-pw") + entry("root", "root-pw") + entry("bob", "bob-pw")));
        Principals principals = new Principals(
                RegistryUsers.NONE,
                users,
                AccessTokens.NONE,
                Map.of("root", Set.of(Role.ADMIN)),
                new SignInThrottle(clock));
        RegistryAuth auth = new RegistryAuth(principals, false, clock);
        ClientAccess access = new ClientAccess(
                auth, new ProtectedContent(PrivatePatterns.parse("example.com/private"), List.of("docker.io")));
        mirror = new TestServer.RecordingMirror(
                r -> new GoAnswer.NotFound("not here", false, GoAnswer.CacheOutcome.MISS));
        FerryRoutes routes = new FerryRoutes(
                mirror,
                List.of(),
                new FerryMetrics(null),
                () -> true,
                ProxyRequest::parse,
                new AdminHandler(
                        new Callers(AdminAuth.of("the-token"), new ConsoleSessions(clock), auth),
                        Map.of(),
                        null,
                        null,
                        null),
                new OciRouting(Map.of("docker.io", new FakeRegistry()), null, List.of(), "docker.io", auth, 1 << 20)
                        .handler(access),
                access);
        server = FerryHttpServer.create("127.0.0.1", 0, routes, Duration.ofSeconds(1))
                .start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private static String entry(String user, String password) {
        return user + ":" + OpenBSDBCrypt.generate("2y", password.toCharArray(), new byte[16], 4) + "\n";
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .header("Authorization", authorization)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** N wrong passwords for {@code user} at {@code path}, each refused with {@code status} and costing bcrypt. */
    private void guess(String path, String user, int status) throws Exception {
        for (int i = 0; i < N; i++) {
            long before = users.bcryptChecks();
            assertEquals(status, get(path, basic(user, "guess-" + i)).statusCode(), "guess " + i);
            assertEquals(before + 1, users.bcryptChecks(), "a wrong password is checked with bcrypt");
        }
        clock.advance(Duration.ofMinutes(1));
    }

    private static String message(HttpResponse<String> r, String field) throws Exception {
        return JSON.readTree(r.body()).path(field).asText();
    }

    private static String ociMessage(HttpResponse<String> r) throws Exception {
        JsonNode error = JSON.readTree(r.body()).path("errors").path(0);
        return error.path("code").asText() + ": " + error.path("message").asText();
    }

    @Test
    void theAdminApiAnswers429WithRetryAfterWithoutBcrypt() throws Exception {
        String path = "/admin/api/upstreams";
        assertEquals(200, get(path, basic("root", "root-pw")).statusCode());
        guess(path, "root", 401);

        long checks = users.bcryptChecks();
        HttpResponse<String> locked = get(path, basic("root", "root-pw"));
        assertEquals(429, locked.statusCode());
        assertEquals("540", locked.headers().firstValue("Retry-After").orElseThrow());
        assertEquals("too_many_requests", message(locked, "error"));
        assertEquals("too many failed sign-ins for this user, retry after 540 s", message(locked, "message"));
        assertEquals(429, get(path, basic("root", "another-guess")).statusCode());
        assertEquals(checks, users.bcryptChecks(), "no bcrypt for a locked-out name");
        assertEquals(200, get(path, "Bearer the-token").statusCode(), "the admin token is not a user name");

        clock.advance(Duration.ofMinutes(9));
        assertEquals(200, get(path, basic("root", "root-pw")).statusCode(), "the window has passed");
        assertEquals(checks, users.bcryptChecks(), "a password verified before is remembered, as ever");
    }

    @Test
    void theTokenEndpointAndTheBaseAnswerUnauthorizedWithTheReason() throws Exception {
        String token = "/v2/token?service=ferry&scope=repository:docker.io/library/alpine:pull";
        assertEquals(200, get(token, basic("bob", "bob-pw")).statusCode());
        guess(token, "bob", 401);

        long checks = users.bcryptChecks();
        HttpResponse<String> locked = get(token, basic("bob", "bob-pw"));
        assertEquals(401, locked.statusCode());
        assertEquals("540", locked.headers().firstValue("Retry-After").orElseThrow());
        assertEquals("UNAUTHORIZED: too many failed sign-ins, retry after 540 s", ociMessage(locked));
        HttpResponse<String> base = get("/v2/", basic("bob", "bob-pw"));
        assertEquals(401, base.statusCode());
        assertEquals("UNAUTHORIZED: too many failed sign-ins, retry after 540 s", ociMessage(base));
        assertEquals("540", base.headers().firstValue("Retry-After").orElseThrow());
        assertEquals(checks, users.bcryptChecks(), "no bcrypt for a locked-out name");
        assertEquals(200, get(token, basic("alice", "alice-pw")).statusCode(), "other names are not locked");

        clock.advance(Duration.ofMinutes(9));
        assertEquals(200, get(token, basic("bob", "bob-pw")).statusCode(), "the window has passed");
        assertEquals(200, get("/v2/", basic("bob", "bob-pw")).statusCode());
    }

    @Test
    void aProtectedModuleAnswers401WithTheReason() throws Exception {
        String path = "/example.com/private/@v/list";
        assertEquals(404, get(path, basic("alice", "alice-pw")).statusCode(), "alice may read it (not held)");
        guess(path, "alice", 401);

        long checks = users.bcryptChecks();
        int asked = mirror.asked.size();
        HttpResponse<String> locked = get(path, basic("alice", "alice-pw"));
        assertEquals(401, locked.statusCode());
        assertEquals("540", locked.headers().firstValue("Retry-After").orElseThrow());
        assertEquals(
                "Basic realm=\"ferry\"",
                locked.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertTrue(locked.body().contains("too many failed sign-ins, retry after 540 s"), locked.body());
        assertEquals(checks, users.bcryptChecks(), "no bcrypt for a locked-out name");
        assertEquals(asked, mirror.asked.size(), "nothing reached the mirror");

        clock.advance(Duration.ofMinutes(9));
        assertEquals(404, get(path, basic("alice", "alice-pw")).statusCode(), "the window has passed");
        assertEquals(asked + 1, mirror.asked.size());
    }
}
