package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Raw OCI distribution requests with the JDK's HttpClient, for what skopeo does not show: headers, status codes,
 * error bodies, chunked uploads. One base URL and one optional Authorization header; paths are sent as given.
 */
final class OciHttp implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final String base;
    private volatile String authorization;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    OciHttp(String base, String authorization) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.authorization = authorization;
    }

    String base() {
        return base;
    }

    void authorization(String value) {
        this.authorization = value;
    }

    HttpRequest.Builder request(String pathOrUrl) {
        String url = pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl;
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    /** Sends METHOD PATH with the body and header name/value pairs given. */
    HttpResponse<byte[]> send(String method, String path, HttpRequest.BodyPublisher body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path).method(method, body == null ? HttpRequest.BodyPublishers.noBody() : body);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
        return send("GET", path, null, headers);
    }

    HttpResponse<byte[]> head(String path, String... headers) throws IOException, InterruptedException {
        return http.send(
                withHeaders(request(path).method("HEAD", HttpRequest.BodyPublishers.noBody()), headers)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return http.send(request, handler);
    }

    HttpClient client() {
        return http;
    }

    /** Monolithic upload (POST, then PUT with the whole body and the digest); returns the digest. */
    String pushBlob(String repo, byte[] bytes) throws IOException, InterruptedException {
        return pushBlob(repo, HttpRequest.BodyPublishers.ofByteArray(bytes), OciFixtures.sha256(bytes));
    }

    String pushBlob(String repo, Path file) throws IOException, InterruptedException {
        return pushBlob(repo, HttpRequest.BodyPublishers.ofFile(file), OciFixtures.sha256(file));
    }

    private String pushBlob(String repo, HttpRequest.BodyPublisher body, String digest)
            throws IOException, InterruptedException {
        HttpResponse<byte[]> start = send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        assertEquals(202, start.statusCode(), () -> "POST uploads: " + text(start));
        String location = location(start);
        String sep = location.contains("?") ? "&" : "?";
        HttpResponse<byte[]> put =
                send("PUT", location + sep + "digest=" + enc(digest), body, "Content-Type", "application/octet-stream");
        assertEquals(201, put.statusCode(), () -> "PUT upload: " + text(put));
        return digest;
    }

    /** PUT of a manifest under a tag or digest; returns the digest of its bytes. */
    String putManifest(String repo, String reference, String mediaType, byte[] manifest)
            throws IOException, InterruptedException {
        HttpResponse<byte[]> r = send(
                "PUT",
                "/v2/" + repo + "/manifests/" + reference,
                HttpRequest.BodyPublishers.ofByteArray(manifest),
                "Content-Type",
                mediaType);
        assertEquals(201, r.statusCode(), () -> "PUT manifest " + repo + ":" + reference + ": " + text(r));
        return OciFixtures.sha256(manifest);
    }

    /** The Location header made absolute-path or absolute-URL as the server sent it. */
    static String location(HttpResponse<?> r) {
        return r.headers()
                .firstValue("Location")
                .orElseThrow(() -> new AssertionError("no Location header: " + r.headers()));
    }

    static String text(HttpResponse<byte[]> r) {
        return r.statusCode() + " " + r.headers().map() + " " + new String(r.body(), StandardCharsets.UTF_8);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static HttpRequest.Builder withHeaders(HttpRequest.Builder b, String... headers) {
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    @Override
    public void close() {
        http.close();
    }
}
