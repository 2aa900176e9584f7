package dev.ferry.server.admin.api;

import java.util.List;

/**
 * {@code GET /admin/api/oci/tags?registry=&repository=&q=&after=&limit=}: a repository's tags as last resolved;
 * {@code stale} when the tag's TTL has passed since (a pull resolves it upstream again, or serves it as it is when
 * the upstream cannot be reached).
 */
public record TagPage(String registry, String repository, List<TagEntry> tags, String next) {
    public record TagEntry(
            String tag, String digest, String mediaType, long size, String resolved, String source, boolean stale) {}
}
