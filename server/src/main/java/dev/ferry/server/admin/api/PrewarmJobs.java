package dev.ferry.server.admin.api;

import java.util.List;

/** {@code GET /admin/api/prewarm}: running jobs and the last ended ones, oldest first. */
public record PrewarmJobs(List<PrewarmJob> jobs) {}
