package dev.ferry.server.cluster;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The HAProxy 2.6 configuration of a ferry cluster's front (docs/cluster.md explains it line by line): each request
 * is hashed consistently on the key that keeps one object on one node, so the files of a Go module, a checksum
 * lookup, a blob or a repository's manifests, tags and uploads always meet on the same ferry and share its one
 * download. deploy/cluster/haproxy.cfg is this with the three nodes of the compose file and Kubernetes manifests.
 *
 * <p>The nodes compute the same routing themselves to find a key's owner (upstreams' {@code cluster.RoutingKey} for
 * the key rules below, {@code cluster.HashRing} for {@code hash-type consistent}): a change to a key rule here must be
 * made there too. HaproxyRingIT runs this configuration in HAProxy and fails when the two disagree.
 */
public final class HaproxyConfig {
    /** A repository name as ferry's hosted registry takes it (lower case, path components). */
    private static final Pattern REPOSITORY =
            Pattern.compile("[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*");

    private static final Pattern BIND = Pattern.compile("[0-9A-Za-z.:\\[\\]*-]*:[0-9]{1,5}");

    /** One backend server: its name in HAProxy's logs and stats, and host:port. */
    public record Node(String name, String address) {}

    private HaproxyConfig() {}

    /**
     * The nodes of {@code urls} ({@code http://HOST:PORT}), named by their host's first label when those differ and
     * are not numbers (ferry-0, ferry-1...), else by HOST:PORT.
     *
     * @throws IllegalArgumentException for a URL that is not {@code http://HOST:PORT} (HAProxy talks plain HTTP to
     *     the nodes; TLS ends at the front), or a node given twice
     */
    public static List<Node> nodes(List<String> urls) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("give at least one node URL");
        }
        List<URI> uris = new ArrayList<>();
        Set<String> addresses = new HashSet<>();
        for (String u : urls) {
            URI uri;
            try {
                uri = URI.create(u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("node " + u + ": not a URL", e);
            }
            if (!"http".equals(uri.getScheme())
                    || uri.getHost() == null
                    || uri.getPort() < 0
                    || !(uri.getRawPath() == null || uri.getRawPath().isEmpty())) {
                throw new IllegalArgumentException("node " + u + ": want http://HOST:PORT (HAProxy speaks plain HTTP"
                        + " to the nodes; TLS ends at HAProxy)");
            }
            if (!addresses.add(uri.getHost() + ":" + uri.getPort())) {
                throw new IllegalArgumentException("node " + u + " is given twice");
            }
            uris.add(uri);
        }
        Set<String> labels = new HashSet<>();
        boolean byLabel = true;
        for (URI uri : uris) {
            String label = uri.getHost().split("\\.", 2)[0];
            byLabel &= !label.matches("[0-9\\[].*") && labels.add(label);
        }
        List<Node> nodes = new ArrayList<>();
        for (URI uri : uris) {
            String address = uri.getHost() + ":" + uri.getPort();
            nodes.add(new Node(byLabel ? uri.getHost().split("\\.", 2)[0] : address, address));
        }
        return nodes;
    }

    /**
     * The configuration text.
     *
     * @param bind HAProxy's listening address ({@code :8080}, {@code 127.0.0.1:8080})
     * @param hosted repositories of ferry's hosted registry (or prefixes of them, {@code team}): routed by repository
     *     for every request, blobs and tokens included, since a pushed blob exists only on the node it was pushed to
     */
    public static String render(String bind, List<Node> nodes, List<String> hosted) {
        if (!BIND.matcher(bind).matches()) {
            throw new IllegalArgumentException("bind " + bind + ": want [ADDRESS]:PORT");
        }
        for (String h : hosted) {
            if (!REPOSITORY.matcher(h).matches()) {
                throw new IllegalArgumentException(
                        "hosted " + h + ": not a repository name (lower case a-z 0-9 . _ -" + " and /)");
            }
        }
        StringBuilder s = new StringBuilder();
        s.append(HEAD.replace("@BIND@", bind));
        if (!hosted.isEmpty()) {
            s.append(HOSTED.replace(
                    "@HOSTED@",
                    String.join(" ", hosted.stream().map(h -> "/v2/" + h + "/").toList())));
        }
        s.append(TAIL);
        for (Node n : nodes) {
            s.append("    server ")
                    .append(n.name())
                    .append(' ')
                    .append(n.address())
                    .append('\n');
        }
        return s.toString();
    }

    private static final String HEAD = """
            # HAProxy 2.6 in front of a ferry cluster (written by 'ferry cluster haproxy-config'; docs/cluster.md
            # explains every line). Each request is hashed consistently on the key that keeps one object on one node.
            global
                # No maxconn: HAProxy takes it from the file-descriptor limit (ulimit -n, LimitNOFILE).
                log stdout format raw local0 info

            # Node names are looked up again while HAProxy runs (a pod's address changes when it is rescheduled).
            resolvers dns
                parse-resolv-conf
                hold valid 10s

            defaults
                mode http
                log global
                option httplog
                option dontlognull
                # The client's address for ferry's access log and audit (ferry trusts it from server.trustedProxies).
                option forwardfor
                timeout connect 2s
                timeout client 10m
                # A cold zip or layer streams while ferry fetches it from a slow upstream.
                timeout server 10m
                timeout http-request 30s
                timeout http-keep-alive 60s
                timeout queue 30s
                timeout check 3s

            frontend ferry
                bind @BIND@
                # TLS at the front instead (ferry then sees X-Forwarded-Proto: https):
                # bind :443 ssl crt /etc/haproxy/ferry.pem alpn h2,http/1.1
                # http-request set-header X-Forwarded-Proto https if { ssl_fc }
                # Peer requests go from node to node, never through here.
                http-request del-header Ferry-Peer
                http-request del-header Ferry-Fetch
                default_backend ferry_nodes

            backend ferry_nodes
                hash-type consistent
                balance hash var(txn.ferry_key)
                # The key: by default the path (checksum database tiles and latest, /v2/ and its token, health).
                http-request set-var(txn.ferry_key) path
                # GOPROXY: the module path, so its list, @latest, .info, .mod and .zip meet on one node.
                http-request set-var(txn.ferry_key) path,field(1,@) if { path_reg ^/[^@]+/@(v/[^/]+|latest)$ }
                # Checksum database lookups: the module path too, on the node that verified its files with it.
                http-request set-var(txn.ferry_key) "path,regsub('^/sumdb/[^/]+/lookup/([^@]+)@.*','/\\\\1/')" if { path_reg ^/sumdb/[^/]+/lookup/[^@]+@ }
                # Registry blobs: the digest, so a layer shared by many repositories is stored once.
                http-request set-var(txn.ferry_key) "path,regsub('^/v2/.+/blobs/','')" if { path_reg ^/v2/.+/blobs/[a-z0-9+._-]+:[a-zA-Z0-9=_-]+$ }
                # Manifests, tags, referrers and blob uploads: the repository (an upload session lives on one node).
                http-request set-var(txn.ferry_key) "path,regsub('^/v2/(.+)/(manifests|tags|blobs/uploads|referrers)(/.*)?','\\\\1')" if { path_reg ^/v2/.+/(manifests/|tags/list$|blobs/uploads(/|$)|referrers/) }
            """;

    private static final String HOSTED = """
                # Hosted repositories: everything by repository, blobs and the token included (a pushed blob and a
                # registry token exist only on the node that took them).
                acl hosted path_beg @HOSTED@
                http-request set-var(txn.ferry_key) "path,regsub('^/v2/(.+)/(manifests|tags|blobs|referrers)(/.*)?','\\\\1')" if hosted
                http-request set-var(txn.ferry_key) "url_param(scope),url_dec,regsub('^repository:([^:]+):.*','\\\\1')" if { path /v2/token } { url_param(scope) -m beg repository: }
            """;

    private static final String TAIL = """
                # The console and admin API: one node, for the console's session (kept in that node's memory).
                http-request set-var(txn.ferry_key) str(console) if { path_beg /ui/ /admin/ } || { path / }
                # A node is in the ring while /health/ready answers 200; client errors only make checks come sooner
                # (a 5xx may be an upstream's outage, not the node's).
                option httpchk
                http-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host ferry
                http-check expect status 200
                default-server check inter 2s fastinter 500ms downinter 2s fall 2 rise 2 observe layer7 error-limit 3 on-error fastinter resolvers dns init-addr last,libc,none
                # A request whose node died before answering goes to the next node on the ring.
                retries 2
                retry-on conn-failure empty-response junk-response
                option redispatch 1
                http-response set-header X-Ferry-Node %s
            """;
}
