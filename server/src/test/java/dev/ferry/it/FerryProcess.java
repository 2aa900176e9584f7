package dev.ferry.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real ferry, started as its own process from the packaged jar exactly as a user's {@code ./ferry serve}
 * would, so tests cover the CLI, config and shutdown paths and can SIGKILL it.
 */
final class FerryProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("ferry ready on (https?://[^\\s/]+:\\d+)");
    private final Process process;
    private final URI base;
    private final List<String> output;

    private FerryProcess(Process process, URI base, List<String> output) {
        this.process = process;
        this.base = base;
        this.output = output;
    }

    /**
     * Waits until a line of output (since the start) matches {@code pattern}, woken by each new line; fails after
     * {@code limit}. Returns the match.
     */
    Matcher awaitOutput(Pattern pattern, java.time.Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (output) {
            int seen = 0;
            while (true) {
                for (; seen < output.size(); seen++) {
                    Matcher m = pattern.matcher(output.get(seen));
                    if (m.find()) {
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no output line matched " + pattern + " within " + limit + ":\n"
                            + String.join("\n", output));
                }
                TimeUnit.NANOSECONDS.timedWait(output, left);
            }
        }
    }

    /** The one bundle directory an export wrote under {@code out} (named STAMP-ID). */
    static Path bundleIn(Path out) throws IOException {
        java.util.regex.Pattern name = java.util.regex.Pattern.compile("^[0-9]{8}T[0-9]{6}Z-[0-9a-f]+$");
        try (java.util.stream.Stream<Path> s = Files.list(out)) {
            return s.filter(p -> name.matcher(p.getFileName().toString()).matches())
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no bundle under " + out));
        }
    }

    /**
     * A disconnected site's ferry: no upstream, the checksum database {@code sumdb} (its URL dead), bundles signed
     * by {@code trustKey} accepted from under {@code bundleRoot}, the admin token {@code token}.
     */
    static FerryProcess offline(Path data, Path log, String token, String sumdb, String trustKey, Path bundleRoot)
            throws IOException {
        return start(
                data,
                log,
                java.util.Map.of("FERRY_ADMIN_TOKEN", token),
                "--go-upstream",
                "off",
                "--sumdb",
                sumdb,
                "--trust-key",
                trustKey,
                "--bundle-root",
                bundleRoot.toString());
    }

    /** Every line of output so far. */
    List<String> output() {
        synchronized (output) {
            return List.copyOf(output);
        }
    }

    static Path jar() {
        Path jar = Path.of("target", "ferry-server.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no " + jar + ": run the integration tests with 'mvn verify'");
        }
        return jar;
    }

    /**
     * Where the build unpacked RocksDB's JNI library, on java.library.path as {@code ./ferry} puts it: RocksDB
     * loads it from there instead of unpacking a copy into /tmp per process.
     */
    static String libraryPath() {
        return "-Djava.library.path=" + Path.of("target", "native").toAbsolutePath();
    }

    /** Starts {@code ferry serve --listen 127.0.0.1:0 --data DATA ARGS...} and waits for its ready line. */
    static FerryProcess start(Path data, Path log, String... args) throws IOException {
        return start(data, log, java.util.Map.of(), args);
    }

    /** As {@link #start(Path, Path, String...)}, with environment variables added (credentials never go on argv). */
    static FerryProcess start(Path data, Path log, java.util.Map<String, String> env, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx512m",
                libraryPath(),
                "-jar",
                jar().toString(),
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--data",
                data.toString()));
        cmd.addAll(List.of(args));
        return launch(cmd, e -> e.putAll(env), log);
    }

    /**
     * Any command that starts a ferry and prints its ready line (the installed bin/ferry): with no FERRY_ variables
     * from this process, then {@code env} edits the environment.
     */
    static FerryProcess launch(
            List<String> cmd, java.util.function.Consumer<java.util.Map<String, String>> env, Path log)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("FERRY_"));
        env.accept(pb.environment());
        Process p = pb.start();
        CompletableFuture<URI> ready = new CompletableFuture<>();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread.ofPlatform().daemon().name("ferry-output").start(() -> {
            try (BufferedReader r =
                            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                    PrintWriter w = new PrintWriter(
                            Files.newBufferedWriter(
                                    log,
                                    StandardCharsets.UTF_8,
                                    java.nio.file.StandardOpenOption.CREATE,
                                    java.nio.file.StandardOpenOption.APPEND),
                            true)) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                    w.println(line);
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        ready.complete(URI.create(m.group(1)));
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(
                    new IllegalStateException("ferry exited before it was ready:\n" + String.join("\n", lines)));
        });
        try {
            URI base = ready.get(60, TimeUnit.SECONDS);
            return new FerryProcess(p, base, lines);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException(
                    "ferry did not become ready: " + e.getMessage() + "\n" + String.join("\n", lines), e);
        }
    }

    URI base() {
        return base;
    }

    String url() {
        String s = base.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook runs, as in a power cut or OOM kill. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then wait for a clean exit; returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("ferry did not stop within 30s of SIGTERM");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
