package dev.ferry.server.admin;

import dev.ferry.server.metrics.RecentMinutes;
import dev.ferry.server.metrics.RecentRefusals;

/** What the web console adds to the admin API: its reads, its sessions, the per-minute history and refusals. */
public record Console(ConsoleApi api, ConsoleSessions sessions, RecentMinutes minutes, RecentRefusals refusals) {}
