package dev.ferry.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One run of an external tool (kubectl, systemd-analyze, podman, a deploy/ script) with its own deadline: a hang
 * fails the test instead of stalling the build. Standard output and error are kept apart, so a tool's warnings
 * can be checked too.
 */
record Command(List<String> argv, int exit, String out, String err) {

    boolean ok() {
        return exit == 0;
    }

    @Override
    public String toString() {
        return String.join(" ", argv) + " -> exit " + exit + "\nstdout:\n" + tail(out) + "\nstderr:\n" + tail(err);
    }

    static Command run(Duration deadline, List<String> argv) throws IOException, InterruptedException {
        return run(deadline, null, Map.of(), argv);
    }

    /** In {@code dir} (null: the current one), with {@code env} added to this process's environment. */
    static Command run(Duration deadline, Path dir, Map<String, String> env, List<String> argv)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", argv) + " did not finish within " + deadline + "\nstdout:\n"
                    + tail(out.getNow("")) + "\nstderr:\n" + tail(err.getNow("")));
        }
        return new Command(List.copyOf(argv), p.exitValue(), out.join(), err.join());
    }

    static boolean installed(String binary) {
        return Files.isExecutable(Path.of(binary));
    }

    private static CompletableFuture<String> drain(java.io.InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        }, r -> Thread.ofPlatform().daemon().start(r));
    }

    private static String tail(String s) {
        return s.length() > 8000 ? "..." + s.substring(s.length() - 8000) : s;
    }
}
