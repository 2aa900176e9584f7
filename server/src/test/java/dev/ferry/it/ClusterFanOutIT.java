package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.Ferry;
import dev.ferry.server.cli.CliContext;
import dev.ferry.server.cli.FerryMain;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.Setting;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --cluster} of the admin commands, through the real CLI entry: in-process nodes with the peer tier in front
 * of one static upstream that counts what it is asked. A prewarm runs on the nodes one after another, so the first
 * fetches each file from the upstream and the others from their peers; pins reach every node; a dead node in the list
 * fails the command with its reason while the others are still done.
 */
class ClusterFanOutIT {
    private static final String CLUSTER_TOKEN = "cluster-fan-out-it-cluster-token";
    private static final String ADMIN_TOKEN = "cluster-fan-out-it-admin-token";
    private static final List<String> MODULES =
            List.of("github.com/google/uuid@v1.3.0", "github.com/spf13/cobra@v1.6.1", "gopkg.in/yaml.v3@v3.0.1");

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private StaticGoProxy upstream() throws Exception {
        StaticGoProxy server = new StaticGoProxy(Fixtures.goProxyTree());
        open.add(server);
        return server;
    }

    private Ferry node(String name, int port, String upstream, String peers) throws Exception {
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        flags.put(Setting.LISTEN, "127.0.0.1:" + port);
        flags.put(Setting.DATA, tmp.resolve(name).toString());
        flags.put(Setting.GO_UPSTREAM, upstream);
        flags.put(Setting.GO_SUMDB, Fixtures.sumdbKey());
        flags.put(Setting.ACCESS_LOG, "false");
        flags.put(Setting.ADMIN_TOKEN, ADMIN_TOKEN);
        flags.put(Setting.CLUSTER_PEERS, peers);
        // Its own entry: the node knows its place on the ring, so what another node owns is fetched by that owner.
        flags.put(Setting.CLUSTER_SELF, "http://127.0.0.1:" + port);
        Ferry ferry = Ferry.start(ConfigLoader.load(flags, Map.of("FERRY_CLUSTER_TOKEN", CLUSTER_TOKEN), null));
        open.add(ferry);
        return ferry;
    }

    /** Nodes on these ports, each with the whole list as its peers and its own entry as cluster.self. */
    private List<Ferry> cluster(StaticGoProxy up, int... ports) throws Exception {
        List<String> urls = new ArrayList<>();
        for (int port : ports) {
            urls.add("http://127.0.0.1:" + port);
        }
        List<Ferry> nodes = new ArrayList<>();
        for (int i = 0; i < ports.length; i++) {
            nodes.add(node("n" + i, ports[i], up.url(), String.join(",", urls)));
        }
        return nodes;
    }

    private record Run(int exit, String out, String err) {}

