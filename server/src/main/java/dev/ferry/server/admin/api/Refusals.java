package dev.ferry.server.admin.api;

import java.util.List;

/**
 * {@code GET /admin/api/refusals}: the last content ferry refused to store since start, newest first: a checksum
 * or digest mismatch, with the upstream that sent it (now quarantined), what it was and why.
 */
public record Refusals(List<Refusal> refusals) {
    public record Refusal(String at, String upstream, String subject, String reason) {}
}
