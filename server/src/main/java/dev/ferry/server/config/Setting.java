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
