package dev.ferry.server.outbound;

import dev.ferry.server.config.OutboundSettings;
import java.io.IOException;
import java.net.ProxySelector;
import java.security.NoSuchAlgorithmException;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;

/**
 * Makes the proxies and the extra CAs of {@link OutboundSettings} the process's defaults, which every JDK
 * HttpClient ferry builds without its own (the upstream pools, the checksum databases' direct client, the
 * registries and their token realms) picks up at build time: one place instead of a parameter through every
 * client. Installed before those clients are built; {@link #close()} puts the previous defaults back (in-process
 * tests start several ferries).
 */
public final class OutboundNetwork implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("ferry.upstream");

    private final ProxySelector previousProxies;
    private final SSLContext previousTls;

    private OutboundNetwork(ProxySelector previousProxies, SSLContext previousTls) {
        this.previousProxies = previousProxies;
        this.previousTls = previousTls;
    }

    /** Installs the settings; returns what undoes it, or null when they are the direct defaults. */
    public static OutboundNetwork install(OutboundSettings settings) throws IOException {
        if (settings.isDirect()) {
            return null;
        }
        ProxySelector proxies = ProxySelector.getDefault();
        SSLContext tls;
        try {
            tls = SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("no default TLS context", e);
        }
        if (settings.caBundle() != null) {
            SSLContext.setDefault(UpstreamTrust.withExtraCas(settings.caBundle()));
            LOG.info("upstream HTTPS trusts the JDK's CAs and those in " + settings.caBundle());
        }
        if (settings.httpsProxy() != null || settings.httpProxy() != null) {
            ProxySelector.setDefault(new UpstreamProxies(settings));
            LOG.info("upstreams through proxies: https " + settings.httpsProxy() + ", http " + settings.httpProxy()
                    + (settings.noProxy().isEmpty() ? "" : ", not for " + settings.noProxy()));
        }
        return new OutboundNetwork(proxies, tls);
    }

    @Override
    public void close() {
        ProxySelector.setDefault(previousProxies);
        SSLContext.setDefault(previousTls);
    }
}
