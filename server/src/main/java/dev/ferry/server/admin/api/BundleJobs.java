package dev.ferry.server.admin.api;

import java.util.List;

/** {@code GET /admin/api/exports} or {@code /imports}: running and recent jobs of that kind, oldest first. */
public record BundleJobs(List<BundleJob> jobs) {}
