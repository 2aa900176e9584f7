package dev.ferry.server.admin.api;

/** {@code POST /admin/api/inventory}: the file (absolute, on the server) to write what this ferry holds to. */
public record WriteInventory(String out) {}
