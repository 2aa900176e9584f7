package dev.ferry.server.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A histogram with fixed upper bounds (seconds, say) and labels. */
public final class HistogramFamily extends MetricRegistry.Family {
    /** Latency buckets from 250µs to 60s. */
    public static final double[] LATENCY_SECONDS = {
            0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final String[] labelNames;
    private final double[] bounds;
    private final Map<List<String>, Histogram> children = new ConcurrentHashMap<>();

    HistogramFamily(String name, String help, double[] bounds, String[] labelNames) {
        super(name, help);
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must increase");
            }
        }
        this.bounds = bounds.clone();
        this.labelNames = labelNames.clone();
    }

    public Histogram labels(String... values) {
        List<String> key = MetricRegistry.checkLabels(labelNames, values);
        Histogram h = children.get(key);
        return h != null ? h : children.computeIfAbsent(key, k -> new Histogram(k));
    }

    @Override
    String type() {
        return "histogram";
    }

    @Override
    void write(StringBuilder sb) {
        children.values().stream().sorted((a, b) -> a.plainLabels.compareTo(b.plainLabels)).forEach(h -> {
            long cumulative = 0;
            for (int i = 0; i <= bounds.length; i++) {
                cumulative += h.buckets[i].sum();
                sb.append(name).append("_bucket").append(h.bucketLabels[i]).append(' ').append(cumulative).append('\n');
            }
            sb.append(name).append("_sum").append(h.plainLabels).append(' ')
                    .append(MetricRegistry.formatValue(h.sum.sum())).append('\n');
            sb.append(name).append("_count").append(h.plainLabels).append(' ').append(cumulative).append('\n');
        });
    }

    /** One labelled histogram; observations are lock-free. */
    public final class Histogram {
        private final LongAdder[] buckets;
        private final DoubleAdder sum = new DoubleAdder();
        private final String plainLabels;
        private final String[] bucketLabels;

        Histogram(List<String> values) {
            buckets = new LongAdder[bounds.length + 1];
            bucketLabels = new String[bounds.length + 1];
            for (int i = 0; i <= bounds.length; i++) {
                buckets[i] = new LongAdder();
                String le = i < bounds.length ? MetricRegistry.formatValue(bounds[i]) : "+Inf";
                bucketLabels[i] = MetricRegistry.renderLabels(labelNames, values, "le=\"" + le + "\"");
            }
            plainLabels = MetricRegistry.renderLabels(labelNames, values, null);
        }

        public void observe(double value) {
            int i = 0;
            while (i < bounds.length && value > bounds[i]) {
                i++;
            }
            buckets[i].increment();
            sum.add(value);
        }

        public void observeNanos(long nanos) {
            observe(nanos / 1e9);
        }
    }
}
