package dev.ferry.server.admin.api;

import java.util.List;

/**
 * {@code GET /admin/api/audit?since=&until=&action=&result=&who=&after=&limit=}: the audit log, newest first,
 * filtered: {@code since}/{@code until} ISO-8601 instants, {@code action} and {@code who} substrings, {@code
 * result} {@code ok} (2xx), {@code refused} (4xx) or {@code failed} (5xx). {@code next} is the {@code after} of the
 * next (older) page.
 */
public record AuditPage(List<Entry> entries, String next) {
    public record Entry(
            String time, String who, String from, String action, String target, int status, String result) {}
}
