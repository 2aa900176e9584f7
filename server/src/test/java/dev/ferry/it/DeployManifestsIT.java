package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.ListenAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/systemd, deploy/kubernetes and deploy/compose, checked by the tools that read them (systemd-analyze,
 * kubectl kustomize, docker-compose config) and then, on what those tools produce, for each property issue 14 asks
 * of them. Each sample ferry.yaml is the one ferry's own config loader accepts.
 */
class DeployManifestsIT {
    static final String SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze";
    /** Another kubectl with -Dferry.kubectl=PATH (to check an older kustomize by hand). */
    static final String KUBECTL = System.getProperty("ferry.kubectl", "/usr/bin/kubectl");

    static final String DOCKER_COMPOSE = "/usr/bin/docker-compose";
    static final Duration TOOL = Duration.ofMinutes(2);
    static final YAMLMapper YAML = new YAMLMapper();

    @TempDir
    Path tmp;

    // ---- the sample config ----

    @Test
    void everySampleConfigIsTheSameFileAndFerryLoadsIt() throws Exception {
        Path sample = Deploy.dir().resolve("ferry.yaml");
        FerryConfig cfg = ConfigLoader.load(Map.of(), Map.of(), sample);
        assertEquals(new ListenAddress("0.0.0.0", 8080), cfg.listen());
        assertEquals(Path.of("/var/lib/ferry"), cfg.data());
        for (String copy : List.of("kubernetes/ferry.yaml", "compose/ferry.yaml", "cluster/compose/ferry.yaml")) {
            assertEquals(
                    Files.readString(sample),
                    Files.readString(Deploy.dir().resolve(copy)),
                    "deploy/" + copy + " is a copy of deploy/ferry.yaml (kustomize and a carried compose folder cannot"
                            + " reach files outside their own)");
        }
    }

    // ---- systemd ----

    @Test
    void systemdUnitVerifiesAndIsHardenedAsAsked() throws Exception {
        assumeTrue(
                Command.installed(SYSTEMD_ANALYZE),
                "systemd-analyze not installed (apt-get install systemd; .ci/run does)");
        Path root = systemdRoot();
        Command verify = Command.run(
                TOOL,
                List.of(SYSTEMD_ANALYZE, "verify", "--root=" + root, "--man=no", "/etc/systemd/system/ferry.service"));
        assertTrue(verify.ok(), verify.toString());
        // systemd-analyze exits 0 on an unknown or misspelt setting, only warning about it.
        assertEquals("", verify.out() + verify.err(), "systemd-analyze verify has nothing to say: " + verify);

        Map<String, List<String>> unit = unitSettings(Deploy.dir().resolve("systemd/ferry.service"));
        assertEquals(List.of("ferry"), unit.get("User"), "its own user (install.sh creates it)");
        assertEquals(List.of("ferry"), unit.get("StateDirectory"), "/var/lib/ferry, owned by that user");
        assertEquals(List.of("strict"), unit.get("ProtectSystem"));
        assertEquals(List.of("yes"), unit.get("ProtectHome"));
        assertEquals(List.of("yes"), unit.get("PrivateTmp"));
        assertEquals(List.of("yes"), unit.get("NoNewPrivileges"));
        assertEquals(List.of(""), unit.get("CapabilityBoundingSet"), "an empty capability set");
        assertEquals(List.of(""), unit.get("AmbientCapabilities"));
        assertTrue(
                Long.parseLong(unit.get("LimitNOFILE").getFirst()) >= 65536, "LimitNOFILE " + unit.get("LimitNOFILE"));
        assertEquals(List.of("on-failure"), unit.get("Restart"));
        assertEquals(List.of("SIGTERM"), unit.get("KillSignal"));
        long stop = Long.parseLong(unit.get("TimeoutStopSec").getFirst());
        assertTrue(stop >= 60, "time to finish requests (5 s) and close RocksDB before SIGKILL: " + stop);
        assertEquals(List.of("-/etc/ferry/ferry.env"), unit.get("EnvironmentFile"), "secrets from an environment file");
        assertEquals(List.of("/opt/ferry/bin/ferry serve --config /etc/ferry/ferry.yaml"), unit.get("ExecStart"));

        Command security = Command.run(
                TOOL,
                List.of(
                        SYSTEMD_ANALYZE,
                        "security",
                        "--offline=yes",
                        "--root=" + root,
                        "--no-pager",
                        "/etc/systemd/system/ferry.service"));
        assertTrue(security.ok(), security.toString());
        Matcher m = Pattern.compile("Overall exposure level for ferry\\.service: (\\d+\\.\\d) (\\S+)")
                .matcher(security.out());
        assertTrue(m.find(), security.toString());
        double score = Double.parseDouble(m.group(1));
        assertTrue(score <= 2.0, "exposure " + score + " (0 is best, 10 worst):\n" + security.out());
        String docs = Files.readString(Deploy.root().resolve("docs/install.md"));
        assertTrue(
                docs.contains(
                        "`systemd-analyze security --offline=yes` scores it **" + m.group(1) + " " + m.group(2) + "**"),
                "docs/install.md states today's score, " + m.group(1) + " " + m.group(2));
    }

