package dev.ferry.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real skopeo (Debian's package), over plain HTTP to loopback registries, with no retries (a failure must
 * show as a failure, not be papered over) and an auth file and home of its own, so nothing comes from the
 * developer's logins. Every run has a deadline: a hang is a test failure, not a stuck build.
 */
final class Skopeo {
    static final Path BINARY = Path.of("/usr/bin/skopeo");

    private final Path home;

    record Result(List<String> command, int exit, byte[] stdout, String err, long millis) {
        boolean ok() {
            return exit == 0;
        }

        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " -> exit " + exit + " in " + millis + " ms\nstdout: " + out()
                    + "\nstderr: " + err;
        }
    }

    Skopeo(Path home) throws IOException {
        this.home = Files.createDirectories(home);
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** {@code skopeo inspect --raw docker://REF}: the manifest bytes exactly as served. */
    Result inspectRaw(String ref, String creds) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("inspect", "--raw", "--retry-times", "0", "--tls-verify=false"));
        if (creds != null) {
            args.addAll(List.of("--creds", creds));
        }
        args.add("docker://" + ref);
        return run(Timeout.INSPECT, args);
    }

    /** {@code skopeo copy --all SRC DEST} with TLS verification off on both sides. */
    Result copy(String src, String dest, String srcCreds, String destCreds, String... extra)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(
                "copy", "-q", "--all", "--retry-times", "0", "--src-tls-verify=false", "--dest-tls-verify=false"));
        if (srcCreds != null) {
            args.addAll(List.of("--src-creds", srcCreds));
        }
        if (destCreds != null) {
            args.addAll(List.of("--dest-creds", destCreds));
        }
        args.addAll(List.of(extra));
        args.add(src);
        args.add(dest);
        return run(Timeout.COPY, args);
    }

    enum Timeout {
        INSPECT(60),
        COPY(180);

        final int seconds;

        Timeout(int seconds) {
            this.seconds = seconds;
        }
    }

    Result run(Timeout limit, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(BINARY.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("HOME", home.toString());
        pb.environment().put("XDG_RUNTIME_DIR", home.toString());
        pb.environment().put("REGISTRY_AUTH_FILE", home.resolve("auth.json").toString());
        pb.environment().remove("DOCKER_CONFIG");
        long t0 = System.nanoTime();
        Process p = pb.redirectInput(
                        ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        if (!p.waitFor(limit.seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(
                    "skopeo " + String.join(" ", args) + " did not finish within " + limit.seconds + "s");
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        return new Result(cmd, p.exitValue(), out.join(), new String(err.join(), StandardCharsets.UTF_8), ms);
    }

    private static byte[] readAll(java.io.InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return ("(output lost: " + e + ")").getBytes(StandardCharsets.UTF_8);
        }
    }
}
