package dev.ferry.server.config;

import dev.ferry.protocols.sumdb.note.Verifier;
import java.nio.file.Path;
import java.util.List;

/**
 * Bundle settings of {@code ferry serve}: the keys whose bundles an import accepts ({@code --trust-key},
 * FERRY_TRUST_KEYS, {@code bundles.trust}), the directories admin requests may name ({@code bundles.roots}; empty
 * means DATA/bundles), whether a request may add keys of its own ({@code bundles.allowRequestTrust}) and the
 * scheduled exports ({@code bundles.sync}, YAML only).
 */
public record BundlesConfig(
        List<Verifier> trusted, List<BundleSync> sync, List<Path> roots, boolean allowRequestTrust) {
    public BundlesConfig {
        trusted = List.copyOf(trusted);
        sync = List.copyOf(sync);
        roots = List.copyOf(roots);
    }

    public BundlesConfig(List<Verifier> trusted, List<BundleSync> sync) {
        this(trusted, sync, List.of(), false);
    }

    public static BundlesConfig none() {
        return new BundlesConfig(List.of(), List.of());
    }

    @Override
    public String toString() {
        return "bundles[trusted=" + trusted + ", roots=" + roots + ", allowRequestTrust=" + allowRequestTrust
                + ", sync="
                + sync.stream()
                        .map(s -> s.site() + "->" + s.to() + " every " + Durations.format(s.every()))
                        .toList() + "]";
    }
}
