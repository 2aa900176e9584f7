package dev.ferry.server.config;

import dev.ferry.server.logging.LogFormat;

/**
 * Where the process meets the site: HTTPS on its listener, the proxies and CAs on its way to upstreams, and the
 * shape of its log lines.
 */
public record EdgeSettings(TlsSettings tls, OutboundSettings outbound, LogFormat logFormat) {
    public static EdgeSettings defaults() {
        return new EdgeSettings(TlsSettings.off(), OutboundSettings.direct(), LogFormat.TEXT);
    }

    public EdgeSettings withTls(TlsSettings t) {
        return new EdgeSettings(t, outbound, logFormat);
    }

    public EdgeSettings withOutbound(OutboundSettings o) {
        return new EdgeSettings(tls, o, logFormat);
    }
}
