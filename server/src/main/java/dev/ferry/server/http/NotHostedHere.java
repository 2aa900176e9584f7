package dev.ferry.server.http;

import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.server.hosted.HostedInStore;

/**
 * A pull that found nothing, of a name the store holds as a hosted repository this ferry does not host (it came
 * in a bundle from a site that hosts it): says so and which flag serves it, rather than blaming the mirror.
 */
final class NotHostedHere {
    private final HostedInStore stored;

    /** @param stored the hosted repositories the store holds, or null: not looked for */
    NotHostedHere(HostedInStore stored) {
        this.stored = stored;
    }

    /** {@code answer}, or the explanation when it is an "unknown" error about a stored hosted repository. */
    OciAnswer explain(OciAnswer answer, RepositoryName name) {
        if (stored == null
                || !(answer instanceof OciAnswer.Error e)
                || !(e.code() == OciErrorCode.NAME_UNKNOWN
                        || e.code() == OciErrorCode.MANIFEST_UNKNOWN
                        || e.code() == OciErrorCode.BLOB_UNKNOWN)) {
            return answer;
        }
        return stored.find(name)
                .<OciAnswer>map(h -> new OciAnswer.Error(
                        OciErrorCode.NAME_UNKNOWN,
                        "repository "
                                + name + " came in "
                                + (h.bundles().isEmpty()
                                        ? "a bundle"
                                        : (h.bundles().size() == 1 ? "bundle " : "bundles ")
                                                + String.join(", ", h.bundles()))
                                + " as a hosted repository, which this ferry does not"
                                + " host; serve it with --hosted " + name.first()
                                + " (it was looked for as a mirrored repository: "
                                + e.message() + ")"))
                .orElse(answer);
    }
}
