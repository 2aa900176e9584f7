package dev.ferry.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The static GOPROXY tree (the gocorpus fixture) as one upstream for a whole cluster: node {@code i} is given
 * {@code URL/nI} as its upstream, so every request says which node made it. Counts every request by file and node,
 * and can run a hook before answering one (to kill a node while its fetch is under way).
 */
final class ClusterUpstream implements AutoCloseable {
    private static final Pattern NODE_PATH = Pattern.compile("^/n(\\d+)(/.*)$");

    /** One request: the node that made it, the file's path (without /nI), the status answered. */
    record Request(int node, String path, int status) {}

    private final Path root;
    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Consumer<Request> hook = r -> {};

    ClusterUpstream(Path root) throws IOException {
        this.root = root;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** The upstream URL node {@code i} is given. */
    String urlFor(int node) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/n" + node;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Runs before each request is answered (with the status it is about to get), on that request's thread. */
    void hook(Consumer<Request> hook) {
        this.hook = hook;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            Matcher m = NODE_PATH.matcher(ex.getRequestURI().getPath());
            if (!m.matches() || m.group(2).contains("/../")) {
                ex.sendResponseHeaders(400, -1);
                return;
            }
            int node = Integer.parseInt(m.group(1));
            String path = m.group(2);
            Path file = root.resolve(path.substring(1)).normalize();
            boolean found = file.startsWith(root) && Files.isRegularFile(file);
            Request r = new Request(node, path, found ? 200 : 404);
            requests.add(r);
            hook.accept(r);
            if (!found) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(200, head ? -1 : Files.size(file));
            if (!head) {
                try (InputStream in = Files.newInputStream(file);
                        OutputStream out = ex.getResponseBody()) {
                    in.transferTo(out);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
