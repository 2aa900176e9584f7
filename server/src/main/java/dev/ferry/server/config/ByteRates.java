package dev.ferry.server.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte counts such as {@code 1KiB}, {@code 512}, {@code 2MB}: B, KiB/MiB/GiB/TiB (1024) or KB/MB/GB/TB (1000). */
public final class ByteRates {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([a-zA-Z]*)(?:/s)?");

    private ByteRates() {}

    public static long parse(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a number of bytes such as 1KiB, 512 or 2MB");
        }
        long n = Long.parseLong(m.group(1));
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1;
            case "kib", "k" -> 1L << 10;
            case "mib", "m" -> 1L << 20;
            case "gib", "g" -> 1L << 30;
            case "tib", "t" -> 1L << 40;
            case "kb" -> 1000;
            case "mb" -> 1000_000;
            case "gb" -> 1000_000_000;
            case "tb" -> 1000_000_000_000L;
            default ->
                throw new IllegalArgumentException(
                        "unknown unit \"" + m.group(2) + "\" (use B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)");
        };
        return Math.multiplyExact(n, unit);
    }
}
