package dev.ferry.server.tls;

import dev.ferry.server.config.TlsSettings;
import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * HTTPS for the listener, built with Helidon's {@link Tls} from the PEM files of {@link TlsSettings}: TLS 1.3 and
 * 1.2 only, client certificates asked for (not demanded) when a route family requires one, so that
 * {@link ClientCertificateGate} can answer the others; the handshake checks a presented certificate against the
 * client CA bundle. Helidon's Tls keeps its key and trust managers reloadable, which
 * {@link CertificateReloader} uses to swap in a rotated certificate without a restart.
 */
public final class ListenerTls {
    /** TLS 1.0 and 1.1 are refused even where the JDK's security settings would still allow them. */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private ListenerTls() {}

    /** Reads the files and builds the listener's Tls; an unreadable or mismatched file is an IOException. */
    public static Tls load(TlsSettings settings) throws IOException {
        PemFiles.KeyAndChain served = PemFiles.keyAndChain(settings.certificate(), settings.key());
        var b = Tls.builder()
                .privateKey(served.key())
                .privateKeyCertChain(served.chain())
                .enabledProtocols(PROTOCOLS)
                // no discovered TlsManager (such as a vault's): the files are the one source
                .managerDiscoverServices(false);
        if (settings.asksForClientCertificates()) {
            b.trust(PemFiles.certificates(settings.clientCa())).clientAuth(TlsClientAuth.OPTIONAL);
        } else {
            b.clientAuth(TlsClientAuth.NONE);
        }
        return b.build();
    }

    /** {@code serial 0x1A2B, CN=ferry.corp, valid until 2027-01-01T00:00:00Z} for logs. */
    public static String describe(X509Certificate c) {
        return "serial 0x" + c.getSerialNumber().toString(16) + ", "
                + c.getSubjectX500Principal().getName() + ", valid until "
                + c.getNotAfter().toInstant();
    }
}
