package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.server.cluster.HaproxyConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ferry cluster as docs/cluster.md describes it, on loopback: three packaged ferries asking each other before
 * their upstream ({@code --peers}, the cluster token), and Debian's HAProxy in front with the configuration
 * {@code ferry cluster haproxy-config} writes. The real go command and skopeo go through HAProxy only; what the
 * slow link pays is counted at the upstream.
 */
class ClusterIT {
    private static final String TOKEN = "cluster-it-admin-token";
    private static final String CLUSTER_TOKEN = "cluster-it-peer-token-7d41c0e2";
    private static final int NODES = 3;

    @TempDir
    Path tmp;

    @BeforeEach
    void haproxyInstalled() {
        assumeTrue(HaproxyFront.installed(), "haproxy not installed (apt-get install haproxy; .ci/run does)");
    }

    /** Three nodes and their front; node {@code i} may be killed, after which it is null. */
    static final class Cluster implements AutoCloseable {
        final List<String> urls;
        final FerryProcess[] nodes;
        final HaproxyFront front;
        final String url;

        Cluster(List<String> urls, FerryProcess[] nodes, HaproxyFront front, String url) {
            this.urls = urls;
            this.nodes = nodes;
            this.front = front;
            this.url = url;
        }

        /** HAProxy's name for node {@code i} (its host:port). */
        String serverName(int i) {
            return urls.get(i).substring("http://".length());
        }

        void kill(int i) throws InterruptedException {
            nodes[i].kill();
        }

        @Override
        public void close() throws Exception {
            front.close();
            for (FerryProcess n : nodes) {
                if (n != null) {
                    n.kill();
                }
            }
        }
    }

