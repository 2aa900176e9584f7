package dev.ferry.server.http;

import dev.ferry.server.metrics.FerryMetrics;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Answers for requests Helidon refuses before routing (malformed request line, oversized request line or headers,
 * bad Host header): a short plain-text body saying what was wrong, and the connection closed. Fixed texts, never
 * echoing the request. Each is counted in the metrics (endpoint {@code other}) and written as one access-log line.
 *
 * <p>Helidon reports a request head it failed to read (a control or non-ASCII byte in the method, which its token
 * check throws on; a client that closed half-way through its head) as an internal error, and logs a stack trace for
 * every 500 it sends. ferry's routes catch their own failures, so an internal error before any request was parsed
 * is the head's fault: a 400, and then Helidon logs nothing.
 */
final class PlainDirectHandler implements DirectHandler {
    private static final Logger ACCESS = Logger.getLogger(AccessLog.LOGGER_NAME);

    private final FerryMetrics metrics;

    private PlainDirectHandler(FerryMetrics metrics) {
        this.metrics = metrics;
    }

    /** {@code metrics} null: refusals are not counted (tests without metrics). */
    static DirectHandlers handlers(FerryMetrics metrics) {
        DirectHandlers.Builder b = DirectHandlers.builder();
        PlainDirectHandler h = new PlainDirectHandler(metrics);
        for (EventType type : EventType.values()) {
            b.addHandler(type, h);
        }
        return b.build();
    }

    @Override
    public TransportResponse handle(
            TransportRequest request,
            EventType eventType,
            Status status,
            ServerResponseHeaders headers,
            String message) {
        Status answered = headNeverParsed(request, eventType) ? Status.BAD_REQUEST_400 : status;
        headers.set(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        headers.set(HeaderNames.CACHE_CONTROL, "no-store");
        headers.set(HeaderNames.CONNECTION, "close");
        String text = text(answered, eventType);
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        String method = request.method() == null || request.method().isEmpty() ? "-" : request.method();
        if (metrics != null) {
            metrics.request(
                    FerryMetrics.Endpoint.OTHER, method, answered.code(), FerryMetrics.Cache.NONE, body.length, 0);
        }
        // The request's own words stay out of the log (they are what was malformed): its method only when parsed.
        ACCESS.log(
                answered.code() >= 500 ? Level.WARNING : Level.INFO,
                "- " + (method.equals("-") ? "-" : safe(method)) + " - " + answered.code() + " refused before routing: "
                        + text);
        return TransportResponse.builder()
                .status(answered)
                .headers(headers)
                .keepAlive(false)
                .entity(body)
                .build();
    }

    /** An internal error with no request parsed: Helidon failed to read the head (see the class comment). */
    static boolean headNeverParsed(TransportRequest request, EventType eventType) {
        return eventType == EventType.INTERNAL_ERROR
                && (request.method() == null || request.method().isEmpty());
    }

    private static String safe(String method) {
        return method.length() <= 16 && method.chars().allMatch(c -> c > 32 && c < 127) ? method : "?";
    }

    static String text(Status status, EventType type) {
        return switch (status.code()) {
            case 400 -> "bad request: malformed request line, path or headers";
            case 408 -> "request head not received in time";
            case 413 -> "request body too large (ferry's GOPROXY endpoints take no body)";
            case 414 -> "request line too long";
            case 431 -> "request headers too large";
            case 505 -> "HTTP version not supported";
            case 403 -> "forbidden";
            default ->
                type == EventType.INTERNAL_ERROR
                        ? "internal server error"
                        : status.reasonPhrase().toLowerCase(Locale.ROOT);
        };
    }
}
