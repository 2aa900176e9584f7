package dev.ferry.server.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * What the HTTP listener holds clients to, and how it names itself to them (docs/configuration.md, "Hostile
 * clients" and "Host names").
 *
 * @param headTimeout             the whole request head must arrive within this long; zero: no deadline
 * @param maxConnectionsPerClient connections one client address may hold at once; 0: no cap
 * @param publicUrl               the URL clients reach ferry at (the registry's token realm is built from it), or
 *                                null: then only a Host that names the listen address or one of {@code hostNames}
 *                                is believed
 * @param hostNames               more names (host or host:port) clients may reach ferry by
 * @param trustedProxies          the proxies in front of ferry whose X-Forwarded-For names the client
 */
public record ListenerSettings(
        Duration headTimeout,
        int maxConnectionsPerClient,
        URI publicUrl,
        List<String> hostNames,
        TrustedProxies trustedProxies) {
    public static final Duration DEFAULT_HEAD_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 512;

    public ListenerSettings {
        if (headTimeout.isNegative()) {
            throw new IllegalArgumentException("headTimeout must not be negative: " + headTimeout);
        }
        if (maxConnectionsPerClient < 0) {
            throw new IllegalArgumentException(
                    "maxConnectionsPerClient must be 0 (no cap) or positive: " + maxConnectionsPerClient);
        }
        hostNames = List.copyOf(hostNames);
    }

    /** No trusted proxies: every client is the address its connection comes from. */
    public ListenerSettings(Duration headTimeout, int maxConnectionsPerClient, URI publicUrl, List<String> hostNames) {
        this(headTimeout, maxConnectionsPerClient, publicUrl, hostNames, TrustedProxies.NONE);
    }

    public ListenerSettings(Duration headTimeout, int maxConnectionsPerClient) {
        this(headTimeout, maxConnectionsPerClient, null, List.of(), TrustedProxies.NONE);
    }

    public static ListenerSettings defaults() {
        return new ListenerSettings(DEFAULT_HEAD_TIMEOUT, DEFAULT_MAX_CONNECTIONS_PER_CLIENT);
    }
}
