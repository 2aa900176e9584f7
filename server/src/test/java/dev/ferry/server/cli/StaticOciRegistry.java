package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A read-only registry over loopback serving an OCI image layout's blobs by digest (any repository name): what a
 * dumb upstream does for pulls by digest. Records the paths it was asked for.
 */
final class StaticOciRegistry implements AutoCloseable {
    private static final Pattern PATH = Pattern.compile("/v2/(.+)/(manifests|blobs)/sha256:([0-9a-f]{64})");

    private final Path layout;
    private final HttpServer server;
    final List<String> asked = new CopyOnWriteArrayList<>();

    StaticOciRegistry(Path layout) throws IOException {
        this.layout = layout;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            asked.add(ex.getRequestMethod() + " " + path);
            boolean head = ex.getRequestMethod().equals("HEAD");
            if (path.equals("/v2/")) {
                ex.sendResponseHeaders(200, -1);
                return;
            }
            Matcher m = PATH.matcher(path);
            Path file = m.matches() ? layout.resolve("blobs/sha256").resolve(m.group(3)) : null;
            if (file == null || !Files.isRegularFile(file)) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            byte[] bytes = Files.readAllBytes(file);
            String type = m.group(2).equals("manifests")
                    ? new ObjectMapper()
                            .readTree(bytes)
                            .path("mediaType")
                            .asText("application/vnd.oci.image.manifest.v1+json")
                    : "application/octet-stream";
            ex.getResponseHeaders().set("Content-Type", type);
            ex.getResponseHeaders().set("Docker-Content-Digest", "sha256:" + m.group(3));
            if (head) {
                ex.getResponseHeaders().set("Content-Length", Long.toString(bytes.length));
                ex.sendResponseHeaders(200, -1);
                return;
            }
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
