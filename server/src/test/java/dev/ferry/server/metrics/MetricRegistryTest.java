package dev.ferry.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.StoreStats;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricRegistryTest {

    @Test
    void labelValuesAreEscaped() {
        MetricRegistry r = new MetricRegistry();
        r.counter("t_total", "help with \\ and\nnewline", "v").labels("a\"b\\c\nd").inc();
        String text = r.scrape();
        assertTrue(text.contains("# HELP t_total help with \\\\ and\\nnewline\n"), text);
        assertTrue(text.contains("t_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"), text);
        assertEquals(1.0, PrometheusText.parse(text).get("t_total{v=\"a\\\"b\\\\c\\nd\"}"));
    }

    @Test
    void histogramBucketsAreCumulative() {
        MetricRegistry r = new MetricRegistry();
        HistogramFamily.Histogram h = r.histogram("lat_seconds", "latency", new double[] {0.1, 1}, "x").labels("y");
        h.observe(0.05);
        h.observe(0.1);
        h.observe(0.5);
        h.observe(7);
        Map<String, Double> m = PrometheusText.parse(r.scrape());
        assertEquals(2.0, m.get("lat_seconds_bucket{x=\"y\",le=\"0.1\"}"));
        assertEquals(3.0, m.get("lat_seconds_bucket{x=\"y\",le=\"1\"}"));
        assertEquals(4.0, m.get("lat_seconds_bucket{x=\"y\",le=\"+Inf\"}"));
        assertEquals(4.0, m.get("lat_seconds_count{x=\"y\"}"));
        assertEquals(7.65, m.get("lat_seconds_sum{x=\"y\"}"), 1e-9);
    }

    @Test
    void childrenAreResolvedOnceAndLabelCountsChecked() {
        MetricRegistry r = new MetricRegistry();
        CounterFamily f = r.counter("c_total", "c", "a", "b");
        assertSame(f.labels("1", "2"), f.labels("1", "2"));
        assertThrows(IllegalArgumentException.class, () -> f.labels("1"));
        assertThrows(IllegalArgumentException.class, () -> r.counter("c_total", "again"));
    }

    @Test
    void storeGaugesReadTheStoreAtScrapeTime() {
        long[] objects = {3};
        FerryMetrics metrics = new FerryMetrics(() -> new StoreStats(objects[0], 100, 7, 90, 4096));
        Map<String, Double> m = PrometheusText.parse(metrics.registry().scrape());
        assertEquals(3.0, m.get("ferry_store_objects"));
        assertEquals(100.0, m.get("ferry_store_bytes"));
        assertEquals(7.0, m.get("ferry_store_chunks"));
        assertEquals(4096.0, m.get("ferry_store_disk_bytes"));
        objects[0] = 5;
        assertEquals(5.0, PrometheusText.parse(metrics.registry().scrape()).get("ferry_store_objects"));
    }
}
