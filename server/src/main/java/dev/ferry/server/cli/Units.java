package dev.ferry.server.cli;

import java.util.Locale;

/** How the CLI writes sizes and rates. */
final class Units {
    private Units() {}

    /** "512 B", "1.5 KiB", "3.2 GiB". */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** "35.2 MB/s". */
    static String rate(double bytesPerSecond) {
        return String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6);
    }
}
