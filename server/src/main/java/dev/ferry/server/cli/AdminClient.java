package dev.ferry.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.admin.AdminAuth;
import dev.ferry.server.admin.api.AdminJson;
import dev.ferry.server.admin.api.ApiError;
import dev.ferry.server.outbound.UpstreamTrust;
import dev.ferry.server.tls.PemFiles;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The CLI's side of {@code /admin/api/}: the API's request records sent as JSON with the admin token, the answers
 * read into its response records, and failures turned into one readable sentence and an exit status
 * ({@link Failure}).
 */
final class AdminClient {
    static final String DEFAULT_SERVER = "http://127.0.0.1:8080";

    /** Something the CLI reports as "ferry: MESSAGE" and exits with {@code exit}. */
    static final class Failure extends Exception {
        final int exit;

        Failure(String message, int exit) {
            super(message);
            this.exit = exit;
        }
    }

    /** How the user names the server, for the hint when it cannot be reached. */
    private static final String SERVER_HINT = "is it running? (--server URL)";
    /** The same for one node of a --cluster command. */
    private static final String NODE_HINT =
            "is the node running? (--cluster reaches each node of --node URL,..." + " or env FERRY_PEERS)";

    private final URI server;
    private final String token;
    private final HttpClient http;
    private final String what;
    private final String hint;

    AdminClient(URI server, String token) {
        this(server, token, null);
    }

    /** With {@code tls} (null: the JDK's default) for an https:// server. */
    AdminClient(URI server, String token, SSLContext tls) {
        this(server, token, tls, "ferry at ", SERVER_HINT);
    }

    /** For one node of a {@code --cluster} command: its failures name the node and the flags that list the nodes. */
    static AdminClient clusterNode(URI node, String token, SSLContext tls) {
        return new AdminClient(node, token, tls, "the ferry node ", NODE_HINT);
    }

    private AdminClient(URI server, String token, SSLContext tls, String what, String hint) {
        this.what = what;
        this.hint = hint;
        this.server = server;
        this.token = token;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (tls != null) {
            b.sslContext(tls);
        }
        this.http = b.build();
    }

    /**
     * From the common options: the token from {@code --admin-token}, else FERRY_ADMIN_TOKEN, else the token file of
     * {@code --data DIR} (else of FERRY_DATA, else ./ferry-data, when that file exists).
     */
    static AdminClient of(AdminOptions o, Map<String, String> env) throws Failure {
        String url = o.server != null ? o.server : env.getOrDefault("FERRY_SERVER", DEFAULT_SERVER);
        return new AdminClient(server("--server", url), token(o, env), tls(o, env));
    }

    /** {@code url} as an http(s)://HOST:PORT base without a trailing slash, or a usage error naming {@code option}. */
    static URI server(String option, String url) throws Failure {
        try {
            URI server = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            if (server.getScheme() == null || !server.getScheme().matches("https?") || server.getHost() == null) {
                throw new IllegalArgumentException("want http://HOST:PORT");
            }
            return server;
        } catch (IllegalArgumentException e) {
            throw new Failure("invalid " + option + " " + url + ": " + e.getMessage(), 2);
        }
    }

    /**
     * The TLS of {@code --ca-cert} and {@code --client-cert}/{@code --client-key} (else FERRY_CA_CERT,
     * FERRY_CLIENT_CERT, FERRY_CLIENT_KEY), built as for upstreams (the JDK's CAs plus the bundle); null when none is
     * given. A file that cannot be used is a usage error naming it.
     */
    static SSLContext tls(AdminOptions o, Map<String, String> env) throws Failure {
        Path ca = o.caCert != null ? o.caCert : pathFromEnv(env, "FERRY_CA_CERT");
        Path cert = o.clientCert != null ? o.clientCert : pathFromEnv(env, "FERRY_CLIENT_CERT");
        Path key = o.clientKey != null ? o.clientKey : pathFromEnv(env, "FERRY_CLIENT_KEY");
        if ((cert == null) != (key == null)) {
            throw new Failure(
                    cert == null
                            ? "--client-key " + key + " needs --client-cert FILE (env FERRY_CLIENT_CERT)"
                            : "--client-cert " + cert + " needs --client-key FILE (env FERRY_CLIENT_KEY)",
                    2);
        }
        if (ca == null && cert == null) {
            return null;
        }
        if (ca != null) {
            usable("--ca-cert", ca);
        }
        PemFiles.KeyAndChain identity = null;
        if (cert != null) {
            usable("--client-cert", cert);
            usable("--client-key", key);
            try {
                identity = PemFiles.keyAndChain(cert, key);
            } catch (IOException e) {
                throw new Failure("--client-cert " + cert + " --client-key " + key + ": " + describe(e), 2);
            }
        }
        try {
            return UpstreamTrust.client(ca, identity);
        } catch (IOException e) {
            // the bundle's certificates are read first, so a failure with a bundle given is most likely its own
            throw new Failure((ca != null ? "--ca-cert " + ca : "--client-cert " + cert) + ": " + describe(e), 2);
        }
    }

    private static Path pathFromEnv(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : Path.of(v.strip());
    }

    /** A readable file, or a usage error naming {@code option} and the file. */
    private static void usable(String option, Path file) throws Failure {
        if (!Files.isRegularFile(file)) {
            throw new Failure(option + " " + file + ": no such file", 2);
        }
        if (!Files.isReadable(file)) {
            throw new Failure(option + " " + file + ": not readable (permission denied)", 2);
        }
    }

