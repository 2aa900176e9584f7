package dev.ferry.server.admin.api;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The admin API's paths: the patterns the server routes (relative to {@link #PREFIX}, with Helidon's {@code {name}}
 * parameters) and the paths the CLI requests. Path parameters arrive percent-decoded.
 */
public final class AdminPaths {
    /** Where the admin API is mounted; every path below it needs the admin token. */
    public static final String ROOT = "/admin/api";

    public static final String PREFIX = ROOT + "/";

    public static final String UPSTREAMS = "/upstreams";
    /** {@code +}: the name is an upstream's URL, whose slashes arrive decoded from %2F. */
    public static final String UPSTREAM_RELEASE = "/upstreams/{+name}/release";

    public static final String PREWARM = "/prewarm";
    public static final String PREWARM_JOB = "/prewarm/{id}";
    public static final String MIRROR_SETS = "/mirror-sets";
    public static final String MIRROR_SET = "/mirror-sets/{name}";
    public static final String MIRROR_SET_RUN = "/mirror-sets/{name}/run";
    public static final String PINS = "/pins";
    public static final String STORAGE = "/storage";
    public static final String EXPORTS = "/exports";
    public static final String EXPORT_JOB = "/exports/{id}";
    public static final String IMPORTS = "/imports";
    public static final String IMPORT_JOB = "/imports/{id}";
    public static final String INVENTORY = "/inventory";
    public static final String BUNDLES = "/bundles";
    /** The web console's reads (docs/ui.md): charts, refusals, paged listings of the store, the audit log. */
    public static final String METRICS_RECENT = "/metrics/recent";

    public static final String REFUSALS = "/refusals";
    public static final String GO_MODULES = "/go/modules";
    public static final String GO_VERSIONS = "/go/versions";
    public static final String OCI_REPOSITORIES = "/oci/repositories";
    public static final String OCI_TAGS = "/oci/tags";
    public static final String OCI_MANIFEST = "/oci/manifest";
    public static final String AUDIT = "/audit";
    public static final String SIGNING_KEY = "/signing-key";
    public static final String PIN_SETS = "/pin-sets";
    public static final String SETTINGS = "/settings";

    private AdminPaths() {}

    /** {@code /admin/api} + {@code path}. */
    public static String of(String path) {
        return ROOT + path;
    }

    /** A prewarm job's path; also its {@code location}. */
    public static String prewarmJob(String id) {
        return ROOT + PREWARM + "/" + id;
    }

    public static String mirrorSet(String name) {
        return ROOT + MIRROR_SETS + "/" + name;
    }

    public static String mirrorSetRun(String name) {
        return mirrorSet(name) + "/run";
    }

    /** "export" or "import" jobs: {@code /admin/api/exports} or {@code /admin/api/imports}. */
    public static String bundleJobs(String kind) {
        return ROOT + "/" + kind + "s";
    }

    /** An export or import job's path; also its {@code location}. */
    public static String bundleJob(String kind, String id) {
        return bundleJobs(kind) + "/" + id;
    }

    /** Percent-encodes {@code name} (an upstream's URL) into one path segment. */
    public static String upstreamRelease(String name) {
        return ROOT + UPSTREAMS + "/"
                + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20") + "/release";
    }
}
