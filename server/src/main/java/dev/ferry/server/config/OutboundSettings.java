package dev.ferry.server.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * How ferry reaches its upstreams through a site's network: the HTTP proxies (CONNECT for https://) and the hosts
 * that bypass them, and a CA bundle trusted on top of the JDK's own CAs (a filtering proxy's or an internal CA).
 *
 * @param httpsProxy proxy for https:// upstreams, or null for none
 * @param httpProxy  proxy for http:// upstreams, or null for none
 * @param noProxy    NO_PROXY entries: host names (a leading '.' or '*.' matches subdomains, a bare name matches
 *                   itself and its subdomains), IP addresses, CIDR ranges, optionally with :PORT; "*" bypasses all
 * @param caBundle   PEM file of extra trusted CAs, or null
 */
public record OutboundSettings(URI httpsProxy, URI httpProxy, List<String> noProxy, Path caBundle) {
    public OutboundSettings {
        noProxy = List.copyOf(noProxy);
    }

    public static OutboundSettings direct() {
        return new OutboundSettings(null, null, List.of(), null);
    }

    public boolean isDirect() {
        return httpsProxy == null && httpProxy == null && caBundle == null;
    }
}
