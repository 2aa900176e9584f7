package dev.ferry.upstreams.vcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.upstreams.pool.FetchResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DirectFetcher} with a stand-in go command (a shell script that records how it was run and answers like
 * {@code go mod download -json}): what it is run with, what it is never run for, and what is left behind. The
 * real go command against a real git server is {@code DirectIT}'s.
 */
class DirectFetcherTest {
    private static final String PASSWORD = "pw-Zq8-never-shown";

    @TempDir
    Path tmp;

    private Path runs;
    private Path fakeGo;
    private final List<String> refused = new ArrayList<>();
    private final AtomicInteger processes = new AtomicInteger();
    private final DirectEvents events = new DirectEvents() {
        @Override
        public void refused(String host) {
            refused.add(host);
        }

        @Override
        public void process(String outcome, Duration took) {
            processes.incrementAndGet();
        }
    };

    @BeforeEach
    void fakeGoCommand() throws IOException {
        runs = Files.createDirectories(tmp.resolve("runs"));
        fakeGo = tmp.resolve("bin/go");
        Files.createDirectories(fakeGo.getParent());
        // Records argv, environment and the netrc's mode, then behaves as the case file in the runs directory says.
        Files.writeString(fakeGo, """
                #!/bin/sh
                n=$(ls %1$s | grep -c '^run-')
                d=%1$s/run-$n; mkdir $d
                printf '%%s\\n' "$@" > $d/argv; env > $d/env; pwd > $d/pwd
                [ -f "$HOME/.netrc" ] && stat -c %%a "$HOME/.netrc" > $d/netrc-mode && cp "$HOME/.netrc" $d/netrc
                cp "$HOME/.gitconfig" $d/gitconfig
                case $(cat %1$s/case 2>/dev/null) in
                notfound) echo "go: git.corp.example/lib@v1.9.9: invalid version: unknown revision v1.9.9" >&2; exit 1;;
                auth) echo "fatal: could not read Username for 'https://ci:%2$s@git.corp.example': terminal prompts disabled (%2$s)" >&2; exit 1;;
                slow) echo $$ > %1$s/pid; sleep 60; exit 0;;
                outside) printf '{"Path":"git.corp.example/lib","Version":"v1.2.0","Info":"/etc/hostname","GoMod":"%%s/../../etc/passwd","Zip":"/etc/passwd"}\n' "$GOMODCACHE"; exit 0;;
                block) while [ ! -f %1$s/go-on ]; do sleep 0.05; done;;
                esac
                if [ "$1" = mod ]; then
                  c=$GOMODCACHE/cache/download/git.corp.example/lib/@v; mkdir -p $c
                  printf '{"Version":"v1.2.0","Time":"2026-01-02T03:04:05Z"}' > $c/v1.2.0.info
                  printf 'module git.corp.example/lib\\n' > $c/v1.2.0.mod
                  printf 'PK-zip-bytes' > $c/v1.2.0.zip
                  printf '{"Path":"git.corp.example/lib","Version":"v1.2.0","Info":"%%s","GoMod":"%%s","Zip":"%%s"}\\n' $c/v1.2.0.info $c/v1.2.0.mod $c/v1.2.0.zip
                else
                  printf '{"Path":"git.corp.example/lib","Version":"v1.2.0","Versions":["v1.0.0","v1.1.0","v1.2.0"],"Time":"2026-01-02T03:04:05Z"}\\n'
                fi
                """.formatted(runs, PASSWORD));
        Files.setPosixFilePermissions(fakeGo, PosixFilePermissions.fromString("rwx------"));
    }

    private DirectFetcher fetcher(Duration timeout) throws IOException {
        DirectSettings s = DirectSettings.of(fakeGo, tmp.resolve("sandboxes"), HostPatterns.parse("git.corp.example"))
                .withLimits(1, timeout)
                .withCredentials(List.of(new VcsCredential("git.corp.example", "ci", PASSWORD)), null, null);
        return new DirectFetcher(s, events, Clock.systemUTC());
    }

    private static FetchResult<byte[]> get(DirectFetcher f, String path) {
        return f.fetch(path, (in, len, from) -> {
            assertEquals(DirectFetcher.NAME, from);
            return in.readAllBytes();
        });
    }

    private static String text(FetchResult<byte[]> r) {
        FetchResult.Fetched<?> f = assertInstanceOf(FetchResult.Fetched.class, r, r.toString());
        return new String((byte[]) f.value(), StandardCharsets.UTF_8);
    }

