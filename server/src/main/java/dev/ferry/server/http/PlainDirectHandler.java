package dev.ferry.server.http;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Answers for requests Helidon refuses before routing (malformed request line, oversized request line or headers,
 * bad Host header): a short plain-text body saying what was wrong, and the connection closed. Fixed texts, never
 * echoing the request.
 */
final class PlainDirectHandler implements DirectHandler {
    static DirectHandlers handlers() {
        DirectHandlers.Builder b = DirectHandlers.builder();
        PlainDirectHandler h = new PlainDirectHandler();
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
        headers.set(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        headers.set(HeaderNames.CACHE_CONTROL, "no-store");
        headers.set(HeaderNames.CONNECTION, "close");
        return TransportResponse.builder()
                .status(status)
                .headers(headers)
                .keepAlive(false)
                .entity((text(status, eventType) + "\n").getBytes(StandardCharsets.UTF_8))
                .build();
    }

    static String text(Status status, EventType type) {
        return switch (status.code()) {
            case 400 -> "bad request: malformed request line, path or headers";
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
