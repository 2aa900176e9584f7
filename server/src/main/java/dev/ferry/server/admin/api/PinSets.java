package dev.ferry.server.admin.api;

import java.util.List;

/** {@code GET /admin/api/pins}. */
public record PinSets(List<PinSet> pinSets) {

    public record PinSet(String name, long objects, long bytes) {}
}
