package dev.ferry.server.config;

import dev.ferry.upstreams.pool.Upstream;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One mirrored upstream registry: the name clients route by ({@code docker.io}) and its endpoints in failover
 * order, each with its credentials and timeouts. No endpoints: the registry is off (served from the store only).
 */
public record RegistryConfig(String name, List<Upstream> endpoints) {
    /** Registry names: what OciStoreNames and routing accept (no '/' or ':', so a name ends unambiguously). */
    static final Pattern NAME = Pattern.compile("[a-z0-9._-]+");

    public RegistryConfig {
        endpoints = List.copyOf(endpoints);
    }

    /** Configured as {@code NAME=off}: no upstream, served from the store only. */
    public boolean offline() {
        return endpoints.isEmpty();
    }

    /** Null when {@code name} is a valid registry name, else why not. */
    static String checkName(String name) {
        if (name == null || name.isEmpty()) {
            return "a registry needs a name, e.g. docker.io=https://registry-1.docker.io";
        }
        if (!NAME.matcher(name).matches()) {
            return "registry name \"" + name + "\" may only hold a-z, 0-9, '.', '_' and '-' (no '/' or ':')";
        }
        if (name.matches("\\.+")) {
            // the name is a directory of oci-layout exports: only dots would climb out of it
            return "registry name \"" + name + "\" must not be only dots";
        }
        return null;
    }

    @Override
    public String toString() {
        return offline()
                ? name + "=" + RegistryEntries.OFF
                : name + "="
                        + String.join(
                                ",",
                                endpoints.stream().map(u -> u.base().toString()).toList());
    }
}