    static String token(AdminOptions o, Map<String, String> env) throws Failure {
        if (o.adminToken != null && !o.adminToken.isBlank()) {
            return o.adminToken.strip();
        }
        String fromEnv = env.get("FERRY_ADMIN_TOKEN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        Path file;
        if (o.data != null) {
            file = o.data.resolve(AdminAuth.TOKEN_FILE);
            if (!Files.isRegularFile(file)) {
                throw new Failure(
                        "no admin token: " + file + " does not exist (is --data the server's data directory?)", 2);
            }
        } else {
            file = Path.of(env.getOrDefault("FERRY_DATA", "ferry-data")).resolve(AdminAuth.TOKEN_FILE);
            if (!Files.isRegularFile(file)) {
                throw new Failure(
                        "no admin token: pass --admin-token, set FERRY_ADMIN_TOKEN, or --data DIR of the"
                                + " server (its DIR/admin-token)",
                        2);
            }
        }
        try {
            String t = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (t.isEmpty()) {
                throw new Failure("the admin token file " + file + " is empty", 2);
            }
            return t;
        } catch (IOException e) {
            throw new Failure("cannot read the admin token from " + file + ": " + e.getMessage(), 2);
        }
    }

    URI server() {
        return server;
    }

    /** {@code GET path}, its answer read into {@code type}. */
    <T> T get(String path, Class<T> type) throws Failure {
        return read(path, send("GET", path, null), type);
    }

    /** {@code GET path}, its answer as sent (for --json). */
    JsonNode get(String path) throws Failure {
        return send("GET", path, null);
    }

    /** {@code POST path} with {@code body} (a request record) as JSON, the answer read into {@code type}. */
    <T> T post(String path, Object body, Class<T> type) throws Failure {
        return read(path, send("POST", path, body), type);
    }

    /** {@code DELETE path}, with {@code body} as JSON unless null, the answer read into {@code type}. */
    <T> T delete(String path, Object body, Class<T> type) throws Failure {
        return read(path, send("DELETE", path, body), type);
    }

    private <T> T read(String path, JsonNode answer, Class<T> type) throws Failure {
        try {
            return AdminJson.read(answer, type);
        } catch (JsonProcessingException e) {
            throw new Failure(
                    server + " answered " + path + " with JSON this ferry cannot read: " + e.getOriginalMessage(), 1);
        }
    }

    private JsonNode send(String method, String path, Object body) throws Failure {
        URI uri = URI.create(server + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
        if (body != null) {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofString(AdminJson.write(body), StandardCharsets.UTF_8));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<byte[]> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new Failure("cannot reach " + what + server + " (" + describe(e) + "); " + hint, 1);
        } catch (IOException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SSLException ssl) {
                    throw new Failure(tlsFailure(ssl), 1);
                }
            }
            throw new Failure("request to " + server + " failed: " + describe(e), 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted", 1);
        }
        JsonNode json = null;
        try {
            json = r.body().length == 0 ? null : AdminJson.parse(r.body());
        } catch (IOException e) {
            // not JSON: reported below by status
        }
        int s = r.statusCode();
        if (s >= 200 && s < 300 && json != null) {
            return json;
        }
        ApiError error = error(json);
        String message = error != null && error.message() != null
                ? error.message()
                : new String(r.body(), StandardCharsets.UTF_8).strip();
        if (s == 401) {
            throw new Failure(
                    "ferry at " + server + " refused the admin token (401): check --admin-token,"
                            + " FERRY_ADMIN_TOKEN or --data",
                    1);
        }
        StringBuilder text = new StringBuilder(message.isEmpty() ? "HTTP " + s : message);
        if (error != null && error.details() != null && error.details().isArray()) {
            // Errors by line (a mirror set's) or as text (invalid items).
            for (JsonNode d : error.details()) {
                text.append("\n  ")
                        .append(d.isObject() && d.has("text") ? d.get("text").asText() : d.asText());
            }
        }
        if (s == 403 && message.contains("client certificate")) {
            throw new Failure(
                    "ferry at " + server + " refused the request (403): " + message
                            + "; pass --client-cert FILE --client-key FILE (env FERRY_CLIENT_CERT, FERRY_CLIENT_KEY)",
                    1);
        }
        if (s == 404 && json == null) {
            throw new Failure(server + " has no admin API at " + path + " (is it ferry?)", 1);
        }
        throw new Failure(text.toString(), s == 400 ? 2 : 1);
    }

    /** A refusal's body, or null when the answer is no JSON object. */
    private static ApiError error(JsonNode json) {
        if (json == null || !json.isObject()) {
            return null;
        }
        try {
            return AdminJson.read(json, ApiError.class);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /**
     * One sentence for a failed handshake: a certificate this machine does not trust (the usual case with a private
     * CA) says which option fixes it.
     */
    private String tlsFailure(SSLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertPathBuilderException
                    || t instanceof CertPathValidatorException
                    || t instanceof CertificateException) {
                return "cannot trust the TLS certificate of ferry at " + server + " (" + describe(e)
                        + "): pass the CA that signed it with --ca-cert FILE (env FERRY_CA_CERT)";
            }
        }
        return "TLS handshake with ferry at " + server + " failed: " + describe(e)
                + " (check --ca-cert, and --client-cert/--client-key if it requires a client certificate)";
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
