package dev.ferry.server.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/** A strict reader of the text format 0.0.4, for tests: series (name plus labels as written) to value. */
public final class PrometheusText {
    private PrometheusText() {}

    public static Map<String, Double> parse(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        String lastType = null;
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# HELP ")) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                if (parts.length != 4 || !parts[3].matches("counter|gauge|histogram|summary|untyped")) {
                    throw new IllegalArgumentException("bad TYPE line: " + line);
                }
                lastType = parts[2];
                continue;
            }
            if (line.startsWith("#")) {
                throw new IllegalArgumentException("unexpected comment: " + line);
            }
            int space = seriesEnd(line);
            String series = line.substring(0, space);
            String name = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
            if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
                throw new IllegalArgumentException("bad metric name: " + line);
            }
            if (lastType == null || !name.startsWith(lastType)) {
                throw new IllegalArgumentException("sample before its TYPE line: " + line);
            }
            String value = line.substring(space + 1);
            double v = switch (value) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(value);
            };
            if (out.put(series, v) != null) {
                throw new IllegalArgumentException("duplicate series: " + series);
            }
        }
        return out;
    }

    /** Index of the space after the series, skipping quoted label values (which may hold spaces and escapes). */
    private static int seriesEnd(String line) {
        boolean inQuotes = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (inQuotes) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inQuotes = false;
                }
            } else if (c == '"') {
                inQuotes = true;
            } else if (c == ' ') {
                return i;
            }
        }
        throw new IllegalArgumentException("no value: " + line);
    }
}
