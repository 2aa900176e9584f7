package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/cluster/compose as a site runs it: the two images deploy/build-image.sh makes (ferry's, and HAProxy's
 * with {@code --haproxy}; nothing pulled from a registry) loaded into rootful podman, then Debian's podman-compose
 * brings up the three nodes and HAProxy on a bridge network of their own, where they find each other by service
 * name. The real go command downloads the fixture app through HAProxy, from the fixture upstream on the host (at
 * the network's gateway address, which containers reach as host.containers.internal); each file crosses the
 * upstream link once for the whole cluster; every module lives on one node and the modules spread over the
 * nodes; {@code ferry cluster status} in a node reads all three by their names. Everything goes at the end: no
 * container, volume, network or bridge is left.
 *
 * <p>The test's edits to its copy of the compose folder are a site's: tokens and upstream in ferry.env, ports free
 * on this machine, and a stats listener on HAProxy to learn when it holds every node up. podman keeps its storage,
 * networks and settings under the test's directory (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF).
 *
 * <p>Runs when -Dferry.image.it=true (.ci/run sets it when it runs as root), as ContainerImageIT, whose ferry
 * image it reuses.
 */
class ComposeClusterIT {
    static final String PODMAN_COMPOSE = "/usr/bin/podman-compose";
    static final String PROJECT = "ferryit";
    static final String NETWORK = PROJECT + "_cluster";
    static final List<String> SERVICES = List.of("ferry-0", "ferry-1", "ferry-2");
    static final String CLUSTER_TOKEN = "compose-cluster-token-0123456789";
    static final String ADMIN_TOKEN = "compose-admin-token-0123456789";
    static final Duration TOOL = Duration.ofMinutes(5);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Map<String, String> env;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void composeClusterServesGoThroughHaproxyFromThreePeeredNodes() throws Exception {
        assumeTrue(
                Boolean.getBoolean(ContainerImageIT.GATE),
                "-D" + ContainerImageIT.GATE + "=true runs it (.ci/run does as root): it builds two images");
        assumeTrue("root".equals(System.getProperty("user.name")), "building and running the images needs root");
        for (String tool : List.of("/usr/bin/mmdebstrap", "/usr/bin/buildah", Podman.BINARY, PODMAN_COMPOSE)) {
            assumeTrue(
                    Command.installed(tool),
                    tool + " not installed (apt-get install mmdebstrap buildah podman podman-compose; .ci/run does)");
        }
        String version = Deploy.version();
        ContainerImages.Archives ferryImage = ContainerImages.ferry();
        ContainerImages.Archives haproxyImage = ContainerImages.haproxy();
        assertEquals(
                "ferry-haproxy-" + version + "-image.docker.tar",
                haproxyImage.docker().getFileName().toString());
        long t0 = System.nanoTime();
        env = podmanSettings(tmp.resolve("podman"));

        String bridge = null;
        StaticGoProxy upstreamToClose = null;
        try {
            for (Path archive : List.of(ferryImage.docker(), haproxyImage.docker())) {
                Command load = podman("load", "-q", "-i", archive.toString());
                assertTrue(load.ok(), load.toString());
            }
            String haproxy = "localhost/ferry-haproxy:" + version;
            assertHaproxyImage(haproxy);

            // The network first, to know its gateway (the host as the containers reach it, host.containers.internal)
            // and bridge; podman-compose takes the project's network as it is when it exists.
            Command net = podman("network", "create", NETWORK);
            assertTrue(net.ok(), net.toString());
            JsonNode netInfo =
                    JSON.readTree(podman("network", "inspect", NETWORK).out()).get(0);
            bridge = netInfo.path("network_interface").asText();
            String gateway = netInfo.path("subnets").get(0).path("gateway").asText();
            String key = Fixtures.sumdbKey();
            Ports ports = new Ports(
                    DockerRegistry.freePort(),
                    DockerRegistry.freePort(),
                    List.of(DockerRegistry.freePort(), DockerRegistry.freePort(), DockerRegistry.freePort()));
            int upstreamPort = DockerRegistry.freePort();
            Path dir = siteCopy(ports, "http://host.containers.internal:" + upstreamPort, key);
            try {
                Command up = compose(dir, "up", "-d");
                assertTrue(up.ok(), up.toString());
                // The bridge and its gateway address exist once a container is on the network; the nodes ask the
                // upstream nothing before a client asks them.
                StaticGoProxy upstream =
                        StaticGoProxy.on(InetAddress.getByName(gateway), upstreamPort, Fixtures.goProxyTree());
                upstreamToClose = upstream;
                awaitAllUp(ports.stats());
                String front = "http://127.0.0.1:" + ports.front();
                HttpResponse<String> ready = get(front + "/health/ready");
                assertEquals(200, ready.statusCode(), "HAProxy's front reaches a ready node");
                System.out.println("compose up to every node UP in HAProxy: " + ms(t0) + " ms since load");

                // The go command through HAProxy.
                Path app = Fixtures.copyApp(tmp.resolve("app"));
                String gosumdb = key + " " + front + "/sumdb/" + key.split("\\+")[0];
                GoTool go = new GoTool(tmp.resolve("go"), front, gosumdb);
                long g0 = System.nanoTime();
                GoTool.Result download = go.run(app, "mod", "download", "all");
                assertTrue(download.ok(), "go mod download all through the compose cluster:\n" + download.output());
                System.out.println("go mod download all through the compose cluster: " + ms(g0) + " ms, "
                        + upstream.requests() + " upstream requests");
                go.makeDeletable();

                // Each module file crossed the upstream link once for the whole cluster (the checksum database's
                // tree head and tiles are each node's own, docs/cluster.md).
                Map<String, Integer> twice = new TreeMap<>();
                List<String> moduleFiles = new ArrayList<>();
                for (String p : new TreeSet<>(upstream.paths())) {
                    if (p.startsWith("/sumdb/")) {
                        continue;
                    }
                    moduleFiles.add(p);
                    if (upstream.requestsFor(p) != 1) {
                        twice.put(p, upstream.requestsFor(p));
                    }
                }
                assertTrue(moduleFiles.size() > 50, "the app's modules were fetched: " + moduleFiles);
                assertEquals(Map.of(), twice, "fetched from the upstream more than once");

                // Every file of a module comes from one node, the modules spread over the nodes, and it is all
                // served from the cluster now.
                int before = upstream.requests();
                Map<String, String> nodeOfModule = new TreeMap<>();
                for (String p : moduleFiles) {
                    if (!p.endsWith(".mod")) {
                        continue;
                    }
                    HttpResponse<String> r = get(front + p);
                    assertEquals(200, r.statusCode(), p + ": " + r.body());
                    assertEquals(Files.readString(Fixtures.goProxyTree().resolve(p.substring(1))), r.body(), p);
                    String node = r.headers().firstValue("X-Ferry-Node").orElseThrow();
                    String module = p.substring(0, p.indexOf("/@v/"));
                    String first = nodeOfModule.putIfAbsent(module, node);
                    assertTrue(first == null || first.equals(node), module + " on " + first + " and " + node);
                }
                assertTrue(
                        new TreeSet<>(nodeOfModule.values()).size() >= 2,
                        "the modules spread over the nodes: " + nodeOfModule);
                assertTrue(SERVICES.containsAll(nodeOfModule.values()), nodeOfModule.toString());
                assertEquals(before, upstream.requests(), "served from the cluster's stores");

                // ferry cluster status, in a node's container: the peers list and admin token it already has.
                Command status = podman("exec", PROJECT + "_ferry-0_1", "/opt/ferry/bin/ferry", "cluster", "status");
                assertTrue(status.ok(), "every node ready: " + status);
                for (String s : SERVICES) {
                    assertTrue(
                            status.out().lines().anyMatch(l -> l.startsWith("http://" + s + ":8080  ready")),
                            s + " in:\n" + status.out());
                }
                System.out.println(status.out());
            } finally {
                Command down = compose(dir, "down", "-v");
                if (!down.ok()) {
                    System.out.println("podman-compose down: " + down);
                }
            }
        } finally {
            // Whatever compose left (it removes no network, and nothing at all after a failed 'up').
            podman("rm", "-a", "-f", "-t", "0");
            podman("volume", "rm", "-a", "-f");
            podman("network", "rm", "-f", NETWORK);
            podman("rmi", "-a", "-f");
            if (upstreamToClose != null) {
                upstreamToClose.close();
            }
        }
        assertEquals("", podman("ps", "-a", "-q").out().strip(), "no container left");
        assertEquals("", podman("volume", "ls", "-q").out().strip(), "no volume left");
        assertEquals(
                List.of("podman"),
                podman("network", "ls", "--format", "{{.Name}}")
                        .out()
                        .strip()
                        .lines()
                        .toList(),
                "no network left");
        assertFalse(Files.exists(Path.of("/sys/class/net", bridge)), "the bridge " + bridge + " is gone");
        System.out.println("compose cluster test: " + ms(t0) + " ms after the builds");
    }

    /** The HAProxy image: not root, stops softly, and accepts the configuration it carries (haproxy -c in it). */
    private void assertHaproxyImage(String image) throws Exception {
        Command inspect = podman("image", "inspect", image);
        assertTrue(inspect.ok(), inspect.toString());
        JsonNode config = JSON.readTree(inspect.out()).get(0).path("Config");
        assertEquals("10002:10002", config.path("User").asText());
        assertEquals("SIGUSR1", config.path("StopSignal").asText());
        Command check = podman("run", "--rm", "--network", "host", image, "-c", "-f", "/etc/haproxy/haproxy.cfg");
        assertTrue(check.ok(), check.toString());
        assertTrue(check.out().contains("Configuration file is valid"), check.toString());
        // The image's own configuration is deploy/cluster/haproxy.cfg, for the Kubernetes pods' names.
        String unexpected = (check.out() + check.err())
                .lines()
                .filter(l -> l.contains("[WARNING]") || l.contains("[ALERT]"))
                .filter(l -> !l.contains("could not resolve address 'ferry-"))
                .reduce("", (a, b) -> a + b + "\n");
        assertEquals("", unexpected, check.toString());
    }

    record Ports(int front, int stats, List<Integer> nodes) {}

    /**
     * deploy/cluster/compose copied as a site would edit it: ports free here, tokens and the upstream in ferry.env,
     * and a stats listener on HAProxy for the test.
     */
    private Path siteCopy(Ports ports, String upstream, String sumdb) throws Exception {
        Path dir = tmp.resolve(PROJECT);
        Files.createDirectories(dir);
        Path from = Deploy.dir().resolve("cluster/compose");
        for (String f : List.of("compose.yaml", "ferry.env", "ferry.yaml", "haproxy.cfg")) {
            Files.copy(from.resolve(f), dir.resolve(f));
        }
        String compose = Files.readString(dir.resolve("compose.yaml"));
        compose = replaceOnce(
                compose,
                "      - \"8080:8080\"\n",
                "      - \"127.0.0.1:" + ports.front() + ":8080\"\n      - \"127.0.0.1:" + ports.stats() + ":8404\"\n");
        for (int i = 0; i < SERVICES.size(); i++) {
            compose = replaceOnce(
                    compose,
                    "\"127.0.0.1:" + (8081 + i) + ":8080\"",
                    "\"127.0.0.1:" + ports.nodes().get(i) + ":8080\"");
        }
        Files.writeString(dir.resolve("compose.yaml"), compose);
        Files.writeString(
                dir.resolve("ferry.env"),
                Files.readString(dir.resolve("ferry.env"))
                        + "FERRY_CLUSTER_TOKEN=" + CLUSTER_TOKEN + "\nFERRY_ADMIN_TOKEN=" + ADMIN_TOKEN
                        + "\nFERRY_GO_UPSTREAM=" + upstream + "\nFERRY_SUMDB=" + sumdb + "\n");
        Files.writeString(
                dir.resolve("haproxy.cfg"),
                Files.readString(dir.resolve("haproxy.cfg"))
                        + "\nfrontend stats\n    bind :8404\n    stats enable\n    stats uri /stats\n");
        return dir;
    }

    private static String replaceOnce(String text, String from, String to) {
        int at = text.indexOf(from);
        assertTrue(at >= 0 && text.indexOf(from, at + 1) < 0, "one " + from + " in compose.yaml");
        return text.replace(from, to);
    }

    /** Waits (polling HAProxy's stats, bounded) until it holds every node UP: each started and answered ready. */
    private void awaitAllUp(int statsPort) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        Map<String, String> states = Map.of();
        while (System.nanoTime() < deadline) {
            try {
                states = new TreeMap<>();
                for (String line : get("http://127.0.0.1:" + statsPort + "/stats;csv")
                        .body()
                        .split("\n")) {
                    String[] f = line.split(",", -1);
                    if (f.length > 17 && f[0].equals("ferry_nodes") && !f[1].equals("BACKEND")) {
                        states.put(f[1], f[17]);
                    }
                }
                if (states.keySet().equals(new TreeSet<>(SERVICES))
                        && states.values().stream().allMatch("UP"::equals)) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // HAProxy not listening yet
            }
            Thread.sleep(500); // polling interval, bounded by the deadline above
        }
        Map<String, String> logs = new HashMap<>();
        for (String s : List.of("ferry-0", "ferry-1", "ferry-2", "haproxy")) {
            logs.put(s, podman("logs", "--tail", "30", PROJECT + "_" + s + "_1").toString());
        }
        throw new AssertionError("HAProxy did not hold every node UP within 4 minutes: " + states + "\n" + logs);
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * podman's settings for everything this test runs, podman-compose's podman included: storage (vfs), networks,
     * run and temporary directories under {@code dir}; runc (crun 1.8 refuses hybrid cgroup hierarchies); no
     * systemd; open-file and process limits this machine grants ({@link Podman#ulimits()}).
     */
    private static Map<String, String> podmanSettings(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("tmp"));
        List<String> ulimits = Podman.ulimits();
        Path conf = dir.resolve("containers.conf");
        Files.writeString(
                conf,
                "[containers]\ndefault_ulimits = [\"" + ulimits.get(1) + "\", \"" + ulimits.get(3) + "\"]\n"
                        + "[network]\nnetwork_config_dir = \"" + Files.createDirectories(dir.resolve("networks"))
                        + "\"\n[engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n"
                        + "tmp_dir = \"" + dir.resolve("tmp") + "\"\n"
                        + (Command.installed(Podman.RUNC) ? "runtime = \"runc\"\n" : ""));
        Path storage = dir.resolve("storage.conf");
        Files.writeString(
                storage,
                "[storage]\ndriver = \"vfs\"\ngraphroot = \"" + Files.createDirectories(dir.resolve("root"))
                        + "\"\nrunroot = \"" + Files.createDirectories(dir.resolve("run")) + "\"\n");
        return Map.of("CONTAINERS_CONF", conf.toString(), "CONTAINERS_STORAGE_CONF", storage.toString());
    }

    private Command podman(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Podman.BINARY));
        argv.addAll(List.of(args));
        return Command.run(TOOL, null, env, argv);
    }

    private Command compose(Path dir, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(PODMAN_COMPOSE, "-p", PROJECT, "-f", "compose.yaml"));
        argv.addAll(List.of(args));
        return Command.run(TOOL, dir, env, argv);
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
