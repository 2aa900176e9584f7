package dev.ferry.server.http;

import dev.ferry.server.config.TrustedProxies;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Who a request comes from, for the access log, the audit log and the per-client miss limit: the connection's
 * address, or, when that is a trusted proxy ({@code server.trustedProxies}), the address the proxies name in
 * {@code X-Forwarded-For}, read from the right: the first entry that is not itself a trusted proxy. Entries left of
 * it were written by whoever sent the request and prove nothing.
 */
final class ClientAddress {
    static final HeaderName X_FORWARDED_FOR = HeaderNames.create("X-Forwarded-For");

    private ClientAddress() {}

    static String of(ServerRequest req, TrustedProxies trusted) {
        SocketAddress peer = req.remotePeer().address();
        InetAddress connection = peer instanceof InetSocketAddress inet ? inet.getAddress() : null;
        String client = connection != null ? connection.getHostAddress() : String.valueOf(peer);
        if (connection == null || trusted.isEmpty() || !trusted.trusts(connection.getAddress())) {
            return client;
        }
        return forwarded(client, req.headers().all(X_FORWARDED_FOR, List::of), trusted);
    }

    /**
     * The client a trusted proxy at {@code proxy} names in its {@code X-Forwarded-For} header lines: the rightmost
     * entry that is not a trusted proxy; {@code proxy} itself when there is none, or when an entry is not an IP
     * address (all that is known is the last proxy trusted).
     */
    static String forwarded(String proxy, List<String> headerValues, TrustedProxies trusted) {
        String client = proxy;
        List<String> hops = new ArrayList<>();
        for (String value : headerValues) {
            for (String hop : value.split(",")) {
                hops.add(hop.strip());
            }
        }
        for (int i = hops.size() - 1; i >= 0; i--) {
            byte[] address = TrustedProxies.literal(withoutPort(hops.get(i)));
            if (address == null) {
                return client;
            }
            client = text(address, withoutPort(hops.get(i)));
            if (!trusted.trusts(address)) {
                return client;
            }
        }
        return client;
    }

    /** {@code 192.0.2.1:5000} and {@code [2001:db8::1]:5000} without their ports; a bare IPv6 address as it is. */
    private static String withoutPort(String hop) {
        if (hop.startsWith("[")) {
            int end = hop.indexOf(']');
            return end < 0 ? hop : hop.substring(0, end + 1);
        }
        int colon = hop.indexOf(':');
        return colon > 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop;
    }

    private static String text(byte[] address, String fallback) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return fallback;
        }
    }
}
