package dev.ferry.server.http;

import dev.ferry.server.logging.JsonFormatter;
import dev.ferry.server.logging.JsonLines;
import dev.ferry.server.logging.LogFormat;
import dev.ferry.server.metrics.FerryMetrics.Cache;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
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
    static final String REQUEST_ID = "X-Request-Id";
    private static final java.util.regex.Pattern GIVEN_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    /** Made-up ids are this process's random prefix and a counter: unique across restarts, cheap per request. */
    private static final String ID_PREFIX = String.format("%08x", new java.security.SecureRandom().nextInt());

    private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();
    private static volatile LogFormat format = LogFormat.TEXT;

    private AccessLog() {}

    /** Set once by the logging set-up, before the server starts. */
    public static void format(LogFormat f) {
        format = f;
    }

    static boolean enabled() {
        return LOG.isLoggable(Level.INFO);
    }

    /** JSON access lines carry a request id, which the response returns. */
    static boolean withRequestIds() {
        return format == LogFormat.JSON && enabled();
    }

    /** The client's X-Request-Id when it is a plain token (a proxy in front set it), else a new one. */
    static String requestId(ServerRequest req) {
        String given = req.headers().first(HeaderNames.create(REQUEST_ID)).orElse(null);
        if (given != null && GIVEN_ID.matcher(given).matches()) {
            return given;
        }
        return ID_PREFIX + "-" + Long.toHexString(IDS.incrementAndGet());
    }

    static void log(Exchange x, int status, long nanos) {
        StringBuilder sb = new StringBuilder(96 + x.rawPath.length());
        String client = x.client;
        String path = x.req.prologue().hasQuery()
                ? x.rawPath + "?" + x.req.prologue().query().rawValue()
                : x.rawPath;
        sb.append(client).append(' ').append(x.method()).append(' ').append(path);
        sb.append(' ').append(status).append(' ').append(x.bytes).append("B ");
        int millisAt = sb.length();
        appendMillis(sb, nanos);
        String millis = sb.substring(millisAt);
        sb.append("ms ").append(x.cache.label());
        if (x.aborted) {
            sb.append(" aborted");
        }
        if (format == LogFormat.JSON) {
            LOG.log(Level.INFO, json(x, sb.toString(), client, path, status, millis));
        } else {
            LOG.log(Level.INFO, sb.toString());
        }
    }

    /** The line as one JSON object, the text line as its message (docs/configuration.md#access-log). */
    private static String json(Exchange x, String message, String client, String path, int status, String millis) {
        StringBuilder j = new StringBuilder(256 + 2 * message.length()).append('{');
        JsonLines.field(j, "time", JsonFormatter.TIME.format(java.time.Instant.now()));
        JsonLines.field(j, "level", "INFO");
        JsonLines.field(j, "logger", LOGGER_NAME);
        JsonLines.field(j, "message", message);
        JsonLines.field(j, "request_id", x.requestId);
        JsonLines.field(j, "client", client);
        JsonLines.field(j, "method", x.method());
        JsonLines.field(j, "path", path);
        JsonLines.field(j, "route", x.endpoint.label());
        JsonLines.field(j, "status", status);
        JsonLines.field(j, "cache", x.cache.label());
        String upstream = upstream(x);
        if (upstream != null) {
            JsonLines.field(j, "upstream", upstream);
        }
        JsonLines.field(j, "bytes", x.bytes);
        JsonLines.rawField(j, "duration_ms", millis);
        if (x.aborted) {
            JsonLines.rawField(j, "aborted", "true");
        }
        return j.append('}').toString();
    }

    /** Which upstream pool a miss (or a stale answer, whose refresh failed) went to. */
    private static String upstream(Exchange x) {
        if (x.cache != Cache.MISS && x.cache != Cache.STALE) {
            return null;
        }
        if (x.upstream != null) {
            return x.upstream;
        }
        return switch (x.endpoint) {
            case LIST, LATEST, INFO, MOD, ZIP -> "go";
            case SUMDB -> "sumdb";
            default -> null;
        };
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
