package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.ferry.server.cluster.HaproxyConfig;
import dev.ferry.upstreams.cluster.HashRing;
import dev.ferry.upstreams.cluster.RoutingKey;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The oracle for the ring ferry computes itself ({@link HashRing}, {@link RoutingKey}): Debian's HAProxy with the
 * configuration {@code ferry cluster haproxy-config} writes, in front of three tiny backends on loopback, routes a few
 * hundred varied paths (module files, case-encoded and odd module paths, checksum lookups, tiles and the tree head,
 * registry blobs, manifests and tags); every answer's {@code X-Ferry-Node} must be the node the Java ring predicts,
 * with all nodes up and again with one failing its health check (out of HAProxy's ring).
 */
class HaproxyRingIT {
    private static final int NODES = 3;

    @TempDir
    Path tmp;

    @Test
    void javaRingPredictsTheNodeHaproxyChoosesForEveryPath() throws Exception {
        assumeTrue(HaproxyFront.installed(), "haproxy not installed (apt-get install haproxy; .ci/run does)");
        List<HttpServer> backends = new ArrayList<>();
        List<AtomicBoolean> healthy = new ArrayList<>();
        List<String> urls = new ArrayList<>();
        try {
            for (int i = 0; i < NODES; i++) {
                AtomicBoolean up = new AtomicBoolean(true);
                HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                s.createContext("/", ex -> {
                    int status = ex.getRequestURI().getRawPath().equals("/health/ready") && !up.get() ? 503 : 200;
                    byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(status, body.length);
                    ex.getResponseBody().write(body);
                    ex.close();
                });
                s.start();
                backends.add(s);
                healthy.add(up);
                urls.add("http://127.0.0.1:" + s.getAddress().getPort());
            }
            int port = DockerRegistry.freePort();
            List<HaproxyConfig.Node> nodes = HaproxyConfig.nodes(urls);
            try (HaproxyFront front =
                    HaproxyFront.start(tmp, HaproxyConfig.render("127.0.0.1:" + port, nodes, List.of()))) {
                for (HaproxyConfig.Node n : nodes) {
                    front.awaitServer(n.name(), "UP");
                }
                HashRing ring = new HashRing(NODES);
                List<String> paths = paths();
                HttpClient http = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
                Map<String, String> wrong = compare(http, port, paths, nodes, p -> ring.owner(RoutingKey.of(p)));
                assertEquals(
                        Map.of(), wrong, "paths HAProxy routed elsewhere than the Java ring (path -> haproxy/java)");

                int down = 1;
                healthy.get(down).set(false);
                front.awaitServer(nodes.get(down).name(), "DOWN");
                Map<String, String> wrongDown =
                        compare(http, port, paths, nodes, p -> ring.owner(RoutingKey.of(p), n -> n != down));
                assertEquals(
                        Map.of(),
                        wrongDown,
                        "with node " + down + " down: paths HAProxy routed elsewhere than the Java ring");
                long moved = paths.stream()
                        .filter(p -> ring.owner(RoutingKey.of(p)) != ring.owner(RoutingKey.of(p), n -> n != down))
                        .count();
                long owned = paths.stream()
                        .filter(p -> ring.owner(RoutingKey.of(p)) == down)
                        .count();
                // Consistent hashing: only the down node's keys moved.
                assertEquals(owned, moved, "keys that moved when node " + down + " went down");
                System.out.println("HaproxyRingIT: " + paths.size() + " paths routed as the Java ring predicts; with"
                        + " node " + down + " down, " + moved + " moved (all of them its own)");
            }
        } finally {
            backends.forEach(s -> s.stop(0));
        }
    }

    private interface Predict {
        int node(String path);
    }

    /** path -> "haproxy's node / java's node" for every path on which they differ. */
    private static Map<String, String> compare(
            HttpClient http, int port, List<String> paths, List<HaproxyConfig.Node> nodes, Predict java)
            throws Exception {
        Map<String, String> wrong = new TreeMap<>();
        for (String p : paths) {
            HttpResponse<Void> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + p))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            String server = r.headers().firstValue("X-Ferry-Node").orElse("none (" + r.statusCode() + ")");
            String predicted = nodes.get(java.node(p)).name();
            if (!server.equals(predicted)) {
                wrong.put(p, server + " / " + predicted + " (key " + RoutingKey.of(p) + ")");
            }
        }
        return wrong;
    }

    /** A few hundred paths of every kind the ring routes, some of them odd. */
    static List<String> paths() throws Exception {
        List<String> modules = new ArrayList<>(List.of(
                "github.com/!burnt!sushi/toml",
                "golang.org/x/text",
                "golang.org/x/mod",
                "gopkg.in/yaml.v3",
                "github.com/google/uuid",
                "github.com/spf13/cobra",
                "example.com/!a!b!c/v2",
                "example.com/a-b_c.d~e/sub/v3",
                "golang.org/toolchain",
                "x.y/z"));
        Random random = new Random(19);
        for (int i = 0; i < 25; i++) {
            modules.add("example.com/m" + Integer.toString(random.nextInt(1 << 30), 36) + "/pkg" + i);
        }
        List<String> paths = new ArrayList<>();
        for (String m : modules) {
            paths.add("/" + m + "/@v/list");
            paths.add("/" + m + "/@latest");
            paths.add("/" + m + "/@v/v1.2.3.info");
            paths.add("/" + m + "/@v/v1.2.3.mod");
            paths.add("/" + m + "/@v/v0.0.0-20240101000000-abcdefabcdef.zip");
            paths.add("/sumdb/sum.golang.org/lookup/" + m + "@v1.2.3");
            paths.add("/sumdb/sum.golang.org/lookup/" + m + "@v1.2.3/go.mod");
        }
        paths.add("/sumdb/sum.golang.org/latest");
        paths.add("/sumdb/sum.golang.org/supported");
        for (int i = 0; i < 20; i++) {
            paths.add("/sumdb/sum.golang.org/tile/8/0/" + String.format("%03d", i));
            paths.add("/sumdb/sum.golang.org/tile/8/0/" + String.format("%03d", i) + ".p/" + (1 + random.nextInt(255)));
            paths.add("/sumdb/sum.golang.org/tile/8/1/x001/" + String.format("%03d", i));
            paths.add("/sumdb/sum.golang.org/tile/8/data/" + String.format("%03d", i));
        }
        List<String> repositories = List.of(
                "library/alpine", "docker.io/library/alpine", "apps/medium", "a/b/c/nested", "team/app", "blobs/x");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < 40; i++) {
            String digest = "sha256:"
                    + HexFormat.of().formatHex(sha.digest(Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
            String repo = repositories.get(i % repositories.size());
            paths.add("/v2/" + repo + "/blobs/" + digest);
            if (i % 4 == 0) {
                paths.add("/v2/" + repo + "/manifests/" + digest);
            }
        }
        for (String repo : repositories) {
            paths.add("/v2/" + repo + "/manifests/latest");
            paths.add("/v2/" + repo + "/manifests/3.19");
            paths.add("/v2/" + repo + "/tags/list");
            paths.add("/v2/" + repo + "/blobs/uploads/");
            paths.add("/v2/" + repo + "/referrers/sha256:" + "0".repeat(64));
        }
        paths.addAll(List.of(
                "/v2/",
                "/v2/token",
                "/",
                "/ui/",
                "/admin/api/storage",
                "/health/ready",
                "/not/a/goproxy/path",
                "/golang.org/x/text/@v/v1.2.3.info/extra",
                "/a@b/@v/list"));
        return paths;
    }
}
