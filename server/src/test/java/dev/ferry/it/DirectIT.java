package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's {@code direct}, end to end: a private module on a git server (Debian's git http-backend, a vanity
 * path answered with go-import) requiring a public fixture module; the real go command with only GOPROXY=ferry
 * (and GONOSUMDB for the private path, as docs/goproxy.md says) builds an app needing both; ferry fetched the
 * private one with the go command and the public one from the static upstream; with the git server stopped a fresh
 * client still builds. Then the same behind Basic auth, with the password from the config file's ${ENV}: a wrong
 * one fails naming the host, and no password shows in ferry's log, its metrics or any answer.
 */
class DirectIT {
    private static final String HOST = LoopbackGitServer.VANITY_HOST;
    private static final String MODULE = HOST + "/private/lib";
    private static final String PUBLIC = "github.com/google/uuid";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @Test
    void anAppNeedingAPrivateAndAPublicModuleBuildsFromFerryAloneAndAgainWithTheGitServerStopped() throws Exception {
        String key = Fixtures.sumdbKey();
        String name = key.split("\\+")[0];
        Path app = app(tmp.resolve("app"));
        Pseudo pseudo;
        try (StaticGoProxy upstream = new StaticGoProxy(Fixtures.goProxyTree());
                LoopbackGitServer git = LoopbackGitServer.start(tmp.resolve("repos"))) {
            pseudo = privateModule(git);
            try (FerryProcess ferry = FerryProcess.start(
                    tmp.resolve("data"),
                    tmp.resolve("ferry.log"),
                    "--go-upstream",
                    upstream.url(),
                    "--sumdb",
                    key,
                    "--private",
                    HOST,
                    "--direct-insecure",
                    HOST,
                    "--http-proxy",
                    git.proxyUrl(),
                    "--no-proxy",
                    "127.0.0.1,localhost",
                    // private modules need the pull role unless this is on (docs/access.md); not this test's subject
                    "--anonymous-private")) {
                // A module of a host that is not allowed: 404, and no go command was run for it.
                for (String path : List.of(
                        "/github.com/evil/x/@v/list", "/evil.test/x/@v/v1.0.0.zip", "/github.com/evil/x/@latest")) {
                    HttpResponse<String> r = get(ferry.url() + path);
                    assertEquals(404, r.statusCode(), path + ": " + r.body());
                }
                assertEquals(0.0, metric(ferry, "ferry_go_direct_commands_total"), "no process was started");
                assertTrue(git.requests().isEmpty(), git.requests().toString());
                try (Stream<Path> s = Files.list(tmp.resolve("data/direct"))) {
                    assertEquals(
                            List.of("held"),
                            s.map(p -> p.getFileName().toString()).toList());
                }

                GoTool go = client(ferry, key, name, tmp.resolve("go1"));
                GoTool.Result built =
                        go.run(app, "build", "-o", tmp.resolve("app.bin").toString(), ".");
                assertTrue(built.ok(), built.output() + "\n" + String.join("\n", ferry.output()));
                Command ran = Command.run(
                        Duration.ofSeconds(30), List.of(tmp.resolve("app.bin").toString()));
                assertTrue(ran.out().contains("lib 1.2.0"), ran.toString());

                // the private module came from its origin, the public one from the static upstream only
                assertTrue(metric(ferry, "ferry_go_direct_commands_total{outcome=\"ok\"}") >= 1);
                assertTrue(
                        git.requests().stream().anyMatch(r -> r.contains("git-upload-pack")),
                        git.requests().toString());
                assertTrue(
                        upstream.paths().stream().anyMatch(p -> p.contains("google/uuid/@v/v1.3.0.zip")),
                        upstream.paths().toString());
                assertTrue(
                        upstream.paths().stream().noneMatch(p -> p.contains(HOST)),
                        "a private path reached the public upstream: " + upstream.paths());

                // the tags listed, and the untagged commit as its pseudo-version, through ferry
                GoTool.Result list = go.run(tmp, "list", "-m", "-versions", MODULE);
                assertTrue(list.output().contains(MODULE + " v1.0.0 v1.1.0 v1.2.0"), list.output());
                GoTool.Result dl = go.run(tmp, "mod", "download", "-json", MODULE + "@" + pseudo.version());
                assertTrue(dl.ok() && dl.output().contains("\"Version\": \"" + pseudo.version() + "\""), dl.output());

                // nothing of the sandboxes is left but the held downloads' directory
                try (Stream<Path> s = Files.list(tmp.resolve("data/direct"))) {
                    assertEquals(
                            List.of("held"),
                            s.map(p -> p.getFileName().toString()).toList());
                }

                git.close();
                double commands = metric(ferry, "ferry_go_direct_commands_total{outcome=\"ok\"}");
                GoTool fresh = client(ferry, key, name, tmp.resolve("go2"));
                GoTool.Result again =
                        fresh.run(app, "build", "-o", tmp.resolve("app2.bin").toString(), ".");
                assertTrue(again.ok(), "with the git server stopped: " + again.output());
                assertEquals(
                        commands,
                        metric(ferry, "ferry_go_direct_commands_total{outcome=\"ok\"}"),
                        "served from the store, no command run");
                go.makeDeletable();
                fresh.makeDeletable();
            }
        }
    }

