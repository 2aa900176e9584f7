package dev.ferry.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A git server on loopback for private-module tests: Debian's {@code git http-backend} run as a CGI program behind
 * the JDK's HttpServer on 127.0.0.1 (smart HTTP, as GitLab or Gitea serve it), with optional Basic auth, serving
 * bare repositories the test creates under its own directory; plus the go-import answer for vanity module paths.
 *
 * <p>Why it is also an HTTP proxy. A module path cannot carry a port (module.CheckPath allows no ':'), so the go
 * command always asks {@code https://HOST/PATH?go-get=1} or {@code http://HOST/PATH?go-get=1} on port 443 or 80.
 * Tests may not bind those, nor edit /etc/hosts, so the vanity host is a name under the reserved {@code .test} TLD
 * that does not resolve, {@link #VANITY_HOST}, and the go command and git are pointed at this server as their
 * HTTP proxy ({@link #proxyEnvironment()}): it answers absolute-form requests for that host itself.
 *
 * <p>What Debian's go 1.19 does with http, checked with this server: without GOINSECURE the vanity lookup is
 * https only, and a host that cannot be reached over https fails ("unrecognized import path ... https fetch:
 * ... no such host"); nothing is asked over http. With the host in GOINSECURE the go command first tries https,
 * and on any error (here: the name does not resolve, HTTPS_PROXY is unset) asks http://HOST/PATH?go-get=1, takes
 * the meta tag, and accepts an {@code http://} repository URL in it; git then clones over http through the same
 * proxy (git's libcurl reads only the lower-case {@code http_proxy} for http URLs, the go command either case).
 * GOPRIVATE keeps the public proxy and checksum database out of it; GOVCS's default lets private paths use git.
 * Behind Basic auth, git with GIT_TERMINAL_PROMPT=0 fails naming the URL's host ("could not read Username for
 * 'http://HOST': terminal prompts disabled") and succeeds with a {@code .netrc} in HOME. LoopbackGitServerTest
 * pins each of these.
 */
final class LoopbackGitServer implements AutoCloseable {
    /** The vanity host: reserved TLD (RFC 2606), so it can never reach a real server if the proxy is bypassed. */
    static final String VANITY_HOST = "git.ferry.test";

    private static final Duration CGI_DEADLINE = Duration.ofSeconds(60);

    private final Path root;
    private final HttpServer http;
    private final String authorization;
    private final Map<String, String> vanity = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private LoopbackGitServer(Path root, String user, String password) throws IOException {
        this.root = root;
        this.authorization = user == null
                ? null
                : "Basic "
                        + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        Files.createDirectories(root);
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/", this::handle);
        http.start();
    }

    /** Without authentication. */
    static LoopbackGitServer start(Path root) throws IOException {
        return new LoopbackGitServer(root, null, null);
    }

    /** Every git request needs these Basic credentials (the go-import answer does not, as on GitLab). */
    static LoopbackGitServer start(Path root, String user, String password) throws IOException {
        return new LoopbackGitServer(root, user, password);
    }

    /** An empty bare repository {@code NAME.git}; push to it with {@link #repositoryDirectory}. */
    Path bareRepository(String name) throws IOException, InterruptedException {
        Path dir = repositoryDirectory(name);
        git(root, "init", "--quiet", "--bare", dir.toString());
        return dir;
    }

    Path repositoryDirectory(String name) {
        return root.resolve(name + ".git");
    }

    /** The repository's URL as the go-import answer names it (reached through this server as proxy). */
    String repositoryUrl(String name) {
        return "http://" + VANITY_HOST + "/" + name + ".git";
    }

    /** Answers {@code ?go-get=1} for {@code modulePath} (on {@link #VANITY_HOST}) with repository {@code name}. */
    void vanity(String modulePath, String name) {
        if (!modulePath.startsWith(VANITY_HOST + "/")) {
            throw new IllegalArgumentException(modulePath + " is not on " + VANITY_HOST);
        }
        vanity.put(modulePath, name);
    }

    String proxyUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    /** The environment that sends the go command's and git's requests for the vanity host here. */
    Map<String, String> proxyEnvironment() {
        return Map.of(
                "http_proxy", proxyUrl(),
                "HTTP_PROXY", proxyUrl(),
                "https_proxy", "",
                "HTTPS_PROXY", "",
                "no_proxy", "",
                "NO_PROXY", "");
    }

    /** Every request received, as "METHOD URI" (absolute-form when it came as a proxy request), in order. */
    List<String> requests() {
        return List.copyOf(requests);
    }

    private boolean closed;

    /** Stops answering (a second call does nothing): tests stop the origin mid-way to show ferry no longer needs it. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            http.stop(0);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            String host = exchange.getRequestURI().getHost();
            if (host == null) {
                host = exchange.getRequestHeaders().getFirst("Host");
            }
            if (host == null || !host.equals(VANITY_HOST)) {
                send(exchange, 404, "unknown host " + host + "\n");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getRawQuery();
            if ("go-get=1".equals(query)) {
                goImport(exchange, path);
            } else if (path.contains(".git/")) {
                if (authorization != null
                        && !authorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                    exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"git\"");
                    send(exchange, 401, "authentication required\n");
                    return;
                }
                cgi(exchange, path, query);
            } else {
                send(exchange, 404, "not a repository: " + path + "\n");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void goImport(HttpExchange exchange, String path) throws IOException {
        // The go command asks for each prefix of a package path; the module path (the meta's prefix) answers all.
        String asked = VANITY_HOST + path;
        for (var e : vanity.entrySet()) {
            if (asked.equals(e.getKey()) || asked.startsWith(e.getKey() + "/")) {
                String meta = "<!DOCTYPE html><html><head><meta name=\"go-import\" content=\"" + e.getKey() + " git "
                        + repositoryUrl(e.getValue()) + "\"></head><body></body></html>\n";
                exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
                send(exchange, 200, meta);
                return;
            }
        }
        send(exchange, 404, "no module at " + asked + "\n");
    }

    private void cgi(HttpExchange exchange, String path, String query) throws IOException, InterruptedException {
        // Read whole so CONTENT_LENGTH is exact: git may send a chunked POST, which a CGI program cannot frame.
        byte[] body = exchange.getRequestBody().readAllBytes();
        var headers = exchange.getRequestHeaders();
        ProcessBuilder pb = new ProcessBuilder(List.of("git", "http-backend"))
                .redirectError(ProcessBuilder.Redirect.appendTo(
                        root.resolve("http-backend.log").toFile()));
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/bin:/bin");
        env.put("HOME", root.toString());
        env.put("GIT_PROJECT_ROOT", root.toString());
        env.put("GIT_HTTP_EXPORT_ALL", "1");
        env.put("GATEWAY_INTERFACE", "CGI/1.1");
        env.put("SERVER_PROTOCOL", "HTTP/1.1");
        env.put("REQUEST_METHOD", exchange.getRequestMethod());
        env.put("PATH_INFO", path);
        env.put("QUERY_STRING", query == null ? "" : query);
        env.put("REMOTE_ADDR", "127.0.0.1");
        env.put("CONTENT_LENGTH", Integer.toString(body.length));
        if (authorization != null) {
            env.put("REMOTE_USER", "git");
        }
        putHeader(env, "CONTENT_TYPE", headers.getFirst("Content-Type"));
        putHeader(env, "HTTP_CONTENT_ENCODING", headers.getFirst("Content-Encoding"));
        putHeader(env, "HTTP_GIT_PROTOCOL", headers.getFirst("Git-Protocol"));
        Process p = pb.start();
        Thread writer = Thread.ofVirtual().start(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(body);
            } catch (IOException ignored) {
                // The backend stopped reading: its exit status and output say why.
            }
        });
        try (InputStream out = p.getInputStream()) {
            int status = 200;
            String line;
            while (!(line = headerLine(out)).isEmpty()) {
                int colon = line.indexOf(':');
                String name = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Status")) {
                    status = Integer.parseInt(value.substring(0, 3));
                } else {
                    exchange.getResponseHeaders().add(name, value);
                }
            }
            exchange.sendResponseHeaders(status, 0);
            try (OutputStream response = exchange.getResponseBody()) {
                out.transferTo(response);
            }
        } finally {
            writer.join();
            if (!p.waitFor(CGI_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static void putHeader(Map<String, String> env, String name, String value) {
        if (value != null) {
            env.put(name, value);
        }
    }

    private static String headerLine(InputStream in) throws IOException {
        var line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static void send(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** The untagged commit on top of a module's releases: its hash and its commit time (UTC, yyyyMMddHHmmss). */
    record Head(String hash, String time) {
        /** The pseudo-version the go command gives it after {@code v1.2.0}: v1.2.1-0.TIME-HASH12. */
        String pseudoVersion() {
            return "v1.2.1-0." + time + "-" + hash.substring(0, 12);
        }
    }

    /**
     * Module {@code module} (on the vanity host) in a new repository {@code name} here: v1.0.0, v1.1.0 and v1.2.0,
     * each a lib.go with {@code const Version} and {@code libExtra} after it, and one untagged commit on top;
     * {@code goModExtra} is appended to its go.mod (a require line). {@code work} is an empty directory.
     */
    Head privateModule(Path work, String module, String name, String goModExtra, String libImports, String libExtra)
            throws IOException, InterruptedException {
        Path bare = bareRepository(name);
        vanity(module, name);
        Files.createDirectories(work);
        git(work, "init", "--quiet", "-b", "main");
        Files.writeString(work.resolve("go.mod"), "module " + module + "\n\ngo 1.19\n" + goModExtra);
        for (String v : List.of("1.0.0", "1.1.0", "1.2.0")) {
            Files.writeString(
                    work.resolve("lib.go"),
                    "package lib\n\n" + libImports + "const Version = \"" + v + "\"\n" + libExtra);
            git(work, "add", "-A");
            git(work, "commit", "--quiet", "-m", "release " + v);
            git(work, "tag", "v" + v);
        }
        Files.writeString(work.resolve("lib.go"), "package lib\n\nconst Version = \"unreleased\"\n");
        git(work, "commit", "--quiet", "-am", "after 1.2.0");
        git(work, "push", "--quiet", bare.toString(), "main", "--tags");
        Command rev = Command.run(
                Duration.ofSeconds(30),
                work,
                Map.of("TZ", "UTC"),
                List.of("git", "show", "-s", "--format=%H %cd", "--date=format-local:%Y%m%d%H%M%S", "HEAD"));
        if (!rev.ok()) {
            throw new AssertionError(rev.toString());
        }
        String[] parts = rev.out().trim().split(" ");
        return new Head(parts[0], parts[1]);
    }

    /** Runs git in {@code dir} with a fixed identity and no user or system configuration. */
    static void git(Path dir, String... args) throws IOException, InterruptedException {
        var argv = new java.util.ArrayList<String>(List.of("git"));
        argv.addAll(List.of(args));
        Command c = Command.run(
                Duration.ofSeconds(60),
                dir,
                Map.of(
                        "GIT_CONFIG_NOSYSTEM", "1",
                        "GIT_CONFIG_GLOBAL", "/dev/null",
                        "GIT_AUTHOR_NAME", "ferry test",
                        "GIT_AUTHOR_EMAIL", "test@ferry.test",
                        "GIT_COMMITTER_NAME", "ferry test",
                        "GIT_COMMITTER_EMAIL", "test@ferry.test",
                        "GIT_TERMINAL_PROMPT", "0"),
                argv);
        if (!c.ok()) {
            throw new AssertionError(c.toString());
        }
    }
}
