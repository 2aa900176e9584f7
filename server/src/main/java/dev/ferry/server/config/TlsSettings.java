package dev.ferry.server.config;

import java.nio.file.Path;

/**
 * HTTPS on the listener: the PEM certificate chain and key (both null: plain HTTP), the CA bundle client
 * certificates are checked against, which route families need one, and the optional plain-HTTP listener that
 * redirects to HTTPS.
 *
 * @param redirectListen where the redirecting listener binds, or null for none
 */
public record TlsSettings(
        Path certificate,
        Path key,
        Path clientCa,
        ClientCertificates admin,
        ClientCertificates pulls,
        ListenAddress redirectListen) {

    /** Whether a route family needs a client certificate signed by {@link #clientCa}. */
    public enum ClientCertificates {
        /** Not asked for (a client may still present one; it is not looked at). */
        NONE,
        /** Refused with 403 without a verified client certificate. */
        REQUIRED
    }

    public static TlsSettings off() {
        return new TlsSettings(null, null, null, ClientCertificates.NONE, ClientCertificates.NONE, null);
    }

    public boolean enabled() {
        return certificate != null;
    }

    /** Some route family needs client certificates, so the handshake asks for them. */
    public boolean asksForClientCertificates() {
        return admin == ClientCertificates.REQUIRED || pulls == ClientCertificates.REQUIRED;
    }
}
