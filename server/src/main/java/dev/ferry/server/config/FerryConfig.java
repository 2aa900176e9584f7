package dev.ferry.server.config;

import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.sumdb.SumdbConfig;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

/** Everything {@code ferry serve} needs, validated. */
public record FerryConfig(
        ListenAddress listen,
        Path data,
        String goUpstreamText,
        GoProxyList goUpstream,
        Duration goListTtl,
        Duration goNotFoundTtl,
        UpstreamTimeouts upstreamTimeouts,
        Level logLevel,
        boolean accessLog,
        List<Upstream> goUpstreams,
        PoolSettings upstreamPool,
        String adminToken,
        String sumdbText,
        SumdbConfig sumdb,
        PrivatePatterns privates,
        OciConfig oci,
        long quotaBytes,
        BundlesConfig bundles,
        EdgeSettings edge,
        AccessConfig access,
        ListenerSettings listener,
        GoSources goSources,
        ClusterConfig cluster) {

    /**
     * @param goUpstreams  go.upstream's entries with their YAML details (weight, credentials, timeouts)
     * @param adminToken   the configured admin token, or null to use (or generate) DATA/admin-token
     * @param sumdbText    the GOSUMDB-form text {@code sumdb} was parsed from, for logs
     * @param privates     modules that skip the checksum database (their hashes are pinned on first fetch)
     * @param oci          the registry: mirrored registries, hosted prefixes and their settings
     * @param quotaBytes   the store's size above which least recently used unpinned content is evicted; 0: none
     * @param bundles      trusted bundle signing keys and scheduled exports
     * @param edge         HTTPS on the listener, the way out to upstreams (proxies, extra CAs), the log format
     * @param access       who may pull what and how fast (pull access control, miss rate limits)
     * @param listener     the head timeout, connections per client, and the names ferry answers to
     * @param goSources    where private modules come from, and how {@code direct} runs the go command
     * @param cluster      the peers asked on a miss before the upstream, and the cluster token
     */
    public FerryConfig {
        goSources = goSources == null ? GoSources.defaults() : goSources;
        goUpstreams = List.copyOf(goUpstreams);
        bundles = bundles == null ? BundlesConfig.none() : bundles;
        edge = edge == null ? EdgeSettings.defaults() : edge;
        access = access == null ? AccessConfig.none() : access;
        listener = listener == null ? ListenerSettings.defaults() : listener;
        cluster = cluster == null ? ClusterConfig.none() : cluster;
        if (quotaBytes < 0) {
            throw new IllegalArgumentException("quotaBytes must be 0 (none) or positive: " + quotaBytes);
        }
    }

    /**
     * The settings a test or a minimal start needs; everything else at its default: the upstreams' details from
     * {@code upstreamTimeouts}, the pool's defaults, a generated admin token, no checksum database (GOSUMDB=off), no
     * private patterns, no registry, no quota, and the defaults of the later components. The withers change one.
     */
    public FerryConfig(
            ListenAddress listen,
            Path data,
            String goUpstreamText,
            GoProxyList goUpstream,
            Duration goListTtl,
            Duration goNotFoundTtl,
            UpstreamTimeouts upstreamTimeouts,
            Level logLevel,
            boolean accessLog) {
        this(
                listen,
                data,
                goUpstreamText,
                goUpstream,
                goListTtl,
                goNotFoundTtl,
                upstreamTimeouts,
                logLevel,
                accessLog,
                goUpstream.entries().stream()
                        .map(e -> e.upstream(upstreamTimeouts))
                        .toList(),
                PoolSettings.defaults(),
                null,
                "off",
                new SumdbConfig.Off(),
                PrivatePatterns.none(),
                OciConfig.none(),
                0,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    @Override
    public String toString() {
        // Never the admin token.
        return "FerryConfig[listen=" + listen + ", data=" + data + ", go.upstream=" + goUpstreamText + ", go.sumdb="
                + sumdbText + ", oci=" + oci + ", quota=" + quotaBytes + ", " + bundles + ", " + access + ", " + cluster
                + "]";
    }

    /** The content store's directory under {@link #data}. */
    public Path storeDir() {
        return data.resolve("store");
    }

    /** Where hosted repositories' upload sessions in progress live. */
    public Path uploadsDir() {
        return data.resolve("uploads");
    }

    /** With other registry settings (tests). */
    public FerryConfig withOci(OciConfig oci) {
        return with(d -> d.oci = oci);
    }

    /** With a storage quota (tests). */
    public FerryConfig withQuota(long bytes) {
        return with(d -> d.quotaBytes = bytes);
    }

    /** With private module patterns (tests). */
    public FerryConfig withPrivates(PrivatePatterns patterns) {
        return with(d -> d.privates = patterns);
    }

    /** With bundle settings (the loader, tests). */
    public FerryConfig withBundles(BundlesConfig b) {
        return with(d -> d.bundles = b);
    }

    /** With other listener, outbound and logging settings (the loader, tests). */
    public FerryConfig withEdge(EdgeSettings e) {
        return with(d -> d.edge = e);
    }

    /** With pull access control and miss limits (the loader, tests). */
    public FerryConfig withAccess(AccessConfig a) {
        return with(d -> d.access = a);
    }

    /** With other listener settings: head timeout, connections per client, names (the loader, tests). */
    public FerryConfig withListener(ListenerSettings l) {
        return with(d -> d.listener = l);
    }

    /** With other private-module and direct settings (the loader, tests). */
    public FerryConfig withGoSources(GoSources g) {
        return with(d -> d.goSources = g);
    }

    /** With other cluster settings (the loader, tests). */
    public FerryConfig withCluster(ClusterConfig c) {
        return with(d -> d.cluster = c);
    }

    private FerryConfig with(java.util.function.Consumer<Draft> change) {
        Draft d = new Draft(this);
        change.accept(d);
        return new FerryConfig(
                d.listen,
                d.data,
                d.goUpstreamText,
                d.goUpstream,
                d.goListTtl,
                d.goNotFoundTtl,
                d.upstreamTimeouts,
                d.logLevel,
                d.accessLog,
                d.goUpstreams,
                d.upstreamPool,
                d.adminToken,
                d.sumdbText,
                d.sumdb,
                d.privates,
                d.oci,
                d.quotaBytes,
                d.bundles,
                d.edge,
                d.access,
                d.listener,
                d.goSources,
                d.cluster);
    }

    /** A copy's components while a wither changes one: the one place besides the record header that lists them. */
    private static final class Draft {
        ListenAddress listen;
        Path data;
        String goUpstreamText;
        GoProxyList goUpstream;
        Duration goListTtl;
        Duration goNotFoundTtl;
        UpstreamTimeouts upstreamTimeouts;
        Level logLevel;
        boolean accessLog;
        List<Upstream> goUpstreams;
        PoolSettings upstreamPool;
        String adminToken;
        String sumdbText;
        SumdbConfig sumdb;
        PrivatePatterns privates;
        OciConfig oci;
        long quotaBytes;
        BundlesConfig bundles;
        EdgeSettings edge;
        AccessConfig access;
        ListenerSettings listener;
        GoSources goSources;
        ClusterConfig cluster;

        Draft(FerryConfig c) {
            listen = c.listen;
            data = c.data;
            goUpstreamText = c.goUpstreamText;
            goUpstream = c.goUpstream;
            goListTtl = c.goListTtl;
            goNotFoundTtl = c.goNotFoundTtl;
            upstreamTimeouts = c.upstreamTimeouts;
            logLevel = c.logLevel;
            accessLog = c.accessLog;
            goUpstreams = c.goUpstreams;
            upstreamPool = c.upstreamPool;
            adminToken = c.adminToken;
            sumdbText = c.sumdbText;
            sumdb = c.sumdb;
            privates = c.privates;
            oci = c.oci;
            quotaBytes = c.quotaBytes;
            bundles = c.bundles;
            edge = c.edge;
            access = c.access;
            listener = c.listener;
            goSources = c.goSources;
            cluster = c.cluster;
        }
    }

    public TlsSettings tls() {
        return edge.tls();
    }

    public OutboundSettings outbound() {
        return edge.outbound();
    }

    public dev.ferry.server.logging.LogFormat logFormat() {
        return edge.logFormat();
    }

    /** Where bundle history, export and import records live. */
    public Path bundlesDir() {
        return data.resolve("bundles");
    }

    /** Where downloads in progress that outgrow memory are spooled while clients follow them. */
    public Path spoolDir() {
        return data.resolve("spool");
    }
}
