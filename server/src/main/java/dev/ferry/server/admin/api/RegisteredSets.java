package dev.ferry.server.admin.api;

import java.util.List;

/** {@code GET /admin/api/mirror-sets}. */
public record RegisteredSets(List<RegisteredSet> mirrorSets) {}
