package dev.ferry.server;

import dev.ferry.mirror.go.CachingGoModuleMirror;
import dev.ferry.mirror.go.GoMirrorSettings;
import dev.ferry.mirror.go.GoModuleMirror;
import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.oci.CachingRegistryMirror;
import dev.ferry.mirror.oci.OciMirrorSettings;
import dev.ferry.mirror.oci.OciRepositories;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.AdminAuth;
import dev.ferry.server.admin.AuditLog;
import dev.ferry.server.admin.BundleApi;
import dev.ferry.server.admin.BundleScheduler;
import dev.ferry.server.admin.Bundles;
import dev.ferry.server.admin.Console;
import dev.ferry.server.admin.ConsoleApi;
import dev.ferry.server.admin.ConsoleSessions;
import dev.ferry.server.admin.ImportedMirrorSets;
import dev.ferry.server.admin.MirrorSetRegistry;
import dev.ferry.server.admin.PrewarmService;
import dev.ferry.server.admin.SigningKey;
import dev.ferry.server.admin.StorePins;
import dev.ferry.server.config.AccessConfig;
import dev.ferry.server.config.ClusterConfig;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.GoSources;
import dev.ferry.server.config.ListenAddress;
import dev.ferry.server.config.OciConfig;
import dev.ferry.server.config.OutboundSettings;
import dev.ferry.server.config.ProtectedContentConfig;
import dev.ferry.server.config.RegistryConfig;
import dev.ferry.server.config.Setting;
import dev.ferry.server.config.TlsSettings;
import dev.ferry.server.hosted.HostedInStore;
import dev.ferry.server.hosted.HostedRegistry;
import dev.ferry.server.hosted.HostedSettings;
import dev.ferry.server.http.ClientAccess;
import dev.ferry.server.http.FerryHttpServer;
import dev.ferry.server.http.FerryRoutes;
import dev.ferry.server.http.MissLimiter;
import dev.ferry.server.http.OciRouting;
import dev.ferry.server.http.PeerAnswers;
import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.server.metrics.RecentMinutes;
import dev.ferry.server.outbound.OutboundNetwork;
import dev.ferry.server.registryauth.Principals;
import dev.ferry.server.registryauth.ProtectedContent;
import dev.ferry.server.registryauth.RegistryAuth;
import dev.ferry.server.registryauth.SignInThrottle;
import dev.ferry.server.tls.CertificateReloader;
import dev.ferry.server.tls.ClientCertificateGate;
import dev.ferry.server.tls.HttpsRedirect;
import dev.ferry.server.tls.ListenerTls;
import dev.ferry.server.tls.PemFiles;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.NameStore;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.sync.GoPrewarmPlanner;
import dev.ferry.sync.ImagePrewarmPlanner;
import dev.ferry.sync.ImageTargets;
import dev.ferry.sync.MirrorItemRunner;
import dev.ferry.sync.MirrorSet;
import dev.ferry.sync.MirrorSetPlanner;
import dev.ferry.sync.Plan;
import dev.ferry.sync.bundle.BundleProgress;
import dev.ferry.sync.bundle.BundleService;
import dev.ferry.sync.bundle.SumdbLatest;
import dev.ferry.upstreams.cluster.KeyOwners;
import dev.ferry.upstreams.cluster.OwnerFetch;
import dev.ferry.upstreams.cluster.PeerClient;
import dev.ferry.upstreams.cluster.PeersFirst;
import dev.ferry.upstreams.cluster.PeersFirstRegistry;
import dev.ferry.upstreams.goproxy.GoProxyClient;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.goproxy.GoUpstreamChain;
import dev.ferry.upstreams.goproxy.HttpGoProxyClient;
import dev.ferry.upstreams.goproxy.ModuleRoutes;
import dev.ferry.upstreams.oci.HttpRegistryClient;
import dev.ferry.upstreams.oci.RegistryClient;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamPool;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import dev.ferry.upstreams.vcs.DirectFetcher;
import dev.ferry.upstreams.vcs.DirectSettings;
import dev.ferry.upstreams.vcs.HostPatterns;
import io.helidon.common.tls.Tls;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * A running ferry: the one place where the store, the upstream client, the mirror, the routes and the web
 * server are created and wired together (and taken apart again, in reverse order, by {@link #close()}).
 */
public final class Ferry implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("ferry");
    /** How long in-flight requests may run on after a stop was asked for. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);
    /** Zips that download and verify within this time are answered whole, so a refusal arrives with its reason. */
    static final Duration ZIP_HOLD_BACK = Duration.ofSeconds(10);
    /** Registry downloads up to this size stay in memory while clients follow them (manifests are at most 4 MiB). */
    static final long MANIFEST_SPOOL_MEMORY = 4L * 1024 * 1024;
    /** How often abandoned upload sessions are looked for. */
    static final Duration UPLOAD_SWEEP = Duration.ofMinutes(5);

    /** Items a prewarm job fetches at once. */
    static final int PREWARM_CONCURRENCY = 8;
    /** Reports of ended prewarm jobs kept for GET /admin/api/prewarm. */
    static final int PREWARM_REPORTS = 50;
    /** Reports of ended export and import jobs kept for GET /admin/api/exports and imports. */
    static final int BUNDLE_REPORTS = 50;
    /** Eviction under the quota runs down to this share of it, so it does not run again at every commit. */
    static final double QUOTA_LOW_WATERMARK = 0.9;

    private enum State {
        STARTING,
        READY,
        STOPPING,
        STOPPED
    }

    private final ContentStore store;
    private HttpGoProxyClient upstream;
    /** The other nodes of the cluster, asked before upstreams; null when cluster.peers is empty. */
    private PeerClient peers;
    /** Asks a key's owner to fetch it; null unless this node knows its place on the ring (cluster.self). */
    private OwnerFetch owners;

    private final List<AutoCloseable> goSources = new ArrayList<>();
    private final List<HttpRegistryClient> registryClients = new ArrayList<>();
    private ScheduledExecutorService housekeeping;
    private ScheduledExecutorService consoleTicks;
    private PrewarmService prewarm;
    private MirrorSetRegistry mirrorSets;
    private BundleService bundleService;
    private BundleScheduler bundleSync;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile State state = State.STARTING;
    private WebServer server;
    private WebServer redirect;
    private CertificateReloader certificates;
    private OutboundNetwork outbound;
    private String url;

    private Ferry(ContentStore store) {
        this.store = store;
    }

    /** Opens the store, builds the mirror and starts listening; the caller owns the result and must close it. */
    public static Ferry start(FerryConfig config) throws IOException {
        return start(config, StoreOptions.defaults());
    }

    /** With each setting's value and source as resolved from flags, environment and file (the console shows them). */
    public static Ferry start(FerryConfig config, Map<Setting, ConfigLoader.Sourced> settings) throws IOException {
        return start(config, StoreOptions.defaults(), settings);
    }

    /**
     * With the store's options other than the defaults (tests and benchmarks: a test clock, access flushes);
     * the quota comes from {@code config}.
     */
    public static Ferry start(FerryConfig config, StoreOptions storeOptions) throws IOException {
        return start(config, storeOptions, Map.of());
    }

    private static Ferry start(
            FerryConfig config, StoreOptions storeOptions, Map<Setting, ConfigLoader.Sourced> effective)
            throws IOException {
        LOG.info("ferry starting: listen=" + config.listen() + " data=" + config.data()
                + " go.upstream=" + config.goUpstreamText() + " go.sumdb=" + config.sumdbText()
                + (config.privates().isEmpty() ? "" : " go.private=" + config.privates())
                + (config.oci().registries().isEmpty()
                        ? ""
                        : " oci.registries=" + config.oci().registries())
                + (config.oci().hosted().isEmpty()
                        ? ""
                        : " oci.hosted=" + config.oci().hosted()));
        checkCanListen(config.listen());
        DataDirectory.create(config.data());
        // before any upstream client is built: they take the proxies and CAs from the defaults set here
        OutboundNetwork outbound = OutboundNetwork.install(config.outbound());
        Files.createDirectories(config.storeDir());
        Files.createDirectories(config.spoolDir());
        RocksContentStore store;
        try {
            store = RocksContentStore.open(
                    config.storeDir(), storeOptions.withQuota(config.quotaBytes(), QUOTA_LOW_WATERMARK));
        } catch (IOException | RuntimeException e) {
            if (outbound != null) {
                outbound.close();
            }
            throw e;
        }
        // After the open: RocksDB's own files (LOG, MANIFEST, tables) got the process's umask.
        DataDirectory.tighten(config.data());
        if (config.quotaBytes() > 0) {
            LOG.info("storage quota " + config.quotaBytes() + " bytes: least recently used unpinned content is evicted"
                    + " down to " + Math.round(QUOTA_LOW_WATERMARK * 100) + "% of it; now "
                    + store.stats().chunkBytes());
        }
        Ferry ferry = new Ferry(store);
        ferry.outbound = outbound;
        try {
            FerryMetrics metrics = new FerryMetrics(memoize(store::stats)).withJvmAndProcess();
            metrics.storeWrites(memoize(store::writeStats));
            store.events(metrics);
            HttpGoProxyClient upstream =
                    new HttpGoProxyClient(config.goUpstreams(), config.upstreamPool(), metrics, Clock.systemUTC());
            ferry.upstream = upstream;
            upstream.startProbing();
            metrics.watch(upstream.pool());
            AdminAuth admin = AdminAuth.load(config.adminToken(), config.data());
            // Sent with every answer to a peer, so that a node that finds itself in cluster.peers stops asking itself.
            String nodeId = java.util.UUID.randomUUID().toString();
            ferry.peers = ferry.peers(config, nodeId, metrics);
            ferry.owners = ferry.owners(config, metrics);
            GoMirrorSettings settings = new GoMirrorSettings(config.goListTtl(), config.goNotFoundTtl())
                    .withSpoolDir(config.spoolDir())
                    .withZipHoldBack(ZIP_HOLD_BACK);
            // The direct fallback to a database's own URL is one plain walk: the pool's breakers and hedging are
            // for the proxies, which see most of the traffic.
            Checksums sums = Checksums.create(
                    config.sumdb(),
                    config.privates(),
                    config.goListTtl(),
                    store,
                    config.goUpstream().entries().isEmpty() ? null : upstream,
                    url -> new HttpGoProxyClient(GoProxyList.parse(url.toString()), config.upstreamTimeouts(), metrics),
                    metrics,
                    Clock.systemUTC(),
                    ferry.peers,
                    ferry.owners);
            Map<String, UpstreamPool> pools = new LinkedHashMap<>();
            pools.put("go", upstream.pool());
            GoProxyClient sources = ferry.goSources(config, upstream, metrics, pools);
            if (ferry.peers != null) {
                pools.put("peers", ferry.peers.pool());
                if (ferry.owners != null) {
                    ferry.owners.pools().forEach((node, pool) -> pools.put("owner " + node, pool));
                }
                sources = new PeersFirst(ferry.peers, ferry.owners, sources, PeersFirst::moduleFile);
            }
            // Private modules are pinned as they are stored: only the upstream that served them has them.
            GoModuleMirror mirror = new CachingGoModuleMirror(
                    store, sources, settings, Clock.systemUTC(), sums.modules(), config.privates()::matches);
            OciRouting registry = ferry.registry(config, store, metrics, pools);
            AuditLog audit = new AuditLog(config.data().resolve(AuditLog.FILE), Clock.systemUTC());
            LOG.info("admin actions are audited in " + audit.file());
            AdminApi api = ferry.adminApi(config, store, mirror, registry, metrics, audit, sums);
            ferry.exportJobs(metrics);
            Console console = ferry.console(config, store, metrics, registry, audit, effective);
            FerryRoutes routes = new FerryRoutes(
                    mirror,
                    sums.served(),
                    metrics,
                    ferry::ready,
                    admin,
                    pools,
                    registry,
                    api,
                    audit,
                    ferry.clientAccess(config, registry),
                    console);
            Tls tls = config.tls().enabled() ? ListenerTls.load(config.tls()) : null;
            routes.requireClientCertificates(ClientCertificateGate.of(config.tls()));
            routes.answerPeers(
                    new PeerAnswers(
                            config.cluster().token(),
                            nodeId,
                            store,
                            sums.served(),
                            config.oci().registries().stream()
                                    .map(RegistryConfig::name)
                                    .collect(Collectors.toSet()),
                            metrics),
                    ferry.owners);
            ferry.server = FerryHttpServer.create(
                            config.listen().host(),
                            config.listen().port(),
                            routes,
                            SHUTDOWN_GRACE,
                            FerryHttpServer.UNLIMITED,
                            config.listener(),
                            tls)
                    .start();
            if (!ferry.server.isRunning() || ferry.server.port() <= 0) {
                // Helidon logs why and returns instead of throwing
                throw new IOException("cannot listen on " + config.listen());
            }
            ferry.url = (tls != null ? "https://" : "http://") + config.listen().urlHost() + ":" + ferry.server.port();
            if (tls != null) {
                ferry.https(config.tls());
            }
            ferry.state = State.READY;
        } catch (IOException | RuntimeException | Error e) {
            ferry.close();
            throw e;
        }
        String ready = "ferry ready on " + ferry.url;
        System.out.println(ready);
        System.out.flush();
        LOG.info(ready);
        return ferry;
    }

    /**
     * Where each module is fetched from: go.upstream's proxies, then {@code direct} when the list ends with it;
     * go.private modules (and go.privateRoutes patterns) from their own lists, which never include go.upstream's
     * proxies. One origin fetcher serves every list that names {@code direct}.
     */
    private GoProxyClient goSources(
            FerryConfig config, HttpGoProxyClient proxies, FerryMetrics metrics, Map<String, UpstreamPool> pools)
            throws IOException {
        GoSources g = config.goSources();
        boolean privates = !config.privates().isEmpty() || !g.routes().isEmpty();
        if (!g.usesDirect(config.goUpstream(), config.privates()) && !privates) {
            return proxies;
        }
        DirectFetcher direct = null;
        if (g.usesDirect(config.goUpstream(), config.privates())) {
            Path go = DirectSettings.findOnPath(g.goCommand(), System.getenv("PATH"));
            if (go == null) {
                LOG.warning("go.direct.goCommand \"" + g.goCommand() + "\" was not found: 'direct' fetches will fail"
                        + " until the go command (Debian's golang-go) and git are installed");
            }
            OutboundSettings out = config.outbound();
            Map<String, String> proxyEnv = new LinkedHashMap<>();
            proxyEnv.put(
                    "http_proxy", out.httpProxy() == null ? "" : out.httpProxy().toString());
            proxyEnv.put(
                    "https_proxy",
                    out.httpsProxy() == null ? "" : out.httpsProxy().toString());
            proxyEnv.put("no_proxy", String.join(",", out.noProxy()));
            HostPatterns hosts = g.allowedHosts(config.privates());
            direct = new DirectFetcher(
                    new DirectSettings(
                            go,
                            config.data().resolve("direct"),
                            hosts,
                            g.insecureHosts(),
                            g.concurrency(),
                            g.timeout(),
                            g.credentials(),
                            g.netrcFile(),
                            g.gitCredentialsFile(),
                            g.sshKey(),
                            g.sshKnownHosts(),
                            proxyEnv),
                    metrics,
                    Clock.systemUTC());
            goSources.add(direct);
            LOG.info("direct: go command " + (go == null ? "missing" : go) + ", hosts "
                    + (hosts.isEmpty() ? "none" : hosts) + ", " + g.concurrency() + " at once, timeout " + g.timeout()
                    + ", " + g.credentials().size() + " credential(s)"
                    + (g.netrcFile() != null ? ", netrc " + g.netrcFile() : ""));
        }
        GoProxyClient publicModules =
                config.goUpstream().direct() ? new GoUpstreamChain(config.goUpstream(), proxies, direct) : proxies;
        if (!privates) {
            return publicModules;
        }
        List<ModuleRoutes.Route> routes = new ArrayList<>();
        int n = 0;
        for (GoSources.Route r : g.routes()) {
            routes.add(new ModuleRoutes.Route(
                    r.pattern().toString(),
                    r.pattern()::matches,
                    list(r.upstream(), r.upstreams(), direct, "go-private-" + ++n, config, metrics, pools)));
        }
        if (!config.privates().isEmpty()) {
            routes.add(new ModuleRoutes.Route(
                    "go.private",
                    config.privates()::matches,
                    list(g.privateUpstream(), g.privateUpstreams(), direct, "go-private", config, metrics, pools)));
        }
        LOG.info("private modules: " + config.privates() + " from " + g.privateUpstream()
                + (g.routes().isEmpty() ? "" : "; routes " + g.routes()));
        return new ModuleRoutes(routes, publicModules);
    }

    /** A private list's client: its own proxy pool (shown as {@code poolName}), then {@code direct} if named. */
    private GoProxyClient list(
            GoProxyList list,
            List<Upstream> withDetails,
            DirectFetcher direct,
            String poolName,
            FerryConfig config,
            FerryMetrics metrics,
            Map<String, UpstreamPool> pools) {
        if (list.isOff()) {
            return new HttpGoProxyClient(list, config.upstreamTimeouts(), metrics);
        }
        if (list.entries().isEmpty()) {
            return direct;
        }
        // the YAML upstreams list's details (a site proxy's credentials) when the loader resolved them
        HttpGoProxyClient proxies = new HttpGoProxyClient(
                withDetails.isEmpty()
                        ? list.entries().stream()
                                .map(e -> e.upstream(config.upstreamTimeouts()))
                                .toList()
                        : withDetails,
                config.upstreamPool(),
                metrics,
                Clock.systemUTC());
        goSources.add(proxies);
        pools.put(poolName, proxies.pool());
        metrics.watch(proxies.pool());
        return list.direct() ? new GoUpstreamChain(list, proxies, direct) : proxies;
    }

    /**
     * The cluster's other nodes as a pool of their own ("peers" in the admin API), asked on a miss of immutable
     * content before any upstream; null when cluster.peers names none.
     */
    private PeerClient peers(FerryConfig config, String nodeId, FerryMetrics metrics) {
        ClusterConfig cluster = config.cluster();
        if (cluster.peers().isEmpty()) {
            return null;
        }
        PeerClient client = new PeerClient(
                cluster.peers(),
                cluster.token(),
                nodeId,
                cluster.peerTimeout(),
                config.upstreamTimeouts().stall(),
                config.upstreamPool(),
                metrics,
                metrics,
                Clock.systemUTC());
        client.startProbing();
        metrics.watch(client.pool());
        LOG.info("cluster: asking peers " + cluster.peers() + " before upstreams for immutable content");
        return client;
    }

    /**
     * Owner fetches (docs/cluster.md): a miss of content another node owns is fetched by that node. Only when
     * cluster.self names this node's entry of cluster.peers: the ring is that list, in its order.
     */
    private OwnerFetch owners(FerryConfig config, FerryMetrics metrics) {
        ClusterConfig cluster = config.cluster();
        if (peers == null || !cluster.knowsOwners()) {
            if (peers != null) {
                LOG.info("cluster: no owner fetches (cluster.self does not name an entry of cluster.peers)");
            }
            return null;
        }
        UpstreamTimeouts upstream = config.upstreamTimeouts();
        OwnerFetch fetch = new OwnerFetch(
                new KeyOwners(cluster.nodes(), cluster.self()),
                cluster.peers(),
                cluster.token(),
                new UpstreamTimeouts(cluster.peerTimeout(), upstream.firstByte().multipliedBy(2), upstream.stall()),
                config.upstreamPool(),
                metrics,
                Clock.systemUTC());
        LOG.info("cluster: a miss of content another node owns is fetched by its owner (ring " + cluster.nodes()
                + ", this node " + cluster.self() + ")");
        return fetch;
    }

    /** Rotated certificates reloaded without a restart; the plain-HTTP redirect listener when configured. */
    private void https(TlsSettings tls) throws IOException {
        WebServer listener = server;
        certificates = CertificateReloader.start(tls, listener::reloadTls);
        LOG.info("HTTPS (TLS 1.2, 1.3) with "
                + ListenerTls.describe(PemFiles.certificates(tls.certificate()).getFirst())
                + "; client certificates required for admin: " + tls.admin() + ", pulls: " + tls.pulls());
        if (tls.redirectListen() != null) {
            redirect = HttpsRedirect.start(tls.redirectListen(), server.port(), SHUTDOWN_GRACE);
            LOG.info("redirecting http://" + tls.redirectListen().urlHost() + ":" + redirect.port() + " to HTTPS");
        }
    }

    /**
     * The OCI registry: a caching mirror per configured registry (its endpoints' pool shown by the admin API as
     * "registry:NAME"), and the hosted repositories, whose abandoned uploads are swept every few minutes.
     */
    private OciRouting registry(
            FerryConfig config, ContentStore store, FerryMetrics metrics, Map<String, UpstreamPool> pools)
            throws IOException {
        OciConfig oci = config.oci();
        Clock clock = Clock.systemUTC();
        OciMirrorSettings settings = new OciMirrorSettings(oci.tagTtl(), config.spoolDir(), MANIFEST_SPOOL_MEMORY);
        Map<String, OciRepositories> mirrors = new LinkedHashMap<>();
        for (RegistryConfig r : oci.registries()) {
            HttpRegistryClient client =
                    new HttpRegistryClient(r.name(), r.endpoints(), config.upstreamPool(), metrics, clock);
            registryClients.add(client);
            client.startProbing();
            metrics.watch(client.pool());
            pools.put("registry:" + r.name(), client.pool());
            if (r.offline()) {
                LOG.info("registry " + r.name() + " is offline (off): served from the store only, nothing is fetched");
            }
            RegistryClient source = peers == null ? client : new PeersFirstRegistry(peers, client);
            mirrors.put(r.name(), new CachingRegistryMirror(store, source, settings.withOffline(r.offline()), clock));
        }
        HostedRegistry hosted = null;
        if (!oci.hosted().isEmpty()) {
            Files.createDirectories(config.uploadsDir());
            hosted = new HostedRegistry(
                    store,
                    new HostedSettings(
                            config.uploadsDir(), oci.maxUploadSize(), oci.uploadExpiry(), oci.deleteEnabled()),
                    clock);
            HostedRegistry sweep = hosted;
            housekeeping = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("ferry-uploads").factory());
            var unused = housekeeping.scheduleWithFixedDelay(
                    () -> {
                        try {
                            int dropped = sweep.expireUploads();
                            if (dropped > 0) {
                                LOG.info("dropped " + dropped + " upload sessions idle for over " + oci.uploadExpiry());
                            }
                        } catch (RuntimeException e) {
                            LOG.log(Level.WARNING, "expiring upload sessions failed", e);
                        }
                    },
                    UPLOAD_SWEEP.toMillis(),
                    UPLOAD_SWEEP.toMillis(),
                    TimeUnit.MILLISECONDS);
            if (oci.users().isEmpty()) {
                LOG.warning("hosted prefixes " + oci.hosted() + " but no --hosted-users: nobody can push");
            }
        }
        if (!mirrors.isEmpty() || hosted != null) {
            LOG.info("registry: " + oci);
        }
        AccessConfig access = config.access();
        RegistryAuth auth = new RegistryAuth(
                new Principals(oci.users(), access.users(), access.tokens(), access.roles(), new SignInThrottle(clock)),
                oci.anonymousPull(),
                clock);
        return new OciRouting(
                mirrors,
                hosted,
                oci.hosted(),
                oci.defaultRegistry(),
                auth,
                oci.maxUploadSize(),
                new HostedInStore(store));
    }

    /** Who may pull what (the registry's users, the protected content) and how many misses a client may cause. */
    private ClientAccess clientAccess(FerryConfig config, OciRouting registry) {
        AccessConfig access = config.access();
        ProtectedContent protect = ProtectedContentConfig.of(config);
        if (!protect.isEmpty()) {
            LOG.info("pull access control: " + protect + " need the pull role");
        }
        MissLimiter limiter = null;
        if (access.missRate() > 0) {
            limiter = new MissLimiter(access.missRate(), access.missBurst());
            LOG.info("misses limited to " + access.missRate() + "/s per client address, burst " + access.missBurst());
        }
        return new ClientAccess(registry.auth(), protect, limiter);
    }

    /**
     * The admin API's domain: prewarm jobs run through the same mirrors as client traffic (Go, and the configured
     * registries by name, the default one for references without a registry; hosted repositories are not
     * prewarmed), what they store pinned; registered mirror sets with their schedule.
     */
    private AdminApi adminApi(
            FerryConfig config,
            ContentStore store,
            GoModuleMirror mirror,
            OciRouting registry,
            FerryMetrics metrics,
            AuditLog audit,
            Checksums sums)
            throws IOException {
        Clock clock = Clock.systemUTC();
        Map<String, ? extends OciRepositories> mirrors = registry.mirrors();
        String defaultRegistry = registry.defaultRegistry();
        ImageTargets targets = name -> {
            String n = name != null ? name : defaultRegistry;
            return n == null ? null : mirrors.get(n);
        };
        ImagePrewarmPlanner images = new ImagePrewarmPlanner(targets);
        GoPrewarmPlanner go = new GoPrewarmPlanner(mirror);
        MirrorItemRunner runner = new MirrorItemRunner(mirror, images);
        StorePins pins = new StorePins(store, defaultRegistry);
        prewarm = new PrewarmService(runner, PREWARM_CONCURRENCY, pins.prewarmSink(), clock, PREWARM_REPORTS);
        MirrorSetPlanner setPlanner = new MirrorSetPlanner(go, images, () -> knownModules(store));
        mirrorSets = new MirrorSetRegistry(
                config.data().resolve(MirrorSetRegistry.FILE),
                new MirrorSetRegistry.Runtime() {
                    @Override
                    public PrewarmService service(String setName) {
                        return new PrewarmService(runner, PREWARM_CONCURRENCY, pins.mirrorSetSink(setName), clock, 1);
                    }

                    @Override
                    public Plan plan(MirrorSet.Parsed parsed) {
                        return setPlanner.plan(parsed);
                    }

                    @Override
                    public void removed(String setName) {
                        try {
                            pins.unpinAll(StorePins.MIRROR_SET + setName);
                        } catch (IOException e) {
                            LOG.log(Level.WARNING, "dropping the pins of mirror set " + setName + " failed", e);
                        }
                    }
                },
                clock);
        mirrorSets.load();
        BundleApi bundles = bundles(config, store, audit, sums);
        return new AdminApi(
                prewarm, mirrorSets, pins, runner, go, images, setPlanner, memoize(store::stats), metrics, bundles);
    }

    /**
     * Exports, imports and the inventory over the store and DATA/bundles/, signed with DATA/bundle-signing.key when
     * there is one; imports accept the configured keys; scheduled exports (bundles.sync) start here. An imported
     * bundle's mirror sets are registered without a schedule: an offline site has nowhere to fetch from.
     */
    private BundleApi bundles(FerryConfig config, ContentStore store, AuditLog audit, Checksums sums)
            throws IOException {
        SigningKey key = new SigningKey(config.data());
        // A damaged key stops the start rather than surfacing at the first export, maybe days later.
        SigningKey.read(key.file())
                .ifPresentOrElse(
                        s -> LOG.info(
                                "bundles are signed with key " + s.verifier().encoded() + " (" + key.file() + ")"),
                        () -> LOG.info("no bundle signing key (" + key.file() + "): 'ferry keys generate' makes one;"
                                + " plain-format exports work without"));
        Files.createDirectories(config.bundlesDir());
        MirrorSetRegistry sets = mirrorSets;
        // A full export carries the registered sets (docs/bundles.md); they arrive unscheduled at the far end.
        bundleService = new BundleService(
                store,
                config.data(),
                key::get,
                Clock.systemUTC(),
                BUNDLE_REPORTS,
                () -> sets.list().stream()
                        .collect(java.util.stream.Collectors.toMap(
                                e -> e.registration().name(),
                                e -> e.registration().content(),
                                (x, y) -> x,
                                LinkedHashMap::new)),
                // Bundles carry the database's latest (refreshed at export) and imports open it with its key.
                SumdbLatest.of(sums.database()));
        Bundles bundles = Bundles.of(bundleService);
        List<Verifier> trusted = config.bundles().trusted();
        if (!trusted.isEmpty()) {
            LOG.info("bundle imports trust "
                    + trusted.stream().map(Verifier::encoded).toList());
        }
        // Admin requests name paths only under these (docs/bundles.md); DATA/bundles unless configured.
        List<Path> roots = config.bundles().roots().isEmpty()
                ? List.of(config.bundlesDir().toAbsolutePath().normalize())
                : config.bundles().roots();
        LOG.info("bundle roots (admin requests read and write bundles only under them): " + roots
                + (config.bundles().allowRequestTrust() ? "; import requests may add trusted keys" : ""));
        BundleApi api = new BundleApi(
                bundles,
                trusted,
                roots,
                config.bundles().allowRequestTrust(),
                done -> {
                    try {
                        ImportedMirrorSets.register(config.bundlesDir(), done.bundleId(), sets);
                    } catch (IOException e) {
                        LOG.log(
                                Level.WARNING,
                                "cannot register the mirror sets of bundle " + done.bundleId() + ": " + e.getMessage(),
                                e);
                    }
                },
                (who, action, target, result) -> audit.record(who, "", action, target, 200, result));
        bundleSync = new BundleScheduler(bundles, config.bundles().sync(), Clock.systemUTC());
        bundleSync.start();
        return api;
    }

    /**
     * The web console's own state: sign-in sessions, the per-minute history its charts draw (sampled once a minute
     * on its own thread), and its paged reads of the store and the audit log.
     */
    private Console console(
            FerryConfig config,
            ContentStore store,
            FerryMetrics metrics,
            OciRouting registry,
            AuditLog audit,
            Map<Setting, ConfigLoader.Sourced> settings) {
        Clock clock = Clock.systemUTC();
        RecentMinutes minutes =
                new RecentMinutes(metrics, () -> store.stats().chunkBytes(), config.quotaBytes(), clock);
        consoleTicks = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("ferry-console").factory());
        var unused = consoleTicks.scheduleAtFixedRate(minutes::sample, 1, 1, TimeUnit.MINUTES);
        ConsoleApi api = new ConsoleApi(
                        store,
                        config.privates(),
                        config.oci().tagTtl(),
                        List.copyOf(registry.mirrors().keySet()),
                        !config.oci().hosted().isEmpty(),
                        audit.file(),
                        clock)
                .withSigningKey(new SigningKey(config.data()))
                .withSettings(settings);
        return new Console(api, new ConsoleSessions(clock), new SignInThrottle(clock), minutes, metrics.refusals());
    }

    /** ferry_jobs_running: the admin API's jobs that have not ended, counted at scrape time. */
    private void exportJobs(FerryMetrics metrics) {
        metrics.jobs(
                FerryMetrics.Job.PREWARM,
                () -> prewarm.list().stream().filter(p -> p.finished() == null).count());
        metrics.jobs(
                FerryMetrics.Job.MIRROR_SET,
                () -> mirrorSets.list().stream()
                        .filter(e -> e.lastRun() != null && !e.lastRun().isDone())
                        .count());
        metrics.jobs(FerryMetrics.Job.EXPORT, () -> bundleJobsRunning("export"));
        metrics.jobs(FerryMetrics.Job.IMPORT, () -> bundleJobsRunning("import"));
    }

    private long bundleJobsRunning(String kind) {
        return bundleService.jobs().stream()
                .filter(j -> j.kind().equals(kind) && j.state() == BundleProgress.State.RUNNING)
                .count();
    }

    /** Every module path ferry holds a version of (what mirror-set globs match). */
    private static List<ModulePath> knownModules(NameStore store) {
        java.util.Set<ModulePath> out = new java.util.LinkedHashSet<>();
        store.scanMeta(GoStoreNames.ROOT, (key, value) -> {
            GoStoreNames.parseVersionRecord(key).ifPresent(record -> {
                try {
                    out.add(record.module());
                } catch (RuntimeException e) {
                    // not a module key
                }
            });
            return true;
        });
        return List.copyOf(out);
    }

    /** Fails early, with the reason, when the address cannot be bound (Helidon only logs it). */
    private static void checkCanListen(ListenAddress listen) throws IOException {
        if (listen.port() == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(listen.host(), listen.port()));
        } catch (IOException e) {
            throw new IOException("cannot listen on " + listen + ": " + e.getMessage(), e);
        }
    }

    /** Answers /health: the store is open and the server listening. */
    private boolean ready() {
        return state == State.READY;
    }

    public int port() {
        return server.port();
    }

    /** {@code http://HOST:PORT} with the bound port. */
    public String url() {
        return url;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the server (in-flight requests get {@link #SHUTDOWN_GRACE} to finish), then closes the store. */
    @Override
    public synchronized void close() {
        if (state == State.STOPPED) {
            return;
        }
        state = State.STOPPING;
        try {
            if (certificates != null) {
                certificates.close();
            }
            if (redirect != null) {
                redirect.stop();
            }
            if (server != null) {
                server.stop();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "stopping the web server failed", e);
        } finally {
            if (housekeeping != null) {
                housekeeping.shutdownNow();
            }
            if (consoleTicks != null) {
                consoleTicks.shutdownNow();
            }
            if (mirrorSets != null) {
                mirrorSets.close();
            }
            if (bundleSync != null) {
                bundleSync.close();
            }
            if (bundleService != null) {
                // Running exports and imports stop here; a rerun of an import finishes it (it is resumable).
                try {
                    bundleService.close();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "closing the bundle service failed", e);
                }
            }
            if (prewarm != null) {
                prewarm.cancelAll();
            }
            for (HttpRegistryClient client : registryClients) {
                try {
                    client.close();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "closing the client of registry " + client.registry() + " failed", e);
                }
            }
            for (AutoCloseable source : goSources) {
                try {
                    source.close();
                } catch (Exception e) {
                    LOG.warning("closing " + source + ": " + e);
                }
            }
            if (upstream != null) {
                upstream.close();
            }
            if (owners != null) {
                owners.close();
            }
            if (peers != null) {
                peers.close();
            }
            try {
                store.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing the store failed", e);
            }
            if (outbound != null) {
                outbound.close();
            }
            state = State.STOPPED;
            stopped.countDown();
            LOG.info("ferry stopped");
        }
    }

    /** Store statistics at most once a second, however many gauges and scrapes ask. */
    private static <T> Supplier<T> memoize(Supplier<T> stats) {
        return new Supplier<>() {
            private T last;
            private long at;

            @Override
            public synchronized T get() {
                long now = System.nanoTime();
                if (last == null || now - at > 1_000_000_000L) {
                    last = stats.get();
                    at = now;
                }
                return last;
            }
        };
    }
}
