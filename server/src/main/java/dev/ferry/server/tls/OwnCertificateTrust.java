package dev.ferry.server.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Trust for asking this machine's own ferry (ferry health): the certificates of the file it serves are the
 * anchors, and the host name is not checked, since loopback (127.0.0.1) is rarely among a certificate's names. No
 * other server can present a chain that ends in those certificates.
 */
public final class OwnCertificateTrust extends X509ExtendedTrustManager {
    private final X509TrustManager chain;

    private OwnCertificateTrust(X509TrustManager chain) {
        this.chain = chain;
    }

    /** A client context trusting only the certificates in {@code certificateFile}. */
    public static SSLContext context(Path certificateFile) throws IOException {
        try {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int n = 0;
            for (X509Certificate c : PemFiles.certificates(certificateFile)) {
                anchors.setCertificateEntry("served-" + n++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(anchors);
            X509TrustManager pkix = null;
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    pkix = x;
                }
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new OwnCertificateTrust(pkix)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust " + certificateFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certs, String authType) throws CertificateException {
        chain.checkServerTrusted(certs, authType);
    }

    /** The chain only: the engine's endpoint identification (the host name) is what this class leaves out. */
    @Override
    public void checkServerTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
            throws CertificateException {
        chain.checkServerTrusted(certs, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certs, String authType, Socket socket)
            throws CertificateException {
        chain.checkServerTrusted(certs, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certs, String authType) throws CertificateException {
        throw new CertificateException("a client-side trust manager");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("a client-side trust manager");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certs, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("a client-side trust manager");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return chain.getAcceptedIssuers();
    }
}
