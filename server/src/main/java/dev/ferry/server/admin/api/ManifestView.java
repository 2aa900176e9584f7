package dev.ferry.server.admin.api;

import java.util.List;

/**
 * {@code GET /admin/api/oci/manifest?registry=&repository=&digest=}: a stored manifest or index as ferry holds it:
 * an index's {@code manifests} with their platforms, an image's {@code config} and {@code layers}, and the
 * {@code referrers} (signatures, SBOMs) stored for it. {@code stored} says whether ferry holds each one's bytes.
 */
public record ManifestView(
        String registry,
        String repository,
        String digest,
        String mediaType,
        long size,
        long totalBytes,
        List<Item> manifests,
        Item config,
        List<Item> layers,
        List<Item> referrers) {
    public record Item(
            String digest, String mediaType, long size, String platform, String artifactType, boolean stored) {}
}
