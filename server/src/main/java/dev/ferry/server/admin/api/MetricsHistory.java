package dev.ferry.server.admin.api;

import java.util.List;

/**
 * {@code GET /admin/api/metrics/recent}: per minute over the last hours, oldest first, the last one the minute
 * still running: requests answered and body bytes sent, cache hits (with stale ones) and misses, and the store's
 * size at its end. {@code quotaBytes} null without a quota.
 */
public record MetricsHistory(Long quotaBytes, List<Minute> minutes) {
    public record Minute(String at, long requests, long bytes, long hits, long misses, long storeBytes) {}
}
