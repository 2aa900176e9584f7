package dev.ferry.server.logging;

import java.util.Locale;

/** How log lines are written: for a person reading a terminal, or one JSON object per line for a collector. */
public enum LogFormat {
    TEXT,
    JSON;

    public static LogFormat parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "text" -> TEXT;
            case "json" -> JSON;
            default -> throw new IllegalArgumentException("expected text or json");
        };
    }
}
