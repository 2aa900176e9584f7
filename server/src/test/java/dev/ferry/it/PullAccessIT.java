package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may pull what (docs/access.md), end to end with the real ferry, the go command and skopeo: protected modules
 * and images are refused to anonymous clients with the challenge each client understands (Basic for the go
 * command, the Bearer token flow for registries), served to users with the pull role, and the viewer role reads
 * the admin API but changes nothing. Unprotected content stays anonymous.
 */
class PullAccessIT {
    private static final String ALICE = "alice";
    private static final String ALICE_PASSWORD = "alice-s3cret";
    private static final String VERA = "vera";
    private static final String VERA_PASSWORD = "vera-s3cret";
    private static final String CI_TOKEN = "ci-token-0123456789abcdef0123456789abcdef";

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    /** users alice (pull) and vera (viewer), token ci (pull), as an admin writes them. */
    private List<String> accessFlags() throws Exception {
        Path users = tmp.resolve("users.htpasswd");
        Files.writeString(users, Htpasswd.bcryptLine(ALICE, ALICE_PASSWORD) + Htpasswd.bcryptLine(VERA, VERA_PASSWORD));
        Path roles = tmp.resolve("roles");
        Files.writeString(roles, "# role: names\npull: alice ci\nviewer: vera\n");
        Path tokens = tmp.resolve("tokens");
        String digest = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(CI_TOKEN.getBytes(StandardCharsets.UTF_8)));
        Files.writeString(tokens, "ci:sha256:" + digest + "\n");
        return List.of("--users", users.toString(), "--roles", roles.toString(), "--tokens", tokens.toString());
    }

    @Test
    void theGoCommandNeedsCredentialsForProtectedModulesAndGetsThemFromNetrc() throws Exception {
        assumeTrue(Htpasswd.installed(), "htpasswd not installed (apt-get install apache2-utils; .ci/run does)");
        Path app = Fixtures.copyApp(tmp.resolve("app"));
        String key = Fixtures.sumdbKey();
        String sumdbName = key.split("\\+")[0];
        List<String> args = new java.util.ArrayList<>(accessFlags());
        args.addAll(List.of("--go-upstream", "UPSTREAM", "--sumdb", key, "--protect-modules", "github.com/*"));
        try (StaticGoProxy upstream = new StaticGoProxy(Fixtures.goProxyTree())) {
            args.set(args.indexOf("UPSTREAM"), upstream.url());
            try (FerryProcess ferry =
                    FerryProcess.start(tmp.resolve("data"), tmp.resolve("ferry.log"), args.toArray(String[]::new))) {
                String gosumdb = key + " " + ferry.url() + "/sumdb/" + sumdbName;

                // Raw: a protected module is 401 with the Basic challenge; an unprotected one is served.
                HttpResponse<String> refused = get(ferry.url() + "/github.com/google/uuid/@v/list", null);
                assertEquals(401, refused.statusCode(), refused.body());
                assertEquals(
                        "Basic realm=\"ferry\"",
                        refused.headers().firstValue("WWW-Authenticate").orElse(""));
                assertEquals(
                        200,
                        get(ferry.url() + "/golang.org/x/text/@v/list", null).statusCode());
                assertEquals(
                        401,
                        get(ferry.url() + "/github.com/google/uuid/@v/list", basic(ALICE, "wrong"))
                                .statusCode());
                assertEquals(
                        403,
                        get(ferry.url() + "/github.com/google/uuid/@v/list", basic(VERA, VERA_PASSWORD))
                                .statusCode(),
                        "vera is a viewer, not a puller");
                assertEquals(
                        200,
                        get(ferry.url() + "/github.com/google/uuid/@v/list", "Bearer " + CI_TOKEN)
                                .statusCode(),
                        "the ci token as Bearer");
                assertEquals(
                        200,
                        get(ferry.url() + "/github.com/google/uuid/@v/list", basic("anyone", CI_TOKEN))
                                .statusCode(),
                        "the ci token as a Basic password");

                // The go command without credentials fails on the protected modules, and says so.
                GoTool anonymous = new GoTool(tmp.resolve("go-anon"), ferry.url(), gosumdb);
                GoTool.Result denied = anonymous.run(app, "mod", "download", "all");
                anonymous.makeDeletable();
                assertFalse(denied.ok(), "an anonymous go mod download of protected modules:\n" + denied.output());
                assertTrue(denied.output().contains("401"), denied.output());

                // The go command sends credentials (.netrc, or user:password in GOPROXY) over https only and
                // refuses to send them to an http URL: so through a TLS front for 127.0.0.1.
                try (TlsFront front =
                        new TlsFront(tmp.resolve("tls"), ferry.base().getPort())) {
                    Path home = tmp.resolve("go-netrc");
                    GoTool withNetrc = new GoTool(home, front.url(), gosumdb)
                            .env("SSL_CERT_FILE", front.certificate().toString());
                    Files.createDirectories(home);
                    Files.writeString(
                            home.resolve(".netrc"),
                            "machine 127.0.0.1 login " + ALICE + " password " + ALICE_PASSWORD + "\n");
                    GoTool.Result download = withNetrc.run(app, "mod", "download", "all");
                    assertTrue(download.ok(), "go mod download all with .netrc:\n" + download.output());
                    GoTool.Result build =
                            withNetrc.run(app, "build", "-o", tmp.resolve("bin").toString(), ".");
                    assertTrue(build.ok(), "go build with .netrc:\n" + build.output());
                    withNetrc.makeDeletable();
                }
                String log = Files.readString(tmp.resolve("ferry.log"));
                assertFalse(log.contains(ALICE_PASSWORD) || log.contains(CI_TOKEN), "a secret in ferry's log");
            }
        }
    }

    @Test
    void skopeoPullsProtectedImagesWithCredentialsOnlyThroughTheTokenFlow() throws Exception {
        assumeTrue(Htpasswd.installed(), "htpasswd not installed (apt-get install apache2-utils; .ci/run does)");
        assumeTrue(DockerRegistry.installed(), "docker-registry not installed (.ci/run installs it)");
        assumeTrue(Skopeo.installed(), "skopeo not installed (apt-get install skopeo; .ci/run does)");
        try (DockerRegistry upstream = new DockerRegistry(tmp.resolve("upstream"), null, null)) {
            Skopeo skopeo = new Skopeo(tmp.resolve("skopeo-home"));
            OciFixtures.Image tiny = OciFixtures.image("tiny-1.0");
            Skopeo.Result seeded = skopeo.copy(
                    "oci:" + OciFixtures.layout() + ":tiny-1.0",
                    "docker://" + upstream.hostPort() + "/library/tiny:1.0",
                    null,
                    null,
                    "--preserve-digests");
            assertTrue(seeded.ok(), seeded.toString());
            List<String> args = new java.util.ArrayList<>(accessFlags());
            args.addAll(List.of(
                    "--registry",
                    "docker.io=" + upstream.url(),
                    "--registry",
                    "quay.io=" + upstream.url(),
                    "--protect-images",
                    "docker.io/library"));
            try (FerryProcess ferry =
                    FerryProcess.start(tmp.resolve("data"), tmp.resolve("ferry.log"), args.toArray(String[]::new))) {
                String host = ferry.base().getHost() + ":" + ferry.base().getPort();

                HttpResponse<String> base = get(ferry.url() + "/v2/", null);
                assertEquals(401, base.statusCode(), "anonymous callers are challenged at /v2/: " + base.body());
                HttpResponse<String> manifest = get(ferry.url() + "/v2/library/tiny/manifests/1.0", null);
                assertEquals(401, manifest.statusCode(), manifest.body());
                assertEquals(
                        "Bearer realm=\"" + ferry.url() + "/v2/token\",service=\"ferry\","
                                + "scope=\"repository:library/tiny:pull\"",
                        manifest.headers().firstValue("WWW-Authenticate").orElse(""));
                assertTrue(manifest.body().contains("UNAUTHORIZED"), manifest.body());

                Skopeo.Result anonymous =
                        skopeo.copy("docker://" + host + "/library/tiny:1.0", "dir:" + tmp.resolve("anon"), null, null);
                assertFalse(anonymous.ok(), "pulled a protected image anonymously: " + anonymous);
                assertFalse(Files.exists(tmp.resolve("anon").resolve("manifest.json")), "nothing was written");
                Skopeo.Result viewer = skopeo.copy(
                        "docker://" + host + "/library/tiny:1.0",
                        "dir:" + tmp.resolve("vera"),
                        VERA + ":" + VERA_PASSWORD,
                        null);
                assertFalse(viewer.ok(), "a viewer pulled a protected image: " + viewer);
                Skopeo.Result wrong = skopeo.copy(
                        "docker://" + host + "/library/tiny:1.0", "dir:" + tmp.resolve("wrong"), ALICE + ":nope", null);
                assertFalse(wrong.ok(), "pulled with a wrong password: " + wrong);

                Skopeo.Result pulled = skopeo.copy(
                        "docker://" + host + "/library/tiny:1.0",
                        "dir:" + tmp.resolve("alice"),
                        ALICE + ":" + ALICE_PASSWORD,
                        null);
                assertTrue(pulled.ok(), pulled.toString());
                assertEquals(
                        tiny.digest(),
                        OciFixtures.sha256(
                                Files.readAllBytes(tmp.resolve("alice").resolve("manifest.json"))),
                        "the manifest as the upstream has it");

                // The same image through an unprotected registry name stays anonymous.
                Skopeo.Result open = skopeo.copy(
                        "docker://" + host + "/quay.io/library/tiny:1.0", "dir:" + tmp.resolve("open"), null, null);
                assertTrue(open.ok(), "an unprotected registry needs no credentials: " + open);
            }
        }
    }

    @Test
    void aViewerReadsTheAdminApiButCannotStartAJobWhileTheAdminTokenStillCan() throws Exception {
        assumeTrue(Htpasswd.installed(), "htpasswd not installed (apt-get install apache2-utils; .ci/run does)");
        List<String> args = new java.util.ArrayList<>(accessFlags());
        args.addAll(List.of("--go-upstream", "off", "--sumdb", "off"));
        Path data = tmp.resolve("data");
        try (FerryProcess ferry = FerryProcess.start(data, tmp.resolve("ferry.log"), args.toArray(String[]::new))) {
            String adminToken = Files.readString(data.resolve("admin-token")).strip();
            String job = "{\"kind\":\"modules\",\"items\":[\"example.com/nothing@v1.0.0\"]}";

            assertEquals(
                    200,
                    get(ferry.url() + "/admin/api/upstreams", basic(VERA, VERA_PASSWORD))
                            .statusCode());
            assertEquals(
                    200,
                    get(ferry.url() + "/admin/api/prewarm", basic(VERA, VERA_PASSWORD))
                            .statusCode());
            HttpResponse<String> refused = post(ferry.url() + "/admin/api/prewarm", basic(VERA, VERA_PASSWORD), job);
            assertEquals(403, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("\"forbidden\""), refused.body());
            assertEquals(
                    "[]",
                    JsonText.field(
                            get(ferry.url() + "/admin/api/prewarm", "Bearer " + adminToken)
                                    .body(),
                            "jobs"),
                    "no job was started");
            assertEquals(
                    403,
                    get(ferry.url() + "/admin/api/upstreams", basic(ALICE, ALICE_PASSWORD))
                            .statusCode(),
                    "a puller has no admin role");
            assertEquals(
                    401,
                    get(ferry.url() + "/admin/api/upstreams", basic(VERA, "wrong"))
                            .statusCode());
            assertEquals(401, get(ferry.url() + "/admin/api/upstreams", null).statusCode());

            HttpResponse<String> started = post(ferry.url() + "/admin/api/prewarm", "Bearer " + adminToken, job);
            assertEquals(202, started.statusCode(), "the admin token works as before: " + started.body());
            String audit = Files.readString(data.resolve("audit.log"));
            assertTrue(
                    audit.contains("\"who\":\"user:vera\"") && audit.contains("\"status\":403"),
                    "the viewer's refused call is audited: " + audit);
        }
    }

    private HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String url, String authorization, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Just enough JSON for one field, through Jackson. */
    private static final class JsonText {
        static String field(String json, String name) throws Exception {
            return new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(json)
                    .path(name)
                    .toString();
        }
    }
}
