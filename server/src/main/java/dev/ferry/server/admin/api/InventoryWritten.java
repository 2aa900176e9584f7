package dev.ferry.server.admin.api;

import java.util.List;

/** {@code POST /admin/api/inventory}: where it was written, and what it lists. */
public record InventoryWritten(String out, List<Count> summary) {}
