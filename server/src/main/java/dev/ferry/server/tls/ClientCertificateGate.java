package dev.ferry.server.tls;

import dev.ferry.server.config.TlsSettings;
import dev.ferry.server.config.TlsSettings.ClientCertificates;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Refuses, with 403, a request to a route family that requires a client certificate when its connection presented
 * none. The handshake has already checked a presented certificate against the client CA bundle (a certificate
 * from another CA fails the handshake), so here only its presence counts. Families: admin ({@code /admin/} and
 * {@code /metrics}) and pulls (everything else but {@code /health}, which probes reach without certificates).
 */
public final class ClientCertificateGate implements Filter {
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

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Family f = family(req.prologue().uriPath().rawPath());
        if (!requires(f) || req.remotePeer().tlsCertificates().isPresent()) {
            chain.proceed();
            return;
        }
        LOG.log(
                Level.FINE,
                () -> "no client certificate for " + f + " from "
                        + req.remotePeer().address());
        byte[] body = ("a client certificate is required for " + f.name().toLowerCase(java.util.Locale.ROOT)
                        + " routes\n")
                .getBytes(StandardCharsets.UTF_8);
        res.status(Status.FORBIDDEN_403);
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        res.send(body);
    }
}
