package dev.ferry.server.config;

import dev.ferry.upstreams.pool.Credentials;
import java.time.Duration;

/**
 * One item of the YAML {@code upstreams:} list: details for an upstream named in a list such as go.upstream.
 * Null fields fall back to the pool-wide settings. {@code source} is the file and line, for error messages.
 */
public record UpstreamEntry(String url, Integer weight, Credentials credentials, Duration connectTimeout,
                            Duration firstByteTimeout, Duration stallTimeout, String source) {}