    @Test
    void aHostThatIsNotAllowedStartsNoProcess() throws IOException {
        try (DirectFetcher f = fetcher(Duration.ofSeconds(30))) {
            for (String path : List.of(
                    "github.com/evil/x/@v/list",
                    "git.corp.example.evil.com/x/@v/v1.0.0.zip",
                    "evil.com/git.corp.example/@latest",
                    "git.corp.example/../etc/@v/list",
                    "-x/@v/list")) {
                FetchResult<byte[]> r = get(f, path);
                FetchResult.NotFound<?> nf = assertInstanceOf(FetchResult.NotFound.class, r, path);
                assertEquals(404, nf.status());
            }
            assertEquals(List.of("github.com", "git.corp.example.evil.com", "evil.com"), refused);
            assertEquals(0, processes.get());
            try (Stream<Path> s = Files.list(runs)) {
                assertEquals(0, s.count(), "the go command never ran");
            }
        }
    }

    @Test
    void oneDownloadServesInfoModAndZipWithACleanEnvironmentAndNothingLeftBehind() throws IOException {
        try (DirectFetcher f = fetcher(Duration.ofSeconds(30))) {
            assertEquals("module git.corp.example/lib\n", text(get(f, "git.corp.example/lib/@v/v1.2.0.mod")));
            assertEquals("PK-zip-bytes", text(get(f, "git.corp.example/lib/@v/v1.2.0.zip")));
            assertTrue(text(get(f, "git.corp.example/lib/@v/v1.2.0.info")).contains("\"v1.2.0\""));
            assertEquals(1, processes.get(), "the zip and info came from the .mod's download");

            Path run = runs.resolve("run-0");
            assertEquals(
                    List.of("mod", "download", "-json", "git.corp.example/lib@v1.2.0"),
                    Files.readAllLines(run.resolve("argv")));
            String env = Files.readString(run.resolve("env"));
            for (String expected : List.of(
                    "GOPROXY=direct",
                    "GOSUMDB=off",
                    "GIT_TERMINAL_PROMPT=0",
                    "GOFLAGS=-modcacherw",
                    "GIT_CONFIG_NOSYSTEM=1",
                    "GIT_ALLOW_PROTOCOL=https",
                    "GOVCS=*:git")) {
                assertTrue(env.lines().anyMatch(expected::equals), expected + " in\n" + env);
            }
            assertFalse(env.contains("FERRY_"), env);
            assertFalse(env.contains(PASSWORD), "no credential in the environment");
            assertFalse(Files.readString(run.resolve("argv")).contains(PASSWORD));
            assertEquals("600", Files.readString(run.resolve("netrc-mode")).strip());
            assertTrue(Files.readString(run.resolve("netrc"))
                    .contains("machine git.corp.example login ci password " + PASSWORD));
            String git = Files.readString(run.resolve("gitconfig"));
            assertTrue(git.contains("hooksPath = /dev/null") && git.contains("allow = never"), git);

            try (Stream<Path> s = Files.list(tmp.resolve("sandboxes"))) {
                assertEquals(
                        List.of("held"),
                        s.map(p -> p.getFileName().toString()).toList(),
                        "the sandbox is gone; only the held zip's directory stays");
            }
        }
    }

    @Test
    void listAndLatestAreRenderedInTheProxyProtocol() throws IOException {
        try (DirectFetcher f = fetcher(Duration.ofSeconds(30))) {
            assertEquals("v1.0.0\nv1.1.0\nv1.2.0\n", text(get(f, "git.corp.example/lib/@v/list")));
            assertEquals(
                    "{\"Version\":\"v1.2.0\",\"Time\":\"2026-01-02T03:04:05Z\"}",
                    text(get(f, "git.corp.example/lib/@latest")));
            assertEquals(
                    List.of("list", "-m", "-json", "git.corp.example/lib@latest"),
                    Files.readAllLines(runs.resolve("run-1/argv")));
        }
    }

    @Test
    void unknownRevisionIsNotFoundAndCredentialsNeverAppearInErrors() throws IOException {
        try (DirectFetcher f = fetcher(Duration.ofSeconds(30))) {
            Files.writeString(runs.resolve("case"), "notfound");
            FetchResult.NotFound<?> nf =
                    assertInstanceOf(FetchResult.NotFound.class, get(f, "git.corp.example/lib/@v/v1.9.9.mod"));
            assertTrue(nf.message().contains("unknown revision"), nf.message());

            Files.writeString(runs.resolve("case"), "auth");
            FetchResult.Failed<?> failed =
                    assertInstanceOf(FetchResult.Failed.class, get(f, "git.corp.example/lib/@v/v1.0.0.mod"));
            String summary = failed.summary();
            assertTrue(summary.contains("git.corp.example") && summary.contains("terminal prompts disabled"), summary);
            assertFalse(summary.contains(PASSWORD), summary);
        }
    }

