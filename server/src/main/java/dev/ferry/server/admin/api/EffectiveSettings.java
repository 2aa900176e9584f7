package dev.ferry.server.admin.api;

import java.util.List;

/**
 * {@code GET /admin/api/settings}: every setting as ferry was started with it, and where its value came from
 * ({@code flag --x}, {@code env FERRY_X}, the config file's {@code FILE:LINE}, or {@code default}). Secrets are
 * redacted: {@code secret} values are never sent, credentials in URLs are masked. {@code known} is false when
 * ferry was started without the CLI (embedded, tests) and the sources are not known.
 */
public record EffectiveSettings(boolean known, List<Value> settings) {
    public record Value(String key, String value, String source, String flag, String env, boolean secret) {}
}
