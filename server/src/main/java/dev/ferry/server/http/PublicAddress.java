package dev.ferry.server.http;

import dev.ferry.server.config.ListenerSettings;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scheme and authority ferry names itself by to a client (the registry's token realm): the configured public
 * URL when there is one; else the Host the client used, but only when it names this server (the address the
 * request came in on, or a configured name), since a Host reflected into a realm sends the client's credentials
 * wherever the Host said; else the address the request came in on.
 */
final class PublicAddress {
    private static final HeaderName FORWARDED_PROTO = HeaderNames.create("X-Forwarded-Proto");
    /** host or [v6] with an optional port: anything else in a Host is not reflected, whatever it names. */
    private static final Pattern HOST =
            Pattern.compile("([A-Za-z0-9.\\-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\])(?::(\\d{1,5}))?");

    private record Name(String host, int port) {}

    private final String base;
    private final List<Name> names;

    private PublicAddress(String base, List<Name> names) {
        this.base = base;
        this.names = names;
    }

    /** Names from the request and the listen address only. */
    static PublicAddress listenAddressOnly() {
        return new PublicAddress(null, List.of());
    }

    static PublicAddress of(ListenerSettings settings) {
        URI url = settings.publicUrl();
        String base = null;
        if (url != null) {
            String text = url.toString();
            base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        }
        List<Name> names =
                settings.hostNames().stream().map(PublicAddress::name).toList();
        return new PublicAddress(base, names);
    }

    /** A configured host name, {@code host} (any port) or {@code host:port}. */
    private static Name name(String text) {
        Matcher m = HOST.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a host or host:port: " + text);
        }
        return new Name(m.group(1).toLowerCase(Locale.ROOT), m.group(2) == null ? -1 : Integer.parseInt(m.group(2)));
    }

    /** {@code scheme://authority} with no trailing slash, for URLs the client is told to use. */
    String base(Exchange x) {
        if (base != null) {
            return base;
        }
        String scheme = scheme(x);
        return scheme + "://" + authority(x, scheme);
    }

    private static String scheme(Exchange x) {
        if (x.req.isSecure()) {
            return "https";
        }
        String proto = x.req.headers().first(FORWARDED_PROTO).orElse("");
        return proto.equalsIgnoreCase("https") ? "https" : "http";
    }

    private String authority(Exchange x, String scheme) {
        String local = x.req.localPeer().host();
        int localPort = x.req.localPeer().port();
        String listen =
                (local.indexOf(':') >= 0 && !local.startsWith("[") ? "[" + local + "]" : local) + ":" + localPort;
        String host = x.req.headers().first(HeaderNames.HOST).orElse("");
        Matcher m = HOST.matcher(host);
        if (!m.matches()) {
            return listen;
        }
        String h = m.group(1).toLowerCase(Locale.ROOT);
        int port = m.group(2) == null ? (scheme.equals("https") ? 443 : 80) : Integer.parseInt(m.group(2));
        if (port > 65535) {
            return listen;
        }
        String bare = h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
        if (bare.equalsIgnoreCase(local) && port == localPort) {
            return host;
        }
        for (Name n : names) {
            if (n.host().equals(h) && (n.port() < 0 || n.port() == port)) {
                return host;
            }
        }
        return listen;
    }
}
