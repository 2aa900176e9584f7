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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain static file server over loopback, standing in for proxy.golang.org in end-to-end tests: serves a
 * GOPROXY tree (the shared gocorpus fixture, or one a test generates) and counts what it was asked.
 * Deliberately dumb, like the static mirrors users point ferry at.
 */
final class StaticGoProxy implements AutoCloseable {
    private final List<Path> roots;
    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> perPath = new ConcurrentHashMap<>();

    /** Bytes per second every body is sent at (headers at once), or 0 for full speed. */
    private final int drip;

    /** Serves the first root holding the asked path. */
    StaticGoProxy(Path... roots) throws IOException {
        this(0, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), roots);
    }

    /**
     * On another local address: a container network's gateway, the host's address as the containers on that
     * network reach it (ComposeClusterIT), on {@code port} (0: any). {@link #url()} still names loopback; use
     * {@link #port()}.
     */
    static StaticGoProxy on(InetAddress address, int port, Path... roots) throws IOException {
        return new StaticGoProxy(0, new InetSocketAddress(address, port), roots);
    }

    /**
     * A congested mirror: answers every request at once, then sends the body at {@code bytesPerSecond} in pieces
     * of 16 bytes (never a gap a stall timeout would catch).
     */
    static StaticGoProxy slow(int bytesPerSecond, Path... roots) throws IOException {
        return new StaticGoProxy(bytesPerSecond, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), roots);
    }

    private StaticGoProxy(int drip, InetSocketAddress address, Path... roots) throws IOException {
        this.drip = drip;
        this.roots = List.of(roots);
        server = HttpServer.create(address, 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int port() {
        return server.getAddress().getPort();
    }

    int requests() {
        return requests.get();
    }

    List<String> paths() {
        return List.copyOf(paths);
    }

    int requestsFor(String path) {
        AtomicInteger n = perPath.get(path);
        return n == null ? 0 : n.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            // Decoded like nginx does: the go command sends the case-encoding's '!' as %21.
            String raw = ex.getRequestURI().getPath();
            requests.incrementAndGet();
            paths.add(raw);
            perPath.computeIfAbsent(raw, k -> new AtomicInteger()).incrementAndGet();
            // A ".." segment is refused as nginx does; ".." inside an element (a valid module path) is just a file
            // that is not there.
            if (raw.contains("/../") || raw.endsWith("/..")) {
                ex.sendResponseHeaders(400, -1);
                return;
            }
            Path file = null;
            for (Path root : roots) {
                Path candidate = root.resolve(raw.substring(1)).normalize();
                if (candidate.startsWith(root) && Files.isRegularFile(candidate)) {
                    file = candidate;
                    break;
                }
            }
            if (file == null) {
                byte[] msg = ("not found: " + raw).getBytes();
                ex.sendResponseHeaders(404, msg.length);
                write(ex.getResponseBody(), msg);
                return;
            }
            long size = Files.size(file);
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(200, head ? -1 : size);
            if (!head) {
                try (InputStream in = Files.newInputStream(file);
                        OutputStream out = ex.getResponseBody()) {
                    if (drip > 0) {
                        write(out, in.readAllBytes());
                    } else {
                        in.transferTo(out);
                    }
                }
            }
        }
    }

    private void write(OutputStream out, byte[] body) throws IOException {
        if (drip <= 0) {
            out.write(body);
            return;
        }
        long pause = 16_000L / drip;
        for (int i = 0; i < body.length; i += 16) {
            out.write(body, i, Math.min(16, body.length - i));
            out.flush();
            try {
                // The fault being staged (a throttled link), not synchronisation.
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
