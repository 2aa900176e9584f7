package dev.ferry.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    /**
     * In {@code dir} (null: the current one), with {@code env} added to this process's environment (a null value
     * removes the variable).
     */
    static Command run(Duration deadline, Path dir, Map<String, String> env, List<String> argv)
            throws IOException, InterruptedException {
        // Output goes to files, read once the process has ended: a thread reading a pipe can lose the last of it
        // when the JDK's process reaper drains and closes the pipe at exit ("Stream closed").
        Path out = Files.createTempFile("ferry-cmd", ".out");
        Path err = Files.createTempFile("ferry-cmd", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(argv)
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            env.forEach((k, v) -> {
                if (v == null) {
                    pb.environment().remove(k);
                } else {
                    pb.environment().put(k, v);
                }
            });
            Process p = pb.start();
            if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", argv) + " did not finish within " + deadline + "\nstdout:\n"
                        + tail(Files.readString(out)) + "\nstderr:\n" + tail(Files.readString(err)));
            }
            return new Command(List.copyOf(argv), p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static boolean installed(String binary) {
        return Files.isExecutable(Path.of(binary));
    }

    private static String tail(String s) {
        return s.length() > 8000 ? "..." + s.substring(s.length() - 8000) : s;
    }
}
