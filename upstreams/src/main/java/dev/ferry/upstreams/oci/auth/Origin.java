package dev.ferry.upstreams.oci.auth;

import java.net.URI;

/** The origin of a URL (scheme, host, port: RFC 6454): where an Authorization may go, and how a URL is named in logs. */
public final class Origin {
    private Origin() {}

    public static boolean same(URI a, URI b) {
        return a.getScheme() != null
                && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    /** {@code scheme://authority}: what messages show of a URL whose path or query may carry a signature. */
    public static String of(URI u) {
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }
}
