package dev.ferry.server.http;

import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.server.registryauth.RegistryAuth;
import dev.ferry.server.registryauth.RegistryUsers;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The real Helidon server and routes on a loopback port with two mirrored registries (docker.io, ghcr.io) and
 * hosted prefix "team", each a {@link FakeRegistry}.
 */
final class OciTestServer implements AutoCloseable {
    static final long MAX_UPLOAD = 1024 * 1024;

    final FerryMetrics metrics = new FerryMetrics(null);
    final FakeRegistry dockerHub = new FakeRegistry();
    final FakeRegistry ghcr = new FakeRegistry();
    final FakeRegistry hosted = new FakeRegistry();
    final WebServer server;
    final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    OciTestServer(RegistryAuth auth) {
        this(auth, dev.ferry.server.config.ListenerSettings.defaults());
    }

    OciTestServer(RegistryAuth auth, dev.ferry.server.config.ListenerSettings listener) {
        this(auth, listener, null);
    }

    /** With pull access control over {@code protect} (null: nothing protected). */
    OciTestServer(
            RegistryAuth auth,
            dev.ferry.server.config.ListenerSettings listener,
            dev.ferry.server.registryauth.ProtectedContent protect) {
        OciRouting routing = new OciRouting(
                Map.of("docker.io", dockerHub, "ghcr.io", ghcr),
                hosted,
                List.of("team"),
                "docker.io",
                auth,
                MAX_UPLOAD);
        FerryRoutes routes = new FerryRoutes(
                r -> {
                    throw new AssertionError("a /v2/ request reached the Go mirror: " + r);
                },
                List.of(),
                metrics,
                () -> true,
                dev.ferry.protocols.goproxy.ProxyRequest::parse,
                null,
                protect == null ? routing.handler() : routing.handler(new ClientAccess(auth, protect)));
        server = FerryHttpServer.create(
                        "127.0.0.1", 0, routes, Duration.ofSeconds(1), FerryHttpServer.UNLIMITED, listener)
                .start();
    }

    /** {@code htpasswd -nbB -C 4 alice secret} */
    static final String ALICE = "alice:$2y$04$/bTlFK1R8VW4an/u4ZphauFFhUrVAyi7TpbcUVWsM4ws5XQHGtpke";

    static final String ALICE_BASIC =
            "Basic " + java.util.Base64.getEncoder().encodeToString("alice:secret".getBytes());

    /** Anonymous pull of hosted repositories on; alice may push. */
    static OciTestServer anonymous() {
        return new OciTestServer(new RegistryAuth(users(), true, java.time.Clock.systemUTC()));
    }

    static RegistryUsers users() {
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("ferry-htpasswd", "");
            java.nio.file.Files.writeString(file, ALICE + "\n");
            RegistryUsers users = RegistryUsers.load(file);
            java.nio.file.Files.delete(file);
            return users;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Every call any target saw. */
    List<String> calls() {
        return java.util.stream.Stream.of(dockerHub.calls, ghcr.calls, hosted.calls)
                .flatMap(List::stream)
                .toList();
    }

    URI uri(String rawPath) {
        return URI.create("http://127.0.0.1:" + server.port() + rawPath);
    }

    HttpResponse<String> send(String method, String rawPath, byte[] body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(rawPath))
                .timeout(Duration.ofSeconds(10))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String rawPath, String... headers) throws IOException, InterruptedException {
        return send("GET", rawPath, null, headers);
    }

    /** Sends {@code request} verbatim on a fresh connection and returns everything until the server closes it. */
    String raw(String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
