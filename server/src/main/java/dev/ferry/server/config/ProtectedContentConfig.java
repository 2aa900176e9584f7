package dev.ferry.server.config;

import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.server.registryauth.ProtectedContent;
import dev.ferry.upstreams.pool.Credentials;
import java.util.ArrayList;
import java.util.List;

/** What a configuration protects: access.modules and access.images, plus the site's private content. */
public final class ProtectedContentConfig {
    private ProtectedContentConfig() {}

    /**
     * Unless access.anonymousPrivate is on, go.private modules (fetched with whatever the site's upstreams know)
     * and every registry mirrored with the site's own credentials are protected too.
     */
    public static ProtectedContent of(FerryConfig config) {
        AccessConfig access = config.access();
        List<String> images = new ArrayList<>(access.images());
        String modules = access.modules().text();
        if (!access.anonymousPrivate()) {
            if (!config.privates().isEmpty()) {
                modules = modules.isEmpty()
                        ? config.privates().text()
                        : modules + "," + config.privates().text();
            }
            for (RegistryConfig r : config.oci().registries()) {
                if (r.endpoints().stream()
                                .anyMatch(
                                        e -> e.credentials() != null && !(e.credentials() instanceof Credentials.None))
                        && !images.contains(r.name())) {
                    images.add(r.name());
                }
            }
        }
        return new ProtectedContent(PrivatePatterns.parse(modules), images);
    }
}
