package dev.ferry.server.cli;

import dev.ferry.server.Ferry;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.Setting;
import dev.ferry.server.logging.Logging;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry serve}: resolves the settings and runs the server until SIGTERM/SIGINT. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        versionProvider = FerryMain.Version.class,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {"Serve Go modules (GOPROXY, /sumdb/) and, with --registry or --hosted, an OCI registry at /v2/, from one cache.",
                        "Also /health, /metrics and the admin API at /admin/api/.",
                        "Every module version is verified against the checksum database (--sumdb), which is served at /sumdb/NAME/.",
                        "With --registry or --hosted, also an OCI registry at /v2/: a pull-through mirror of upstream registries",
                        "and hosted repositories to push to (docs/registry.md).",
                "",
                "Every setting can also come from an environment variable or a YAML config file;",
                "precedence: flag > environment > config file > default."},
        footer = {"", "Exit codes: 0 stopped cleanly, 1 failed to start, 2 bad command line or configuration.",
                "Once listening, ferry prints: ferry ready on http://HOST:PORT"})
public final class ServeCommand implements Callable<Integer> {

    /** What to do with a valid configuration: run ferry (production) or, in tests, look at it. */
    @FunctionalInterface
    public interface Launcher {
        int launch(FerryConfig config, PrintWriter out, PrintWriter err) throws Exception;

        Launcher PRODUCTION = ServeCommand::runUntilStopped;
    }

