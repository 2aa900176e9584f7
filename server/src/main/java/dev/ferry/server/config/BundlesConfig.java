package dev.ferry.server.config;

import dev.ferry.protocols.sumdb.note.Verifier;
import java.util.List;

/**
 * Bundle settings of {@code ferry serve}: the keys whose bundles an import accepts ({@code --trust-key},
 * FERRY_TRUST_KEYS, {@code bundles.trust}) and the scheduled exports ({@code bundles.sync}, YAML only).
 */
public record BundlesConfig(List<Verifier> trusted, List<BundleSync> sync) {
    public BundlesConfig {
        trusted = List.copyOf(trusted);
        sync = List.copyOf(sync);
    }

    public static BundlesConfig none() {
        return new BundlesConfig(List.of(), List.of());
    }

    @Override
    public String toString() {
        return "bundles[trusted=" + trusted + ", sync="
                + sync.stream()
                        .map(s -> s.site() + "->" + s.to() + " every " + Durations.format(s.every()))
                        .toList() + "]";
    }
}
