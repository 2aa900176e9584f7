package dev.ferry.server.config;

import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.sumdb.SumdbConfig;
import dev.ferry.server.registryauth.AccessTokens;
import dev.ferry.server.registryauth.Principals;
import dev.ferry.server.registryauth.RegistryUsers;
import dev.ferry.server.registryauth.Role;
import dev.ferry.server.registryauth.RoleFile;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.pool.BreakerSettings;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.RedirectPolicy;
import dev.ferry.upstreams.pool.RetryPolicy;
import dev.ferry.upstreams.pool.SpeedSettings;
import dev.ferry.upstreams.pool.Strategy;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import dev.ferry.upstreams.vcs.HostPatterns;
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
        Map<Setting, Sourced> raw = resolve(flags, proxyAliases(env), yaml.settings(file));
        FerryConfig config = build(
                        raw,
                        yaml.upstreamEntries(file, env),
                        yaml.registryEntries(file, env),
                        env,
                        yaml.goSources(file, env))
                .withBundles(bundles(raw, yaml.bundleSyncs(file)))
                .withEdge(edge(raw))
                .withCluster(cluster(raw));
        config = withRoutedPrivates(config);
        return config.withAccess(access(raw, config.oci()));
    }

    /** curl and the go command read the lower-case proxy variables too; the upper-case one wins when both are set. */
    private static Map<String, String> proxyAliases(Map<String, String> env) {
        Map<String, String> out = null;
        for (Setting s :
                new Setting[] {Setting.UPSTREAM_HTTPS_PROXY, Setting.UPSTREAM_HTTP_PROXY, Setting.UPSTREAM_NO_PROXY}) {
            String lower = env.get(s.env().toLowerCase(Locale.ROOT));
            if (env.get(s.env()) == null && lower != null) {
                out = out == null ? new java.util.HashMap<>(env) : out;
                out.put(s.env(), lower);
            }
        }
        return out == null ? env : out;
    }

    /**
     * go.privateRoutes' patterns are private modules too: never looked up in the checksum database, pinned, and
     * protected like go.private's.
     */
    static FerryConfig withRoutedPrivates(FerryConfig config) {
        if (config.goSources().routes().isEmpty()) {
            return config;
        }
        List<String> globs = new ArrayList<>();
        if (!config.privates().isEmpty()) {
            globs.add(config.privates().text());
        }
        config.goSources().routes().forEach(r -> globs.add(r.pattern().text()));
        return config.withPrivates(PrivatePatterns.parse(String.join(",", globs)));
    }

    /** go.privateUpstream, go.privateRoutes and go.direct.*. */
    static GoSources goSources(Map<Setting, Sourced> raw, GoSourcesFile lists) throws ConfigException {
        GoProxyList privateUpstream = check(raw, Setting.GO_PRIVATE_UPSTREAM, t -> GoProxyList.parse(t.strip()));
        HostPatterns hosts = check(raw, Setting.GO_DIRECT_HOSTS, t -> t.isBlank() ? null : HostPatterns.parse(t));
        HostPatterns insecure = check(raw, Setting.GO_DIRECT_INSECURE, HostPatterns::parse);
        int concurrency = check(raw, Setting.GO_DIRECT_CONCURRENCY, t -> count(t, 1));
        Duration timeout = check(raw, Setting.GO_DIRECT_TIMEOUT, ConfigLoader::positive);
        String goCommand = check(raw, Setting.GO_DIRECT_GO_COMMAND, t -> {
            if (t.isBlank() || !t.strip().matches("[A-Za-z0-9._/+-]+")) {
                throw new IllegalArgumentException("a command name or path");
            }
            return t.strip();
        });
        Path netrc = check(raw, Setting.GO_DIRECT_NETRC, ConfigLoader::optionalFile);
        Path gitCredentials = check(raw, Setting.GO_DIRECT_GIT_CREDENTIALS, ConfigLoader::optionalFile);
        Path sshKey = check(raw, Setting.GO_DIRECT_SSH_KEY, ConfigLoader::optionalFile);
        Path knownHosts = check(raw, Setting.GO_DIRECT_SSH_KNOWN_HOSTS, ConfigLoader::optionalFile);
        return new GoSources(
                privateUpstream,
                List.of(),
                lists.routes(),
                hosts,
                insecure,
                concurrency,
                timeout,
                goCommand,
                lists.credentials(),
                netrc,
                gitCredentials,
                sshKey,
                knownHosts);
    }

    /** HTTPS on the listener, the proxies and CA bundle for upstreams, and the log format. */
    static EdgeSettings edge(Map<Setting, Sourced> raw) throws ConfigException {
        Path certificate = check(raw, Setting.TLS_CERTIFICATE, ConfigLoader::optionalFile);
        Path key = check(raw, Setting.TLS_KEY, ConfigLoader::optionalFile);
        Path clientCa = check(raw, Setting.TLS_CLIENT_CA, ConfigLoader::optionalFile);
        TlsSettings.ClientCertificates admin = check(raw, Setting.TLS_CLIENT_AUTH_ADMIN, ConfigLoader::clientCerts);
        TlsSettings.ClientCertificates pulls = check(raw, Setting.TLS_CLIENT_AUTH_PULLS, ConfigLoader::clientCerts);
        ListenAddress redirect =
                check(raw, Setting.TLS_REDIRECT_LISTEN, t -> t.isBlank() ? null : ListenAddress.parse(t));
        TlsSettings tls = new TlsSettings(certificate, key, clientCa, admin, pulls, redirect);
        if ((certificate == null) != (key == null)) {
            throw new ConfigException(
                    "tls.certificate and tls.key go together: give both (--tls-cert, --tls-key)" + " or neither");
        }
        if (certificate == null && (clientCa != null || tls.asksForClientCertificates() || redirect != null)) {
            throw new ConfigException("tls.clientCa, tls.clientAuth.* and tls.redirectListen need HTTPS on the"
                    + " listener: give tls.certificate and tls.key (--tls-cert, --tls-key)");
        }
        if (tls.asksForClientCertificates() && clientCa == null) {
            throw new ConfigException("tls.clientAuth.admin or .pulls is required but no tls.clientCa"
                    + " (--tls-client-ca) says which CA signs client certificates");
        }
        if (clientCa != null && !tls.asksForClientCertificates()) {
            throw new ConfigException("tls.clientCa is given but neither tls.clientAuth.admin nor .pulls is"
                    + " 'required': no route would ask for a client certificate");
        }
        java.net.URI httpsProxy = check(raw, Setting.UPSTREAM_HTTPS_PROXY, ConfigLoader::proxyUrl);
        java.net.URI httpProxy = check(raw, Setting.UPSTREAM_HTTP_PROXY, ConfigLoader::proxyUrl);
        List<String> noProxy = check(
                raw,
                Setting.UPSTREAM_NO_PROXY,
                t -> java.util.Arrays.stream(t.split(","))
                        .map(String::strip)
                        .filter(x -> !x.isEmpty())
                        .toList());
        Path caBundle = check(raw, Setting.UPSTREAM_CA_BUNDLE, ConfigLoader::optionalFile);
        dev.ferry.server.logging.LogFormat format =
                check(raw, Setting.LOG_FORMAT, dev.ferry.server.logging.LogFormat::parse);
        return new EdgeSettings(tls, new OutboundSettings(httpsProxy, httpProxy, noProxy, caBundle), format);
    }

    /** An existing regular file, or null for an empty value. */
    private static Path optionalFile(String text) {
        if (text.isBlank()) {
            return null;
        }
        Path p = Path.of(text.strip()).toAbsolutePath().normalize();
        if (!java.nio.file.Files.isRegularFile(p)) {
            throw new IllegalArgumentException("no such file");
        }
        if (!java.nio.file.Files.isReadable(p)) {
            throw new IllegalArgumentException("not readable");
        }
        return p;
    }

    private static TlsSettings.ClientCertificates clientCerts(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "none", "" -> TlsSettings.ClientCertificates.NONE;
            case "required" -> TlsSettings.ClientCertificates.REQUIRED;
            default -> throw new IllegalArgumentException("expected none or required");
        };
    }

    /** {@code http://HOST:PORT} (a scheme-less HOST:PORT as curl takes it); credentials in it are refused. */
    static java.net.URI proxyUrl(String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            return null;
        }
        java.net.URI u;
        try {
            u = java.net.URI.create(t.contains("://") ? t : "http://" + t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a URL");
        }
        if (!"http".equalsIgnoreCase(u.getScheme())) {
            throw new IllegalArgumentException("only http:// proxies are supported (CONNECT is used for https://)");
        }
        if (u.getHost() == null) {
            throw new IllegalArgumentException("no host");
        }
        if (u.getUserInfo() != null) {
            throw new IllegalArgumentException("proxy credentials are not supported");
        }
        return java.net.URI.create("http://" + u.getHost() + ":" + (u.getPort() > 0 ? u.getPort() : 80));
    }

    public static Map<Setting, Sourced> resolve(Map<Setting, String> flags, Map<String, String> env, Path configFile)
            throws ConfigException {
        Path file = configFile(env, configFile);
        return resolve(
                flags, proxyAliases(env), (file == null ? ConfigFile.EMPTY : ConfigFile.read(file)).settings(file));
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
        return build(raw, entries, registries, env, GoSourcesFile.NONE);
    }

    static FerryConfig build(
            Map<Setting, Sourced> raw,
            List<UpstreamEntry> entries,
            List<RegistryEntries.Entry> registries,
            Map<String, String> env,
            GoSourcesFile goLists)
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
        GoSources unresolved = goSources(raw, goLists);
        List<GoProxyList> lists = new ArrayList<>(List.of(upstream));
        lists.addAll(unresolved.privateLists());
        List<List<Upstream>> resolved = UpstreamDetails.apply(lists, timeouts, entries);
        List<Upstream> upstreams = resolved.getFirst();
        GoSources sources = unresolved.withResolved(resolved.subList(1, resolved.size()));
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
                null,
                null,
                listener,
                sources,
                null);
    }

    /**
     * The peers and the cluster token. The token comes from cluster.token or cluster.tokenFile, not both; peers
     * without a token are refused (they could neither ask nor be asked).
     */
    static ClusterConfig cluster(Map<Setting, Sourced> raw) throws ConfigException {
        List<java.net.URI> listed = check(raw, Setting.CLUSTER_PEERS, t -> {
            List<java.net.URI> out = new ArrayList<>();
            for (String item : t.split(",")) {
                if (!item.isBlank()) {
                    java.net.URI u = nodeUrl(item.strip());
                    if (!out.contains(u)) {
                        out.add(u);
                    }
                }
            }
            return out;
        });
        java.net.URI self = check(raw, Setting.CLUSTER_SELF, t -> t.isBlank() ? null : nodeUrl(t.strip()));
        String inline = raw.get(Setting.CLUSTER_TOKEN).value().strip();
        Path tokenFile = check(raw, Setting.CLUSTER_TOKEN_FILE, ConfigLoader::optionalFile);
        if (!inline.isEmpty() && tokenFile != null) {
            throw new ConfigException(
                    "cluster.token (from " + raw.get(Setting.CLUSTER_TOKEN).source()
                            + ") and cluster.tokenFile (from "
                            + raw.get(Setting.CLUSTER_TOKEN_FILE).source()
                            + ") both give the cluster token: give one");
        }
        String token = inline.isEmpty() ? null : inline;
        Setting tokenSetting = Setting.CLUSTER_TOKEN;
        if (tokenFile != null) {
            tokenSetting = Setting.CLUSTER_TOKEN_FILE;
            try {
                token = java.nio.file.Files.readString(tokenFile).strip();
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new ConfigException("invalid cluster.tokenFile \""
                        + raw.get(Setting.CLUSTER_TOKEN_FILE).value()
                        + "\" (from " + raw.get(Setting.CLUSTER_TOKEN_FILE).source() + "): cannot read: "
                        + e.getMessage());
            }
        }
        if (token != null && (token.length() < 16 || !token.matches("[!-~]+"))) {
            // Never the token itself in the message.
            throw new ConfigException("invalid " + tokenSetting.key() + " (from "
                    + raw.get(tokenSetting).source() + "): the cluster token must be at least 16 printable ASCII"
                    + " characters without spaces (e.g. openssl rand -hex 32)");
        }
        Duration timeout = check(raw, Setting.CLUSTER_PEER_TIMEOUT, ConfigLoader::positive);
        if (!listed.isEmpty() && token == null) {
            throw new ConfigException(
                    "cluster.peers (from " + raw.get(Setting.CLUSTER_PEERS).source()
                            + ") needs the cluster token: give cluster.token (FERRY_CLUSTER_TOKEN) or cluster.tokenFile"
                            + " (--cluster-token-file)");
        }
        List<java.net.URI> peers = listed.stream().filter(u -> !u.equals(self)).toList();
        return new ClusterConfig(peers, self, token, timeout, listed);
    }

    /** A node's base URL: http or https, a host, no path, query or credentials; written without a trailing /. */
    static java.net.URI nodeUrl(String text) {
        java.net.URI u;
        try {
            u = java.net.URI.create(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a URL: " + text);
        }
        if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme())) {
            throw new IllegalArgumentException("a node's URL must be http:// or https://: " + text);
        }
        if (u.getHost() == null || u.getRawUserInfo() != null) {
            throw new IllegalArgumentException("a node's URL must name a host (and no credentials): " + text);
        }
        if ((u.getRawPath() != null
                        && !u.getRawPath().isEmpty()
                        && !u.getRawPath().equals("/"))
                || u.getRawQuery() != null
                || u.getRawFragment() != null) {
            throw new IllegalArgumentException(
                    "a node's URL has no path, query or fragment (ferry serves at /): " + text);
        }
        String scheme = u.getScheme().toLowerCase(Locale.ROOT);
        int port = u.getPort() > 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
        return java.net.URI.create(scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + ":" + port);
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
        TrustedProxies trustedProxies = check(raw, Setting.TRUSTED_PROXIES, TrustedProxies::parse);
        return new ListenerSettings(headTimeout, perClient, publicUrl, hostNames, trustedProxies);
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
        List<Path> roots = check(raw, Setting.BUNDLES_ROOTS, t -> {
            List<Path> out = new ArrayList<>();
            for (String item : t.split(",")) {
                if (item.isBlank()) {
                    continue;
                }
                Path p = Path.of(item.strip());
                if (!p.isAbsolute()) {
                    throw new IllegalArgumentException("a bundle root must be an absolute path, not " + item.strip());
                }
                out.add(p.normalize());
            }
            return out;
        });
        boolean requestTrust = check(raw, Setting.BUNDLES_REQUEST_TRUST, ConfigLoader::bool);
        return new BundlesConfig(trusted, sync, roots, requestTrust);
    }

    /** Pull access control and miss limits; image prefixes must name a configured registry or hosted prefix. */
    static AccessConfig access(Map<Setting, Sourced> raw, OciConfig oci) throws ConfigException {
        RegistryUsers users =
                check(raw, Setting.ACCESS_USERS, t -> t.isBlank() ? RegistryUsers.NONE : read(t, RegistryUsers::load));
        Map<String, java.util.Set<Role>> roles =
                check(raw, Setting.ACCESS_ROLES, t -> t.isBlank() ? Map.of() : read(t, RoleFile::load));
        AccessTokens tokens =
                check(raw, Setting.ACCESS_TOKENS, t -> t.isBlank() ? AccessTokens.NONE : read(t, AccessTokens::load));
        PrivatePatterns modules = check(raw, Setting.ACCESS_MODULES, PrivatePatterns::parse);
        List<String> images = check(raw, Setting.ACCESS_IMAGES, t -> {
            List<String> out = new ArrayList<>();
            for (String item : t.strip().split("[,\\s]+")) {
                String prefix = item.endsWith("/") ? item.substring(0, item.length() - 1) : item;
                if (prefix.isEmpty()) {
                    continue;
                }
                if (!prefix.equals("*")) {
                    dev.ferry.protocols.oci.RepositoryName.parse(prefix);
                    String first = prefix.contains("/") ? prefix.substring(0, prefix.indexOf('/')) : prefix;
                    boolean registry =
                            oci.registries().stream().anyMatch(r -> r.name().equals(first));
                    boolean hosted = oci.hosted().stream()
                            .anyMatch(
                                    h -> prefix.equals(h) || prefix.startsWith(h + "/") || h.startsWith(prefix + "/"));
                    if (!registry && !hosted) {
                        throw new IllegalArgumentException(prefix + " is under no configured registry or hosted prefix,"
                                + " so it would protect nothing");
                    }
                }
                out.add(prefix);
            }
            return List.copyOf(out);
        });
        boolean anonymousPrivate = check(raw, Setting.ACCESS_ANONYMOUS_PRIVATE, ConfigLoader::bool);
        double missRate = check(raw, Setting.LIMITS_MISS_RATE, t -> {
            double r = Double.parseDouble(t.strip());
            if (!(r >= 0) || Double.isInfinite(r)) {
                throw new IllegalArgumentException("must be 0 (no limit) or a positive number of requests per second");
            }
            return r;
        });
        int missBurst = check(raw, Setting.LIMITS_MISS_BURST, t -> count(t, 1));
        try {
            new Principals(oci.users(), users, tokens, roles);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("invalid access.users: " + e.getMessage());
        }
        return new AccessConfig(users, roles, tokens, modules, images, anonymousPrivate, missRate, missBurst);
    }

    @FunctionalInterface
    private interface FileReader<T> {
        T read(Path file) throws IOException;
    }

    private static <T> T read(String text, FileReader<T> reader) {
        try {
            return reader.read(Path.of(text.strip()));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read: " + e.getMessage(), e);
        }
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
