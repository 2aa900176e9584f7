package dev.ferry.server.admin.api;

import java.util.List;

/**
 * {@code GET /admin/api/oci/repositories?q=&after=&limit=}: repositories ferry holds content of, mirrored
 * ({@code registry} is the configured registry's name) and hosted ({@code registry} "hosted"), whose name
 * contains {@code q}.
 */
public record RepositoryPage(String query, List<String> registries, List<Repository> repositories, String next) {
    public record Repository(String registry, String name) {}
}
