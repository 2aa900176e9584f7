package dev.ferry.server.metrics;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * A tiny metric registry writing the Prometheus text exposition format 0.0.4. Families are written in the order
 * they were registered. Children (one per label set) are created on first use and cached; callers on hot paths
 * resolve them once and keep the reference.
 */
public final class MetricRegistry {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final List<Family> families = new CopyOnWriteArrayList<>();

    public CounterFamily counter(String name, String help, String... labelNames) {
        return register(new CounterFamily(name, help, labelNames));
    }

    public HistogramFamily histogram(String name, String help, double[] buckets, String... labelNames) {
        return register(new HistogramFamily(name, help, buckets, labelNames));
    }

    /** A gauge read at scrape time. */
    public void gauge(String name, String help, DoubleSupplier value) {
        register(new GaugeFamily(name, help, value));
    }

    /**
     * A gauge family read at scrape time: {@code values} maps each value of the one label to the gauge's value,
     * for label sets only known at run time (one per configured upstream).
     */
    public void gauges(String name, String help, String labelName, Supplier<Map<String, Double>> values) {
        register(new LabelledGaugeFamily(name, help, labelName, values));
    }

    private <F extends Family> F register(F family) {
        for (Family f : families) {
            if (f.name.equals(family.name)) {
                throw new IllegalArgumentException("metric " + family.name + " registered twice");
            }
        }
        families.add(family);
        return family;
    }

    /** Writes every family in text format 0.0.4. */
    public void writeTo(Writer out) throws IOException {
        StringBuilder sb = new StringBuilder(4096);
        for (Family family : families) {
            sb.append("# HELP ").append(family.name).append(' ');
            escapeHelp(sb, family.help);
            sb.append('\n').append("# TYPE ").append(family.name).append(' ').append(family.type()).append('\n');
            family.write(sb);
            out.append(sb);
            sb.setLength(0);
        }
        out.flush();
    }

    public String scrape() {
        var w = new java.io.StringWriter();
        try {
            writeTo(w);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return w.toString();
    }

    static void escapeHelp(StringBuilder sb, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
    }

    static void escapeLabelValue(StringBuilder sb, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '"' -> sb.append("\\\"");
                default -> sb.append(c);
            }
        }
    }

    /** Renders {@code {a="x",b="y"}} (empty string for no labels); {@code extra} is an already-rendered pair. */
    static String renderLabels(String[] names, List<String> values, String extra) {
        if (names.length == 0 && extra == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        sb.append('{');
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(names[i]).append("=\"");
            escapeLabelValue(sb, values.get(i));
            sb.append('"');
        }
        if (extra != null) {
            if (names.length > 0) {
                sb.append(',');
            }
            sb.append(extra);
        }
        return sb.append('}').toString();
    }

    static String formatValue(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    abstract static sealed class Family permits CounterFamily, HistogramFamily, GaugeFamily, LabelledGaugeFamily {
        final String name;
        final String help;

        Family(String name, String help) {
            if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
                throw new IllegalArgumentException("bad metric name " + name);
            }
            this.name = name;
            this.help = help;
        }

        abstract String type();

        abstract void write(StringBuilder sb);
    }

    static List<String> checkLabels(String[] names, String[] values) {
        if (values.length != names.length) {
            throw new IllegalArgumentException("expected " + names.length + " label values, got " + values.length);
        }
        List<String> list = new ArrayList<>(values.length);
        for (String v : values) {
            list.add(v == null ? "" : v);
        }
        return List.copyOf(list);
    }

    static final class GaugeFamily extends Family {
        private final DoubleSupplier value;

        GaugeFamily(String name, String help, DoubleSupplier value) {
            super(name, help);
            this.value = value;
        }

        @Override
        String type() {
            return "gauge";
        }

        @Override
        void write(StringBuilder sb) {
            double v;
            try {
                v = value.getAsDouble();
            } catch (RuntimeException e) {
                v = Double.NaN;
            }
            sb.append(name).append(' ').append(formatValue(v)).append('\n');
        }
    }

    static final class LabelledGaugeFamily extends Family {
        private final String[] labelNames;
        private final Supplier<Map<String, Double>> values;

        LabelledGaugeFamily(String name, String help, String labelName, Supplier<Map<String, Double>> values) {
            super(name, help);
            this.labelNames = new String[] {labelName};
            this.values = values;
        }

        @Override
        String type() {
            return "gauge";
        }

        @Override
        void write(StringBuilder sb) {
            Map<String, Double> now;
            try {
                now = values.get();
            } catch (RuntimeException e) {
                return;
            }
            now.forEach((label, v) -> sb.append(name).append(renderLabels(labelNames, List.of(label), null))
                    .append(' ').append(formatValue(v)).append('\n'));
        }
    }
}
