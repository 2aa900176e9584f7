package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LoopbackGitServer} is a git origin the real go command accepts: with GOPROXY=direct it resolves the vanity
 * path through the go-import answer, lists exactly the three tagged versions, downloads a tagged version whose zip
 * holds that tag's source, and reaches the untagged commit as a pseudo-version; with Basic auth it refuses a
 * client without the password and serves one whose netrc has it; without GOINSECURE the go command never asks it
 * over plain http. The groundwork for issue 17's `direct` ITs.
 */
class LoopbackGitServerTest {
    private static final String MODULE = LoopbackGitServer.VANITY_HOST + "/private/lib";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void theGoCommandFetchesAPrivateModuleDirectFromIt() throws Exception {
        try (var server = LoopbackGitServer.start(tmp.resolve("repos"))) {
            String head = privateModule(server);
            Map<String, String> env = goEnvironment(server);

            JsonNode versions = go(env, "list", "-m", "-versions", "-json", MODULE);
            assertEquals(MODULE, versions.path("Path").asText());
            assertEquals(
                    "GET http://" + MODULE + "?go-get=1",
                    server.requests().getFirst(),
                    "with the host in GOINSECURE, the vanity lookup falls back to plain http");
            assertEquals(List.of("v1.0.0", "v1.1.0", "v1.2.0"), texts(versions.path("Versions")));

            JsonNode download = go(env, "mod", "download", "-json", MODULE + "@v1.2.0");
            assertEquals("v1.2.0", download.path("Version").asText(), download.toString());
            assertTrue(download.path("Error").isMissingNode(), download.toString());
            assertTrue(download.path("Sum").asText().startsWith("h1:"), download.toString());
            String source =
                    Files.readString(Path.of(download.path("Dir").asText()).resolve("lib.go"));
            assertTrue(source.contains("\"1.2.0\""), source);
            assertTrue(Files.size(Path.of(download.path("Zip").asText())) > 0);

            JsonNode pseudo = go(env, "mod", "download", "-json", MODULE + "@" + head.substring(0, 12));
            String version = pseudo.path("Version").asText();
            assertTrue(
                    version.startsWith("v1.2.1-0.") && version.endsWith("-" + head.substring(0, 12)),
                    pseudo.toString());
        }
    }

    @Test
    void withBasicAuthOnlyAClientWithThePasswordIsServed() throws Exception {
        try (var server = LoopbackGitServer.start(tmp.resolve("repos"), "ci", "s3cret-pw")) {
            privateModule(server);
            Map<String, String> env = goEnvironment(server);
            Command c = goCommand(env, "mod", "download", "-json", MODULE + "@v1.2.0");
            assertFalse(c.ok(), c.toString());
            assertTrue(
                    c.out().contains("could not read Username for 'http://" + LoopbackGitServer.VANITY_HOST + "'")
                            && c.out().contains("terminal prompts disabled"),
                    c.toString());

            assertFalse(c.toString().contains("s3cret-pw"), c.toString());

            // git's libcurl reads the netrc in HOME: the way issue 17's sandbox can hand credentials to git.
            Path netrc = Path.of(env.get("HOME")).resolve(".netrc");
            Files.writeString(netrc, "machine " + LoopbackGitServer.VANITY_HOST + " login ci password s3cret-pw\n");
            Files.setPosixFilePermissions(netrc, PosixFilePermissions.fromString("rw-------"));
            JsonNode download = go(env, "mod", "download", "-json", MODULE + "@v1.2.0");
            assertEquals("v1.2.0", download.path("Version").asText(), download.toString());
            assertTrue(download.path("Error").isMissingNode(), download.toString());
        }
    }

    @Test
    void withoutGoinsecureTheVanityLookupIsHttpsOnly() throws Exception {
        try (var server = LoopbackGitServer.start(tmp.resolve("repos"))) {
            privateModule(server);
            Map<String, String> env = goEnvironment(server);
            env.put("GOINSECURE", "");
            Command c = goCommand(env, "list", "-m", "-versions", "-json", MODULE);
            assertFalse(c.ok(), c.toString());
            assertTrue(c.err().contains("https fetch: Get \"https://" + MODULE + "?go-get=1\""), c.toString());
            assertEquals(List.of(), server.requests(), "nothing was asked over plain http");
        }
    }

    /** v1.0.0, v1.1.0, v1.2.0 and one untagged commit on top, pushed to the server; returns that commit's hash. */
    private String privateModule(LoopbackGitServer server) throws Exception {
        return server.privateModule(tmp.resolve("work"), MODULE, "private/lib", "", "", "")
                .hash();
    }

    private Map<String, String> goEnvironment(LoopbackGitServer server) throws Exception {
        Path home = tmp.resolve("go");
        Files.createDirectories(home);
        var env = new HashMap<>(server.proxyEnvironment());
        env.put("HOME", home.toString());
        env.put("GOPATH", home.resolve("gopath").toString());
        env.put("GOMODCACHE", home.resolve("modcache").toString());
        env.put("GOCACHE", home.resolve("gocache").toString());
        env.put("GOPROXY", "direct");
        env.put("GOPRIVATE", MODULE);
        env.put("GONOSUMDB", "");
        env.put("GONOPROXY", "");
        env.put("GOSUMDB", "sum.golang.org");
        env.put("GOINSECURE", LoopbackGitServer.VANITY_HOST);
        // -modcacherw: the module cache is otherwise read-only and the temporary directory could not be removed.
        env.put("GOFLAGS", "-mod=mod -modcacherw");
        env.put("GO111MODULE", "on");
        env.put("GOWORK", "off");
        env.put("GOTOOLCHAIN", "local");
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_CONFIG_GLOBAL", "/dev/null");
        return env;
    }

    private Command goCommand(Map<String, String> env, String... args) throws Exception {
        var argv = new ArrayList<String>(List.of("go"));
        argv.addAll(List.of(args));
        Path dir = tmp.resolve("outside-any-module");
        Files.createDirectories(dir);
        return Command.run(Duration.ofMinutes(2), dir, env, argv);
    }

    private JsonNode go(Map<String, String> env, String... args) throws Exception {
        Command c = goCommand(env, args);
        assertTrue(c.ok(), c.toString());
        return JSON.readTree(c.out());
    }

    private static List<String> texts(JsonNode array) {
        var out = new ArrayList<String>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
