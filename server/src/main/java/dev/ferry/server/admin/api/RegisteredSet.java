package dev.ferry.server.admin.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A registered mirror set: when it last started and runs next, its last run's report (null before the first), and,
 * for {@code GET /admin/api/mirror-sets/{name}} only, its YAML ({@code content}).
 */
public record RegisteredSet(
        String name,
        String fileName,
        String refresh,
        String registered,
        String lastStarted,
        String nextRun,
        PrewarmJob lastRun,
        @JsonInclude(JsonInclude.Include.NON_NULL) String content) {}
