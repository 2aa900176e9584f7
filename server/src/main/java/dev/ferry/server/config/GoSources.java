package dev.ferry.server.config;

import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.vcs.HostPatterns;
import dev.ferry.upstreams.vcs.VcsCredential;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where modules come from besides go.upstream: the upstream list private modules use (by default {@code direct},
 * their own git servers, never a public proxy), per-pattern routes, and how {@code direct} runs the go command.
 *
 * @param privateUpstream the list for go.private modules that no route matches
 * @param privateUpstreams its proxies with their YAML details, or empty when not resolved
 * @param routes          go.privateRoutes: a pattern's modules to their own list (first match wins)
 * @param hosts           go.direct.hosts, or null for "the hosts go.private and the routes name"
 * @param insecureHosts   hosts reached over plain http (GOINSECURE)
 * @param goCommand       go.direct.goCommand: a name looked up on PATH, or a path
 * @param credentials     go.direct.credentials, their ${ENV} references expanded
 */
public record GoSources(
        GoProxyList privateUpstream,
        List<Upstream> privateUpstreams,
        List<Route> routes,
        HostPatterns hosts,
        HostPatterns insecureHosts,
        int concurrency,
        Duration timeout,
        String goCommand,
        List<VcsCredential> credentials,
        Path netrcFile,
        Path gitCredentialsFile,
        Path sshKey,
        Path sshKnownHosts) {

    /**
     * One go.privateRoutes item; {@code upstreams} are its list's proxies with their YAML details (credentials,
     * weight, timeouts), or empty when not resolved yet.
     */
    public record Route(PrivatePatterns pattern, GoProxyList upstream, List<Upstream> upstreams) {
        public Route {
            upstreams = List.copyOf(upstreams);
        }

        public Route(PrivatePatterns pattern, GoProxyList upstream) {
            this(pattern, upstream, List.of());
        }
    }

    public GoSources {
        privateUpstreams = List.copyOf(privateUpstreams);
        routes = List.copyOf(routes);
        credentials = List.copyOf(credentials);
    }

    public static GoSources defaults() {
        return new GoSources(
                GoProxyList.directOnly(),
                List.of(),
                List.of(),
                null,
                HostPatterns.none(),
                2,
                Duration.ofMinutes(5),
                "go",
                List.of(),
                null,
                null,
                null,
                null);
    }

    /** The allowed hosts: the configured ones, or else the first element of every private and route pattern. */
    public HostPatterns allowedHosts(PrivatePatterns privates) {
        if (hosts != null) {
            return hosts;
        }
        Set<String> named = new LinkedHashSet<>();
        List<PrivatePatterns> all = new ArrayList<>();
        all.add(privates);
        routes.forEach(r -> all.add(r.pattern()));
        for (PrivatePatterns p : all) {
            for (String glob : p.text().split(",")) {
                String host = glob.strip().split("/", 2)[0].toLowerCase(java.util.Locale.ROOT);
                // a glob with classes or escapes is not a plain host pattern: it allows nothing by default
                if (!host.isEmpty() && host.matches("[a-z0-9.*?\\-]+")) {
                    named.add(host);
                }
            }
        }
        return HostPatterns.of(List.copyOf(named));
    }

    /** The lists besides go.upstream that name proxies: go.privateUpstream's, then each route's. */
    List<GoProxyList> privateLists() {
        List<GoProxyList> out = new ArrayList<>();
        out.add(privateUpstream);
        routes.forEach(r -> out.add(r.upstream()));
        return out;
    }

    /** With each private list's proxies resolved (in {@link #privateLists()}' order). */
    GoSources withResolved(List<List<Upstream>> resolved) {
        List<Route> rs = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            rs.add(new Route(routes.get(i).pattern(), routes.get(i).upstream(), resolved.get(i + 1)));
        }
        return with(privateUpstream, resolved.getFirst(), rs);
    }

    /** Whether any list reaches {@code direct}: the go command is then needed. */
    public boolean usesDirect(GoProxyList goUpstream, PrivatePatterns privates) {
        return goUpstream.direct()
                || (!privates.isEmpty() && privateUpstream.direct())
                || routes.stream().anyMatch(r -> r.upstream().direct());
    }

    public GoSources withPrivateUpstream(GoProxyList list) {
        return with(list, List.of(), routes);
    }

    private GoSources with(GoProxyList privateUpstream, List<Upstream> privateUpstreams, List<Route> routes) {
        return new GoSources(
                privateUpstream,
                privateUpstreams,
                routes,
                hosts,
                insecureHosts,
                concurrency,
                timeout,
                goCommand,
                credentials,
                netrcFile,
                gitCredentialsFile,
                sshKey,
                sshKnownHosts);
    }
}
