package dev.ferry.upstreams.pool;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** The Retry-After header of a 429 or 503: delta-seconds or an HTTP-date (RFC 9110, 10.2.3). */
final class RetryAfter {
    private RetryAfter() {}

    /** The wait a 429 or 503 asked for, or null: only those two statuses ask (breakers honour nothing else). */
    public static Duration of(HttpResponse<?> response, Instant now) {
        int status = response.statusCode();
        return status == 429 || status == 503
                ? parse(response.headers().firstValue("Retry-After").orElse(null), now)
                : null;
    }

    /** The wait asked for, or null when the header is absent, unreadable or in the past. */
    public static Duration parse(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        try {
            long seconds = Long.parseLong(v);
            return seconds > 0 ? Duration.ofSeconds(Math.min(seconds, 86_400)) : null;
        } catch (NumberFormatException e) {
            // not delta-seconds; try a date
        }
        try {
            Instant at =
                    ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(now, at);
            return d.isNegative() || d.isZero() ? null : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
