package dev.ferry.server.config;

/**
 * Every setting of {@code ferry serve}: its YAML key, command-line flag, environment variable and embedded default.
 * Precedence: flag, then environment, then config file, then the default.
 */
public enum Setting {
    LISTEN("listen", "--listen", "FERRY_LISTEN", "0.0.0.0:8080",
            "Address to listen on: HOST:PORT, [IPV6]:PORT or :PORT; port 0 picks a free port."),
    DATA("data", "--data", "FERRY_DATA", "./ferry-data",
            "Directory for ferry's data (the content store lives in DIR/store)."),
    GO_UPSTREAM("go.upstream", "--go-upstream", "FERRY_GO_UPSTREAM", "https://proxy.golang.org|https://goproxy.io",
            "Upstream Go module proxies in GOPROXY syntax: ',' falls through on 404/410 only, '|' on any error; 'off' for none."),
    GO_SUMDB("go.sumdb", "--sumdb", "FERRY_SUMDB", "sum.golang.org",
            "Checksum database to verify every module version against before it is stored, in GOSUMDB form:"
                    + " 'sum.golang.org', 'name+hash+key', 'name+hash+key URL', or 'off'."),
    GO_PRIVATE("go.private", "--private", "FERRY_PRIVATE", "",
            "Module path globs (GOPRIVATE/GONOSUMDB form, comma-separated) never looked up in the checksum database;"
                    + " their hashes are pinned on first fetch."),
    GO_LIST_TTL("go.listTtl", "--go-list-ttl", "FERRY_GO_LIST_TTL", "5m",
            "How long @v/list and @latest answers are served before asking upstream again."),
    GO_NOT_FOUND_TTL("go.notFoundTtl", "--go-not-found-ttl", "FERRY_GO_NOT_FOUND_TTL", "1m",
            "How long an upstream 404/410 is remembered."),
    UPSTREAM_CONNECT_TIMEOUT("upstream.connectTimeout", "--upstream-connect-timeout",
            "FERRY_UPSTREAM_CONNECT_TIMEOUT", "10s", "Time allowed for TCP and TLS set-up with an upstream."),
    UPSTREAM_FIRST_BYTE_TIMEOUT("upstream.firstByteTimeout", "--upstream-first-byte-timeout",
            "FERRY_UPSTREAM_FIRST_BYTE_TIMEOUT", "30s", "Time allowed from sending a request to an upstream's response headers."),
    UPSTREAM_STALL_TIMEOUT("upstream.stallTimeout", "--upstream-stall-timeout",
            "FERRY_UPSTREAM_STALL_TIMEOUT", "30s", "Longest gap allowed between body bytes from an upstream."),
    UPSTREAM_STRATEGY("upstream.strategy", "--upstream-strategy", "FERRY_UPSTREAM_STRATEGY", "failover",
            "failover (in order, the list's , and | decide when to move on) or weighted (smooth weighted round-robin)."),
    UPSTREAM_BREAKER_FAILURES("upstream.breaker.failures", "--upstream-breaker-failures",
            "FERRY_UPSTREAM_BREAKER_FAILURES", "5", "Failures in a row that open an upstream's circuit breaker."),
    UPSTREAM_BREAKER_ERROR_RATE("upstream.breaker.errorRate", "--upstream-breaker-error-rate",
            "FERRY_UPSTREAM_BREAKER_ERROR_RATE", "0.5", "Share of failed attempts over the window that opens the breaker (0 < rate <= 1)."),
    UPSTREAM_BREAKER_WINDOW("upstream.breaker.window", "--upstream-breaker-window",
            "FERRY_UPSTREAM_BREAKER_WINDOW", "60s", "Sliding window over which the error rate is measured."),
    UPSTREAM_BREAKER_MIN_REQUESTS("upstream.breaker.minRequests", "--upstream-breaker-min-requests",
            "FERRY_UPSTREAM_BREAKER_MIN_REQUESTS", "20", "Attempts in the window before the error rate can open the breaker."),
    UPSTREAM_BREAKER_COOL_DOWN("upstream.breaker.coolDown", "--upstream-breaker-cool-down",
            "FERRY_UPSTREAM_BREAKER_COOL_DOWN", "30s", "How long an open breaker skips its upstream before one probe is let through."),
    UPSTREAM_BREAKER_MAX_COOL_DOWN("upstream.breaker.maxCoolDown", "--upstream-breaker-max-cool-down",
            "FERRY_UPSTREAM_BREAKER_MAX_COOL_DOWN", "5m", "Cap for the cool-down, which doubles after each failed probe, and for Retry-After."),
    UPSTREAM_RETRY_ATTEMPTS("upstream.retry.attempts", "--upstream-retry-attempts",
            "FERRY_UPSTREAM_RETRY_ATTEMPTS", "3", "Walks over the upstream list per request, the first included."),
    UPSTREAM_RETRY_BACKOFF("upstream.retry.backoff", "--upstream-retry-backoff",
            "FERRY_UPSTREAM_RETRY_BACKOFF", "200ms", "Backoff before the first retry; doubles each time, with full jitter."),
    UPSTREAM_RETRY_MAX_BACKOFF("upstream.retry.maxBackoff", "--upstream-retry-max-backoff",
            "FERRY_UPSTREAM_RETRY_MAX_BACKOFF", "2s", "Longest backoff between retries."),
    UPSTREAM_RETRY_BUDGET("upstream.retry.budget", "--upstream-retry-budget",
            "FERRY_UPSTREAM_RETRY_BUDGET", "60s", "No upstream attempt starts after this long since the request began."),
    UPSTREAM_STALL_FLOOR("upstream.stallFloor", "--upstream-stall-floor", "FERRY_UPSTREAM_STALL_FLOOR", "1KiB",
            "Bytes per second below which a body is abandoned as stalled (B, KiB, MiB, KB, MB; 0 turns it off)."),
    UPSTREAM_STALL_FLOOR_WINDOW("upstream.stallFloorWindow", "--upstream-stall-floor-window",
            "FERRY_UPSTREAM_STALL_FLOOR_WINDOW", "10s", "Time spent waiting for body bytes over which the floor rate is measured."),
    UPSTREAM_PROBE_INTERVAL("upstream.probeInterval", "--upstream-probe-interval",
            "FERRY_UPSTREAM_PROBE_INTERVAL", "5s", "How often upstreams whose breaker cool-down is over are probed."),
    UPSTREAM_HEDGE_AFTER("upstream.hedgeAfter", "--upstream-hedge-after", "FERRY_UPSTREAM_HEDGE_AFTER", "1s",
            "Wait this long for an upstream's response headers, then also ask the next upstream after a '|' (0: never)."),
    UPSTREAM_SLOW_FACTOR("upstream.slow.factor", "--upstream-slow-factor", "FERRY_UPSTREAM_SLOW_FACTOR", "4",
            "A transfer this many times slower than the pool's fastest other healthy upstream counts as a 'slow' failure."),
    UPSTREAM_SLOW_MINIMUM("upstream.slow.minimum", "--upstream-slow-minimum", "FERRY_UPSTREAM_SLOW_MINIMUM", "500ms",
            "No transfer done within this long counts as slow, and hedging never waits less for a small body."),
    UPSTREAM_SLOW_WINDOW("upstream.slow.window", "--upstream-slow-window", "FERRY_UPSTREAM_SLOW_WINDOW", "2s",
            "Reading time over which a large body's rate is held against the pool's best before it is continued elsewhere."),
    UPSTREAM_SMALL_BODY("upstream.smallBody", "--upstream-small-body", "FERRY_UPSTREAM_SMALL_BODY", "64KiB",
            "Bodies up to this size are read whole before they are checked, so a hedge races the whole transfer."),
    UPSTREAM_QUARANTINE("upstream.quarantine", "--upstream-quarantine", "FERRY_UPSTREAM_QUARANTINE", "6h",
            "How long an upstream that served content failing its checksum or digest is not asked (admin can release it)."),
    OCI_REGISTRIES("oci.registries", "--registry", "FERRY_REGISTRY", "",
            "Upstream registries to mirror, NAME=URL[,URL...] (endpoints in failover order); the flag repeats, the"
                    + " environment separates entries with spaces, the config file has a mapping NAME: {endpoints: [...]}."),
    OCI_DEFAULT_REGISTRY("oci.defaultRegistry", "--default-registry", "FERRY_DEFAULT_REGISTRY", "",
            "Registry for /v2/ names that neither ?ns= nor a registry-name prefix routes; empty: docker.io when configured."),
    OCI_HOSTED("oci.hosted", "--hosted", "FERRY_HOSTED", "",
            "Repository-name prefixes hosted by ferry (pushed to, never mirrored); repeatable or comma-separated."),
    OCI_TAG_TTL("oci.tagTtl", "--registry-tag-ttl", "FERRY_REGISTRY_TAG_TTL", "5m",
            "How long a mirrored tag is served before it is resolved upstream again."),
    OCI_MAX_UPLOAD_SIZE("oci.maxUploadSize", "--max-upload-size", "FERRY_MAX_UPLOAD_SIZE", "10GiB",
            "Largest blob a push may upload (B, KiB, MiB, GiB, KB, MB, GB)."),
    OCI_UPLOAD_EXPIRY("oci.uploadExpiry", "--upload-expiry", "FERRY_UPLOAD_EXPIRY", "24h",
            "How long an idle upload session lives before it is dropped."),
    OCI_DELETE("oci.delete", "--registry-delete", "FERRY_REGISTRY_DELETE", "false",
            "Allow DELETE of manifests, tags and blobs in hosted repositories."),
    OCI_ANONYMOUS_PULL("oci.anonymousPull", "--hosted-anonymous-pull", "FERRY_HOSTED_ANONYMOUS_PULL", "false",
            "Let clients without credentials pull from hosted repositories."),
    OCI_USERS("oci.users", "--hosted-users", "FERRY_HOSTED_USERS", "",
            "htpasswd file (bcrypt entries, htpasswd -B) of the users who may push to hosted repositories."),
    QUOTA("storage.quota", "--quota", "FERRY_QUOTA", "0",
            "Storage quota (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB; 0: none): past it the least recently used unpinned"
                    + " content is evicted, down to 90% of it. Prewarmed, pinned, hosted and private content stays."),
    ADMIN_TOKEN("admin.token", "--admin-token", "FERRY_ADMIN_TOKEN", "",
            "Bearer token for /admin/api/; empty: generated once into DATA/admin-token (mode 0600)."),
    BUNDLES_TRUST("bundles.trust", "--trust-key", "FERRY_TRUST_KEYS", "",
            "Keys whose signed bundles 'ferry import' accepts: verifier keys (name+hash+base64, from 'ferry keys public')"
                    + " or files holding one per line; the flag repeats, the environment separates them with commas,"
                    + " the config file takes a list."),
    LOG_LEVEL("logLevel", "--log-level", "FERRY_LOG_LEVEL", "info",
            "Log level: error, warn, info, debug or trace."),
    ACCESS_LOG("accessLog", "--access-log", "FERRY_ACCESS_LOG", "true",
            "Write one access-log line per request to stderr (logger ferry.access); --no-access-log turns it off.");

    /** The environment variable naming a config file (the flag is --config). */
    public static final String CONFIG_ENV = "FERRY_CONFIG";

    private final String key;
    private final String flag;
    private final String env;
    private final String defaultValue;
    private final String description;

    Setting(String key, String flag, String env, String defaultValue, String description) {
        this.key = key;
        this.flag = flag;
        this.env = env;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String key() {
        return key;
    }

    public String flag() {
        return flag;
    }

    public String env() {
        return env;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    public static Setting byKey(String key) {
        for (Setting s : values()) {
            if (s.key.equals(key)) {
                return s;
            }
        }
        return null;
    }
}
