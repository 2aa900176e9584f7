package dev.ferry.server.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.tls.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpstreamTrustTest {
    @TempDir
    Path tmp;

    @Test
    void theBundleIsTrustedBesideEveryJdkCaNotInsteadOfThem() throws Exception {
        TestCa ca = new TestCa("internal CA");
        Path bundle = Files.writeString(tmp.resolve("ca.pem"), TestCa.pem(ca.certificate()));
        List<X509Certificate> jdk = UpstreamTrust.jdkCas();
        assertTrue(jdk.size() > 50, "the JDK's CAs: " + jdk.size());

        X509TrustManager tm = UpstreamTrust.trustManager(bundle);
        UpstreamTrust.withExtraCas(bundle); // builds
        List<X509Certificate> trusted = List.of(tm.getAcceptedIssuers());
        assertEquals(jdk.size() + 1, trusted.size());
        assertTrue(trusted.containsAll(jdk));
        assertTrue(trusted.contains(ca.certificate()));

        TestCa.Issued server = ca.server(5, false, "athens.corp");
        tm.checkServerTrusted(new X509Certificate[] {server.certificate()}, "ECDHE_ECDSA");
        TestCa.Issued stranger = new TestCa("other").server(6, false, "evil.example");
        assertThrows(
                CertificateException.class,
                () -> tm.checkServerTrusted(new X509Certificate[] {stranger.certificate()}, "ECDHE_ECDSA"));
    }
}
