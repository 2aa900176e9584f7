package dev.ferry.server.admin.api;

import java.util.List;

/**
 * {@code GET /admin/api/go/versions?module=&after=&limit=}: a module's stored versions, in the store's key order.
 * {@code checkedBy} says what its hashes were checked against: {@code sumdb} (the checksum database), {@code
 * private} (a private module: its h1 pinned on first fetch). A file's {@code url} is the GOPROXY path it is served
 * at.
 */
public record VersionPage(String module, boolean privateModule, List<ModuleVersion> versions, String next) {
    public record ModuleVersion(
            String version,
            String stored,
            String upstream,
            String checkedBy,
            long bytes,
            String lastUsed,
            List<String> pins,
            List<ModuleFile> files) {}

    public record ModuleFile(String ext, String digest, long size, String h1, String url) {}
}
