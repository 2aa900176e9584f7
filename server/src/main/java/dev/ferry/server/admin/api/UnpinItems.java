package dev.ferry.server.admin.api;

import java.util.List;

/** {@code DELETE /admin/api/pins}. */
public record UnpinItems(List<String> items) {}
