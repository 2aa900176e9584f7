package dev.ferry.server.admin.api;

import java.util.List;

/** {@code GET /admin/api/bundles}: every bundle this ferry exported, oldest first. */
public record ExportHistory(List<Exported> bundles) {

    /**
     * {@code base}: the bundle it was built on (--since), or null; {@code inventory}: cut against an inventory;
     * {@code sinceAvailable}: an export may be cut --since this one (its record of what the site holds is among the
     * newest five kept for its site).
     */
    public record Exported(
            String id,
            String site,
            String base,
            boolean inventory,
            String directory,
            String created,
            long objects,
            long chunks,
            long bytes,
            boolean sinceAvailable) {}
}
