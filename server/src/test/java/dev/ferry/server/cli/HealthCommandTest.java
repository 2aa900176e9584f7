package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.ferry.server.Ferry;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.ListenAddress;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry health}: the exit status a container healthcheck sees, against a real ferry. */
class HealthCommandTest {
    @TempDir
    Path tmp;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    int run(Map<String, String> env, String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        return FerryMain.run(
                args,
                env,
                (cfg, o, e) -> {
                    throw new AssertionError("nothing is served");
                },
                new PrintWriter(out, true),
                new PrintWriter(err, true));
    }

    @Test
    void exitsZeroWhileFerryIsReadyAndOneOnceItHasStopped() throws Exception {
        FerryConfig config = new FerryConfig(
                new ListenAddress("127.0.0.1", 0),
                tmp.resolve("data"),
                "off",
                new GoProxyList(List.of()),
                Duration.ofMinutes(5),
                Duration.ofMinutes(1),
                UpstreamTimeouts.defaults(),
                Level.INFO,
                false);
        String url;
        try (Ferry ferry = Ferry.start(config)) {
            url = ferry.url();
            assertEquals(0, run(Map.of(), "health", "--url", url + "/health/ready"), err.toString());
            assertTrue(out.toString().contains("/health/ready: ok"), out.toString());
            // Without --url: where FERRY_LISTEN says 'ferry serve' listens, as in the container image.
            assertEquals(0, run(Map.of("FERRY_LISTEN", "127.0.0.1:" + ferry.port()), "health"), err.toString());
            assertEquals(0, run(Map.of("FERRY_LISTEN", "0.0.0.0:" + ferry.port()), "health"), err.toString());
        }
        assertEquals(1, run(Map.of(), "health", "--url", url + "/health/ready", "--timeout", "2s"));
        assertTrue(err.toString().startsWith("ferry: " + url + "/health/ready: cannot connect"), err.toString());
    }

    /** A container with HTTPS: FERRY_TLS_CERT makes the default https, trusting the served certificate's chain. */
    @Test
    void withFerryTlsCertTheDefaultIsHttpsTrustingTheServedCertificate() throws Exception {
        dev.ferry.server.tls.TestCa ca = new dev.ferry.server.tls.TestCa("health CA");
        var served = ca.server(3, false, "ferry.corp.example");
        Path cert = java.nio.file.Files.writeString(
                tmp.resolve("tls.crt"), dev.ferry.server.tls.TestCa.pem(served.certificate(), ca.certificate()));
        Path key = java.nio.file.Files.writeString(
                tmp.resolve("tls.key"),
                dev.ferry.server.tls.TestCa.pem(served.key(), dev.ferry.server.tls.TestCa.KeyForm.PKCS8));
        Path stranger = java.nio.file.Files.writeString(
                tmp.resolve("other.crt"),
                dev.ferry.server.tls.TestCa.pem(new dev.ferry.server.tls.TestCa("other CA").certificate()));
        FerryConfig config = new FerryConfig(
                        new ListenAddress("127.0.0.1", 0),
                        tmp.resolve("data"),
                        "off",
                        new GoProxyList(List.of()),
                        Duration.ofMinutes(5),
                        Duration.ofMinutes(1),
                        UpstreamTimeouts.defaults(),
                        Level.INFO,
                        false)
                .withEdge(dev.ferry.server.config.EdgeSettings.defaults()
                        .withTls(new dev.ferry.server.config.TlsSettings(
                                cert,
                                key,
                                null,
                                dev.ferry.server.config.TlsSettings.ClientCertificates.NONE,
                                dev.ferry.server.config.TlsSettings.ClientCertificates.NONE,
                                null)));
        try (Ferry ferry = Ferry.start(config)) {
            assertTrue(ferry.url().startsWith("https://"), ferry.url());
            String listen = "127.0.0.1:" + ferry.port();
            assertEquals(
                    0,
                    run(Map.of("FERRY_LISTEN", listen, "FERRY_TLS_CERT", cert.toString()), "health"),
                    err.toString());
            assertTrue(out.toString().startsWith("https://127.0.0.1:"), out.toString());
            assertEquals(1, run(Map.of("FERRY_LISTEN", listen, "FERRY_TLS_CERT", stranger.toString()), "health"));
            assertEquals(1, run(Map.of("FERRY_LISTEN", listen), "health"), "plain http to an https listener");
            // an explicit https:// URL: the JDK's CAs, plus --ca-cert (or FERRY_CA_CERT)
            Path caFile = java.nio.file.Files.writeString(
                    tmp.resolve("ca.pem"), dev.ferry.server.tls.TestCa.pem(ca.certificate()));
            String ready = ferry.url() + "/health/ready";
            assertEquals(1, run(Map.of(), "health", "--url", ready), "a private CA is not among the JDK's");
            assertEquals(0, run(Map.of(), "health", "--url", ready, "--ca-cert", caFile.toString()), err.toString());
            assertEquals(0, run(Map.of("FERRY_CA_CERT", caFile.toString()), "health", "--url", ready), err.toString());
            assertEquals(1, run(Map.of(), "health", "--url", ready, "--ca-cert", stranger.toString()));
            Path missing = tmp.resolve("missing.pem");
            assertEquals(2, run(Map.of(), "health", "--url", ready, "--ca-cert", missing.toString()));
            assertTrue(err.toString().contains("--ca-cert " + missing + ": no such file"), err.toString());
        }
    }

    @Test
    void anAnswerOtherThan200IsUnhealthy() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/health/ready", x -> {
            byte[] body = "not ready\n".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(503, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/health/ready";
            assertEquals(1, run(Map.of(), "health", "--url", url));
            assertEquals(
                    "ferry: " + url + " answered 503 not ready", err.toString().strip());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aStalledServerIsUnhealthyAfterTheTimeout() throws Exception {
        // Accepts the connection and never answers.
        try (java.net.ServerSocket silent =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            assertEquals(
                    1,
                    run(
                            Map.of(),
                            "health",
                            "--url",
                            "http://127.0.0.1:" + silent.getLocalPort() + "/health/ready",
                            "--timeout",
                            "300ms"));
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos(), "it gave up rather than hang");
            assertTrue(err.toString().contains("timed out"), err.toString());
        }
    }

    @Test
    void theDefaultUrlFollowsFerryListen() {
        assertEquals("http://127.0.0.1:8080/health/ready", HealthCommand.defaultUrl(null));
        assertEquals("http://127.0.0.1:9000/health/ready", HealthCommand.defaultUrl(":9000"));
        assertEquals("http://[::1]:9000/health/ready", HealthCommand.defaultUrl("[::]:9000"));
        assertEquals("http://10.0.0.5:8081/health/ready", HealthCommand.defaultUrl("10.0.0.5:8081"));
        assertEquals(2, run(Map.of("FERRY_LISTEN", "127.0.0.1:0"), "health"));
        assertTrue(err.toString().contains("give --url"), err.toString());
        assertEquals(2, run(Map.of(), "health", "--url", "ftp://127.0.0.1/x"));
        assertEquals(2, run(Map.of(), "health", "--timeout", "soon"));
    }
}
