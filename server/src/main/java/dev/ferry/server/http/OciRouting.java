package dev.ferry.server.http;

import dev.ferry.mirror.oci.HostedRepositories;
import dev.ferry.mirror.oci.OciRepositories;
import dev.ferry.server.admin.RegistryAuth;
import java.util.List;
import java.util.Map;

/**
 * What {@code /v2/} serves: the mirrored registries by name, the hosted repositories (null when nothing is
 * hosted) with their prefixes, the default registry (null for none), who may push, and the upload size limit.
 */
public record OciRouting(Map<String, ? extends OciRepositories> mirrors, HostedRepositories hosted,
                         List<String> hostedPrefixes, String defaultRegistry, RegistryAuth auth, long maxUploadSize) {

    OciHandler handler() {
        return new OciHandler(new RegistryRouter(mirrors, hosted, hostedPrefixes, defaultRegistry), auth, maxUploadSize);
    }
}
