package dev.ferry.server.admin;

import dev.ferry.server.metrics.RecentMinutes;
import dev.ferry.server.metrics.RecentRefusals;
import dev.ferry.server.registryauth.SignInThrottle;

/**
 * What the web console adds to the admin API: its reads, its sessions and the limit on failed sign-ins, the
 * per-minute history and refusals.
 */
public record Console(
        ConsoleApi api,
        ConsoleSessions sessions,
        SignInThrottle signIns,
        RecentMinutes minutes,
        RecentRefusals refusals) {}
