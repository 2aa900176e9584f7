package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.ferry.server.tls.TestCa;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site whose upstream is reached through an HTTP proxy and presents a certificate from a private CA: with
 * HTTPS_PROXY ferry tunnels through the proxy (which sees the CONNECT) and trusts the upstream through
 * --upstream-ca; with the host in NO_PROXY it goes direct; without the CA bundle the upstream is not trusted.
 */
class UpstreamProxyIT {
    private static final String MODULE = "/github.com/pkg/errors/@v/v0.9.1.info";

    @TempDir
    Path tmp;

    @Test
    void upstreamThroughAConnectProxyWithAPrivateCaAndNoProxyBypassingIt() throws Exception {
        // a name other than localhost, so that only NO_PROXY can take it past the proxy; it must stay on loopback
        String host = InetAddress.getLocalHost().getHostName();
        InetAddress address = InetAddress.getByName(host);
        assumeTrue(address.isLoopbackAddress(), host + " resolves to " + address + ", not loopback");

        TestCa ca = new TestCa("site upstream CA");
        TestCa.Issued cert = ca.server(1, false, host);
        Path caFile = Files.writeString(tmp.resolve("ca.pem"), TestCa.pem(ca.certificate()));
        Path tree = Fixtures.goProxyTree();
        AtomicInteger served = new AtomicInteger();
        HttpsServer upstream = HttpsServer.create(new InetSocketAddress(address, 0), 16);
        upstream.setHttpsConfigurator(new HttpsConfigurator(serverContext(cert)));
        upstream.createContext("/", ex -> {
            Path file =
                    tree.resolve(ex.getRequestURI().getRawPath().substring(1)).normalize();
            if (!file.startsWith(tree) || !Files.isRegularFile(file)) {
                ex.sendResponseHeaders(404, -1);
            } else {
                served.incrementAndGet();
                byte[] body = Files.readAllBytes(file);
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        upstream.start();
        String upstreamUrl = "https://" + host + ":" + upstream.getAddress().getPort();
        byte[] expected = Files.readAllBytes(tree.resolve(MODULE.substring(1)));

        try (ConnectProxy proxy = new ConnectProxy();
                HttpClient http = HttpClient.newHttpClient()) {
            // through the proxy, trusting the private CA
            try (FerryProcess ferry =
                    ferry("a", Map.of("HTTPS_PROXY", proxy.url()), upstreamUrl, "--upstream-ca", caFile.toString())) {
                HttpResponse<byte[]> r = get(http, ferry.url() + MODULE);
                assertEquals(200, r.statusCode(), new String(r.body()));
                assertArrayEquals(expected, r.body());
            }
            assertEquals(
                    List.of(host + ":" + upstream.getAddress().getPort()),
                    proxy.connects().stream().distinct().toList());
            assertEquals(1, served.get());

            // NO_PROXY (lower case, as curl also reads it) takes the host past the proxy
            int connects = proxy.connects().size();
            try (FerryProcess ferry = ferry(
                    "b",
                    Map.of("https_proxy", proxy.url(), "no_proxy", "example.org," + host),
                    upstreamUrl,
                    "--upstream-ca",
                    caFile.toString())) {
                HttpResponse<byte[]> r = get(http, ferry.url() + MODULE);
                assertEquals(200, r.statusCode(), new String(r.body()));
                assertArrayEquals(expected, r.body());
            }
            assertEquals(connects, proxy.connects().size(), "no CONNECT for a NO_PROXY host");
            assertEquals(2, served.get());

            // without the CA bundle the private CA is not trusted: an upstream failure, nothing served
            try (FerryProcess ferry =
                    ferry("c", Map.of("HTTPS_PROXY", proxy.url()), upstreamUrl, "--upstream-retry-attempts", "1")) {
                HttpResponse<byte[]> r = get(http, ferry.url() + MODULE);
                assertTrue(r.statusCode() == 502 || r.statusCode() == 503, r.statusCode() + " " + new String(r.body()));
            }
            assertTrue(proxy.connects().size() > connects, "the untrusted attempt went through the proxy too");
            assertEquals(2, served.get(), "the TLS handshake failed before any request");
        } finally {
            upstream.stop(0);
        }
    }

    private FerryProcess ferry(String name, Map<String, String> env, String upstream, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--go-upstream", upstream, "--sumdb", "off"));
        args.addAll(List.of(more));
        return FerryProcess.start(
                tmp.resolve("data-" + name), tmp.resolve("ferry-" + name + ".log"), env, args.toArray(String[]::new));
    }

    private static HttpResponse<byte[]> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static SSLContext serverContext(TestCa.Issued cert) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", cert.key(), new char[0], new X509Certificate[] {cert.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }
}
