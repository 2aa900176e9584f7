package dev.ferry.server.config;

import java.time.Duration;

/** Go-style durations: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h30m}, {@code 2d}; {@code 0} alone is zero. */
public final class Durations {
    private Durations() {}

    public static Duration parse(String text) {
        String t = text.strip();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty duration");
        }
        Duration total = Duration.ZERO;
        int i = 0;
        while (i < t.length()) {
            int start = i;
            while (i < t.length() && Character.isDigit(t.charAt(i))) {
                i++;
            }
            if (i == start) {
                throw new IllegalArgumentException("bad duration \"" + text + "\": expected a number at \""
                        + t.substring(start) + "\" (examples: 500ms, 30s, 5m, 1h30m)");
            }
            long n;
            try {
                n = Long.parseLong(t.substring(start, i));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad duration \"" + text + "\": number too large");
            }
            int unitStart = i;
            while (i < t.length() && Character.isLetter(t.charAt(i))) {
                i++;
            }
            String unit = t.substring(unitStart, i);
            Duration part = switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                case "" ->
                    throw new IllegalArgumentException(
                            "bad duration \"" + text + "\": missing unit (ms, s, m, h or d)");
                default ->
                    throw new IllegalArgumentException(
                            "bad duration \"" + text + "\": unknown unit \"" + unit + "\" (use ms, s, m, h or d)");
            };
            total = total.plus(part);
        }
        return total;
    }

    /** The shortest text {@link #parse} reads back as {@code d}. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0";
        }
        long ms = d.toMillis();
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
