package dev.ferry.server.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** A counter with labels; {@link #labels} resolves (and caches) one child. */
public final class CounterFamily extends MetricRegistry.Family {
    private final String[] labelNames;
    private final Map<List<String>, Counter> children = new ConcurrentHashMap<>();

    CounterFamily(String name, String help, String[] labelNames) {
        super(name, help);
        this.labelNames = labelNames.clone();
    }

    public Counter labels(String... values) {
        List<String> key = MetricRegistry.checkLabels(labelNames, values);
        Counter c = children.get(key);
        return c != null ? c : children.computeIfAbsent(key, k -> new Counter(MetricRegistry.renderLabels(labelNames, k, null)));
    }

    @Override
    String type() {
        return "counter";
    }

    @Override
    void write(StringBuilder sb) {
        children.values().stream().sorted((a, b) -> a.labels.compareTo(b.labels)).forEach(c ->
                sb.append(name).append(c.labels).append(' ').append(c.get()).append('\n'));
    }

    /** One time series: a LongAdder, cheap to increment from many threads. */
    public static final class Counter {
        private final String labels;
        private final LongAdder adder = new LongAdder();

        Counter(String labels) {
            this.labels = labels;
        }

        public void inc() {
            adder.increment();
        }

        public void add(long n) {
            if (n > 0) {
                adder.add(n);
            }
        }

        public long get() {
            return adder.sum();
        }
    }
}