    /** Starts three ferries with {@code args.apply(i)} and the cluster settings, and HAProxy in front of them. */
    private Cluster cluster(String name, IntFunction<List<String>> args) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        List<Integer> ports = new ArrayList<>();
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            ports.add(DockerRegistry.freePort());
            urls.add("http://127.0.0.1:" + ports.get(i));
        }
        FerryProcess[] nodes = new FerryProcess[NODES];
        List<CompletableFuture<FerryProcess>> starting = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED",
                    "-Xmx384m",
                    FerryProcess.libraryPath(),
                    "-jar",
                    FerryProcess.jar().toString(),
                    "serve",
                    "--listen",
                    "127.0.0.1:" + ports.get(i),
                    "--data",
                    dir.resolve("node" + i).toString(),
                    "--peers",
                    String.join(",", urls),
                    "--node-url",
                    urls.get(i)));
            cmd.addAll(args.apply(i));
            Path log = dir.resolve("node" + i + ".log");
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return FerryProcess.launch(
                            cmd,
                            env -> {
                                env.put("FERRY_ADMIN_TOKEN", TOKEN);
                                env.put("FERRY_CLUSTER_TOKEN", CLUSTER_TOKEN);
                            },
                            log);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (int i = 0; i < NODES; i++) {
            nodes[i] = starting.get(i).join();
        }
        int frontPort = DockerRegistry.freePort();
        List<String> configArgs =
                new ArrayList<>(List.of("cluster", "haproxy-config", "--bind", "127.0.0.1:" + frontPort));
        for (String u : urls) {
            configArgs.addAll(List.of("--node", u));
        }
        Cli config = Cli.run(TOKEN, configArgs.toArray(String[]::new));
        assertEquals(0, config.exit(), config.output());
        // The CLI prints exactly what the library renders (deploy/cluster/haproxy.cfg is checked against it too).
        assertEquals(
                HaproxyConfig.render("127.0.0.1:" + frontPort, HaproxyConfig.nodes(urls), List.of()), config.output());
        HaproxyFront front = HaproxyFront.start(dir, config.output());
        Cluster c = new Cluster(urls, nodes, front, "http://127.0.0.1:" + frontPort);
        for (int i = 0; i < NODES; i++) {
            front.awaitServer(c.serverName(i), "UP");
        }
        return c;
    }

    private static List<String> goArgs(ClusterUpstream upstream, int node) {
        try {
            return List.of("--go-upstream", upstream.urlFor(node), "--sumdb", Fixtures.sumdbKey());
        } catch (IOException e) {
            throw new IllegalStateException("the fixture's verifier key", e);
        }
    }

    private static String gosumdb(String front) throws IOException {
        String key = Fixtures.sumdbKey();
        return key + " " + front + "/sumdb/" + key.split("\\+")[0];
    }

    /** The routing key HAProxy hashes a GOPROXY or checksum-lookup path on (docs/cluster.md): the module path. */
    static String moduleOf(String path) {
        if (path.startsWith("/sumdb/")) {
            int lookup = path.indexOf("/lookup/");
            return lookup < 0 ? path : path.substring(lookup + "/lookup".length(), path.lastIndexOf('@')) + "/";
        }
        int at = path.indexOf("/@");
        return at < 0 ? path : path.substring(0, at + 1);
    }

    /**
     * Every file the upstream served, the checksum database's tiles and tree head included, was asked for exactly
     * once across the cluster: a node that misses a file another node owns asks that owner to fetch it (owner fetch,
     * docs/cluster.md), so concurrent misses on several nodes meet in the owner's one download.
     */
    private static void assertEachFileFetchedOnce(List<ClusterUpstream.Request> requests) {
        Map<String, List<Integer>> byPath = new TreeMap<>();
        for (ClusterUpstream.Request r : requests) {
            byPath.computeIfAbsent(r.path(), k -> new ArrayList<>()).add(r.node());
        }
        Map<String, List<Integer>> twice = new TreeMap<>(byPath);
        twice.values().removeIf(nodes -> nodes.size() == 1);
        assertEquals(Map.of(), twice, "files the upstream was asked for more than once (path -> asking nodes)");
        assertTrue(
                byPath.keySet().stream().anyMatch(p -> p.contains("/tile/")),
                "the nodes verified against the checksum database's tiles: " + byPath.keySet());
    }

    /**
     * The checksum database's signed tree head: it changes, so each node that verifies asks for a fresh one when its
     * copy is older than go.listTtl, and the kill test allows it once per node. Its tiles, which never change, are
     * fetched once like every other file: after a node's death, the survivors ask the key's owner on the ring without
     * it (the fallback owner, docs/cluster.md), not each its own upstream.
     */
    static boolean isVerifiedPerNode(String path) {
        return isTreeHead(path);
    }

    /** How often the upstream was asked for checksum-database tiles and the tree head, for the record. */
    private static String sumdbCounts(List<ClusterUpstream.Request> requests) {
        long tiles = requests.stream().filter(r -> r.path().contains("/tile/")).count();
        long heads = requests.stream().filter(r -> isTreeHead(r.path())).count();
        long lookups =
                requests.stream().filter(r -> r.path().contains("/lookup/")).count();
        return lookups + " lookups, " + tiles + " tile requests and " + heads + " tree-head requests at the upstream";
    }

    /**
     * The checksum database's signed tree head: mutable, so every node that verifies asks the upstream for it itself
     * (once per its freshness), and peers never answer it.
     */
    static boolean isTreeHead(String path) {
        return path.matches("/sumdb/[^/]+/latest");
    }

    /** The files of each module (and its checksum lookups) were all fetched by one node: the one HAProxy hashes to. */
    private static void assertEachModuleOnOneNode(List<ClusterUpstream.Request> requests) {
        Map<String, Set<Integer>> nodes = new TreeMap<>();
        for (ClusterUpstream.Request r : requests) {
            if (!r.path().startsWith("/sumdb/") || r.path().contains("/lookup/")) {
                nodes.computeIfAbsent(moduleOf(r.path()), k -> new TreeSet<>()).add(r.node());
            }
        }
        Map<String, Set<Integer>> spread = new TreeMap<>(nodes);
        spread.values().removeIf(s -> s.size() == 1);
        assertEquals(Map.of(), spread, "modules whose files were fetched by more than one node");
        Set<Integer> used = new TreeSet<>();
        nodes.values().forEach(used::addAll);
        assertEquals(NODES, used.size(), "the modules spread over every node: " + nodes);
    }

    private static String summary(List<ClusterUpstream.Request> requests) {
        Map<Integer, Long> perNode = requests.stream()
                .collect(Collectors.groupingBy(ClusterUpstream.Request::node, TreeMap::new, Collectors.counting()));
        return requests.size() + " upstream requests, by node " + perNode;
    }

    @Test
    void goBuildsThroughHaproxyAndTheUpstreamServesEachFileOnceAcrossTheCluster() throws Exception {
        try (ClusterUpstream upstream = new ClusterUpstream(Fixtures.goProxyTree());
                Cluster c = cluster("build", i -> goArgs(upstream, i))) {
            Path app = Fixtures.copyApp(tmp.resolve("app"));
            GoTool go = new GoTool(tmp.resolve("go"), c.url, gosumdb(c.url));
            GoTool.Result download = go.run(app, "mod", "download", "all");
            assertTrue(download.ok(), "go mod download all through HAProxy:\n" + download.output());
            GoTool.Result build =
                    go.run(app, "build", "-o", tmp.resolve("fixtureapp").toString(), ".");
            assertTrue(build.ok(), "go build through HAProxy:\n" + build.output());
            go.makeDeletable();
            List<ClusterUpstream.Request> requests = upstream.requests();
            assertTrue(requests.stream().filter(r -> r.path().endsWith(".zip")).count() >= 20, summary(requests));
            assertEachFileFetchedOnce(requests);
            assertEachModuleOnOneNode(requests);
            System.out.println("ClusterIT: one cold build: " + summary(requests) + "; " + sumdbCounts(requests));
        }
    }

    @Test
    void twentyConcurrentColdClientsStillMakeTheUpstreamServeEachFileOnce() throws Exception {
        try (ClusterUpstream upstream = new ClusterUpstream(Fixtures.goProxyTree());
                Cluster c = cluster("concurrent", i -> goArgs(upstream, i))) {
            Path gocache = tmp.resolve("gocache");
            List<CompletableFuture<GoTool.Result>> runs = new ArrayList<>();
            List<GoTool> tools = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Path app = Fixtures.copyApp(tmp.resolve("app" + i));
                GoTool go = new GoTool(tmp.resolve("go" + i), c.url, gosumdb(c.url), gocache);
                tools.add(go);
                runs.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return go.run(app, "mod", "download", "all");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (int i = 0; i < runs.size(); i++) {
                GoTool.Result r = runs.get(i).join();
                assertTrue(r.ok(), "client " + i + ": go mod download all:\n" + r.output());
                tools.get(i).makeDeletable();
            }
            List<ClusterUpstream.Request> requests = upstream.requests();
            assertEachFileFetchedOnce(requests);
            assertEachModuleOnOneNode(requests);
            System.out.println(
                    "ClusterIT: 20 concurrent cold clients: " + summary(requests) + "; " + sumdbCounts(requests));
        }
    }

    @Test
    void aNodeKilledMidBuildCostsTheBuildNothingAndItsSurvivorsContentIsNeverFetchedAgain() throws Exception {
        int victim = 2;
        try (ClusterUpstream upstream = new ClusterUpstream(Fixtures.goProxyTree());
                Cluster c = cluster("kill", i -> goArgs(upstream, i))) {
            // SIGKILL the victim while its fetch of its first module zip is under way: the client's request has
            // reached it and has no answer yet, so HAProxy must take it to the next node. Its first zip, not a later
            // one: the go command fetches zips in parallel, and a zip the victim was already streaming would be cut
            // mid-body, which no proxy can retry (docs/cluster.md); before its first zip it has sent only small
            // buffered answers.
            AtomicBoolean killed = new AtomicBoolean();
            upstream.hook(r -> {
                if (r.node() == victim && r.path().endsWith(".zip") && killed.compareAndSet(false, true)) {
                    try {
                        c.kill(victim);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            Path app = Fixtures.copyApp(tmp.resolve("app"));
            GoTool go = new GoTool(tmp.resolve("go"), c.url, gosumdb(c.url));
            GoTool.Result download = go.run(app, "mod", "download", "all");
            assertTrue(killed.get(), "the victim fetched a zip, and was killed: " + summary(upstream.requests()));
            assertTrue(download.ok(), "go mod download all with a node killed mid-way:\n" + download.output());
            GoTool.Result build =
                    go.run(app, "build", "-o", tmp.resolve("fixtureapp").toString(), ".");
            assertTrue(build.ok(), "go build after the kill:\n" + build.output());
            go.makeDeletable();
            c.front.awaitServer(c.serverName(victim), "DOWN");

            List<ClusterUpstream.Request> before = upstream.requests();
            Set<String> survivorsStored = before.stream()
                    .filter(r -> r.node() != victim && r.status() == 200 && !isTreeHead(r.path()))
                    .map(ClusterUpstream.Request::path)
                    .collect(Collectors.toCollection(TreeSet::new));

            // A fresh client's full build: what a survivor stored comes from the cluster (its owner now, or a
            // peer), never the upstream; what only the dead node had is fetched once.
            Path app2 = Fixtures.copyApp(tmp.resolve("app2"));
            GoTool fresh = new GoTool(tmp.resolve("go2"), c.url, gosumdb(c.url));
            GoTool.Result again = fresh.run(app2, "mod", "download", "all");
            assertTrue(again.ok(), "a fresh client after the kill:\n" + again.output());
            GoTool.Result build2 =
                    fresh.run(app2, "build", "-o", tmp.resolve("fixtureapp2").toString(), ".");
            assertTrue(build2.ok(), "a fresh client's build after the kill:\n" + build2.output());
            fresh.makeDeletable();
            List<ClusterUpstream.Request> after = upstream.requests()
                    .subList(before.size(), upstream.requests().size());
            List<String> refetched = after.stream()
                    .map(ClusterUpstream.Request::path)
                    .filter(survivorsStored::contains)
                    .toList();
            assertEquals(List.of(), refetched, "files a surviving node stored, fetched from the upstream again");
            Map<String, Long> counts = after.stream()
                    .filter(r -> !isVerifiedPerNode(r.path()))
                    .collect(Collectors.groupingBy(ClusterUpstream.Request::path, Collectors.counting()));
            counts.values().removeIf(n -> n == 1);
            assertEquals(Map.of(), counts, "files only the dead node had, fetched more than once");
            System.out.println("ClusterIT: kill -9 mid-build: before " + summary(before) + "; the fresh build after: "
                    + summary(after) + " ("
                    + after.stream().filter(r -> r.path().endsWith(".zip")).count()
                    + " zips the dead node alone had)");

            // ferry cluster status: two nodes ready, the dead one unreachable, and exit 1.
            Cli status = Cli.run(TOKEN, "cluster", "status", "--node", String.join(",", c.urls));
            assertEquals(1, status.exit(), status.output());
            for (int i = 0; i < NODES; i++) {
                assertTrue(
                        status.output().contains(c.urls.get(i) + "  " + (i == victim ? "unreachable" : "ready")),
                        status.output());
            }
            // Each survivor shows its owner-fetch link to the dead node among its pools.
            assertEquals(
                    NODES - 1,
                    status.output()
                            .lines()
                            .filter(l -> l.strip().equals("owner " + c.urls.get(victim) + ":"))
                            .count(),
                    status.output());
        }
    }

    @Test
    void skopeoCopiesTheFixtureImagesThroughHaproxyWithTheUpstreamsDigestsEvenWithANodeKilledMidLayer()
            throws Exception {
        assumeTrue(
                DockerRegistry.installed(),
                "docker-registry not installed (apt-get install docker-registry; .ci/run does)");
        assumeTrue(Skopeo.installed(), "skopeo not installed (apt-get install skopeo; .ci/run does)");
        try (DockerRegistry registry = new DockerRegistry(tmp.resolve("registry"), null, null)) {
            OciFixtures.push(registry.hostPort(), null, tmp.resolve("push-home"));
            Skopeo skopeo = new Skopeo(tmp.resolve("skopeo-home"));
            List<String> references = new ArrayList<>();
            for (OciFixtures.Image image : OciFixtures.images()) {
                if (!image.repository().contains("nested") || image.tag().equals("r01")) {
                    references.add(image.repository() + ":" + image.tag());
                }
            }
            String medium = "apps/medium:3";
            assertTrue(references.remove(medium), references.toString());
            Map<String, String> upstreamDigests = new TreeMap<>();
            for (String ref : references) {
                upstreamDigests.put(ref, manifestDigest(skopeo, registry.hostPort() + "/" + ref));
            }
            upstreamDigests.put(medium, manifestDigest(skopeo, registry.hostPort() + "/" + medium));
            Set<String> mediumLayers = new TreeSet<>();
            Skopeo.Result raw = skopeo.inspectRaw(registry.hostPort() + "/" + medium, null);
            assertTrue(raw.ok(), raw.toString());
            new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(raw.stdout())
                    .path("layers")
                    .forEach(l -> mediumLayers.add(l.path("digest").asText()));

            List<RegistryTap> taps = RegistryTap.forNodes(NODES, registry.url());
            try (Cluster c = cluster(
                    "oci",
                    i -> List.of(
                            "--registry",
                            "docker.io=" + taps.get(i).url(),
                            "--default-registry",
                            "docker.io",
                            "--go-upstream",
                            "off"))) {
                String front = c.url.substring("http://".length());
                for (String ref : references) {
                    copyThrough(skopeo, front, ref, tmp.resolve("copies"), upstreamDigests.get(ref));
                }
                List<RegistryTap.Request> cold = taps.getFirst().requests();
                Map<String, List<Integer>> blobGets = blobGets(cold);
                blobGets.values().removeIf(nodes -> nodes.size() == 1);
                assertEquals(Map.of(), blobGets, "blobs fetched from the upstream more than once (digest -> nodes)");

                // SIGKILL the node that fetches one of medium's layers, before its fetch reaches the upstream:
                // HAProxy takes skopeo's request to the next node, and the copy succeeds.
                AtomicInteger victim = new AtomicInteger(-1);
                for (RegistryTap tap : taps) {
                    tap.hook(r -> {
                        if (r.method().equals("GET")
                                && mediumLayers.stream().anyMatch(d -> r.path().endsWith("/blobs/" + d))
                                && victim.compareAndSet(-1, r.node())) {
                            try {
                                c.kill(r.node());
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    });
                }
                copyThrough(skopeo, front, medium, tmp.resolve("copies"), upstreamDigests.get(medium));
                assertTrue(victim.get() >= 0, "a node fetched a layer of " + medium + " and was killed");
                c.front.awaitServer(c.serverName(victim.get()), "DOWN");

                // Everything again into fresh copies: no blob a survivor fetched crosses the upstream link again.
                List<RegistryTap.Request> before = taps.getFirst().requests();
                Set<String> survivorsBlobs = new TreeSet<>(blobGets(before.stream()
                                .filter(r -> r.node() != victim.get())
                                .toList())
                        .keySet());
                references.add(medium);
                for (String ref : references) {
                    copyThrough(skopeo, front, ref, tmp.resolve("again"), upstreamDigests.get(ref));
                }
                List<RegistryTap.Request> after = taps.getFirst()
                        .requests()
                        .subList(before.size(), taps.getFirst().requests().size());
                Map<String, List<Integer>> again = blobGets(after);
                assertEquals(
                        Set.of(),
                        again.keySet().stream().filter(survivorsBlobs::contains).collect(Collectors.toSet()),
                        "blobs a surviving node held, fetched from the upstream again");
                again.values().removeIf(nodes -> nodes.size() == 1);
                assertEquals(Map.of(), again, "blobs only the dead node had, fetched more than once");
                System.out.println("ClusterIT: skopeo: " + references.size() + " images, "
                        + blobGets(before).size()
                        + " blobs fetched once each before the kill; after killing node " + victim.get() + " mid-layer,"
                        + " the full copy again fetched " + blobGets(after).size() + " blobs (the dead node's alone)");
            } finally {
                taps.forEach(RegistryTap::close);
            }
        }
    }

    /** The digest of the manifest a registry serves for a reference, as skopeo reads it. */
    private static String manifestDigest(Skopeo skopeo, String reference) throws Exception {
        Skopeo.Result raw = skopeo.inspectRaw(reference, null);
        assertTrue(raw.ok(), raw.toString());
        return OciFixtures.sha256(raw.stdout());
    }

    /** skopeo copies {@code ref} through the front into a new OCI layout; its manifest and blobs are the upstream's. */
    private static void copyThrough(Skopeo skopeo, String front, String ref, Path under, String digest)
            throws Exception {
        Path out = Files.createDirectories(under).resolve(ref.replace('/', '_').replace(':', '_'));
        Skopeo.Result copy = skopeo.copy("docker://" + front + "/" + ref, "oci:" + out + ":latest", null, null);
        assertTrue(copy.ok(), copy.toString());
        OciFixtures.verifyLayoutBlobs(out);
        assertEquals(digest, manifestDigest(skopeo, front + "/" + ref), ref + " through the cluster, byte for byte");
    }

    /** Blob GETs at the upstream: digest -> the nodes that asked, in order. */
    private static Map<String, List<Integer>> blobGets(List<RegistryTap.Request> requests) {
        Map<String, List<Integer>> gets = new TreeMap<>();
        for (RegistryTap.Request r : requests) {
            int blobs = r.path().indexOf("/blobs/");
            if (r.method().equals("GET") && blobs > 0 && !r.path().contains("/blobs/uploads")) {
                gets.computeIfAbsent(r.path().substring(blobs + "/blobs/".length()), k -> new ArrayList<>())
                        .add(r.node());
            }
        }
        return gets;
    }
}
