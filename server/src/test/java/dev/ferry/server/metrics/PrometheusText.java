package dev.ferry.server.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A strict reader of the text format 0.0.4, for tests: series to value. A series is found whatever the order of
 * its labels and however an {@code le} bound is spelt ({@code le="1"} or {@code le="1.0"}), as Prometheus treats
 * them: client_java writes labels sorted by name, the tests name them in the order the docs list them.
 */
public final class PrometheusText {
    private PrometheusText() {}

    public static Map<String, Double> parse(String text) {
        Map<String, Double> out = new TreeMap<>(Comparator.comparing(PrometheusText::canonical));
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

    /** {@code name{a="x",b="y"}} with the labels sorted by name and {@code le} as a double. */
    static String canonical(String series) {
        int brace = series.indexOf('{');
        if (brace < 0) {
            return series;
        }
        if (!series.endsWith("}")) {
            throw new IllegalArgumentException("bad series: " + series);
        }
        List<String[]> labels = new ArrayList<>();
        String body = series.substring(brace + 1, series.length() - 1);
        int i = 0;
        while (i < body.length()) {
            int eq = body.indexOf("=\"", i);
            if (eq < 0) {
                throw new IllegalArgumentException("bad labels: " + series);
            }
            int end = eq + 2;
            while (body.charAt(end) != '"') {
                end += body.charAt(end) == '\\' ? 2 : 1;
            }
            String name = body.substring(i, eq);
            String value = body.substring(eq + 2, end);
            if (name.equals("le") && !value.equals("+Inf")) {
                value = Double.toString(Double.parseDouble(value));
            }
            labels.add(new String[] {name, value});
            i = end + 1;
            if (i < body.length() && body.charAt(i) == ',') {
                i++;
            }
        }
        labels.sort(Comparator.comparing(l -> l[0]));
        StringBuilder sb = new StringBuilder(series.substring(0, brace)).append('{');
        for (String[] l : labels) {
            sb.append(sb.charAt(sb.length() - 1) == '{' ? "" : ",")
                    .append(l[0])
                    .append("=\"")
                    .append(l[1])
                    .append('"');
        }
        return sb.append('}').toString();
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
