package dev.ferry.upstreams.cluster;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The key HAProxy hashes a request on, from its path, as the rules of the configuration {@code ferry cluster
 * haproxy-config} writes derive it (server's {@code cluster.HaproxyConfig}; docs/cluster.md explains each rule): a
 * module's path for GOPROXY requests and checksum lookups, the digest for registry blobs, the repository for manifests,
 * tags, referrers and uploads, {@code console} for the console and admin API, else the whole path (tiles, the tree
 * head). The rules are applied in the configuration's order, the last that matches winning, with the same regular
 * expressions; HaproxyRingIT checks this against the real HAProxy. The registry token rule of hosted repositories,
 * which reads the query string, is not here: a token is not content.
 */
public final class RoutingKey {
    private static final Pattern GOPROXY = Pattern.compile("^/[^@]+/@(v/[^/]+|latest)$");
    private static final Pattern LOOKUP = Pattern.compile("^/sumdb/[^/]+/lookup/[^@]+@");
    private static final Pattern LOOKUP_KEY = Pattern.compile("^/sumdb/[^/]+/lookup/([^@]+)@.*");
    private static final Pattern BLOB = Pattern.compile("^/v2/.+/blobs/[a-z0-9+._-]+:[a-zA-Z0-9=_-]+$");
    private static final Pattern BLOB_KEY = Pattern.compile("^/v2/.+/blobs/");
    private static final Pattern REPOSITORY =
            Pattern.compile("^/v2/.+/(manifests/|tags/list$|blobs/uploads(/|$)|referrers/)");
    private static final Pattern REPOSITORY_KEY =
            Pattern.compile("^/v2/(.+)/(manifests|tags|blobs/uploads|referrers)(/.*)?");
    private static final Pattern HOSTED_KEY = Pattern.compile("^/v2/(.+)/(manifests|tags|blobs|referrers)(/.*)?");

    private RoutingKey() {}

    /** The key of {@code path} (as sent, without the query string) in a configuration without hosted repositories. */
    public static String of(String path) {
        return of(path, List.of());
    }

    /** The key of {@code path} with {@code --hosted} repositories (or prefixes of them) routed by repository. */
    public static String of(String path, List<String> hosted) {
        String key = path;
        if (GOPROXY.matcher(path).find()) {
            int at = path.indexOf('@');
            key = path.substring(0, at);
        }
        if (LOOKUP.matcher(path).find()) {
            key = LOOKUP_KEY.matcher(path).replaceFirst("/$1/");
        }
        if (BLOB.matcher(path).find()) {
            key = BLOB_KEY.matcher(path).replaceFirst("");
        }
        if (REPOSITORY.matcher(path).find()) {
            key = REPOSITORY_KEY.matcher(path).replaceFirst("$1");
        }
        if (hosted.stream().anyMatch(h -> path.startsWith("/v2/" + h + "/"))) {
            key = HOSTED_KEY.matcher(path).replaceFirst("$1");
        }
        if (path.startsWith("/ui/") || path.startsWith("/admin/") || path.equals("/")) {
            key = "console";
        }
        return key;
    }
}
