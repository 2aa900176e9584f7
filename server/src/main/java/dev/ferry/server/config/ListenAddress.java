package dev.ferry.server.config;

/** Where the server listens: {@code HOST:PORT}, {@code [IPv6]:PORT} or {@code :PORT} (all IPv4 interfaces). */
public record ListenAddress(String host, int port) {

    public static ListenAddress parse(String text) {
        String t = text.strip();
        int colon = t.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected HOST:PORT, [IPV6]:PORT or :PORT");
        }
        String host = t.substring(0, colon);
        String portText = t.substring(colon + 1);
        if (host.startsWith("[")) {
            if (!host.endsWith("]") || host.length() < 3) {
                throw new IllegalArgumentException("IPv6 address must be written [ADDRESS]:PORT");
            }
            host = host.substring(1, host.length() - 1);
            if (!host.matches("[0-9A-Fa-f:.]+(%[0-9A-Za-z]+)?")) {
                throw new IllegalArgumentException("bad IPv6 address [" + host + "]");
            }
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("IPv6 address must be written [ADDRESS]:PORT");
        } else if (host.isEmpty()) {
            host = "0.0.0.0";
        } else if (!host.matches("[0-9A-Za-z.-]+")) {
            throw new IllegalArgumentException("bad host \"" + host + "\"");
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port \"" + portText + "\"");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range 0-65535");
        }
        return new ListenAddress(host, port);
    }

    /** The host as it goes into a URL: IPv6 addresses in brackets. */
    public String urlHost() {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    @Override
    public String toString() {
        return urlHost() + ":" + port;
    }
}
