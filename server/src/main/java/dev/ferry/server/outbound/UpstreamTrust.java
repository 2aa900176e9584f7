package dev.ferry.server.outbound;

import dev.ferry.server.tls.PemFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
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

    /**
     * A client SSLContext for the {@code ferry} CLI reaching a running ferry: the JDK's CAs plus those in
     * {@code bundle} (only the JDK's when null), presenting {@code identity} (none when null) to a server that asks
     * for a client certificate.
     */
    public static SSLContext client(Path bundle, PemFiles.KeyAndChain identity) throws IOException {
        TrustManager[] trust = bundle == null ? null : new TrustManager[] {trustManager(bundle)};
        try {
            KeyManager[] keys = null;
            if (identity != null) {
                // The key store only lives in memory, but PKCS#12 wants a password for a key entry.
                char[] password = "ferry".toCharArray();
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                store.setKeyEntry(
                        "client", identity.key(), password, identity.chain().toArray(new X509Certificate[0]));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(store, password);
                keys = kmf.getKeyManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys, trust, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the client certificate: " + e.getMessage(), e);
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
