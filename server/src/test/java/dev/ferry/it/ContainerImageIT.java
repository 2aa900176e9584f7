package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image as a site gets it: deploy/build-image.sh makes it from Debian packages and the offline
 * installer (no base image pulled), and podman (rootful, vfs) loads the docker archive and runs it read-only, as
 * compose does. Through it the real go command downloads and builds the fixture app and skopeo pushes and pulls
 * an image (and ferry's own, from its OCI archive); the process in the container is not root; SIGTERM ends it with status 0 and RocksDB closed; a new
 * container on the same volume serves all of it again with the Go upstream gone.
 *
 * Runs when -Dferry.image.it=true (.ci/run sets it when it runs as root): building needs root for mmdebstrap
 * and buildah, and a Debian mirror.
 */
class ContainerImageIT {
    static final String GATE = "ferry.image.it";
    static final String USER = "pusher";
    static final String PASSWORD = "push-secret-9";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void imageServesGoAndSkopeoAsNonRootAndKeepsItsVolumeAcrossContainers() throws Exception {
        assumeTrue(Boolean.getBoolean(GATE), "-D" + GATE + "=true runs it (.ci/run does as root): it builds an image");
        assumeTrue("root".equals(System.getProperty("user.name")), "building and running the image needs root");
        for (String tool :
                List.of("/usr/bin/mmdebstrap", "/usr/bin/buildah", Podman.BINARY, Skopeo.BINARY.toString())) {
            assumeTrue(
                    Command.installed(tool),
                    tool + " not installed (apt-get install mmdebstrap buildah podman skopeo; .ci/run does)");
        }
        assumeTrue(Htpasswd.installed(), "htpasswd not installed (apt-get install apache2-utils; .ci/run does)");

        // Build (once per test run: ComposeClusterIT runs this image too).
        ContainerImages.Archives built = ContainerImages.ferry();
        Path oci = built.oci();
        Path docker = built.docker();
        List<Path> archives = List.of(oci, docker);
        String version = Deploy.version();
        assertEquals("ferry-" + version + "-image.oci.tar", oci.getFileName().toString());
        assertEquals(
                "ferry-" + version + "-image.docker.tar", docker.getFileName().toString());
        for (Path a : archives) {
            Command sum = Command.run(
                    Duration.ofMinutes(1),
                    a.getParent(),
                    Map.of(),
                    List.of("sha256sum", "-c", a.getFileName() + ".sha256"));
            assertTrue(sum.ok(), sum.toString());
        }
        // The docker archive holds the layers uncompressed: its size is the image's.
        assertTrue(
                Files.size(docker) < 150L << 20,
                "aim under 150 MB (MiB, as docs/install.md counts): " + Files.size(docker));

        // Both archives hold the same image: the same layers, user, port and volume.
        Skopeo skopeo = new Skopeo(tmp.resolve("skopeo"));
        JsonNode ociConfig =
                JSON.readTree(skopeo.run(Skopeo.Timeout.INSPECT, List.of("inspect", "--config", "oci-archive:" + oci))
                        .stdout());
        JsonNode dockerConfig = JSON.readTree(
                skopeo.run(Skopeo.Timeout.INSPECT, List.of("inspect", "--config", "docker-archive:" + docker))
                        .stdout());
        assertEquals(
                ociConfig.path("rootfs").path("diff_ids"),
                dockerConfig.path("rootfs").path("diff_ids"));
        assertEquals(2, ociConfig.path("rootfs").path("diff_ids").size(), "the Debian base and ferry");
        JsonNode cfg = ociConfig.path("config");
        assertEquals("10001:10001", cfg.path("User").asText());
        assertTrue(cfg.path("ExposedPorts").has("8080/tcp"));
        assertTrue(cfg.path("Volumes").has("/var/lib/ferry"));
        assertEquals("SIGTERM", cfg.path("StopSignal").asText());

        Podman podman = new Podman(tmp.resolve("podman"));
        Command load = podman.run(Duration.ofMinutes(10), "load", "-q", "-i", docker.toString());
        assertTrue(load.ok(), load.toString());
        String image = "localhost/ferry:" + version;
        Command inspect = podman.run(Duration.ofMinutes(1), "image", "inspect", image);
        assertTrue(inspect.ok(), inspect.toString());
        assertEquals(
                "[\"CMD\",\"/opt/ferry/bin/ferry\",\"health\"]",
                JSON.readTree(inspect.out())
                        .path(0)
                        .path("Healthcheck")
                        .path("Test")
                        .toString(),
                "the docker archive keeps the HEALTHCHECK: " + inspect.out());
        assertTrue(podman.run(Duration.ofMinutes(1), "volume", "create", "ferry-data")
                .ok());

        Path users = tmp.resolve("users.htpasswd");
        Files.writeString(users, Htpasswd.bcryptLine(USER, PASSWORD));
        users.toFile().setReadable(true, false);
        int port = freePort();
        Path app = Fixtures.copyApp(tmp.resolve("app"));
        String key = Fixtures.sumdbKey();
        String gosumdb = key + " http://127.0.0.1:" + port + "/sumdb/" + key.split("\\+")[0];
        OciFixtures.Image fixture = OciFixtures.images().getFirst();
        String pushed = "127.0.0.1:" + port + "/team/" + fixture.repository().replace('/', '-') + ":" + fixture.tag();
        String ownImage = "127.0.0.1:" + port + "/team/ferry:" + version;

        try (StaticGoProxy upstream = new StaticGoProxy(Fixtures.goProxyTree())) {
            // First container: fetches through the upstream.
            FerryProcess ferry =
                    runFerry(podman, "ferry-1", image, port, users, "--go-upstream", upstream.url(), "--sumdb", key);
            try {
                assertEquals("http://127.0.0.1:" + port, ferry.url());
                // Not root, in the container's process as the kernel sees it.
                Command pid = podman.run(Duration.ofMinutes(1), "inspect", "--format", "{{.State.Pid}}", "ferry-1");
                List<String> status =
                        Files.readAllLines(Path.of("/proc", pid.out().strip(), "status"));
                assertTrue(status.contains("Uid:\t10001\t10001\t10001\t10001"), status.toString());
                // Without the installer's start-up archive: it would take the image past its size aim.
                List<String> maps =
                        Files.readAllLines(Path.of("/proc", pid.out().strip(), "maps"));
                assertTrue(
                        maps.stream().noneMatch(l -> l.contains("/opt/ferry/lib/ferry-serve.")),
                        "maps no start-up archive");
                // The image's healthcheck ('ferry health', no curl in the image) finds it ready; so does compose's
                // shell form of it, through the image's /bin/sh, which also knows the user by name.
                Command check = podman.run(Duration.ofMinutes(2), "healthcheck", "run", "ferry-1");
                assertTrue(check.ok(), check.toString());
                Command shell = podman.run(
                        Duration.ofMinutes(2),
                        "exec",
                        "ferry-1",
                        "/bin/sh",
                        "-c",
                        "/opt/ferry/bin/ferry health && echo ~ferry");
                assertTrue(shell.ok() && shell.out().strip().endsWith("/var/lib/ferry"), shell.toString());

                GoTool go = new GoTool(tmp.resolve("go1"), ferry.url(), gosumdb);
                GoTool.Result download = go.run(app, "mod", "download", "all");
                assertTrue(download.ok(), "go mod download all through the container:\n" + download.output());
                Path bin = tmp.resolve("fixtureapp");
                GoTool.Result goBuild = go.run(app, "build", "-o", bin.toString(), ".");
                assertTrue(goBuild.ok(), "go build through the container:\n" + goBuild.output());
                Command runApp = Command.run(Duration.ofMinutes(1), List.of(bin.toString()));
                assertTrue(runApp.ok() && runApp.out().contains("xxhash:"), runApp.toString());
                go.makeDeletable();

                Skopeo.Result push = skopeo.copy(
                        "oci:" + OciFixtures.layout() + ":" + fixture.ref(),
                        "docker://" + pushed,
                        null,
                        USER + ":" + PASSWORD);
                assertTrue(push.ok(), push.toString());
                Skopeo.Result raw = skopeo.inspectRaw(pushed, USER + ":" + PASSWORD);
                assertTrue(raw.ok(), raw.toString());
                assertEquals(fixture.digest(), OciFixtures.sha256(raw.stdout()));
                // And ferry's own image, from its OCI archive, as docs/install.md tells a site to.
                Skopeo.Result self =
                        skopeo.copy("oci-archive:" + oci, "docker://" + ownImage, null, USER + ":" + PASSWORD);
                assertTrue(self.ok(), self.toString());
            } finally {
                stop(podman, "ferry-1", ferry);
            }
            assertStoppedCleanly(podman, "ferry-1");

            // Second container on the same volume, the Go upstream gone: everything comes from the store.
            int before = upstream.requests();
            ferry = runFerry(podman, "ferry-2", image, port, users, "--go-upstream", "off", "--sumdb", key);
            try {
                GoTool go = new GoTool(tmp.resolve("go2"), ferry.url(), gosumdb);
                GoTool.Result download = go.run(app, "mod", "download", "all");
                assertTrue(download.ok(), "go mod download all from the kept volume:\n" + download.output());
                go.makeDeletable();
                Skopeo.Result pull = skopeo.copy(
                        "docker://" + pushed,
                        "oci:" + tmp.resolve("pulled") + ":" + fixture.tag(),
                        USER + ":" + PASSWORD,
                        null);
                assertTrue(pull.ok(), pull.toString());
                assertTrue(OciFixtures.verifyLayoutBlobs(tmp.resolve("pulled")) > 0);
                assertEquals(
                        fixture.digest(),
                        OciFixtures.sha256(
                                skopeo.inspectRaw(pushed, USER + ":" + PASSWORD).stdout()));
                Skopeo.Result ownConfig = skopeo.run(
                        Skopeo.Timeout.INSPECT,
                        List.of(
                                "inspect",
                                "--config",
                                "--tls-verify=false",
                                "--creds",
                                USER + ":" + PASSWORD,
                                "docker://" + ownImage));
                assertTrue(ownConfig.ok(), ownConfig.toString());
                assertEquals(
                        ociConfig.path("rootfs"),
                        JSON.readTree(ownConfig.stdout()).path("rootfs"),
                        "ferry's image, stored in ferry, has the layers it was built with");
            } finally {
                stop(podman, "ferry-2", ferry);
            }
            assertStoppedCleanly(podman, "ferry-2");
            assertEquals(before, upstream.requests(), "the second container asked the upstream nothing");
        } finally {
            podman.run(Duration.ofMinutes(2), "rm", "-f", "ferry-1", "ferry-2");
            podman.run(Duration.ofMinutes(2), "volume", "rm", "-f", "ferry-data");
            podman.run(Duration.ofMinutes(5), "rmi", "-a", "-f");
        }
    }

    /**
     * {@code podman run} in the foreground, read-only with a /tmp of its own and no capabilities, as compose.yaml
     * runs it; podman passes SIGTERM on to ferry. Host networking: the fixture upstream listens on loopback.
     */
    private FerryProcess runFerry(Podman podman, String name, String image, int port, Path users, String... args)
            throws Exception {
        List<String> run = new ArrayList<>(List.of(
                "run",
                "--name",
                name,
                "--network",
                "host",
                "--read-only",
                "--tmpfs",
                "/tmp",
                "--cap-drop",
                "ALL",
                "--security-opt",
                "no-new-privileges",
                "-v",
                "ferry-data:/var/lib/ferry",
                "-v",
                users + ":/etc/ferry/users.htpasswd:ro",
                "-e",
                "FERRY_LISTEN=127.0.0.1:" + port));
        run.addAll(Podman.ulimits());
        run.addAll(List.of(
                image,
                "serve",
                "--config",
                "/etc/ferry/ferry.yaml",
                "--hosted",
                "team",
                "--hosted-users",
                "/etc/ferry/users.htpasswd"));
        run.addAll(List.of(args));
        return FerryProcess.launch(podman.argv(run), e -> {}, tmp.resolve(name + ".log"));
    }

    /**
     * As a site stops it: {@code podman stop} sends the image's stop signal, SIGTERM, to ferry. The foreground
     * {@code podman run} then ends by itself (its own status after a signal says nothing of the container's: the
     * container's exit code is checked instead).
     */
    private static void stop(Podman podman, String name, FerryProcess ferry) throws Exception {
        Command stop = podman.run(Duration.ofMinutes(3), "stop", "-t", "120", name);
        ferry.stop();
        assertTrue(stop.ok(), stop.toString());
    }

    private static void assertStoppedCleanly(Podman podman, String name) throws Exception {
        Command state = podman.run(Duration.ofMinutes(1), "inspect", "--format", "{{.State.ExitCode}}", name);
        assertEquals("0", state.out().strip(), state.toString());
        Command volume =
                podman.run(Duration.ofMinutes(1), "volume", "inspect", "--format", "{{.Mountpoint}}", "ferry-data");
        List<String> log = Files.readAllLines(Path.of(volume.out().strip(), "store", "LOG"));
        assertTrue(log.getLast().contains("Shutdown complete"), "RocksDB was closed: " + log.getLast());
        assertTrue(podman.run(Duration.ofMinutes(1), "rm", name).ok());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
