package dev.ferry.server.outbound;

import dev.ferry.server.config.OutboundSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Picks the proxy for an upstream URI: the https or http one by scheme, none for NO_PROXY hosts and loopback. */
public final class UpstreamProxies extends ProxySelector {
    private static final Logger LOG = Logger.getLogger("ferry.upstream");

    private final Proxy https;
    private final Proxy http;
    private final NoProxyRules direct;

    public UpstreamProxies(OutboundSettings settings) {
        this.https = proxy(settings.httpsProxy());
        this.http = proxy(settings.httpProxy());
        this.direct = NoProxyRules.parse(settings.noProxy());
    }

    private static Proxy proxy(URI u) {
        // unresolved: the proxy's name is looked up at each connection, so a proxy moving to a new address is
        // followed without a restart
        return u == null
                ? null
                : new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(u.getHost(), u.getPort()));
    }

    @Override
    public List<Proxy> select(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        Proxy p = scheme.equals("https") || scheme.equals("wss")
                ? https
                : scheme.equals("http") || scheme.equals("ws") ? http : null;
        if (p == null || uri.getHost() == null) {
            return List.of(Proxy.NO_PROXY);
        }
        int port = uri.getPort() > 0 ? uri.getPort() : scheme.startsWith("https") || scheme.equals("wss") ? 443 : 80;
        return direct.direct(uri.getHost(), port) ? List.of(Proxy.NO_PROXY) : List.of(p);
    }

    @Override
    public void connectFailed(URI uri, SocketAddress proxy, IOException e) {
        LOG.log(Level.FINE, () -> "proxy " + proxy + " failed for " + uri + ": " + e.getMessage());
    }
}
