package dev.ferry.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's HAProxy (2.6) in the foreground on loopback, with the configuration {@code ferry cluster
 * haproxy-config} wrote plus a stats listener, from which tests learn which nodes HAProxy holds up or down.
 */
final class HaproxyFront implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/sbin/haproxy");

    private final Process process;
    private final Path log;
    private final int statsPort;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private HaproxyFront(Process process, Path log, int statsPort) {
        this.process = process;
        this.log = log;
        this.statsPort = statsPort;
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** Checks {@code config} with {@code haproxy -c}, adds the stats listener and starts it. */
    static HaproxyFront start(Path dir, String config) throws IOException, InterruptedException {
        int stats = DockerRegistry.freePort();
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(
                file,
                config + "\nfrontend stats\n    bind 127.0.0.1:" + stats
                        + "\n    stats enable\n    stats uri /stats\n");
        Command check =
                Command.run(Duration.ofSeconds(30), java.util.List.of(BINARY.toString(), "-c", "-f", file.toString()));
        if (!check.ok()) {
            throw new AssertionError("haproxy -c refuses the configuration:\n" + check + "\n" + config);
        }
        Path log = dir.resolve("haproxy.log");
        Process p = new ProcessBuilder(BINARY.toString(), "-db", "-f", file.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return new HaproxyFront(p, log, stats);
    }

    /** Each server of the ferry backend and its state (UP, DOWN, "UP 1/2"...), from the stats CSV. */
    Map<String, String> servers() throws IOException, InterruptedException {
        String csv = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : csv.split("\n")) {
            String[] f = line.split(",", -1);
            if (f.length > 17 && f[0].equals("ferry_nodes") && !f[1].equals("BACKEND")) {
                out.put(f[1], f[17]);
            }
        }
        return out;
    }

    /** Waits (polling the stats, bounded) until HAProxy holds {@code server} in state {@code state}. */
    void awaitServer(String server, String state) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("haproxy exited:\n" + Files.readString(log));
            }
            Map<String, String> s;
            try {
                s = servers();
            } catch (IOException notYet) {
                s = Map.of();
            }
            if (state.equals(s.get(server))) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("haproxy did not hold " + server + " " + state + " within 60s: " + s);
            }
            Thread.sleep(100); // polling interval, bounded by the deadline above
        }
    }

    Path log() {
        return log;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
