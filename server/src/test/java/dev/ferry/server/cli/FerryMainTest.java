package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.ListenAddress;
import dev.ferry.server.config.Setting;
import dev.ferry.upstreams.goproxy.GoProxyList;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FerryMainTest {
    @TempDir
    Path tmp;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final AtomicReference<FerryConfig> launched = new AtomicReference<>();

    int run(Map<String, String> env, String... args) {
        return FerryMain.run(
                args,
                env,
                (cfg, o, e) -> {
                    launched.set(cfg);
                    return 0;
                },
                new PrintWriter(out, true),
                new PrintWriter(err, true));
    }

    @Test
    void helpDescribesEverySetting() {
        assertEquals(0, run(Map.of(), "serve", "--help"));
        // joined across picocli's line wrapping
        String help = out.toString().replaceAll("\\s*\\n\\s*", "");
        for (Setting s : Setting.values()) {
            assertTrue(
                    help.contains(s.flag()) || help.contains(s.flag().replace("--", "--[no-]")),
                    "help mentions " + s.flag() + ":\n" + help);
            assertTrue(help.contains(s.env()), "help mentions " + s.env());
            assertTrue(help.contains(s.key()), "help mentions yaml key " + s.key());
            assertTrue(
                    help.replaceAll("\\s", "").contains(("Default: " + s.shownDefault()).replaceAll("\\s", "")),
                    "help gives the default of " + s.flag());
        }
        assertTrue(help.contains("--config"));
        assertTrue(help.contains("--no-access-log") || help.contains("--[no-]access-log"), help);
        assertTrue(help.contains("flag > environment > config file > default"), help);
        assertNull(launched.get());
    }

    @Test
    void topLevelHelpAndVersion() {
        assertEquals(0, run(Map.of(), "--help"));
        assertTrue(out.toString().contains("serve"), out.toString());
        assertTrue(out.toString().contains("Go module proxy"), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run(Map.of(), "--version"));
        assertTrue(out.toString().matches("(?s)ferry \\d+\\.\\d+\\.\\d+.*"), out.toString());
    }

    @Test
    void versionNamesTheCommitTheBuildCameFrom() throws Exception {
        assertEquals(0, run(Map.of(), "--version"));
        String head = gitHead();
        if (head == null) {
            // built outside a git checkout (a source tarball): the build cannot know
            assertTrue(out.toString().contains("(commit unknown)"), out.toString());
        } else {
            assertTrue(out.toString().matches("(?s)ferry \\S+ \\(commit " + head + "(-dirty)?\\)\n.*"), out.toString());
        }
    }

    private static String gitHead() throws Exception {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD")
                    .redirectErrorStream(true)
                    .start();
            String s = new String(p.getInputStream().readAllBytes()).strip();
            return p.waitFor() == 0 && s.matches("[0-9a-f]{40}") ? s : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    @Test
    void badConfigExitsWith2AndOneLine() throws Exception {
        Path yaml = tmp.resolve("f.yaml");
        Files.writeString(yaml, "listen: :8080\nbogus: 1\n");
        String[][] cases = {
            {"serve", "--config", yaml.toString()},
            {"serve", "--listen", "nowhere"},
            {"serve", "--go-list-ttl", "5 minutes"},
            {"serve", "--upstream-connect-timeout", "-3s"},
            {"serve", "--no-such-flag"},
        };
        for (String[] args : cases) {
            err.getBuffer().setLength(0);
            assertEquals(2, run(Map.of(), args), String.join(" ", args));
            String e = err.toString();
            assertFalse(e.contains("\tat "), "no stack trace: " + e);
            assertFalse(e.isBlank());
        }
        err.getBuffer().setLength(0);
        assertEquals(2, run(Map.of(), "serve", "--config", yaml.toString()));
        assertEquals(
                "ferry: " + yaml + ":2: unknown setting \"bogus\"",
                err.toString().lines().findFirst().orElseThrow().replaceAll(" \\(known settings:.*", ""));
        err.getBuffer().setLength(0);
        assertEquals(2, run(Map.of("FERRY_GO_NOT_FOUND_TTL", "soon"), "serve"));
        assertTrue(
                err.toString().startsWith("ferry: invalid go.notFoundTtl \"soon\" (from env FERRY_GO_NOT_FOUND_TTL)"),
                err.toString());
        assertNull(launched.get());
    }

    @Test
    void flagBeatsEnvBeatsFileBeatsDefault() throws Exception {
        assumeTrue(upstreamListParses(), "GoProxyList.parse not implemented yet");
        Path yaml = tmp.resolve("f.yaml");
        Files.writeString(yaml, """
                listen: 127.0.0.1:1111
                data: %s
                accessLog: false
                go:
                  upstream: https://file.example
                  listTtl: 3m
                upstream:
                  firstByteTimeout: 7s
                """.formatted(tmp.resolve("file-data")));
        Map<String, String> env =
                Map.of("FERRY_LISTEN", "127.0.0.1:2222", "FERRY_GO_LIST_TTL", "4m", "FERRY_LOG_LEVEL", "warn");
        assertEquals(
                0,
                run(
                        env,
                        "serve",
                        "--config",
                        yaml.toString(),
                        "--listen",
                        "[::1]:3333",
                        "--go-upstream",
                        "https://a.example,https://b.example|https://c.example"));
        FerryConfig c = launched.get();
        assertEquals(new ListenAddress("::1", 3333), c.listen());
        assertEquals(tmp.resolve("file-data"), c.data());
        assertEquals(Duration.ofMinutes(4), c.goListTtl());
        assertEquals(Duration.ofMinutes(1), c.goNotFoundTtl());
        assertEquals(Duration.ofSeconds(7), c.upstreamTimeouts().firstByte());
        assertEquals(Duration.ofSeconds(10), c.upstreamTimeouts().connect());
        assertEquals(Level.WARNING, c.logLevel());
        assertFalse(c.accessLog());
        assertEquals(3, c.goUpstream().entries().size());
        assertEquals(
                GoProxyList.FallThrough.NOT_FOUND_ONLY,
                c.goUpstream().entries().get(0).fallThrough());
        assertEquals(
                GoProxyList.FallThrough.ANY_ERROR,
                c.goUpstream().entries().get(1).fallThrough());

        assertEquals(0, run(Map.of("FERRY_ACCESS_LOG", "false"), "serve", "--access-log"));
        assertTrue(launched.get().accessLog());
        assertEquals(0, run(Map.of(), "serve", "--go-upstream", "off"));
        assertTrue(launched.get().goUpstream().isOff());
    }

    @Test
    void badUpstreamListExitsWith2() {
        assumeTrue(upstreamListParses(), "GoProxyList.parse not implemented yet");
        for (String bad : new String[] {"ftp://x", "https://a,,https://b", "direct,https://a"}) {
            err.getBuffer().setLength(0);
            assertEquals(2, run(Map.of(), "serve", "--go-upstream", bad), bad);
            assertTrue(
                    err.toString().startsWith("ferry: invalid go.upstream \"" + bad + "\" (from flag --go-upstream)"),
                    err.toString());
        }
    }

    static boolean upstreamListParses() {
        try {
            GoProxyList.parse("https://proxy.golang.org");
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    @Test
    void badToolchainOrPlatformIsAUsageErrorAndSendsNothing() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            String[][] cases = {
                {"--toolchain", "go1.22", "--platform", "linux/amd64", "is a language version, not a release"},
                {"--toolchain", "1.22.4", "--platform", "linux/amd64", "did you mean go1.22.4?"},
                {"--toolchain", "go1.22.4", "--platform", "linux/x86_64", "unknown platform \"linux/x86_64\""},
                {"--toolchain", "go1.22.4", "--platform", "linux", "invalid platform \"linux\""},
                {"--toolchain", "go1.22.4", "--toolchain needs --platform"},
                {"--platform", "linux/amd64", "golang.org/x/text@v0.7.0", "--platform goes with --toolchain"},
                {"--toolchain", "go1.22.4", "--platform", "linux/amd64", "a@v1.0.0", "give exactly one of"},
            };
            for (String[] c : cases) {
                err.getBuffer().setLength(0);
                java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("prewarm", "go"));
                args.addAll(java.util.List.of(c).subList(0, c.length - 1));
                args.addAll(java.util.List.of("--server", url));
                assertEquals(2, run(Map.of("FERRY_ADMIN_TOKEN", "t"), args.toArray(String[]::new)), args.toString());
                assertTrue(err.toString().contains(c[c.length - 1]), args + ": " + err);
            }
            assertEquals(0, requests.get(), "a usage error sends no request");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void prewarmGoHelpNamesTheToolchainOptions() {
        assertEquals(0, run(Map.of(), "prewarm", "go", "--help"));
        assertTrue(out.toString().contains("--toolchain=RELEASE"), out.toString());
        assertTrue(out.toString().contains("--platform=LIST"), out.toString());
    }

    @Test
    void clusterOptionsGoTogetherOrAreAUsageError() {
        String[][] cases = {
            {"pin", "--node", "http://127.0.0.1:1", "a@v1.0.0", "--node goes with --cluster"},
            {"pin", "--cluster", "a@v1.0.0", "--cluster needs the nodes"},
            {
                "unpin",
                "--cluster",
                "--server",
                "http://127.0.0.1:1",
                "--node",
                "http://127.0.0.1:1",
                "a@v1.0.0",
                "drop --server"
            },
            {
                "prewarm",
                "go",
                "--cluster",
                "--detach",
                "--node",
                "http://127.0.0.1:1",
                "a@v1.0.0",
                "--detach and --cluster"
            },
            {"import", "--cluster", "--detach", "--node", "http://127.0.0.1:1", "/b", "--detach and --cluster"},
            {"mirror-set", "run", "--cluster", "--node", "ftp://x", "s", "invalid --node ftp://x"},
        };
        for (String[] c : cases) {
            err.getBuffer().setLength(0);
            String[] args = java.util.Arrays.copyOf(c, c.length - 1);
            assertEquals(
                    2,
                    run(Map.of("FERRY_ADMIN_TOKEN", "t"), args),
                    java.util.List.of(args).toString());
            assertTrue(err.toString().contains(c[c.length - 1]), java.util.List.of(args) + ": " + err);
        }
    }

    @Test
    void anUnreachableNodeOfAClusterCommandIsNamedWithTheClusterFlags() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String node = "http://127.0.0.1:" + port;
        assertEquals(1, run(Map.of("FERRY_ADMIN_TOKEN", "t"), "pin", "--cluster", "--node", node, "a@v1.0.0"));
        assertTrue(err.toString().contains("cannot reach the ferry node " + node), err.toString());
        assertTrue(err.toString().contains("--cluster reaches each node of --node URL"), err.toString());
        assertFalse(err.toString().contains("--server URL"), err.toString());
        assertTrue(out.toString().contains("node " + node + "  failed: cannot reach the ferry node"), out.toString());
    }
}
