package dev.ferry.server.outbound;

import dev.ferry.server.tls.PemFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The CAs trusted for upstream HTTPS: the JDK's own (its cacerts, or what javax.net.ssl.trustStore names) plus the
 * certificates of a PEM bundle, so an internal CA or a TLS-inspecting proxy's CA is trusted without losing the
 * public ones.
 */
public final class UpstreamTrust {
    private UpstreamTrust() {}

    /** An SSLContext trusting the JDK's CAs and those in {@code bundle}. */
    public static SSLContext withExtraCas(Path bundle) throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {trustManager(bundle)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot build the upstream trust from " + bundle + ": " + e.getMessage(), e);
        }
    }

    /** The trust manager of {@link #withExtraCas}. */
    static X509TrustManager trustManager(Path bundle) throws IOException {
        List<X509Certificate> extra = PemFiles.certificates(bundle);
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (X509Certificate c : jdkCas()) {
                store.setCertificateEntry("jdk-" + n++, c);
            }
            for (X509Certificate c : extra) {
                store.setCertificateEntry("extra-" + n++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new GeneralSecurityException("no X.509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot build the upstream trust from " + bundle + ": " + e.getMessage(), e);
        }
    }

    /** What the JDK trusts by default. */
    static List<X509Certificate> jdkCas() throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((KeyStore) null);
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return List.of(x.getAcceptedIssuers());
            }
        }
        return List.of();
    }
}
