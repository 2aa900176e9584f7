package dev.ferry.server.admin.api;

/** {@code DELETE /admin/api/mirror-sets/{name}}: the set's name. */
public record Removed(String removed) {}
