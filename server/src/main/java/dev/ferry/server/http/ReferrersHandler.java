package dev.ferry.server.http;

import dev.ferry.protocols.oci.RegistryRequest;

/** {@code /v2/NAME/referrers/DIGEST?artifactType=}: the manifests whose subject is DIGEST, as an OCI index. */
final class ReferrersHandler {

    void handle(RepositoryCall call, RegistryRequest.Referrers referrers) {
        String artifactType = referrers.artifactType(call.query());
        call.read((target, name) -> target.referrers(name, referrers.subject(), artifactType));
    }
}
