package dev.ferry.server.admin.api;

import java.util.List;

/** {@code DELETE /admin/api/pins}: how many pins each item released. */
public record UnpinResults(List<Result> results) {

    public record Result(String item, String key, long released) {}
}
