package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.Ferry;
import dev.ferry.server.config.EdgeSettings;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.ListenAddress;
import dev.ferry.server.config.TlsSettings;
import dev.ferry.server.config.TlsSettings.ClientCertificates;
import dev.ferry.server.tls.TestCa;
import dev.ferry.server.tls.TestCa.KeyForm;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin commands against a real ferry serving HTTPS with a certificate from a CA made up here: refused with a
 * sentence about trust without {@code --ca-cert}, answered with it; with admin client certificates required,
 * answered only with {@code --client-cert}/{@code --client-key}; unusable files are usage errors naming them.
 */
class AdminTlsTest {
    @TempDir
    Path tmp;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    TestCa ca;
    TestCa clients;
    Path cert;
    Path key;
    Path caFile;
    Path clientCa;
    Path adminCert;
    Path adminKey;

    @BeforeEach
    void certificates() throws Exception {
        ca = new TestCa("admin CLI test CA");
        clients = new TestCa("admin CLI client CA");
        TestCa.Issued served = ca.server(0x2001, false);
        cert = Files.writeString(tmp.resolve("tls.crt"), TestCa.pem(served.certificate(), ca.certificate()));
        key = Files.writeString(tmp.resolve("tls.key"), TestCa.pem(served.key(), KeyForm.PKCS8));
        caFile = Files.writeString(tmp.resolve("ca.pem"), TestCa.pem(ca.certificate()));
        clientCa = Files.writeString(tmp.resolve("client-ca.pem"), TestCa.pem(clients.certificate()));
        TestCa.Issued admin = clients.client(11, "ferry-admin");
        adminCert = Files.writeString(tmp.resolve("admin.crt"), TestCa.pem(admin.certificate()));
        adminKey = Files.writeString(tmp.resolve("admin.key"), TestCa.pem(admin.key(), KeyForm.TRADITIONAL));
    }

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

    /** {@code ferry storage --server URL --data DIR} plus {@code more}. */
    int storage(Ferry ferry, Map<String, String> env, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "storage",
                "--server",
                ferry.url(),
                "--data",
                tmp.resolve("data").toString()));
        args.addAll(List.of(more));
        return run(env, args.toArray(String[]::new));
    }

    Ferry start(ClientCertificates admin) throws java.io.IOException {
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
                .withEdge(EdgeSettings.defaults()
                        .withTls(new TlsSettings(
                                cert,
                                key,
                                admin == ClientCertificates.REQUIRED ? clientCa : null,
                                admin,
                                ClientCertificates.NONE,
                                null)));
        return Ferry.start(config);
    }

    @Test
    void aPrivateCaIsTrustedOnlyWithCaCert() throws Exception {
        try (Ferry ferry = start(ClientCertificates.NONE)) {
            assertTrue(ferry.url().startsWith("https://127.0.0.1:"), ferry.url());

            assertEquals(1, storage(ferry, Map.of()));
            String refused = err.toString();
            assertTrue(
                    refused.startsWith("ferry: cannot trust the TLS certificate of ferry at " + ferry.url()), refused);
            assertTrue(refused.contains("--ca-cert FILE (env FERRY_CA_CERT)"), refused);
            assertFalse(refused.contains("\tat "), "a sentence, not a stack trace: " + refused);
            assertEquals("", out.toString());

            assertEquals(0, storage(ferry, Map.of(), "--ca-cert", caFile.toString()), err.toString());
            assertTrue(out.toString().contains("objects:"), out.toString());
            assertEquals(0, storage(ferry, Map.of("FERRY_CA_CERT", caFile.toString())), err.toString());
            assertTrue(out.toString().contains("objects:"), out.toString());

            // another CA's bundle does not make ferry's certificate trusted
            Path stranger =
                    Files.writeString(tmp.resolve("stranger.pem"), TestCa.pem(new TestCa("stranger CA").certificate()));
            assertEquals(1, storage(ferry, Map.of(), "--ca-cert", stranger.toString()));
            assertTrue(err.toString().startsWith("ferry: cannot trust the TLS certificate"), err.toString());
        }
    }

    @Test
    void adminClientCertificatesArePresentedWithClientCertAndKey() throws Exception {
        try (Ferry ferry = start(ClientCertificates.REQUIRED)) {
            assertEquals(1, storage(ferry, Map.of(), "--ca-cert", caFile.toString()));
            assertTrue(err.toString().contains("a client certificate is required for admin routes"), err.toString());
            assertTrue(err.toString().contains("--client-cert FILE --client-key FILE"), err.toString());

            assertEquals(
                    0,
                    storage(
                            ferry,
                            Map.of(),
                            "--ca-cert",
                            caFile.toString(),
                            "--client-cert",
                            adminCert.toString(),
                            "--client-key",
                            adminKey.toString()),
                    err.toString());
            assertTrue(out.toString().contains("objects:"), out.toString());
            assertEquals(
                    0,
                    storage(
                            ferry,
                            Map.of(
                                    "FERRY_CA_CERT", caFile.toString(),
                                    "FERRY_CLIENT_CERT", adminCert.toString(),
                                    "FERRY_CLIENT_KEY", adminKey.toString())),
                    err.toString());
            assertTrue(out.toString().contains("objects:"), out.toString());
        }
    }

    @Test
    void unusableFilesAreUsageErrorsNamingThem() throws Exception {
        Path missing = tmp.resolve("nope.pem");
        Path garbage = Files.writeString(tmp.resolve("garbage.pem"), "not a certificate\n");
        String server = "https://127.0.0.1:1";
        String token = "unused-token";

        assertEquals(
                2,
                run(Map.of(), "storage", "--server", server, "--admin-token", token, "--ca-cert", missing.toString()));
        assertEquals(
                "ferry: --ca-cert " + missing + ": no such file", err.toString().strip());

        assertEquals(
                2,
                run(Map.of(), "storage", "--server", server, "--admin-token", token, "--ca-cert", garbage.toString()));
        assertTrue(err.toString().startsWith("ferry: --ca-cert " + garbage + ": "), err.toString());

        assertEquals(
                2,
                run(
                        Map.of(),
                        "storage",
                        "--server",
                        server,
                        "--admin-token",
                        token,
                        "--client-cert",
                        adminCert.toString()));
        assertEquals(
                "ferry: --client-cert " + adminCert + " needs --client-key FILE (env FERRY_CLIENT_KEY)",
                err.toString().strip());

        // a key that is not the certificate's
        Path otherKey = Files.writeString(
                tmp.resolve("other.key"), TestCa.pem(clients.client(12, "x").key(), KeyForm.PKCS8));
        assertEquals(
                2,
                run(
                        Map.of(),
                        "storage",
                        "--server",
                        server,
                        "--admin-token",
                        token,
                        "--client-cert",
                        adminCert.toString(),
                        "--client-key",
                        otherKey.toString()));
        assertTrue(
                err.toString().contains(otherKey + " does not belong to the first certificate in " + adminCert),
                err.toString());

        assertEquals(
                2,
                run(
                        Map.of("FERRY_CLIENT_CERT", adminCert.toString(), "FERRY_CLIENT_KEY", missing.toString()),
                        "storage",
                        "--server",
                        server,
                        "--admin-token",
                        token));
        assertEquals(
                "ferry: --client-key " + missing + ": no such file",
                err.toString().strip());
    }
}
