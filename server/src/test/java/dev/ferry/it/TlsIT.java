package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.server.tls.TestCa;
import dev.ferry.server.tls.TestCa.KeyForm;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ferry serving HTTPS from PEM files of a CA made up here, used by the real go command, curl, skopeo and openssl:
 * certificates verified against that CA only, TLS 1.1 refused by ferry itself, admin routes refused without a
 * client certificate while pulls need none, a rotated certificate served by the next handshake without a restart,
 * the plain-HTTP listener redirecting to HTTPS, and the packaged ferry CLI trusting the CA from --ca-cert and
 * presenting its admin client certificate from --client-cert/--client-key.
 */
class TlsIT {
    private static final String USER = "pusher";
    private static final String PASSWORD = "push-secret-1";

    @TempDir
    Path tmp;

    @Test
    void goCurlAndSkopeoOverHttpsWithARotatedCertificateAndAdminClientCertificates() throws Exception {
        assumeTrue(Skopeo.installed() && Htpasswd.installed(), "skopeo and htpasswd needed");
        Path tls = Files.createDirectories(tmp.resolve("tls"));
        TestCa ca = new TestCa("ferry test CA");
        TestCa clients = new TestCa("ferry client CA");
        TestCa.Issued first = ca.server(0x1001, false);
        Path cert = Files.writeString(tls.resolve("tls.crt"), TestCa.pem(first.certificate(), ca.certificate()));
        Path key = Files.writeString(tls.resolve("tls.key"), TestCa.pem(first.key(), KeyForm.TRADITIONAL));
        Path caFile = Files.writeString(tmp.resolve("ca.pem"), TestCa.pem(ca.certificate()));
        Path clientCa = Files.writeString(tmp.resolve("client-ca.pem"), TestCa.pem(clients.certificate()));
        TestCa.Issued admin = clients.client(7, "ferry-admin");
        Path adminCert = Files.writeString(tmp.resolve("admin.crt"), TestCa.pem(admin.certificate()));
        Path adminKey = Files.writeString(tmp.resolve("admin.key"), TestCa.pem(admin.key(), KeyForm.PKCS8));
        Path users = tmp.resolve("users");
        Files.writeString(users, Htpasswd.bcryptLine(USER, PASSWORD));
        int redirectPort = DockerRegistry.freePort();
        String token = "tls-it-admin-token";
        Path permissive = Files.writeString(tmp.resolve("java.security"), "jdk.tls.disabledAlgorithms=SSLv3\n");

        String key0 = Fixtures.sumdbKey();
        String sumdbName = key0.split("\\+")[0];
        try (StaticGoProxy upstream = new StaticGoProxy(Fixtures.goProxyTree());
                FerryProcess ferry = FerryProcess.start(
                        tmp.resolve("data"),
                        tmp.resolve("ferry.log"),
                        java.util.Map.of(
                                "FERRY_ADMIN_TOKEN",
                                token,
                                // the JDK's own settings allow TLS 1.1 in this ferry: only ferry's refuses it
                                "JAVA_TOOL_OPTIONS",
                                "-Djava.security.properties=" + permissive),
                        "--go-upstream",
                        upstream.url(),
                        "--sumdb",
                        key0,
                        "--hosted",
                        "team",
                        "--hosted-users",
                        users.toString(),
                        "--tls-cert",
                        cert.toString(),
                        "--tls-key",
                        key.toString(),
                        "--tls-client-ca",
                        clientCa.toString(),
                        "--tls-client-auth-admin",
                        "required",
                        "--tls-redirect-listen",
                        "127.0.0.1:" + redirectPort)) {
            assertTrue(ferry.url().startsWith("https://127.0.0.1:"), ferry.url());
            int port = ferry.base().getPort();
            String base = "https://localhost:" + port;

            // curl: verified against the test CA; without it the certificate is refused
            assertEquals("ok\n200", curl("-s", "--cacert", caFile.toString(), "-w", "%{http_code}", base + "/health"));
            assertEquals(60, curlExit("-s", "-o", "/dev/null", base + "/health"), "unknown CA refused by curl");

            // the go command: GOPROXY and GOSUMDB over https, the CA from SSL_CERT_FILE
            GoTool go = new GoTool(tmp.resolve("go"), base, key0 + " " + base + "/sumdb/" + sumdbName)
                    .env("SSL_CERT_FILE", caFile.toString());
            Path work = Files.createDirectories(tmp.resolve("work"));
            GoTool.Result download = go.run(work, "mod", "download", "-json", "github.com/pkg/errors@v0.9.1");
            assertTrue(download.ok(), "go mod download over https:\n" + download.output());
            assertTrue(download.output().contains("\"Sum\": \"h1:"), download.output());
            go.makeDeletable();

            // skopeo: push to a hosted repository and read it back, the CA from --cert-dir
            Path certDir = Files.createDirectories(tmp.resolve("certs.d"));
            Files.copy(caFile, certDir.resolve("ca.crt"));
            Skopeo skopeo = new Skopeo(tmp.resolve("skopeo"));
            String ref = "tiny-1.0";
            Skopeo.Result push = skopeo.run(
                    Skopeo.Timeout.COPY,
                    List.of(
                            "copy",
                            "-q",
                            "--retry-times",
                            "0",
                            "--dest-cert-dir",
                            certDir.toString(),
                            "--dest-creds",
                            USER + ":" + PASSWORD,
                            "oci:" + OciFixtures.layout() + ":" + ref,
                            "docker://localhost:" + port + "/team/tiny:1.0"));
            assertTrue(push.ok(), push.toString());
            Skopeo.Result inspect = skopeo.run(
                    Skopeo.Timeout.INSPECT,
                    List.of(
                            "inspect",
                            "--raw",
                            "--retry-times",
                            "0",
                            "--cert-dir",
                            certDir.toString(),
                            "--creds",
                            USER + ":" + PASSWORD,
                            "docker://localhost:" + port + "/team/tiny:1.0"));
            assertTrue(inspect.ok(), inspect.toString());
            assertEquals(OciFixtures.image(ref).digest(), OciFixtures.sha256(inspect.stdout()));

            // admin routes need a client certificate from the client CA; pulls (above) needed none
            String adminUrl = base + "/admin/api/upstreams";
            String bearer = "Authorization: Bearer " + token;
            assertEquals(
                    "403",
                    curl(
                            "-s",
                            "-o",
                            "/dev/null",
                            "-w",
                            "%{http_code}",
                            "--cacert",
                            caFile.toString(),
                            "-H",
                            bearer,
                            adminUrl));
            assertEquals(
                    "200",
                    curl(
                            "-s",
                            "-o",
                            "/dev/null",
                            "-w",
                            "%{http_code}",
                            "--cacert",
                            caFile.toString(),
                            "--cert",
                            adminCert.toString(),
                            "--key",
                            adminKey.toString(),
                            "-H",
                            bearer,
                            adminUrl));
            TestCa stranger = new TestCa("someone else's CA");
            TestCa.Issued foreign = stranger.client(9, "ferry-admin");
            Path foreignCert = Files.writeString(tmp.resolve("foreign.crt"), TestCa.pem(foreign.certificate()));
            Path foreignKey = Files.writeString(tmp.resolve("foreign.key"), TestCa.pem(foreign.key(), KeyForm.PKCS8));
            assertNotEquals(
                    0,
                    curlExit(
                            "-s",
                            "-o",
                            "/dev/null",
                            "--cacert",
                            caFile.toString(),
                            "--cert",
                            foreignCert.toString(),
                            "--key",
                            foreignKey.toString(),
                            "-H",
                            bearer,
                            adminUrl),
                    "a client certificate from another CA fails the handshake");

            // the packaged ferry CLI: the private CA from --ca-cert, the client certificate from --client-cert/-key
            Cli untrusted = Cli.run(token, "storage", "--server", base);
            assertEquals(1, untrusted.exit(), untrusted.output());
            assertTrue(
                    untrusted.output().contains("ferry: cannot trust the TLS certificate of ferry at " + base),
                    untrusted.output());
            assertFalse(untrusted.output().contains("\tat "), "a sentence, not a stack trace: " + untrusted.output());
            Cli noClientCert = Cli.run(token, "storage", "--server", base, "--ca-cert", caFile.toString());
            assertEquals(1, noClientCert.exit(), noClientCert.output());
            assertTrue(
                    noClientCert.output().contains("a client certificate is required for admin routes"),
                    noClientCert.output());
            Cli admitted = Cli.run(
                    token,
                    "storage",
                    "--server",
                    base,
                    "--ca-cert",
                    caFile.toString(),
                    "--client-cert",
                    adminCert.toString(),
                    "--client-key",
                    adminKey.toString());
            assertEquals(0, admitted.exit(), admitted.output());
            assertTrue(admitted.output().contains("objects:"), admitted.output());

            // TLS 1.1 is refused by ferry (its alert), TLS 1.2 is served
            String old = openssl("-tls1_1", port);
            assertTrue(old.contains("alert protocol version"), "TLS 1.1 handshake:\n" + old);
            String tls12 = openssl("-tls1_2", port);
            assertTrue(tls12.contains("Protocol version: TLSv1.2"), tls12);

            // the plain listener redirects to the same path over https
            assertEquals(
                    "308 https://127.0.0.1:" + port + "/github.com/pkg/errors/@v/list?x=1",
                    curl(
                            "-s",
                            "-o",
                            "/dev/null",
                            "-w",
                            "%{http_code} %{redirect_url}",
                            "http://127.0.0.1:" + redirectPort + "/github.com/pkg/errors/@v/list?x=1"));

            // rotation: the key first, then the certificate, each by rename; the half-way state is refused and the
            // old certificate served until the pair matches again
            assertEquals(BigInteger.valueOf(0x1001), servedSerial(port, ca.certificate()));
            TestCa.Issued second = ca.server(0x2002, true);
            TestCa.replace(key, TestCa.pem(second.key(), KeyForm.TRADITIONAL));
            TestCa.replace(cert, TestCa.pem(second.certificate(), ca.certificate()));
            ferry.awaitOutput(Pattern.compile("TLS certificate reloaded .*serial 0x2002"), Duration.ofSeconds(90));
            assertEquals(BigInteger.valueOf(0x2002), servedSerial(port, ca.certificate()), "a fresh handshake");
            assertEquals(
                    "200",
                    curl(
                            "-s",
                            "-o",
                            "/dev/null",
                            "-w",
                            "%{http_code}",
                            "--cacert",
                            caFile.toString(),
                            base + "/github.com/pkg/errors/@v/list"));
            String log = Files.readString(tmp.resolve("ferry.log"));
            assertFalse(log.contains("SEVERE"), log);
            assertTrue(log.contains(" GET /admin/api/upstreams 403 "), "the refusal is in the access log");
        }
    }

    /** The serial of the certificate ferry presents in a new handshake, trusting only {@code ca}. */
    private static BigInteger servedSerial(int port, X509Certificate ca) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private static String openssl(String version, int port) throws IOException, InterruptedException {
        // SECLEVEL=0 lets this client offer TLS 1.1 at all, so a refusal can only come from ferry
        return run(List.of(
                        "openssl",
                        "s_client",
                        "-connect",
                        "127.0.0.1:" + port,
                        version,
                        "-cipher",
                        "DEFAULT@SECLEVEL=0",
                        "-brief"))
                .out();
    }

    private static String curl(String... args) throws IOException, InterruptedException {
        Ran r = run(curlCommand(args));
        assertEquals(0, r.exit(), "curl " + String.join(" ", args) + ": " + r.out());
        return r.out();
    }

    private static int curlExit(String... args) throws IOException, InterruptedException {
        return run(curlCommand(args)).exit();
    }

    private static List<String> curlCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of("curl", "--max-time", "30", "--noproxy", "*"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private record Ran(int exit, String out) {}

    private static Ran run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish");
        }
        return new Ran(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