    /** A root with the host's own units and a stand-in for the installed launcher, which verify insists exists. */
    private Path systemdRoot() throws Exception {
        Path root = tmp.resolve("root");
        Path units = Files.isDirectory(Path.of("/usr/lib/systemd/system"))
                ? Path.of("/usr/lib/systemd/system")
                : Path.of("/lib/systemd/system");
        copyTree(units, root.resolve("usr/lib/systemd/system"));
        Path launcher = root.resolve("opt/ferry/bin/ferry");
        Files.createDirectories(launcher.getParent());
        Files.writeString(launcher, "#!/bin/sh\n");
        launcher.toFile().setExecutable(true);
        Files.createDirectories(root.resolve("etc/systemd/system"));
        Files.copy(Deploy.dir().resolve("systemd/ferry.service"), root.resolve("etc/systemd/system/ferry.service"));
        return root;
    }

    static Map<String, List<String>> unitSettings(Path unit) throws Exception {
        Map<String, List<String>> settings = new LinkedHashMap<>();
        for (String line : Files.readAllLines(unit)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith(";") || l.startsWith("[")) {
                continue;
            }
            int eq = l.indexOf('=');
            settings.computeIfAbsent(l.substring(0, eq), k -> new ArrayList<>()).add(l.substring(eq + 1));
        }
        return settings;
    }

    // ---- Kubernetes ----

    @Test
    void kubernetesManifestsRenderAndHaveEveryPropertyAsked() throws Exception {
        assumeTrue(
                Command.installed(KUBECTL), "kubectl not installed (apt-get install kubernetes-client; .ci/run does)");
        List<JsonNode> docs = kustomize(Deploy.dir().resolve("kubernetes"));
        JsonNode sts = one(docs, "StatefulSet", "ferry");
        JsonNode spec = sts.path("spec");
        assertEquals(1, spec.path("replicas").asInt(), "one ferry per store");
        JsonNode pod = spec.path("template").path("spec");
        JsonNode c = pod.path("containers").get(0);
        assertEquals("ferry:" + Deploy.version(), c.path("image").asText(), "the image of this version");
        assertEquals(
                "IfNotPresent",
                c.path("imagePullPolicy").asText(),
                "an offline cluster has nowhere to pull again from");

        // The store on a PersistentVolumeClaim at /var/lib/ferry.
        JsonNode claim = spec.path("volumeClaimTemplates").get(0);
        assertEquals("data", claim.path("metadata").path("name").asText());
        assertEquals(
                "ReadWriteOnce", claim.path("spec").path("accessModes").get(0).asText());
        assertFalse(claim.path("spec")
                .path("resources")
                .path("requests")
                .path("storage")
                .asText()
                .isEmpty());
        assertEquals("/var/lib/ferry", mount(c, "data").path("mountPath").asText());

        // Probes: liveness on /health/live, readiness on /health/ready, a startup probe for a long store open.
        int port = c.path("ports").get(0).path("containerPort").asInt();
        assertEquals(8080, port);
        String portName = c.path("ports").get(0).path("name").asText();
        assertEquals(
                "/health/live",
                c.path("livenessProbe").path("httpGet").path("path").asText());
        assertEquals(
                portName, c.path("livenessProbe").path("httpGet").path("port").asText());
        assertEquals(
                "/health/ready",
                c.path("readinessProbe").path("httpGet").path("path").asText());
        assertEquals(
                portName, c.path("readinessProbe").path("httpGet").path("port").asText());
        JsonNode startup = c.path("startupProbe");
        assertEquals("/health/live", startup.path("httpGet").path("path").asText());
        assertTrue(
                startup.path("periodSeconds").asInt()
                                * startup.path("failureThreshold").asInt()
                        >= 300,
                "a store that takes minutes to open is not killed by liveness");

        // Non-root, read-only root filesystem, nothing to escalate to.
        assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean());
        assertTrue(pod.path("securityContext").path("runAsUser").asInt() > 0);
        assertTrue(pod.path("securityContext").path("fsGroup").asInt() > 0, "the volume is writable by that user");
        JsonNode sc = c.path("securityContext");
        assertTrue(sc.path("readOnlyRootFilesystem").asBoolean());
        assertFalse(sc.path("allowPrivilegeEscalation").asBoolean(true));
        assertEquals("ALL", sc.path("capabilities").path("drop").get(0).asText());
        assertEquals("/tmp", mount(c, "tmp").path("mountPath").asText(), "a writable /tmp beside the read-only root");
        assertTrue(volume(pod, "tmp").has("emptyDir"));
        assertTrue(pod.path("terminationGracePeriodSeconds").asInt() >= 60, "time for RocksDB to close on SIGTERM");

        // Requests and limits that fit a 4-core 8 GB seed box, with the heap well inside the memory limit.
        JsonNode res = c.path("resources");
        double cpuRequest = cpu(res.path("requests").path("cpu").asText());
        double cpuLimit = cpu(res.path("limits").path("cpu").asText());
        long memRequest = bytes(res.path("requests").path("memory").asText());
        long memLimit = bytes(res.path("limits").path("memory").asText());
        assertTrue(cpuRequest > 0 && cpuRequest <= cpuLimit && cpuLimit <= 4, res.toString());
        assertTrue(memRequest > 0 && memRequest <= memLimit && memLimit <= 6L << 30, res.toString());
        long heap = heap(env(c, "FERRY_JAVA_OPTS").path("value").asText());
        assertTrue(heap * 2 <= memLimit, "heap " + heap + " leaves room for RocksDB and the JVM under " + memLimit);

        // ferry.yaml from a ConfigMap, given to ferry serve; ferry loads it.
        String configMapName =
                volume(pod, "config").path("configMap").path("name").asText();
        JsonNode cm = one(docs, "ConfigMap", configMapName);
        assertEquals("/etc/ferry", mount(c, "config").path("mountPath").asText());
        assertEquals(List.of("serve", "--config", "/etc/ferry/ferry.yaml"), strings(c.path("args")));
        Path yaml = tmp.resolve("ferry.yaml");
        Files.writeString(yaml, cm.path("data").path("ferry.yaml").asText());
        FerryConfig cfg = ConfigLoader.load(Map.of(), Map.of(), yaml);
        assertEquals(port, cfg.listen().port());
        assertEquals(Path.of("/var/lib/ferry"), cfg.data());

        // The admin token from a Secret.
        JsonNode ref = env(c, "FERRY_ADMIN_TOKEN").path("valueFrom").path("secretKeyRef");
        JsonNode secret = one(docs, "Secret", ref.path("name").asText());
        assertTrue(secret.path("stringData").has(ref.path("key").asText())
                || secret.path("data").has(ref.path("key").asText()));

        // A Service for clients onto the pod's port, and the headless one that governs the StatefulSet.
        JsonNode podLabels = spec.path("template").path("metadata").path("labels");
        JsonNode service = one(docs, "Service", "ferry");
        assertSelects(service.path("spec").path("selector"), podLabels);
        assertEquals(
                8080, service.path("spec").path("ports").get(0).path("port").asInt());
        assertEquals(
                portName,
                service.path("spec").path("ports").get(0).path("targetPort").asText());
        JsonNode headless = one(docs, "Service", spec.path("serviceName").asText());
        assertEquals("None", headless.path("spec").path("clusterIP").asText());
        assertSelects(headless.path("spec").path("selector"), podLabels);
        assertSelects(spec.path("selector").path("matchLabels"), podLabels);
    }

    @Test
    void theOptionalServiceMonitorScrapesMetricsOfTheClientServiceOnly() throws Exception {
        assumeTrue(
                Command.installed(KUBECTL), "kubectl not installed (apt-get install kubernetes-client; .ci/run does)");
        List<JsonNode> docs = kustomize(Deploy.dir().resolve("kubernetes-monitoring"));
        JsonNode monitor = one(docs, "ServiceMonitor", "ferry");
        JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
        assertEquals("/metrics", endpoint.path("path").asText());
        JsonNode selector = monitor.path("spec").path("selector").path("matchLabels");
        List<String> selected = docs.stream()
                .filter(d -> d.path("kind").asText().equals("Service"))
                .filter(s -> matches(selector, s.path("metadata").path("labels")))
                .map(s -> s.path("metadata").path("name").asText())
                .toList();
        assertEquals(List.of("ferry"), selected, "one Service, or every sample is scraped twice");
        assertEquals(
                endpoint.path("port").asText(),
                one(docs, "Service", "ferry")
                        .path("spec")
                        .path("ports")
                        .get(0)
                        .path("name")
                        .asText());
        // Without the component, no ServiceMonitor: clusters without the operator's CRDs take the base as is.
        assertTrue(kustomize(Deploy.dir().resolve("kubernetes")).stream()
                .noneMatch(d -> d.path("kind").asText().equals("ServiceMonitor")));
    }

    private List<JsonNode> kustomize(Path dir) throws Exception {
        Command k = Command.run(TOOL, List.of(KUBECTL, "kustomize", dir.toString()));
        assertTrue(k.ok(), k.toString());
        // commonLabels and bases rather than labels and resources keep Debian 12's kubectl 1.20 (kustomize 2)
        // rendering; newer ones only call them deprecated. Any other word from kustomize is a finding.
        String warnings = k.err()
                .lines()
                .filter(l -> !l.contains("'commonLabels' is deprecated")
                        && !l.contains("'bases' is deprecated")
                        && !l.contains("'patchesStrategicMerge' is deprecated"))
                .reduce("", String::concat);
        assertEquals("", warnings, k.toString());
        List<JsonNode> docs = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(k.out())) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && !d.isNull() && !d.isEmpty()) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    // ---- compose ----

    @Test
    void composeFileIsValidAndRunsTheImageWithItsVolumeHealthcheckAndConfig() throws Exception {
        assumeTrue(
                Command.installed(DOCKER_COMPOSE),
                "docker-compose not installed (apt-get install docker-compose; .ci/run does)");
        Path dir = Deploy.dir().resolve("compose");
        Command config = Command.run(TOOL, dir, Map.of(), List.of(DOCKER_COMPOSE, "-f", "compose.yaml", "config"));
        assertTrue(config.ok(), config.toString());
        assertEquals("", config.err().strip(), "docker-compose config has no warnings: " + config);
        JsonNode ferry = YAML.readTree(config.out()).path("services").path("ferry");
        assertEquals("ferry:" + Deploy.version(), ferry.path("image").asText());
        assertEquals("never", ferry.path("pull_policy").asText(), "the image is loaded from a file, never pulled");
        assertEquals(List.of("serve", "--config", "/etc/ferry/ferry.yaml"), strings(ferry.path("command")));
        List<String> volumes = strings(ferry.path("volumes"));
        assertTrue(volumes.contains("ferry-data:/var/lib/ferry:rw"), volumes.toString());
        assertTrue(YAML.readTree(config.out()).path("volumes").has("ferry-data"), "a named volume");
        assertTrue(volumes.contains(dir.resolve("ferry.yaml") + ":/etc/ferry/ferry.yaml:ro"), volumes.toString());
        // A string: podman-compose 1.0 mangles the list form (ContainerImageIT checks the image's /bin/sh runs it).
        assertEquals(
                "/opt/ferry/bin/ferry health",
                ferry.path("healthcheck").path("test").asText());
        assertEquals(8080, ferry.path("ports").get(0).path("target").asInt());
        assertFalse(ferry.path("user").asText().startsWith("0"), "not root: " + ferry.path("user"));
        assertTrue(ferry.path("read_only").asBoolean());
        assertEquals("SIGTERM", ferry.path("stop_signal").asText());
        assertTrue(
                Duration.parse("PT" + ferry.path("stop_grace_period").asText().toUpperCase())
                                .toSeconds()
                        >= 60,
                "compose's default 10 s is too short for RocksDB to close: " + ferry.path("stop_grace_period"));
    }

    // ---- the cluster (docs/cluster.md) ----

    /** The three nodes of deploy/cluster, as the peers list names them (the StatefulSet's pods, compose's aliases). */
    static final List<String> CLUSTER_NODES = List.of(
            "http://ferry-0.ferry-pods:8080", "http://ferry-1.ferry-pods:8080", "http://ferry-2.ferry-pods:8080");

    /**
     * The same nodes in the compose file: by their service names, which every compose tool resolves (Debian's
     * podman-compose 1.0 takes no other network aliases; ComposeClusterIT runs it).
     */
    static final List<String> COMPOSE_NODES =
            List.of("http://ferry-0:8080", "http://ferry-1:8080", "http://ferry-2:8080");

    @Test
    void clusterHaproxyConfigIsWhatFerryWritesForTheThreeNodesAndHaproxyAcceptsIt() throws Exception {
        Map<String, List<String>> copies = Map.of(
                "cluster/haproxy.cfg", CLUSTER_NODES,
                "cluster/kubernetes/haproxy.cfg", CLUSTER_NODES,
                "cluster/compose/haproxy.cfg", COMPOSE_NODES);
        for (var copy : copies.entrySet()) {
            String rendered = dev.ferry.server.cluster.HaproxyConfig.render(
                    ":8080", dev.ferry.server.cluster.HaproxyConfig.nodes(copy.getValue()), List.of());
            assertEquals(
                    rendered,
                    Files.readString(Deploy.dir().resolve(copy.getKey())),
                    "deploy/" + copy.getKey() + " is 'ferry cluster haproxy-config --node "
                            + String.join(",", copy.getValue()) + "'");
        }
        assumeTrue(Command.installed(HaproxyFront.BINARY.toString()), "haproxy not installed (.ci/run installs it)");
        Command check = Command.run(
                TOOL,
                List.of(
                        HaproxyFront.BINARY.toString(),
                        "-c",
                        "-f",
                        Deploy.dir().resolve("cluster/haproxy.cfg").toString()));
        // The pods' names resolve only in the cluster: haproxy -c warns about that, and nothing else.
        assertTrue(check.ok(), check.toString());
        String unexpected = (check.out() + check.err())
                .lines()
                .filter(l -> l.contains("[WARNING]") || l.contains("[ALERT]"))
                .filter(l -> !l.contains("could not resolve address 'ferry-"))
                .reduce("", (a, b) -> a + b + "\n");
        assertEquals("", unexpected, check.toString());
    }

    @Test
    void clusterManifestsRenderThreePeeredNodesBehindHaproxy() throws Exception {
        assumeTrue(
                Command.installed(KUBECTL), "kubectl not installed (apt-get install kubernetes-client; .ci/run does)");
        List<JsonNode> docs = kustomize(Deploy.dir().resolve("cluster/kubernetes"));
        JsonNode sts = one(docs, "StatefulSet", "ferry");
        assertEquals(CLUSTER_NODES.size(), sts.path("spec").path("replicas").asInt(), "a node per peers entry");
        String headless = sts.path("spec").path("serviceName").asText();
        for (int i = 0; i < CLUSTER_NODES.size(); i++) {
            assertEquals(
                    "http://ferry-" + i + "." + headless + ":8080",
                    CLUSTER_NODES.get(i),
                    "the peers list names the StatefulSet's pods through its headless Service");
        }
        JsonNode c = sts.path("spec")
                .path("template")
                .path("spec")
                .path("containers")
                .get(0);
        assertEquals(
                String.join(",", CLUSTER_NODES),
                env(c, "FERRY_PEERS").path("value").asText());
        assertEquals(
                "http://$(POD_NAME)." + headless + ":8080",
                env(c, "FERRY_NODE_URL").path("value").asText());
        assertEquals(
                "metadata.name",
                env(c, "POD_NAME")
                        .path("valueFrom")
                        .path("fieldRef")
                        .path("fieldPath")
                        .asText());
        JsonNode tokenRef = env(c, "FERRY_CLUSTER_TOKEN").path("valueFrom").path("secretKeyRef");
        assertTrue(one(docs, "Secret", tokenRef.path("name").asText())
                .path("stringData")
                .has(tokenRef.path("key").asText()));
        assertEquals(
                "0", env(c, "FERRY_MAX_CONNECTIONS_PER_CLIENT").path("value").asText());
        // Everything the single ferry's manifests promise still holds for each node.
        assertEquals(
                "/health/ready",
                c.path("readinessProbe").path("httpGet").path("path").asText());
        assertTrue(c.path("securityContext").path("readOnlyRootFilesystem").asBoolean());
        assertEquals("/var/lib/ferry", mount(c, "data").path("mountPath").asText());

        // HAProxy with ferry's configuration, and the client Service onto it.
        JsonNode haproxy = one(docs, "Deployment", "ferry-haproxy");
        JsonNode pod = haproxy.path("spec").path("template");
        JsonNode h = pod.path("spec").path("containers").get(0);
        String cm = volume(pod.path("spec"), "config")
                .path("configMap")
                .path("name")
                .asText();
        assertEquals(
                Files.readString(Deploy.dir().resolve("cluster/haproxy.cfg")),
                one(docs, "ConfigMap", cm).path("data").path("haproxy.cfg").asText());
        assertEquals("/etc/haproxy", mount(h, "config").path("mountPath").asText(), "the image's config path");
        assertEquals(
                "ferry-haproxy:" + Deploy.version(),
                h.path("image").asText(),
                "deploy/build-image.sh --haproxy's image of this version");
        assertEquals("IfNotPresent", h.path("imagePullPolicy").asText());
        assertTrue(pod.path("spec").path("securityContext").path("runAsNonRoot").asBoolean());
        assertEquals(
                10002,
                pod.path("spec").path("securityContext").path("runAsUser").asInt(),
                "the image's user haproxy");
        assertTrue(h.path("securityContext").path("readOnlyRootFilesystem").asBoolean());
        assertEquals(
                "ALL",
                h.path("securityContext")
                        .path("capabilities")
                        .path("drop")
                        .get(0)
                        .asText());
        JsonNode service = one(docs, "Service", "ferry");
        assertSelects(
                service.path("spec").path("selector"), pod.path("metadata").path("labels"));
        assertFalse(
                matches(
                        service.path("spec").path("selector"),
                        sts.path("spec").path("template").path("metadata").path("labels")),
                "clients reach HAProxy, not a node");
        assertEquals(
                h.path("ports").get(0).path("name").asText(),
                service.path("spec").path("ports").get(0).path("targetPort").asText());
        assertEquals(8080, h.path("ports").get(0).path("containerPort").asInt(), "haproxy.cfg binds :8080");
    }

    @Test
    void clusterComposeFileRunsThreePeeredNodesBehindHaproxy() throws Exception {
        assumeTrue(
                Command.installed(DOCKER_COMPOSE),
                "docker-compose not installed (apt-get install docker-compose; .ci/run does)");
        Path dir = Deploy.dir().resolve("cluster/compose");
        Command config = Command.run(TOOL, dir, Map.of(), List.of(DOCKER_COMPOSE, "-f", "compose.yaml", "config"));
        assertTrue(config.ok(), config.toString());
        assertEquals("", config.err().strip(), "docker-compose config has no warnings: " + config);
        JsonNode services = YAML.readTree(config.out()).path("services");
        for (int i = 0; i < CLUSTER_NODES.size(); i++) {
            JsonNode node = services.path("ferry-" + i);
            assertEquals("ferry:" + Deploy.version(), node.path("image").asText());
            assertEquals(
                    String.join(",", COMPOSE_NODES),
                    node.path("environment").path("FERRY_PEERS").asText());
            assertEquals(
                    COMPOSE_NODES.get(i),
                    node.path("environment").path("FERRY_NODE_URL").asText());
            assertEquals(
                    "http://ferry-" + i + ":8080",
                    COMPOSE_NODES.get(i),
                    "the service's name is the name haproxy.cfg and the peers list use");
            assertTrue(
                    node.path("networks").has("cluster"), node.path("networks").toString());
            List<String> volumes = strings(node.path("volumes"));
            assertTrue(volumes.contains("ferry-data-" + i + ":/var/lib/ferry:rw"), "a store of its own: " + volumes);
            assertEquals(
                    "/opt/ferry/bin/ferry health",
                    node.path("healthcheck").path("test").asText());
            assertTrue(node.path("read_only").asBoolean());
            assertFalse(node.path("user").asText().startsWith("0"));
        }
        JsonNode haproxy = services.path("haproxy");
        assertEquals("ferry-haproxy:" + Deploy.version(), haproxy.path("image").asText());
        assertEquals("never", haproxy.path("pull_policy").asText(), "built and loaded from a file, never pulled");
        assertTrue(
                strings(haproxy.path("volumes")).contains(dir.resolve("haproxy.cfg") + ":/etc/haproxy/haproxy.cfg:ro"),
                haproxy.path("volumes").toString());
        assertTrue(haproxy.path("read_only").asBoolean());
        assertTrue(
                haproxy.path("networks").has("cluster"),
                haproxy.path("networks").toString());
        assertEquals(8080, haproxy.path("ports").get(0).path("target").asInt());
        assertEquals(8080, haproxy.path("ports").get(0).path("published").asInt(), "clients use HAProxy's port");
    }

    // ---- helpers ----

    static JsonNode one(List<JsonNode> docs, String kind, String name) {
        List<JsonNode> found = docs.stream()
                .filter(d -> d.path("kind").asText().equals(kind)
                        && d.path("metadata").path("name").asText().equals(name))
                .toList();
        assertEquals(
                1,
                found.size(),
                kind + " " + name + " in "
                        + docs.stream()
                                .map(d -> d.path("kind").asText() + "/"
                                        + d.path("metadata").path("name").asText())
                                .toList());
        return found.getFirst();
    }

    static JsonNode mount(JsonNode container, String volume) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.path("name").asText().equals(volume)) {
                return m;
            }
        }
        throw new AssertionError("no mount of volume " + volume + " in " + container.path("volumeMounts"));
    }

    static JsonNode volume(JsonNode podSpec, String name) {
        for (JsonNode v : podSpec.path("volumes")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name + " in " + podSpec.path("volumes"));
    }

    static JsonNode env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no env " + name + " in " + container.path("env"));
    }

    static void assertSelects(JsonNode selector, JsonNode labels) {
        assertFalse(selector.isEmpty(), "an empty selector selects everything");
        assertTrue(matches(selector, labels), selector + " selects " + labels);
    }

    static boolean matches(JsonNode selector, JsonNode labels) {
        for (var e : selector.properties()) {
            if (!labels.path(e.getKey()).asText().equals(e.getValue().asText())) {
                return false;
            }
        }
        return true;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static double cpu(String q) {
        assertNotNull(q);
        return q.endsWith("m") ? Double.parseDouble(q.substring(0, q.length() - 1)) / 1000 : Double.parseDouble(q);
    }

    static long bytes(String q) {
        Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?").matcher(q);
        assertTrue(m.matches(), "quantity " + q);
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2);
        return n
                * switch (unit) {
                    case "Ki" -> 1L << 10;
                    case "Mi" -> 1L << 20;
                    case "Gi" -> 1L << 30;
                    case "Ti" -> 1L << 40;
                    case "k" -> 1_000L;
                    case "M" -> 1_000_000L;
                    case "G" -> 1_000_000_000L;
                    case "T" -> 1_000_000_000_000L;
                    default -> 1L;
                };
    }

    /** -Xmx from JVM options (the launcher's 256 MiB default when there is none). */
    static long heap(String javaOpts) {
        Matcher m = Pattern.compile("-Xmx(\\d+)([kKmMgG])").matcher(javaOpts);
        if (!m.find()) {
            return 256L << 20;
        }
        long n = Long.parseLong(m.group(1));
        return n
                << switch (Character.toLowerCase(m.group(2).charAt(0))) {
                    case 'k' -> 10;
                    case 'm' -> 20;
                    default -> 30;
                };
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    // aliases within the directory; not masks (links to /dev/null), which name nothing ferry needs
                    Path link = Files.readSymbolicLink(p);
                    if (!link.isAbsolute()) {
                        Files.createDirectories(target.getParent());
                        Files.createSymbolicLink(target, link);
                    }
                } else if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
