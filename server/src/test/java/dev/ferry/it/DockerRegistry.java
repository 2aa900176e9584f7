package dev.ferry.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Debian's {@code docker-registry} (CNCF distribution 2.8), started on a free loopback port with a config of its
 * own, standing in for Docker Hub as an upstream. Optionally behind htpasswd (Basic) auth. It can be stopped and
 * started again on the same port and storage, so tests can take "upstream down" and bring it back. Its access
 * log (Apache combined format on its output) is how tests count what the upstream was asked.
 */
final class DockerRegistry implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/docker-registry");

    private final Path dir;
    private final int port;
    private final String user;
    private final String password;
    private Process process;

    /**
     * Writes the config into {@code dir} and starts the registry.
     *
     * @param user null for an open registry; else the one htpasswd (bcrypt) user it accepts
     */
    DockerRegistry(Path dir, String user, String password) throws IOException, InterruptedException {
        this.dir = Files.createDirectories(dir);
        this.port = freePort();
        this.user = user;
        this.password = password;
        StringBuilder yaml = new StringBuilder("""
                version: 0.1
                log: { level: warn }
                storage: { filesystem: { rootdirectory: %s }, delete: { enabled: true } }
                http: { addr: 127.0.0.1:%d, secret: ferry-it }
                """.formatted(dir.resolve("data"), port));
        if (user != null) {
            Path htpasswd = dir.resolve("htpasswd");
            Files.writeString(htpasswd, Htpasswd.bcryptLine(user, password));
            yaml.append("auth: { htpasswd: { realm: ferry-it-upstream, path: %s } }\n".formatted(htpasswd));
        }
        Files.writeString(dir.resolve("config.yml"), yaml);
        start();
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** {@code 127.0.0.1:PORT}, as skopeo and push.sh want it. */
    String hostPort() {
        return "127.0.0.1:" + port;
    }

    String url() {
        return "http://" + hostPort();
    }

    /** {@code user:password} for skopeo's --creds, or null. */
    String creds() {
        return user == null ? null : user + ":" + password;
    }

    /** The Authorization header value for direct requests, or null. */
    String authorization() {
        return user == null
                ? null
                : "Basic " + Base64.getEncoder().encodeToString(creds().getBytes(StandardCharsets.UTF_8));
    }

    /** Starts the process (again) on the same port and storage and waits until {@code /v2/} answers. */
    void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("docker-registry already running");
        }
        process = new ProcessBuilder(
                        BINARY.toString(), "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .start();
        awaitReady();
    }

    /** SIGTERM and wait for the exit; the port is then refused. */
    void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    Path log() {
        return dir.resolve("registry.log");
    }

    /**
     * The access-log request lines ({@code "GET /v2/... HTTP/1.1" 200}) answered so far whose method and path
     * match, path compared without its query string; each entry is the status code.
     */
    List<Integer> requests(String method, String path) throws IOException {
        Pattern line = Pattern.compile(
                "\"" + Pattern.quote(method) + " " + Pattern.quote(path) + "(\\?\\S*)? HTTP/[0-9.]+\" (\\d{3}) ");
        return Files.readAllLines(log(), StandardCharsets.UTF_8).stream()
                .map(line::matcher)
                .filter(m -> m.find())
                .map(m -> Integer.parseInt(m.group(2)))
                .toList();
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url() + "/v2/"))
                    .timeout(Duration.ofSeconds(5))
                    .build();
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            "docker-registry exited with " + process.exitValue() + ":\n" + Files.readString(log()));
                }
                try {
                    int status = http.send(req, HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                    if (status == 200 || status == 401) {
                        return;
                    }
                } catch (IOException notYet) {
                    // connection refused until it listens
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException(
                            "docker-registry not answering /v2/ within 30s:\n" + Files.readString(log()));
                }
                Thread.sleep(50); // polling interval, bounded by the deadline above
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
