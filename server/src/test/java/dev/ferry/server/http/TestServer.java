package dev.ferry.server.http;

import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.go.GoModuleMirror;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.server.metrics.FerryMetrics;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/** The real Helidon server on a loopback port, around a mirror double. */
final class TestServer implements AutoCloseable {
    final FerryMetrics metrics = new FerryMetrics(null);
    final RecordingMirror mirror;
    final AtomicBoolean ready = new AtomicBoolean(true);
    final WebServer server;
    final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    TestServer(RecordingMirror mirror, GoProxyHandler.Parser parser) {
        this.mirror = mirror;
        FerryRoutes routes = new FerryRoutes(mirror, metrics, ready::get, parser);
        server = FerryHttpServer.create("127.0.0.1", 0, routes, Duration.ofSeconds(1))
                .start();
    }

    /** A mirror answering with {@code answers}, behind the real {@link ProxyRequest#parse}. */
    static TestServer answering(Function<ProxyRequest, GoAnswer> answers) {
        return new TestServer(new RecordingMirror(answers), ProxyRequest::parse);
    }

    /** A mirror that fails the test (and answers 500) if anything reaches it. */
    static TestServer refusingEverything() {
        return new TestServer(
                new RecordingMirror(r -> {
                    throw new AssertionError("bad input reached the mirror: " + r);
                }),
                ProxyRequest::parse);
    }

    URI uri(String rawPath) {
        return URI.create("http://127.0.0.1:" + server.port() + rawPath);
    }

    HttpResponse<byte[]> get(String rawPath, String... headers) throws IOException, InterruptedException {
        return send("GET", rawPath, headers);
    }

    HttpResponse<byte[]> send(String method, String rawPath, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(rawPath))
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
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

    /** Records the requests it is asked; answers with a function. */
    static class RecordingMirror implements GoModuleMirror {
        final List<ProxyRequest> asked = new CopyOnWriteArrayList<>();
        private final Function<ProxyRequest, GoAnswer> answers;

        RecordingMirror(Function<ProxyRequest, GoAnswer> answers) {
            this.answers = answers;
        }

        @Override
        public GoAnswer answer(ProxyRequest request) {
            asked.add(request);
            return answers.apply(request);
        }
    }
}