    private static Run ferry(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("FERRY_ADMIN_TOKEN", ADMIN_TOKEN);
        int exit = FerryMain.run(
                args,
                new CliContext(all, false, Duration.ofMillis(20)),
                (c, o, e) -> {
                    throw new AssertionError("no serve");
                },
                new PrintWriter(out, true),
                new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    /** Whether {@code node} holds the file itself: asked as a peer, it answers from its store only. */
    private int held(Ferry node, String path) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create(node.url() + path))
                                .header("Ferry-Peer", CLUSTER_TOKEN)
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private JsonNode storage(Ferry node) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(node.url() + "/admin/api/storage"))
                        .header("Authorization", "Bearer " + ADMIN_TOKEN)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body());
    }

    @Test
    void aPrewarmRunsOnEachNodeInTurnAndTheUpstreamIsAskedOncePerFile() throws Exception {
        StaticGoProxy up = upstream();
        List<Ferry> nodes =
                cluster(up, DockerRegistry.freePort(), DockerRegistry.freePort(), DockerRegistry.freePort());
        String list = String.join(",", nodes.stream().map(Ferry::url).toList());

        // --cluster before the subcommand counts as after it.
        List<String> args = new ArrayList<>(List.of("prewarm", "--cluster", "go", "--node", list));
        args.addAll(MODULES);
        Run run = ferry(Map.of(), args.toArray(String[]::new));

        assertEquals(0, run.exit(), run.out() + run.err());
        for (Ferry node : nodes) {
            assertTrue(run.out().contains("\nnode " + node.url() + "  ok\n"), run.out());
        }
        assertTrue(run.out().contains("cluster: 3 of 3 nodes ok\n"), run.out());
        List<String> asked = up.paths();
        assertEquals(asked.size(), new HashSet<>(asked).size(), "a file was asked of the upstream twice: " + asked);
        for (String m : MODULES) {
            String[] mv = m.split("@");
            for (String ext : new String[] {".info", ".mod", ".zip"}) {
                String path = "/" + mv[0] + "/@v/" + mv[1] + ext;
                assertEquals(1, up.requestsFor(path), path + " from the upstream: " + asked);
                for (Ferry node : nodes) {
                    assertEquals(200, held(node, path), node.url() + " does not hold " + path);
                }
            }
        }
    }

    @Test
    void pinAndUnpinReachEveryNodeOfFerryPeers() throws Exception {
        StaticGoProxy up = upstream();
        List<Ferry> nodes = cluster(up, DockerRegistry.freePort(), DockerRegistry.freePort());
        Map<String, String> env = Map.of(
                "FERRY_PEERS", String.join(",", nodes.stream().map(Ferry::url).toList()));

        Run pin = ferry(env, "pin", "--cluster", "github.com/pkg/errors@v0.9.1");

        assertEquals(0, pin.exit(), pin.out() + pin.err());
        assertEquals(2, pin.out().split("pinned github.com/pkg/errors@v0.9.1: 3 objects", -1).length - 1, pin.out());
        for (Ferry node : nodes) {
            assertEquals(1, storage(node).path("pinned").path("sets").asLong(), node.url());
            assertEquals(3, storage(node).path("pinned").path("objects").asLong(), node.url());
        }
        assertEquals(
                1,
                up.requestsFor("/github.com/pkg/errors/@v/v0.9.1.zip"),
                up.paths().toString());

        Run unpin = ferry(env, "unpin", "--cluster", "github.com/pkg/errors@v0.9.1");
        assertEquals(0, unpin.exit(), unpin.out() + unpin.err());
        assertEquals(2, unpin.out().split("unpinned github.com/pkg/errors@v0.9.1: ", -1).length - 1, unpin.out());
        for (Ferry node : nodes) {
            // The sets are counted when asked; the objects come with the store's statistics, refreshed now and then.
            assertEquals(0, storage(node).path("pinned").path("sets").asLong(), node.url());
        }
    }

    @Test
    void aDeadNodeFailsTheCommandWithItsReasonAndTheOthersAreStillDone() throws Exception {
        StaticGoProxy up = upstream();
        int dead = DockerRegistry.freePort();
        List<Ferry> nodes = cluster(up, DockerRegistry.freePort(), DockerRegistry.freePort());
        String deadUrl = "http://127.0.0.1:" + dead;

        Run pin = ferry(
                Map.of(),
                "pin",
                "--cluster",
                "--node",
                nodes.get(0).url(),
                "--node",
                deadUrl,
                "--node",
                nodes.get(1).url(),
                "github.com/pkg/errors@v0.9.1");

        assertEquals(1, pin.exit(), pin.out() + pin.err());
        assertTrue(
                pin.out().contains("\nnode " + deadUrl + "  failed: cannot reach the ferry node " + deadUrl),
                pin.out());
        assertTrue(pin.err().contains("ferry: " + deadUrl + ": cannot reach the ferry node"), pin.err());
        // The hint names the flags that list the nodes, not --server.
        assertTrue(pin.err().contains("(--cluster reaches each node of --node URL,... or env FERRY_PEERS)"), pin.err());
        assertTrue(pin.out().contains("cluster: 2 of 3 nodes ok\n"), pin.out());
        for (Ferry node : nodes) {
            assertTrue(pin.out().contains("\nnode " + node.url() + "  ok\n"), pin.out());
            assertEquals(3, storage(node).path("pinned").path("objects").asLong(), node.url());
        }
    }
}
