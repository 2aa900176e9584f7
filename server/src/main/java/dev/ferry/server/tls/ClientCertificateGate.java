package dev.ferry.server.tls;

import dev.ferry.server.config.TlsSettings;
import dev.ferry.server.config.TlsSettings.ClientCertificates;
import io.helidon.webserver.http.ServerRequest;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Refuses (FerryRoutes answers 403, counted and logged like any answer) a request to a route family that requires a client certificate when its connection presented
 * none. The handshake has already checked a presented certificate against the client CA bundle (a certificate
 * from another CA fails the handshake), so here only its presence counts. Families: admin ({@code /admin/} and
 * {@code /metrics}) and pulls (everything else but {@code /health}, which probes reach without certificates).
 */
public final class ClientCertificateGate {
    private static final Logger LOG = Logger.getLogger("ferry.tls");

    /** The route families a mode applies to. */
    enum Family {
        ADMIN,
        PULLS,
        HEALTH
    }

    private final ClientCertificates admin;
    private final ClientCertificates pulls;

    private ClientCertificateGate(ClientCertificates admin, ClientCertificates pulls) {
        this.admin = admin;
        this.pulls = pulls;
    }

    /** A gate for the settings, or null when no family requires a certificate. */
    public static ClientCertificateGate of(TlsSettings settings) {
        return settings.enabled() && settings.asksForClientCertificates()
                ? new ClientCertificateGate(settings.admin(), settings.pulls())
                : null;
    }

    static Family family(String rawPath) {
        if (rawPath.startsWith("/admin/") || rawPath.equals("/admin") || rawPath.equals("/metrics")) {
            return Family.ADMIN;
        }
        if (rawPath.equals("/health") || rawPath.startsWith("/health/")) {
            return Family.HEALTH;
        }
        return Family.PULLS;
    }

    boolean requires(Family f) {
        return switch (f) {
            case ADMIN -> admin == ClientCertificates.REQUIRED;
            case PULLS -> pulls == ClientCertificates.REQUIRED;
            case HEALTH -> false;
        };
    }

    /**
     * Null when {@code req} may go on: its family needs no certificate, or its connection presented one that the
     * handshake verified; else the reason for the 403.
     */
    public String refusal(ServerRequest req) {
        Family f = family(req.prologue().uriPath().rawPath());
        if (!requires(f) || req.remotePeer().tlsCertificates().isPresent()) {
            return null;
        }
        LOG.log(
                Level.FINE,
                () -> "no client certificate for " + f + " from "
                        + req.remotePeer().address());
        return "a client certificate is required for " + f.name().toLowerCase(java.util.Locale.ROOT) + " routes";
    }
}