    @Test
    void filesTheGoCommandNamesOutsideItsSandboxAreNeverRead() throws IOException {
        try (DirectFetcher f = fetcher(Duration.ofSeconds(30))) {
            Files.writeString(runs.resolve("case"), "outside");
            FetchResult.Failed<?> failed =
                    assertInstanceOf(FetchResult.Failed.class, get(f, "git.corp.example/lib/@v/v1.2.0.zip"));
            assertTrue(failed.summary().contains("outside its sandbox"), failed.summary());
            try (Stream<Path> s = Files.list(tmp.resolve("sandboxes/held"))) {
                assertEquals(0, s.count(), "nothing was kept");
            }
        }
    }

    @Test
    void aCommandPastTheTimeoutIsKilledWithItsChildren() throws Exception {
        try (DirectFetcher f = fetcher(Duration.ofSeconds(2))) {
            Files.writeString(runs.resolve("case"), "slow");
            FetchResult.Failed<?> failed =
                    assertInstanceOf(FetchResult.Failed.class, get(f, "git.corp.example/lib/@v/v1.0.0.mod"));
            assertTrue(failed.summary().contains("go.direct.timeout"), failed.summary());
            long pid = Long.parseLong(Files.readString(runs.resolve("pid")).strip());
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "killed");
            try (Stream<Path> s = Files.list(tmp.resolve("sandboxes"))) {
                assertEquals(
                        List.of("held"), s.map(p -> p.getFileName().toString()).toList());
            }
        }
    }

    @Test
    void noMoreCommandsRunAtOnceThanTheConcurrencySetting() throws Exception {
        try (DirectFetcher f = fetcher(Duration.ofSeconds(60));
                var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            Files.writeString(runs.resolve("case"), "block");
            var first = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> get(f, "git.corp.example/lib/@v/v1.0.0.mod"), threads);
            awaitTrue(() -> Files.exists(runs.resolve("run-0")));
            var second = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> get(f, "git.corp.example/lib/@v/v1.1.0.mod"), threads);
            awaitTrue(() -> f.waiting() == 1);
            assertFalse(Files.exists(runs.resolve("run-1")), "the second waits while the first runs");
            Files.writeString(runs.resolve("go-on"), "");
            assertInstanceOf(FetchResult.Fetched.class, first.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertInstanceOf(FetchResult.Fetched.class, second.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(Files.exists(runs.resolve("run-1")));
        }
    }

    /** Waits for a condition the code under test makes true (bounded), not for a time. */
    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 30 s");
            }
            Thread.onSpinWait();
            Thread.sleep(5);
        }
    }

    @Test
    void sshAndPlainHttpAreAllowedOnlyWhenConfigured() {
        Sandbox box = new Sandbox(tmp.resolve("box"));
        DirectSettings plain = DirectSettings.of(fakeGo, tmp, HostPatterns.parse("git.corp.example"));
        assertEquals(List.of("https"), DirectCommand.protocols(plain));
        assertFalse(DirectCommand.environment(plain, box).containsKey("GIT_SSH_COMMAND"));
        assertEquals("", DirectCommand.environment(plain, box).get("GOINSECURE"));

        DirectSettings both = plain.withInsecureHosts(HostPatterns.parse("git.lab.example"))
                .withSsh(tmp.resolve("id_ed25519"), tmp.resolve("known_hosts"));
        var env = DirectCommand.environment(both, box);
        assertEquals("https:http:ssh", env.get("GIT_ALLOW_PROTOCOL"));
        assertEquals("git.lab.example", env.get("GOINSECURE"));
        String ssh = env.get("GIT_SSH_COMMAND");
        assertTrue(
                ssh.contains("-i " + tmp.resolve("id_ed25519"))
                        && ssh.contains("StrictHostKeyChecking=yes")
                        && ssh.contains("BatchMode=yes")
                        && ssh.contains("UserKnownHostsFile=" + tmp.resolve("known_hosts")),
                ssh);
        String git = DirectCommand.gitconfig(both);
        assertTrue(git.contains("[protocol \"ssh\"]") && git.contains("[protocol \"http\"]"), git);
    }

    @Test
    void argumentsThatLookLikeOptionsAreRefused() {
        for (String bad : List.of("-modfile=x", "a b", "a;b", "")) {
            try {
                DirectCommand.argument(bad);
                throw new AssertionError("accepted " + bad);
            } catch (IllegalArgumentException expected) {
                // refused
            }
        }
        assertEquals("git.corp.example/lib@v1.0.0", DirectCommand.argument("git.corp.example/lib@v1.0.0"));
    }
}
