package dev.ferry.server.http;

import dev.ferry.mirror.oci.OciRepositories;
import dev.ferry.server.hosted.HostedInStore;
import dev.ferry.server.hosted.HostedRepositories;
import dev.ferry.server.registryauth.RegistryAuth;
import java.util.List;
import java.util.Map;

/**
 * What {@code /v2/} serves: the mirrored registries by name, the hosted repositories (null when nothing is
 * hosted) with their prefixes, the default registry (null for none), who may push, the upload size limit, and
 * the hosted repositories the store holds (null: not looked for), to explain a pull of one this ferry does not host.
 */
public record OciRouting(
        Map<String, ? extends OciRepositories> mirrors,
        HostedRepositories hosted,
        List<String> hostedPrefixes,
        String defaultRegistry,
        RegistryAuth auth,
        long maxUploadSize,
        HostedInStore stored) {

    public OciRouting(
            Map<String, ? extends OciRepositories> mirrors,
            HostedRepositories hosted,
            List<String> hostedPrefixes,
            String defaultRegistry,
            RegistryAuth auth,
            long maxUploadSize) {
        this(mirrors, hosted, hostedPrefixes, defaultRegistry, auth, maxUploadSize, null);
    }

    OciHandler handler() {
        return handler(ClientAccess.open(auth));
    }

    /** With pull access control: {@code access} knows the same users as {@link #auth}. */
    OciHandler handler(ClientAccess access) {
        return handler(access, null);
    }

    /** And hosted pushes and deletes of manifests written to {@code audit} (null: nowhere). */
    OciHandler handler(ClientAccess access, dev.ferry.server.admin.AuditLog audit) {
        return new OciHandler(
                new RegistryRouter(mirrors, hosted, hostedPrefixes, defaultRegistry),
                auth,
                maxUploadSize,
                stored,
                access.protect(),
                audit);
    }
}
