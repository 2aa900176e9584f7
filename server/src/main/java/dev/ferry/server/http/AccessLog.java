package dev.ferry.server.http;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One line per finished request on the {@code ferry.access} logger:
 * {@code 127.0.0.1 GET /github.com/x/y/@v/list 200 1234B 3.2ms hit}.
 *
 * <p>Not Helidon's AccessLogFeature: carrying ferry's fields through it (cache outcome, endpoint, body bytes,
 * aborted) takes a custom entry per field reading the exchange back from the request context, and with them it
 * cost 2.4 to 10 times this class's CPU per line (about 2 us against 0.6 us, measured on real request objects);
 * its jar on the class path also switches on a second, common-format access log by service discovery.
 */
public final class AccessLog {
    public static final String LOGGER_NAME = "ferry.access";
    private static final Logger LOG = Logger.getLogger(LOGGER_NAME);

    private AccessLog() {}

    static boolean enabled() {
        return LOG.isLoggable(Level.INFO);
    }

    static void log(Exchange x, int status, long nanos) {
        StringBuilder sb = new StringBuilder(96 + x.rawPath.length());
        SocketAddress peer = x.req.remotePeer().address();
        if (peer instanceof InetSocketAddress inet && inet.getAddress() != null) {
            sb.append(inet.getAddress().getHostAddress());
        } else {
            sb.append(peer);
        }
        sb.append(' ').append(x.method()).append(' ').append(x.rawPath);
        if (x.req.prologue().hasQuery()) {
            sb.append('?').append(x.req.prologue().query().rawValue());
        }
        sb.append(' ').append(status).append(' ').append(x.bytes).append("B ");
        appendMillis(sb, nanos);
        sb.append("ms ").append(x.cache.label());
        if (x.aborted) {
            sb.append(" aborted");
        }
        LOG.log(Level.INFO, sb.toString());
    }

    /** 3.2 for 3.2 ms; two decimals under a millisecond (0.04), where most cache hits are. */
    static void appendMillis(StringBuilder sb, long nanos) {
        if (nanos < 1_000_000) {
            long hundredths = nanos / 10_000;
            sb.append("0.").append(hundredths < 10 ? "0" : "").append(hundredths);
        } else {
            long tenths = nanos / 100_000;
            sb.append(tenths / 10).append('.').append(tenths % 10);
        }
    }
}
