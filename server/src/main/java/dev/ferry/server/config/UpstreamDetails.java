package dev.ferry.server.config;

import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Joins upstream lists (order and separators: go.upstream, go.privateUpstream, go.privateRoutes' lists) with the
 * YAML {@code upstreams:} details (weight, credentials, timeouts), matched by URL. A detail for a URL that is in no
 * list is an error: it is almost always a typo, and a silently unused credential or timeout is worse than a
 * refusal to start.
 */
final class UpstreamDetails {
    private UpstreamDetails() {}

    static List<Upstream> apply(GoProxyList list, UpstreamTimeouts defaults, List<UpstreamEntry> entries)
            throws ConfigException {
        return apply(List.of(list), defaults, entries).getFirst();
    }

    /** Each list's upstreams, in the lists' order; a URL in two lists gets its details in both. */
    static List<List<Upstream>> apply(List<GoProxyList> lists, UpstreamTimeouts defaults, List<UpstreamEntry> entries)
            throws ConfigException {
        Map<URI, UpstreamEntry> byUrl = new HashMap<>();
        for (UpstreamEntry e : entries) {
            URI base;
            try {
                GoProxyList one = GoProxyList.parse(e.url());
                if (one.entries().size() != 1) {
                    throw new IllegalArgumentException("one URL expected");
                }
                base = one.entries().getFirst().base();
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(
                        e.source() + ": invalid upstreams url \"" + e.url() + "\": " + ex.getMessage());
            }
            if (byUrl.put(base, e) != null) {
                throw new ConfigException(e.source() + ": upstreams has " + base + " twice");
            }
        }
        List<List<Upstream>> out = new ArrayList<>();
        java.util.Set<URI> used = new java.util.HashSet<>();
        for (GoProxyList list : lists) {
            List<Upstream> upstreams = new ArrayList<>();
            for (GoProxyList.Entry entry : list.entries()) {
                Upstream u = entry.upstream(defaults);
                UpstreamEntry e = byUrl.get(entry.base());
                if (e != null) {
                    used.add(entry.base());
                    UpstreamTimeouts t = new UpstreamTimeouts(
                            e.connectTimeout() != null ? e.connectTimeout() : defaults.connect(),
                            e.firstByteTimeout() != null ? e.firstByteTimeout() : defaults.firstByte(),
                            e.stallTimeout() != null ? e.stallTimeout() : defaults.stall());
                    u = u.withDetails(e.weight() != null ? e.weight() : 1, e.credentials(), t);
                }
                upstreams.add(u);
            }
            out.add(List.copyOf(upstreams));
        }
        for (var e : byUrl.entrySet()) {
            if (!used.contains(e.getKey())) {
                UpstreamEntry unused = e.getValue();
                throw new ConfigException(unused.source() + ": upstreams url " + unused.url()
                        + " is not in go.upstream (\"" + lists.getFirst() + "\")"
                        + (lists.size() > 1 ? " nor in go.privateUpstream or go.privateRoutes" : ""));
            }
        }
        return List.copyOf(out);
    }
}
