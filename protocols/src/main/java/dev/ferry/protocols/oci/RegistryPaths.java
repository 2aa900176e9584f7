package dev.ferry.protocols.oci;

import java.util.regex.Pattern;

/** The patterns {@link RegistryRequest#parse} matches (an interface cannot keep them private). */
final class RegistryPaths {
    /** The name is greedy, so the last API suffix in the path wins (a name component may be "manifests"). */
    static final Pattern API_PATH = Pattern.compile(
            "/v2/(.+)/(?:manifests/([^/]*)|blobs/uploads/?([^/]*)|blobs/([^/]*)|(tags)/list|referrers/([^/]*))");
    /** An upload session id: what a registry may put in an upload's Location, and nothing that needs escaping. */
    static final Pattern SESSION = Pattern.compile("[A-Za-z0-9_=-]{1,128}");

    private RegistryPaths() {}
}
