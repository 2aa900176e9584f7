package dev.ferry.server.admin.api;

import java.util.List;

/**
 * {@code GET /admin/api/go/modules?q=&after=&limit=}: stored modules whose path starts with {@code q}, or matches
 * it as a glob ({@code *} any run of characters, {@code ?} one), in path order; {@code next} is the {@code after}
 * of the next page, null on the last.
 */
public record ModulePage(String query, List<Module> modules, String next) {
    public record Module(String path, int versions, boolean privateModule) {}
}
