package dev.ferry.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A registry as one cluster node sees it: forwards GET and HEAD to the real registry (Debian's docker-registry)
 * and notes each request, so a test knows which node asked the upstream for what, and can kill that node while
 * its fetch is under way (the hook runs before the request is forwarded).
 */
final class RegistryTap implements AutoCloseable {
    private static final Set<String> PASSED = Set.of("accept", "range", "authorization");
    private static final Set<String> RETURNED =
            Set.of("content-type", "docker-content-digest", "etag", "www-authenticate", "location", "content-range");

    /** One request: the node, method and path (no query). */
    record Request(int node, String method, String path) {}

    private final int node;
    private final String registry;
    private final HttpServer server;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Request> requests;
    private volatile Consumer<Request> hook = r -> {};

    RegistryTap(int node, String registry, List<Request> requests) throws IOException {
        this.node = node;
        this.registry = registry;
        this.requests = requests;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** Taps for {@code nodes} nodes sharing one request list. */
    static List<RegistryTap> forNodes(int nodes, String registry) throws IOException {
        List<Request> shared = new CopyOnWriteArrayList<>();
        List<RegistryTap> taps = new java.util.ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            taps.add(new RegistryTap(i, registry, shared));
        }
        return taps;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    void hook(Consumer<Request> hook) {
        this.hook = hook;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            Request r = new Request(node, method, ex.getRequestURI().getRawPath());
            requests.add(r);
            hook.accept(r);
            if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(
                            URI.create(registry + ex.getRequestURI().toString()))
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(60));
            ex.getRequestHeaders().forEach((name, values) -> {
                if (PASSED.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(v -> b.header(name, v));
                }
            });
            HttpResponse<InputStream> answer;
            try {
                answer = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            answer.headers().map().forEach((name, values) -> {
                if (RETURNED.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(v -> ex.getResponseHeaders().add(name, v));
                }
            });
            long length = answer.headers().firstValueAsLong("content-length").orElse(-1);
            if (method.equals("HEAD")) {
                if (length > 0) {
                    ex.getResponseHeaders().set("Content-Length", Long.toString(length));
                }
                ex.sendResponseHeaders(answer.statusCode(), -1);
                answer.body().close();
                return;
            }
            // JDK HttpServer: -1 is an empty body, 0 an unknown length (chunked)
            ex.sendResponseHeaders(answer.statusCode(), length > 0 ? length : (length == 0 ? -1 : 0));
            try (InputStream in = answer.body();
                    OutputStream out = ex.getResponseBody()) {
                in.transferTo(out);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        http.close();
    }
}
