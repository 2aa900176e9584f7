package dev.ferry.server.config;

import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.sumdb.SumdbConfig;
import dev.ferry.server.registryauth.RegistryUsers;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.pool.BreakerSettings;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.RedirectPolicy;
import dev.ferry.upstreams.pool.RetryPolicy;
import dev.ferry.upstreams.pool.SpeedSettings;
import dev.ferry.upstreams.pool.Strategy;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;

/**
 * Resolves each {@link Setting} from, in order of precedence, command-line flags, environment variables, a YAML
 * config file and the embedded defaults; checks every value and says exactly which source a bad one came from.
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /** A raw value and where it came from, e.g. "flag --listen", "env FERRY_LISTEN", "ferry.yaml:3", "default". */
    public record Sourced(String value, String source) {}

    /**
     * @param flags      values given on the command line (absent: not given)
     * @param env        the environment (the process environment in production, a map in tests)
     * @param configFile the YAML file from --config, or null to use {@code FERRY_CONFIG} from {@code env} if set
     */
    public static FerryConfig load(Map<Setting, String> flags, Map<String, String> env, Path configFile)
            throws ConfigException {
        Path file = configFile(env, configFile);
        ConfigFile yaml = file == null ? ConfigFile.EMPTY : ConfigFile.read(file);
        Map<Setting, Sourced> raw = resolve(flags, env, yaml.settings(file));
        return build(raw, yaml.upstreamEntries(file, env), yaml.registryEntries(file, env), env)
                .withBundles(bundles(raw, yaml.bundleSyncs(file)));
    }

    public static Map<Setting, Sourced> resolve(Map<Setting, String> flags, Map<String, String> env, Path configFile)
            throws ConfigException {
        Path file = configFile(env, configFile);
        return resolve(flags, env, (file == null ? ConfigFile.EMPTY : ConfigFile.read(file)).settings(file));
    }

    private static Path configFile(Map<String, String> env, Path configFile) {
        if (configFile == null
                && env.get(Setting.CONFIG_ENV) != null
                && !env.get(Setting.CONFIG_ENV).isBlank()) {
            return Path.of(env.get(Setting.CONFIG_ENV));
        }
        return configFile;
    }

    private static Map<Setting, Sourced> resolve(
            Map<Setting, String> flags, Map<String, String> env, Map<Setting, Sourced> fromFile) {
        Map<Setting, Sourced> out = new EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            Sourced v;
            if (flags.get(s) != null) {
                v = new Sourced(flags.get(s), "flag " + s.flag());
            } else if (env.get(s.env()) != null) {
                v = new Sourced(env.get(s.env()), "env " + s.env());
            } else if (fromFile.containsKey(s)) {
                v = fromFile.get(s);
            } else {
                v = new Sourced(s.defaultValue(), "default");
            }
            out.put(s, v);
        }
        return out;
    }

    static FerryConfig build(Map<Setting, Sourced> raw) throws ConfigException {
        return build(raw, List.of());
    }

    static FerryConfig build(Map<Setting, Sourced> raw, List<UpstreamEntry> entries) throws ConfigException {
        return build(raw, entries, List.of(), Map.of());
    }

    static FerryConfig build(
            Map<Setting, Sourced> raw,
            List<UpstreamEntry> entries,
            List<RegistryEntries.Entry> registries,
            Map<String, String> env)
            throws ConfigException {
        ListenAddress listen = check(raw, Setting.LISTEN, ListenAddress::parse);
        Path data = check(raw, Setting.DATA, t -> {
            if (t.isBlank()) {
                throw new IllegalArgumentException("empty directory");
            }
            return Path.of(t.strip()).toAbsolutePath().normalize();
        });
        Duration listTtl = check(raw, Setting.GO_LIST_TTL, Durations::parse);
        Duration notFoundTtl = check(raw, Setting.GO_NOT_FOUND_TTL, Durations::parse);
        Duration connect = check(raw, Setting.UPSTREAM_CONNECT_TIMEOUT, ConfigLoader::positive);
        Duration firstByte = check(raw, Setting.UPSTREAM_FIRST_BYTE_TIMEOUT, ConfigLoader::positive);
        Duration stall = check(raw, Setting.UPSTREAM_STALL_TIMEOUT, ConfigLoader::positive);
        Level level = check(raw, Setting.LOG_LEVEL, ConfigLoader::level);
        boolean accessLog = check(raw, Setting.ACCESS_LOG, ConfigLoader::bool);
        GoProxyList upstream = check(raw, Setting.GO_UPSTREAM, t -> GoProxyList.parse(t.strip()));
        UpstreamTimeouts timeouts = new UpstreamTimeouts(connect, firstByte, stall);
        PoolSettings pool = poolSettings(raw, notFoundTtl);
        List<Upstream> upstreams = UpstreamDetails.apply(upstream, timeouts, entries);
        String adminToken = raw.get(Setting.ADMIN_TOKEN).value().strip();
        SumdbConfig sumdb = check(raw, Setting.GO_SUMDB, SumdbConfig::parse);
        PrivatePatterns privates = check(raw, Setting.GO_PRIVATE, PrivatePatterns::parse);
        OciConfig oci = oci(raw, registries, env, timeouts);
        long quota = check(raw, Setting.QUOTA, t -> t.isBlank() ? 0L : ByteRates.parse(t));
        ListenerSettings listener = listener(raw);
        return new FerryConfig(
                listen,
                data,
                raw.get(Setting.GO_UPSTREAM).value().strip(),
                upstream,
                listTtl,
                notFoundTtl,
                timeouts,
                level,
                accessLog,
                upstreams,
                pool,
                adminToken.isEmpty() ? null : adminToken,
                raw.get(Setting.GO_SUMDB).value().strip(),
                sumdb,
                privates,
                oci,
                quota,
                BundlesConfig.none(),
                listener);
    }

    /** The head timeout, the connections per client. */
    static ListenerSettings listener(Map<Setting, Sourced> raw) throws ConfigException {
        Duration headTimeout = check(raw, Setting.HEAD_TIMEOUT, t -> {
            Duration d = Durations.parse(t);
            if (d.isNegative()) {
                throw new IllegalArgumentException("must not be negative");
            }
            return d;
        });
        int perClient = check(raw, Setting.MAX_CONNECTIONS_PER_CLIENT, t -> {
            int n = Integer.parseInt(t.strip());
            if (n < 0) {
                throw new IllegalArgumentException("must be 0 (no cap) or positive");
            }
            return n;
        });
        java.net.URI publicUrl = check(raw, Setting.PUBLIC_URL, t -> t.isBlank() ? null : publicUrl(t.strip()));
        List<String> hostNames = check(raw, Setting.HOST_NAMES, t -> {
            List<String> names = new ArrayList<>();
            for (String item : t.split(",")) {
                if (!item.isBlank()) {
                    if (!item.strip()
                            .matches("[A-Za-z0-9.\\-]{1,253}(:\\d{1,5})?|\\[[0-9A-Fa-f:.]{2,45}\\](:\\d{1,5})?")) {
                        throw new IllegalArgumentException("not a host or host:port: " + item.strip());
                    }
                    names.add(item.strip());
                }
            }
            return names;
        });
        return new ListenerSettings(headTimeout, perClient, publicUrl, hostNames);
    }

    /** An absolute http or https URL with a host and no path, query or credentials. */
    private static java.net.URI publicUrl(String text) {
        java.net.URI u = java.net.URI.create(text);
        if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme())) {
            throw new IllegalArgumentException("must be an http:// or https:// URL");
        }
        if (u.getHost() == null || u.getRawUserInfo() != null) {
            throw new IllegalArgumentException("must name a host (and no credentials)");
        }
        if ((u.getRawPath() != null
                        && !u.getRawPath().isEmpty()
                        && !u.getRawPath().equals("/"))
                || u.getRawQuery() != null
                || u.getRawFragment() != null) {
            throw new IllegalArgumentException("must have no path, query or fragment (registries live at /v2/)");
        }
        return u;
    }

    /** Trusted keys (each a key or a file, comma-separated) and the scheduled exports read from the file. */
    static BundlesConfig bundles(Map<Setting, Sourced> raw, List<BundleSync> sync) throws ConfigException {
        List<dev.ferry.protocols.sumdb.note.Verifier> trusted = check(raw, Setting.BUNDLES_TRUST, t -> {
            List<String> items = new ArrayList<>();
            for (String item : t.split(",")) {
                if (!item.isBlank()) {
                    items.add(item.strip());
                }
            }
            return TrustedKeys.parseAll(items);
        });
        return new BundlesConfig(trusted, sync);
    }

    /** The registry settings; {@code fileRegistries} is the YAML oci.registries mapping (empty when absent). */
    private static OciConfig oci(
            Map<Setting, Sourced> raw,
            List<RegistryEntries.Entry> fileRegistries,
            Map<String, String> env,
            UpstreamTimeouts timeouts)
            throws ConfigException {
        Sourced listText = raw.get(Setting.OCI_REGISTRIES);
        boolean fromFile =
                !listText.source().startsWith("flag ") && !listText.source().startsWith("env ");
        List<RegistryEntries.Entry> listed =
                fromFile ? fileRegistries : RegistryEntries.parseText(listText.value(), listText.source());
        List<RegistryConfig> registries = RegistryEntries.resolve(listed, fileRegistries, env, timeouts);
        List<String> names = registries.stream().map(RegistryConfig::name).toList();
        String defaultRegistry = check(raw, Setting.OCI_DEFAULT_REGISTRY, t -> {
            String name = t.strip();
            if (name.isEmpty()) {
                return names.contains("docker.io") ? "docker.io" : null;
            }
            if (!names.contains(name)) {
                throw new IllegalArgumentException(
                        names.isEmpty()
                                ? "no registry is configured (--registry NAME=URL)"
                                : "not a configured registry (configured: " + String.join(", ", names) + ")");
            }
            return name;
        });
        List<String> hosted = check(raw, Setting.OCI_HOSTED, ConfigLoader::hostedPrefixes);
        for (String prefix : hosted) {
            String first = prefix.contains("/") ? prefix.substring(0, prefix.indexOf('/')) : prefix;
            if (names.contains(first)) {
                Sourced v = raw.get(Setting.OCI_HOSTED);
                throw new ConfigException("invalid oci.hosted \"" + v.value() + "\" (from " + v.source() + "): "
                        + prefix + " starts with the name of the mirrored registry " + first
                        + ", whose prefix routes there");
            }
        }
        Duration tagTtl = check(raw, Setting.OCI_TAG_TTL, Durations::parse);
        long maxUpload = check(raw, Setting.OCI_MAX_UPLOAD_SIZE, t -> {
            long n = ByteRates.parse(t);
            if (n < 1) {
                throw new IllegalArgumentException("must be more than 0");
            }
            return n;
        });
        Duration expiry = check(raw, Setting.OCI_UPLOAD_EXPIRY, ConfigLoader::positive);
        boolean delete = check(raw, Setting.OCI_DELETE, ConfigLoader::bool);
        boolean anonymous = check(raw, Setting.OCI_ANONYMOUS_PULL, ConfigLoader::bool);
        RegistryUsers users = check(raw, Setting.OCI_USERS, t -> {
            if (t.isBlank()) {
                return RegistryUsers.NONE;
            }
            try {
                return RegistryUsers.load(Path.of(t.strip()));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read: " + e.getMessage());
            }
        });
        return new OciConfig(registries, defaultRegistry, hosted, tagTtl, maxUpload, expiry, delete, anonymous, users);
    }

    /**
     * Hosted prefixes, separated by commas or whitespace: each a repository name (components of
     * {@code [a-z0-9._-]}, single '/' between them), none a configured registry's name.
     */
    static List<String> hostedPrefixes(String text) {
        List<String> out = new ArrayList<>();
        for (String item : text.strip().split("[,\\s]+")) {
            if (item.isEmpty()) {
                continue;
            }
            String prefix = item.endsWith("/") ? item.substring(0, item.length() - 1) : item;
            try {
                dev.ferry.protocols.oci.RepositoryName.parse(prefix);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "\"" + item + "\" is not a repository-name prefix: " + e.getMessage());
            }
            if (!out.contains(prefix)) {
                out.add(prefix);
            }
        }
        return List.copyOf(out);
    }

    private static PoolSettings poolSettings(Map<Setting, Sourced> raw, Duration notFoundTtl) throws ConfigException {
        Strategy strategy = check(raw, Setting.UPSTREAM_STRATEGY, Strategy::parse);
        int failures = check(raw, Setting.UPSTREAM_BREAKER_FAILURES, t -> count(t, 1));
        double rate = check(raw, Setting.UPSTREAM_BREAKER_ERROR_RATE, ConfigLoader::rate);
        Duration window = check(raw, Setting.UPSTREAM_BREAKER_WINDOW, ConfigLoader::positive);
        int minRequests = check(raw, Setting.UPSTREAM_BREAKER_MIN_REQUESTS, t -> count(t, 1));
        Duration coolDown = check(raw, Setting.UPSTREAM_BREAKER_COOL_DOWN, ConfigLoader::positive);
        Duration maxCoolDown = check(raw, Setting.UPSTREAM_BREAKER_MAX_COOL_DOWN, t -> {
            Duration d = positive(t);
            if (d.compareTo(coolDown) < 0) {
                throw new IllegalArgumentException(
                        "must not be shorter than upstream.breaker.coolDown (" + coolDown.toSeconds() + "s)");
            }
            return d;
        });
        int attempts = check(raw, Setting.UPSTREAM_RETRY_ATTEMPTS, t -> count(t, 1));
        Duration backoff = check(raw, Setting.UPSTREAM_RETRY_BACKOFF, Durations::parse);
        Duration maxBackoff = check(raw, Setting.UPSTREAM_RETRY_MAX_BACKOFF, t -> {
            Duration d = Durations.parse(t);
            if (d.compareTo(backoff) < 0) {
                throw new IllegalArgumentException("must not be shorter than upstream.retry.backoff");
            }
            return d;
        });
        Duration budget = check(raw, Setting.UPSTREAM_RETRY_BUDGET, ConfigLoader::positive);
        long floor = check(raw, Setting.UPSTREAM_STALL_FLOOR, ByteRates::parse);
        Duration floorWindow = check(raw, Setting.UPSTREAM_STALL_FLOOR_WINDOW, ConfigLoader::positive);
        Duration probe = check(raw, Setting.UPSTREAM_PROBE_INTERVAL, ConfigLoader::positive);
        Duration hedgeAfter = check(raw, Setting.UPSTREAM_HEDGE_AFTER, Durations::parse);
        double slowFactor = check(raw, Setting.UPSTREAM_SLOW_FACTOR, t -> {
            double f = Double.parseDouble(t.strip());
            if (!(f >= 1) || Double.isInfinite(f)) {
                throw new IllegalArgumentException("must be a number of at least 1");
            }
            return f;
        });
        Duration slowMinimum = check(raw, Setting.UPSTREAM_SLOW_MINIMUM, Durations::parse);
        Duration slowWindow = check(raw, Setting.UPSTREAM_SLOW_WINDOW, ConfigLoader::positive);
        long smallBody = check(raw, Setting.UPSTREAM_SMALL_BODY, t -> {
            long n = ByteRates.parse(t);
            if (n > 16L << 20) {
                throw new IllegalArgumentException("must be at most 16MiB (small bodies are held in memory)");
            }
            return n;
        });
        Duration quarantine = check(raw, Setting.UPSTREAM_QUARANTINE, ConfigLoader::positive);
        // Remember an upstream's 404 per path no longer than the mirror remembers the answer, or a refetch after
        // go.notFoundTtl would still be answered from the older miss.
        Duration notFoundMemory =
                notFoundTtl.compareTo(Duration.ofSeconds(10)) < 0 ? notFoundTtl : Duration.ofSeconds(10);
        return new PoolSettings(
                strategy,
                new BreakerSettings(failures, rate, window, minRequests, coolDown, maxCoolDown),
                new RetryPolicy(attempts, backoff, maxBackoff, budget),
                floor,
                floorWindow,
                notFoundMemory,
                probe,
                hedgeAfter,
                new SpeedSettings(slowFactor, slowMinimum, slowWindow, smallBody),
                quarantine,
                new RedirectPolicy(
                        check(raw, Setting.UPSTREAM_ALLOW_PRIVATE_REDIRECTS, ConfigLoader::bool),
                        check(raw, Setting.UPSTREAM_REALM_HOSTS, t -> {
                            List<String> hosts = new ArrayList<>();
                            for (String item : t.split(",")) {
                                if (!item.isBlank()) {
                                    if (!item.strip().matches("[A-Za-z0-9.\\-]{1,253}")) {
                                        throw new IllegalArgumentException("not a host name: " + item.strip());
                                    }
                                    hosts.add(item.strip());
                                }
                            }
                            return hosts;
                        })));
    }

    private static int count(String text, int min) {
        int n;
        try {
            n = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a whole number");
        }
        if (n < min) {
            throw new IllegalArgumentException("must be at least " + min);
        }
        return n;
    }

    private static double rate(String text) {
        double r;
        try {
            r = Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a number such as 0.5");
        }
        if (!(r > 0 && r <= 1)) {
            throw new IllegalArgumentException("must be more than 0 and at most 1");
        }
        return r;
    }

    @FunctionalInterface
    private interface Parse<T> {
        T parse(String text);
    }

    private static <T> T check(Map<Setting, Sourced> raw, Setting s, Parse<T> parse) throws ConfigException {
        Sourced v = raw.get(s);
        try {
            return parse.parse(v.value());
        } catch (RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new ConfigException("invalid " + s.key() + " \"" + v.value() + "\" (from " + v.source() + "): "
                    + why.replace('\n', ' '));
        }
    }

    private static Duration positive(String text) {
        Duration d = Durations.parse(text);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("must be more than 0");
        }
        return d;
    }

    static Level level(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "error" -> Level.SEVERE;
            case "warn", "warning" -> Level.WARNING;
            case "info" -> Level.INFO;
            case "debug" -> Level.FINE;
            case "trace" -> Level.FINEST;
            default -> throw new IllegalArgumentException("expected error, warn, info, debug or trace");
        };
    }

    static boolean bool(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        };
    }
}