    @Test
    void credentialsFromTheConfigFileReachGitAndNoPasswordIsEverShown() throws Exception {
        String right = "Right-pw-4c1e9";
        String wrong = "Wrong-pw-77ab0";
        Path config = tmp.resolve("ferry.yaml");
        Files.writeString(config, """
                go:
                  upstream: off
                  sumdb: "off"
                  private: "%s"
                  direct:
                    insecure: [%s]
                    credentials:
                      - host: %s
                        username: ci
                        password: "${GIT_PASSWORD}"
                """.formatted(HOST, HOST, HOST));
        try (LoopbackGitServer git = LoopbackGitServer.start(tmp.resolve("repos"), "ci", right)) {
            privateModule(git);
            List<String> seen = new ArrayList<>();
            Path wrongLog = tmp.resolve("wrong.log");
            try (FerryProcess ferry = FerryProcess.start(
                    tmp.resolve("data-wrong"),
                    wrongLog,
                    Map.of("GIT_PASSWORD", wrong),
                    "--config",
                    config.toString(),
                    "--http-proxy",
                    git.proxyUrl(),
                    "--anonymous-private")) {
                GoTool go = client(ferry, "off", null, tmp.resolve("go-wrong"));
                GoTool.Result r = go.run(tmp, "mod", "download", "-json", MODULE + "@v1.1.0");
                assertFalse(r.ok(), r.output());
                assertTrue(r.output().contains(HOST), "the error names the host: " + r.output());
                assertTrue(r.output().contains("refused ferry's credentials"), r.output());
                assertFalse(r.output().contains("/direct/fetch-"), "no sandbox path: " + r.output());
                seen.add(r.output());
                HttpResponse<String> direct = get(ferry.url() + "/" + MODULE + "/@v/v1.1.0.mod");
                assertTrue(
                        direct.statusCode() == 502 || direct.statusCode() == 503, direct.statusCode() + direct.body());
                seen.add(direct.body());
                seen.add(get(ferry.url() + "/metrics").body());
                go.makeDeletable();
            }
            seen.add(Files.readString(wrongLog));

            Path rightLog = tmp.resolve("right.log");
            try (FerryProcess ferry = FerryProcess.start(
                    tmp.resolve("data-right"),
                    rightLog,
                    Map.of("GIT_PASSWORD", right),
                    "--config",
                    config.toString(),
                    "--http-proxy",
                    git.proxyUrl(),
                    "--anonymous-private")) {
                GoTool go = client(ferry, "off", null, tmp.resolve("go-right"));
                GoTool.Result r = go.run(tmp, "mod", "download", "-json", MODULE + "@v1.1.0");
                assertTrue(r.ok(), r.output() + "\n" + String.join("\n", ferry.output()));
                seen.add(r.output());
                seen.add(get(ferry.url() + "/metrics").body());
                seen.add(get(ferry.url() + "/" + MODULE + "/@v/list").body());
                go.makeDeletable();
            }
            seen.add(Files.readString(rightLog));
            for (String text : seen) {
                assertFalse(text.contains(right) || text.contains(wrong), "a password was shown:\n" + text);
            }
        }
    }

    private GoTool client(FerryProcess ferry, String key, String name, Path home) {
        String sumdb = name == null ? "off" : key + " " + ferry.url() + "/sumdb/" + name;
        // GONOSUMDB, not GOPRIVATE: GOPRIVATE would also send the go command past ferry to the git server itself.
        return new GoTool(home, ferry.url(), sumdb).env("GONOSUMDB", HOST);
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A sample's value from /metrics; 0 when the series is absent. */
    private static double metric(FerryProcess ferry, String series) throws Exception {
        String body = get(ferry.url() + "/metrics").body();
        Matcher m =
                Pattern.compile("(?m)^" + Pattern.quote(series) + "\\s+(\\S+)$").matcher(body);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        if (!series.contains("{")) {
            Matcher labelled = Pattern.compile("(?m)^" + Pattern.quote(series) + "\\{[^}]*}\\s+(\\S+)$")
                    .matcher(body);
            while (labelled.find()) {
                sum += Double.parseDouble(labelled.group(1));
            }
        }
        return sum;
    }

    private record Pseudo(String version) {}

    /** v1.0.0, v1.1.0, v1.2.0 (each requiring the public fixture module) and one untagged commit on top. */
    private Pseudo privateModule(LoopbackGitServer server) throws Exception {
        LoopbackGitServer.Head head = server.privateModule(
                tmp.resolve("work"),
                MODULE,
                "private/lib",
                "\nrequire " + PUBLIC + " v1.3.0\n",
                "import \"" + PUBLIC + "\"\n\n",
                "\nvar Nil = uuid.Nil\n");
        return new Pseudo(head.pseudoVersion());
    }

    /** An application requiring the private module and the public one directly. */
    private static Path app(Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(
                dir.resolve("go.mod"),
                "module example.com/privapp\n\ngo 1.19\n\nrequire (\n\t" + MODULE + " v1.2.0\n\t" + PUBLIC
                        + " v1.3.0\n)\n");
        Files.writeString(
                dir.resolve("main.go"),
                "package main\n\nimport (\n\t\"fmt\"\n\n\t\"" + PUBLIC
                        + "\"\n\tlib \"" + MODULE
                        + "\"\n)\n\nfunc main() {\n\tfmt.Println(\"lib\", lib.Version, lib.Nil"
                        + " == uuid.Nil)\n}\n");
        return dir;
    }
}