    private final Map<String, String> env;
    private final Launcher launcher;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML config file (env FERRY_CONFIG). Unknown keys are an error.")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Address to listen on: HOST:PORT, [IPV6]:PORT or :PORT; port 0 picks a free port."
                    + " Env FERRY_LISTEN, yaml listen. Default: 0.0.0.0:8080.")
    String listen;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Data directory; the content store lives in DIR/store."
                    + " Env FERRY_DATA, yaml data. Default: ./ferry-data.")
    String data;

    @Option(names = "--go-upstream", paramLabel = "LIST",
            description = "Upstream Go module proxies in GOPROXY syntax: 'https://a,https://b|https://c'"
                    + " (',' falls through on 404/410 only, '|' on any error), or 'off'. Per-upstream weight,"
                    + " credentials and timeouts go in the YAML 'upstreams' list (docs/upstreams.md)."
                    + " Env FERRY_GO_UPSTREAM, yaml go.upstream. Default: https://proxy.golang.org|https://goproxy.io.")
    String goUpstream;

    @Option(names = "--sumdb", paramLabel = "GOSUMDB",
            description = "Checksum database every module version is verified against before it is stored, in"
                    + " GOSUMDB form: 'sum.golang.org', 'name+hash+key', 'name+hash+key URL', or 'off'. Without a URL"
                    + " it is reached through the upstream proxies' /sumdb/NAME/ and then https://NAME; ferry serves"
                    + " it to clients at /sumdb/NAME/. Env FERRY_SUMDB, yaml go.sumdb. Default: sum.golang.org.")
    String sumdb;

    @Option(names = "--private", paramLabel = "GLOBS",
            description = "Module path globs, comma-separated as in GOPRIVATE/GONOSUMDB (e.g. '*.corp.example,"
                    + "github.com/acme'), never looked up in the checksum database; ferry pins their hashes on first"
                    + " fetch and refuses different content later. Env FERRY_PRIVATE, yaml go.private. Default: none.")
    String privates;

    @Option(names = "--go-list-ttl", paramLabel = "DURATION",
            description = "How long @v/list and @latest answers are served before asking upstream again."
                    + " Env FERRY_GO_LIST_TTL, yaml go.listTtl. Default: 5m.")
    String goListTtl;

    @Option(names = "--go-not-found-ttl", paramLabel = "DURATION",
            description = "How long an upstream 404/410 is remembered."
                    + " Env FERRY_GO_NOT_FOUND_TTL, yaml go.notFoundTtl. Default: 1m.")
    String goNotFoundTtl;

    @Option(names = "--upstream-connect-timeout", paramLabel = "DURATION",
            description = "Time allowed for TCP and TLS set-up with an upstream."
                    + " Env FERRY_UPSTREAM_CONNECT_TIMEOUT, yaml upstream.connectTimeout. Default: 10s.")
    String connectTimeout;

    @Option(names = "--upstream-first-byte-timeout", paramLabel = "DURATION",
            description = "Time allowed from sending a request to an upstream until its response headers."
                    + " Env FERRY_UPSTREAM_FIRST_BYTE_TIMEOUT, yaml upstream.firstByteTimeout. Default: 30s.")
    String firstByteTimeout;

    @Option(names = "--upstream-stall-timeout", paramLabel = "DURATION",
            description = "Longest gap allowed between body bytes from an upstream."
                    + " Env FERRY_UPSTREAM_STALL_TIMEOUT, yaml upstream.stallTimeout. Default: 30s.")
    String stallTimeout;

    @Option(names = "--upstream-strategy", paramLabel = "NAME",
            description = "failover: in order, the list's ',' and '|' decide when to move on; weighted: smooth weighted round-robin over healthy upstreams (weights in the YAML upstreams list)."
                    + " Env FERRY_UPSTREAM_STRATEGY, yaml upstream.strategy. Default: failover.")
    String upstreamStrategy;

    @Option(names = "--upstream-breaker-failures", paramLabel = "N",
            description = "Failures in a row that open an upstream's circuit breaker."
                    + " Env FERRY_UPSTREAM_BREAKER_FAILURES, yaml upstream.breaker.failures. Default: 5.")
    String breakerFailures;

    @Option(names = "--upstream-breaker-error-rate", paramLabel = "RATE",
            description = "Share of failed attempts within the window that opens the breaker (0 < RATE <= 1)."
                    + " Env FERRY_UPSTREAM_BREAKER_ERROR_RATE, yaml upstream.breaker.errorRate. Default: 0.5.")
    String breakerErrorRate;

    @Option(names = "--upstream-breaker-window", paramLabel = "DURATION",
            description = "Sliding window for the error rate."
                    + " Env FERRY_UPSTREAM_BREAKER_WINDOW, yaml upstream.breaker.window. Default: 60s.")
    String breakerWindow;

    @Option(names = "--upstream-breaker-min-requests", paramLabel = "N",
            description = "Attempts within the window before the error rate counts."
                    + " Env FERRY_UPSTREAM_BREAKER_MIN_REQUESTS, yaml upstream.breaker.minRequests. Default: 20.")
    String breakerMinRequests;

    @Option(names = "--upstream-breaker-cool-down", paramLabel = "DURATION",
            description = "How long an open breaker skips its upstream before one probe (a Retry-After on 503/429 is honoured)."
                    + " Env FERRY_UPSTREAM_BREAKER_COOL_DOWN, yaml upstream.breaker.coolDown. Default: 30s.")
    String breakerCoolDown;

    @Option(names = "--upstream-breaker-max-cool-down", paramLabel = "DURATION",
            description = "Cap for the cool-down (doubled after each failed probe) and for Retry-After."
                    + " Env FERRY_UPSTREAM_BREAKER_MAX_COOL_DOWN, yaml upstream.breaker.maxCoolDown. Default: 5m.")
    String breakerMaxCoolDown;

    @Option(names = "--upstream-retry-attempts", paramLabel = "N",
            description = "Walks over the upstream list per request when every upstream asked failed (the first included)."
                    + " Env FERRY_UPSTREAM_RETRY_ATTEMPTS, yaml upstream.retry.attempts. Default: 3.")
    String retryAttempts;

    @Option(names = "--upstream-retry-backoff", paramLabel = "DURATION",
            description = "Backoff before the first retry; doubles each time, with full jitter."
                    + " Env FERRY_UPSTREAM_RETRY_BACKOFF, yaml upstream.retry.backoff. Default: 200ms.")
    String retryBackoff;

    @Option(names = "--upstream-retry-max-backoff", paramLabel = "DURATION",
            description = "Longest backoff between retries."
                    + " Env FERRY_UPSTREAM_RETRY_MAX_BACKOFF, yaml upstream.retry.maxBackoff. Default: 2s.")
    String retryMaxBackoff;

    @Option(names = "--upstream-retry-budget", paramLabel = "DURATION",
            description = "No upstream attempt starts after this long since the request began."
                    + " Env FERRY_UPSTREAM_RETRY_BUDGET, yaml upstream.retry.budget. Default: 60s.")
    String retryBudget;

    @Option(names = "--upstream-stall-floor", paramLabel = "BYTES",
            description = "Bytes per second below which a body is abandoned and continued from the next upstream (KiB, MiB, KB, MB; 0: off)."
                    + " Env FERRY_UPSTREAM_STALL_FLOOR, yaml upstream.stallFloor. Default: 1KiB.")
    String stallFloor;

    @Option(names = "--upstream-stall-floor-window", paramLabel = "DURATION",
            description = "Time waiting for body bytes over which the floor rate is measured."
                    + " Env FERRY_UPSTREAM_STALL_FLOOR_WINDOW, yaml upstream.stallFloorWindow. Default: 10s.")
    String stallFloorWindow;

    @Option(names = "--upstream-probe-interval", paramLabel = "DURATION",
            description = "How often upstreams whose breaker cool-down is over are probed."
                    + " Env FERRY_UPSTREAM_PROBE_INTERVAL, yaml upstream.probeInterval. Default: 5s.")
    String probeInterval;

    @Option(names = "--upstream-hedge-after", paramLabel = "DURATION",
            description = "Wait this long for an upstream's response headers, then also ask the next upstream the"
                    + " list allows after a '|' (the first answer wins; 0: never)."
                    + " Env FERRY_UPSTREAM_HEDGE_AFTER, yaml upstream.hedgeAfter. Default: 1s.")
    String hedgeAfter;

    @Option(names = "--upstream-slow-factor", paramLabel = "N",
            description = "A transfer this many times slower than the pool's fastest other healthy upstream counts as"
                    + " a 'slow' failure, even when it completes."
                    + " Env FERRY_UPSTREAM_SLOW_FACTOR, yaml upstream.slow.factor. Default: 4.")
    String slowFactor;

    @Option(names = "--upstream-slow-minimum", paramLabel = "DURATION",
            description = "No transfer done within this long counts as slow; hedging never waits less for a small body."
                    + " Env FERRY_UPSTREAM_SLOW_MINIMUM, yaml upstream.slow.minimum. Default: 500ms.")
    String slowMinimum;

    @Option(names = "--upstream-slow-window", paramLabel = "DURATION",
            description = "Reading time over which a large body's rate is held against the pool's best (under it, the"
                    + " body is continued elsewhere)."
                    + " Env FERRY_UPSTREAM_SLOW_WINDOW, yaml upstream.slow.window. Default: 2s.")
    String slowWindow;

    @Option(names = "--upstream-small-body", paramLabel = "BYTES",
            description = "Bodies up to this size are read whole before they are checked, so a hedge races the whole"
                    + " transfer. Env FERRY_UPSTREAM_SMALL_BODY, yaml upstream.smallBody. Default: 64KiB.")
    String smallBody;

    @Option(names = "--upstream-quarantine", paramLabel = "DURATION",
            description = "How long an upstream that served content failing its checksum or digest is not asked"
                    + " (POST /admin/api/upstreams/NAME/release ends it)."
                    + " Env FERRY_UPSTREAM_QUARANTINE, yaml upstream.quarantine. Default: 6h.")
    String quarantine;

    @Option(names = "--registry", paramLabel = "NAME=URL[,URL...]|NAME=off",
            description = "Mirror an upstream registry at /v2/ (repeatable): NAME (e.g. docker.io, ghcr.io) and its"
                    + " endpoints in failover order, any error moving on to the next; NAME=off: no upstream, served"
                    + " from the store only (a disconnected site serving imported bundles). Credentials only in the config"
                    + " file or env FERRY_REGISTRY_<NAME>_USERNAME/_PASSWORD/_TOKEN, never here (docs/registry.md)."
                    + " Env FERRY_REGISTRY (entries separated by spaces), yaml oci.registries. Default: none.")
    List<String> registries;

    @Option(names = "--default-registry", paramLabel = "NAME",
            description = "Registry for names that neither ?ns=NAME nor a NAME/ path prefix routes (Docker's"
                    + " registry-mirrors). Env FERRY_DEFAULT_REGISTRY, yaml oci.defaultRegistry."
                    + " Default: docker.io when configured, else none.")
    String defaultRegistry;

    @Option(names = "--hosted", paramLabel = "PREFIX",
            description = "Repository-name prefix whose repositories ferry hosts (push and pull; repeatable)."
                    + " Env FERRY_HOSTED (comma-separated), yaml oci.hosted. Default: none.")
    List<String> hosted;

    @Option(names = "--registry-tag-ttl", paramLabel = "DURATION",
            description = "How long a mirrored tag is served before it is resolved upstream again (stale copies are"
                    + " served when every endpoint is down). Env FERRY_REGISTRY_TAG_TTL, yaml oci.tagTtl. Default: 5m.")
    String registryTagTtl;

    @Option(names = "--max-upload-size", paramLabel = "BYTES",
            description = "Largest blob a push may upload (B, KiB, MiB, GiB, KB, MB, GB)."
                    + " Env FERRY_MAX_UPLOAD_SIZE, yaml oci.maxUploadSize. Default: 10GiB.")
    String maxUploadSize;

    @Option(names = "--upload-expiry", paramLabel = "DURATION",
            description = "How long an idle upload session lives."
                    + " Env FERRY_UPLOAD_EXPIRY, yaml oci.uploadExpiry. Default: 24h.")
    String uploadExpiry;

    @Option(names = "--registry-delete", negatable = true, paramLabel = "",
            description = "Allow DELETE of manifests, tags and blobs in hosted repositories."
                    + " Env FERRY_REGISTRY_DELETE, yaml oci.delete (true/false). Default: off.")
    Boolean registryDelete;

    @Option(names = "--hosted-anonymous-pull", negatable = true, paramLabel = "",
            description = "Let clients without credentials pull hosted repositories (mirrored ones never need any)."
                    + " Env FERRY_HOSTED_ANONYMOUS_PULL, yaml oci.anonymousPull (true/false). Default: off.")
    Boolean hostedAnonymousPull;

    @Option(names = "--hosted-users", paramLabel = "FILE",
            description = "htpasswd file with bcrypt entries (htpasswd -B) of who may push to hosted repositories."
                    + " Env FERRY_HOSTED_USERS, yaml oci.users. Default: none (nobody can push).")
    String hostedUsers;

    @Option(names = "--quota", paramLabel = "SIZE",
            description = "Storage quota, e.g. 200GiB (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB; 0: none): past it the least"
                    + " recently used unpinned content is evicted, down to 90%% of it; prewarmed, pinned, hosted and"
                    + " private content stays. Env FERRY_QUOTA, yaml storage.quota. Default: none.")
    String quota;

    @Option(names = "--trust-key", paramLabel = "KEY|FILE",
            description = "A key whose signed bundles 'ferry import' accepts (repeatable): a verifier key"
                    + " name+hash+base64 as 'ferry keys public' prints it at the exporting site, or a file holding one"
                    + " per line (# comments). Env FERRY_TRUST_KEYS (comma-separated), yaml bundles.trust (a list)."
                    + " Scheduled exports: yaml bundles.sync (docs/bundles.md). Default: none.")
    List<String> trustKeys;

    @Option(names = "--admin-token", paramLabel = "TOKEN",
            description = "Bearer token for /admin/api/ (prefer env FERRY_ADMIN_TOKEN: the command line is visible to"
                    + " other users). yaml admin.token. Default: generated once into DATA/admin-token (mode 0600).")
    String adminToken;

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "error, warn, info, debug or trace. Env FERRY_LOG_LEVEL, yaml logLevel. Default: info.")
    String logLevel;

    @Option(names = "--access-log", negatable = true, paramLabel = "",
            description = "One line per request on stderr (logger ferry.access); --no-access-log turns it off."
                    + " Env FERRY_ACCESS_LOG, yaml accessLog (true/false). Default: on.")
    Boolean accessLog;

    public ServeCommand(Map<String, String> env, Launcher launcher) {
        this.env = env;
        this.launcher = launcher;
    }

    Map<Setting, String> flags() {
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        put(flags, Setting.LISTEN, listen);
        put(flags, Setting.DATA, data);
        put(flags, Setting.GO_UPSTREAM, goUpstream);
        put(flags, Setting.GO_SUMDB, sumdb);
        put(flags, Setting.GO_PRIVATE, privates);
        put(flags, Setting.GO_LIST_TTL, goListTtl);
        put(flags, Setting.GO_NOT_FOUND_TTL, goNotFoundTtl);
        put(flags, Setting.UPSTREAM_CONNECT_TIMEOUT, connectTimeout);
        put(flags, Setting.UPSTREAM_FIRST_BYTE_TIMEOUT, firstByteTimeout);
        put(flags, Setting.UPSTREAM_STALL_TIMEOUT, stallTimeout);
        put(flags, Setting.UPSTREAM_STRATEGY, upstreamStrategy);
        put(flags, Setting.UPSTREAM_BREAKER_FAILURES, breakerFailures);
        put(flags, Setting.UPSTREAM_BREAKER_ERROR_RATE, breakerErrorRate);
        put(flags, Setting.UPSTREAM_BREAKER_WINDOW, breakerWindow);
        put(flags, Setting.UPSTREAM_BREAKER_MIN_REQUESTS, breakerMinRequests);
        put(flags, Setting.UPSTREAM_BREAKER_COOL_DOWN, breakerCoolDown);
        put(flags, Setting.UPSTREAM_BREAKER_MAX_COOL_DOWN, breakerMaxCoolDown);
        put(flags, Setting.UPSTREAM_RETRY_ATTEMPTS, retryAttempts);
        put(flags, Setting.UPSTREAM_RETRY_BACKOFF, retryBackoff);
        put(flags, Setting.UPSTREAM_RETRY_MAX_BACKOFF, retryMaxBackoff);
        put(flags, Setting.UPSTREAM_RETRY_BUDGET, retryBudget);
        put(flags, Setting.UPSTREAM_STALL_FLOOR, stallFloor);
        put(flags, Setting.UPSTREAM_STALL_FLOOR_WINDOW, stallFloorWindow);
        put(flags, Setting.UPSTREAM_PROBE_INTERVAL, probeInterval);
        put(flags, Setting.UPSTREAM_HEDGE_AFTER, hedgeAfter);
        put(flags, Setting.UPSTREAM_SLOW_FACTOR, slowFactor);
        put(flags, Setting.UPSTREAM_SLOW_MINIMUM, slowMinimum);
        put(flags, Setting.UPSTREAM_SLOW_WINDOW, slowWindow);
        put(flags, Setting.UPSTREAM_SMALL_BODY, smallBody);
        put(flags, Setting.UPSTREAM_QUARANTINE, quarantine);
        put(flags, Setting.OCI_REGISTRIES, registries == null ? null : String.join(" ", registries));
        put(flags, Setting.OCI_DEFAULT_REGISTRY, defaultRegistry);
        put(flags, Setting.OCI_HOSTED, hosted == null ? null : String.join(",", hosted));
        put(flags, Setting.OCI_TAG_TTL, registryTagTtl);
        put(flags, Setting.OCI_MAX_UPLOAD_SIZE, maxUploadSize);
        put(flags, Setting.OCI_UPLOAD_EXPIRY, uploadExpiry);
        put(flags, Setting.OCI_DELETE, registryDelete == null ? null : registryDelete.toString());
        put(flags, Setting.OCI_ANONYMOUS_PULL, hostedAnonymousPull == null ? null : hostedAnonymousPull.toString());
        put(flags, Setting.OCI_USERS, hostedUsers);
        put(flags, Setting.QUOTA, quota);
        put(flags, Setting.BUNDLES_TRUST, trustKeys == null ? null : String.join(",", trustKeys));
        put(flags, Setting.ADMIN_TOKEN, adminToken);
        put(flags, Setting.LOG_LEVEL, logLevel);
        put(flags, Setting.ACCESS_LOG, accessLog == null ? null : accessLog.toString());
        return flags;
    }

    private static void put(Map<Setting, String> flags, Setting s, String v) {
        if (v != null) {
            flags.put(s, v);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        FerryConfig cfg;
        try {
            cfg = ConfigLoader.load(flags(), env, config);
        } catch (ConfigException e) {
            err.println("ferry: " + e.getMessage());
            err.flush();
            return CommandLine.ExitCode.USAGE; // 2
        }
        return launcher.launch(cfg, spec.commandLine().getOut(), err);
    }

    /** Production: configure logging, start ferry, stop it on SIGTERM/SIGINT. */
    static int runUntilStopped(FerryConfig cfg, PrintWriter out, PrintWriter err) throws InterruptedException {
        Logging.configure(cfg.logLevel(), cfg.accessLog());
        Ferry ferry;
        try {
            ferry = Ferry.start(cfg);
        } catch (Exception e) {
            err.println("ferry: cannot start: " + (e instanceof IOException && e.getMessage() != null
                    ? e.getMessage().replace('\n', ' ') : oneLine(e)));
            err.flush();
            Logging.close();
            return 1;
        }
        // SIGTERM/SIGINT: stop the server (in-flight requests finish within the grace period), close the store,
        // and exit 0. Handling the signals ourselves (rather than only in a shutdown hook) is what gives the
        // clean exit status; the hook still covers every other way the JVM may go down.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ferry.close();
            Logging.close();
        }, "ferry-shutdown"));
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal ->
                        Thread.ofPlatform().name("ferry-stop").start(() -> {
                            Logger.getLogger("ferry").info("received SIG" + signal.getName() + ", stopping");
                            ferry.close();
                        }));
            } catch (IllegalArgumentException e) {
                // this platform has no such signal (or it is taken): the shutdown hook covers it
            }
        }
        ferry.awaitStopped();
        Logging.close();
        return 0;
    }

    private static String oneLine(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (!sb.isEmpty()) {
                sb.append(": ");
            }
            sb.append(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
            if (t.getCause() == t) {
                break;
            }
        }
        return sb.toString().replace('\n', ' ');
    }
}
