package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline installer as a site gets it: deploy/build-installer.sh makes the tarball, which is unpacked and
 * installed into a temporary root; the installed bin/ferry, with no JDK on its PATH and none in JAVA_HOME, serves
 * the real go command's download and build of the fixture app, and stops cleanly on SIGTERM. install.sh upgrades
 * in place keeping settings and data, and uninstalls keeping data unless asked.
 */
class InstallerIT {
    static Path tarball;

    @TempDir
    Path tmp;

    @BeforeAll
    static void buildTheInstaller() throws Exception {
        assumeTrue(
                System.getProperty("os.name").equals("Linux")
                        && System.getProperty("os.arch").equals("amd64"),
                "the installer is built for, and on, Linux x86_64");
        tarball = Installer.tarball();
        assertEquals(
                "ferry-" + Deploy.version() + "-linux-x86_64.tar.gz",
                tarball.getFileName().toString());
    }

    @Test
    void theTarballHoldsOneRuntimeAndThisPlatformsRocksDbOnlyAndIsChecksummed() throws Exception {
        assertTrue(Files.size(tarball) < 90L << 20, "aim under 90 MB: " + Files.size(tarball));
        Command sum = Command.run(
                Duration.ofMinutes(1),
                tarball.getParent(),
                Map.of(),
                List.of("sha256sum", "-c", tarball.getFileName() + ".sha256"));
        assertTrue(sum.ok() && sum.out().contains(tarball.getFileName() + ": OK"), sum.toString());

        Path home = unpack(tmp.resolve("unpacked"));
        assertTrue(Files.isExecutable(home.resolve("runtime/bin/java")));
        assertFalse(Files.exists(home.resolve("runtime/bin/javac")), "a runtime, not a JDK");
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            List<String> natives = lib.map(p -> p.getFileName().toString())
                    .filter(n -> n.contains("rocksdbjni") && !n.endsWith(".jar"))
                    .toList();
            assertEquals(List.of("librocksdbjni-linux64.so"), natives);
        }
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            Path rocksJar = lib.filter(p -> p.getFileName().toString().startsWith("rocksdbjni-"))
                    .findFirst()
                    .orElseThrow();
            try (ZipFile zip = new ZipFile(rocksJar.toFile())) {
                assertEquals(
                        List.of(),
                        zip.stream()
                                .map(e -> e.getName())
                                .filter(n -> n.endsWith(".so") || n.endsWith(".jnilib") || n.endsWith(".dll"))
                                .toList(),
                        "no other platform's library in the jar");
                assertTrue(zip.getEntry("org/rocksdb/RocksDB.class") != null);
            }
        }
        for (String f : List.of(
                "bin/ferry",
                "install.sh",
                "etc/ferry.yaml",
                "etc/ferry.env",
                "systemd/ferry.service",
                "docs/install.md",
                "deploy/compose/compose.yaml",
                "deploy/kubernetes/kustomization.yaml",
                "deploy/cluster/compose/compose.yaml",
                "deploy/cluster/kubernetes/kustomization.yaml")) {
            assertTrue(Files.isRegularFile(home.resolve(f)), f);
        }
        assertEquals(
                1,
                Stream.of("lib/ferry-serve.aot", "lib/ferry-serve.jsa")
                        .filter(f -> Files.isRegularFile(home.resolve(f)))
                        .count(),
                "the start-up archive (an AOT cache from JDK 25 on), made by the build's trial serve");
        assertEquals(
                Files.readString(Deploy.dir().resolve("systemd/ferry.service")),
                Files.readString(home.resolve("systemd/ferry.service")));
        Command version = Command.run(
                Duration.ofMinutes(1),
                null,
                noJdk(tmp),
                List.of(home.resolve("bin/ferry").toString(), "--version"));
        assertTrue(version.ok(), version.toString());
        assertEquals(
                Files.readString(home.resolve("VERSION")).strip(),
                version.out().lines().findFirst().orElseThrow());
        assertTrue(version.out().startsWith("ferry " + Deploy.version() + " (commit "), version.out());
    }

    @Test
    void installedFerryServesTheGoCommandWithNoJdkOnPathAndStopsCleanlyOnSigterm() throws Exception {
        Path root = tmp.resolve("root");
        Command install = install(unpack(tmp.resolve("unpacked")), root);
        assertTrue(install.ok(), install.toString());
        Path home = root.resolve("opt/ferry");
        Path data = tmp.resolve("data");
        Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));
        Path app = Fixtures.copyApp(tmp.resolve("app"));
        String key = Fixtures.sumdbKey();
        String sumdbName = key.split("\\+")[0];

        try (StaticGoProxy upstream = new StaticGoProxy(Fixtures.goProxyTree())) {
            // The installed program and config, as the unit starts them, with this test's data directory, port and
            // upstream (the /usr/local/bin link points at /opt/ferry, outside this temporary root).
            List<String> cmd = List.of(
                    home.resolve("bin/ferry").toString(),
                    "serve",
                    "--config",
                    root.resolve("etc/ferry/ferry.yaml").toString(),
                    "--listen",
                    "127.0.0.1:0",
                    "--data",
                    data.toString(),
                    "--go-upstream",
                    upstream.url(),
                    "--sumdb",
                    key);
            Map<String, String> env = noJdk(tmp);
            FerryProcess ferry = FerryProcess.launch(
                    cmd,
                    e -> {
                        env.forEach((k, v) -> {
                            if (v == null) {
                                e.remove(k);
                            } else {
                                e.put(k, v);
                            }
                        });
                        e.put("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + javaTmp);
                    },
                    tmp.resolve("ferry.log"));
            int exit;
            try {
                // The installed runtime's JVM and the installed RocksDB library, nothing from a JDK or /tmp.
                List<String> maps = Files.readAllLines(Path.of("/proc", String.valueOf(ferry.pid()), "maps"));
                String libjvm = home.resolve("runtime/lib/server/libjvm.so")
                        .toRealPath()
                        .toString();
                String rocks = home.resolve("lib/librocksdbjni-linux64.so")
                        .toRealPath()
                        .toString();
                assertTrue(maps.stream().anyMatch(l -> l.endsWith(" " + libjvm)), "runs " + libjvm);
                assertTrue(maps.stream().anyMatch(l -> l.endsWith(" " + rocks)), "loads " + rocks);
                // The start-up archive the build made in its staging directory, mapped here at another path: the
                // JVM took it as matching this runtime and these jars (it starts without one that does not).
                Path archive = Stream.of("lib/ferry-serve.aot", "lib/ferry-serve.jsa")
                        .map(home::resolve)
                        .filter(Files::isRegularFile)
                        .findFirst()
                        .orElseThrow();
                String archiveFile = archive.toRealPath().toString();
                assertTrue(maps.stream().anyMatch(l -> l.endsWith(" " + archiveFile)), "maps " + archiveFile);

                GoTool go = new GoTool(tmp.resolve("go"), ferry.url(), key + " " + ferry.url() + "/sumdb/" + sumdbName);
                GoTool.Result download = go.run(app, "mod", "download", "all");
                assertTrue(download.ok(), "go mod download all through the installed ferry:\n" + download.output());
                Path bin = tmp.resolve("fixtureapp");
                GoTool.Result build = go.run(app, "build", "-o", bin.toString(), ".");
                assertTrue(build.ok(), "go build through the installed ferry:\n" + build.output());
                Command run = Command.run(Duration.ofMinutes(1), List.of(bin.toString()));
                assertTrue(run.ok() && run.out().contains("xxhash:"), run.toString());
                go.makeDeletable();
                assertTrue(upstream.paths().stream().anyMatch(p -> p.endsWith(".zip")), "fetched through ferry");
            } finally {
                exit = ferry.stop();
            }
            assertEquals(0, exit, "clean exit on SIGTERM (log: " + tmp.resolve("ferry.log") + ")");
            // RocksDB's own log: it was closed, not left for the next start to recover.
            List<String> rocksLog = Files.readAllLines(data.resolve("store/LOG"));
            assertTrue(rocksLog.getLast().contains("Shutdown complete"), "the store was closed: " + rocksLog.getLast());
        }
        try (Stream<Path> left = Files.list(javaTmp)) {
            assertEquals(
                    List.of(),
                    left.filter(p -> p.getFileName().toString().contains("rocksdb"))
                            .toList());
        }
    }

    @Test
    void installUpgradesInPlaceKeepingSettingsAndDataAndUninstallKeepsDataUnlessPurged() throws Exception {
        Path root = tmp.resolve("root");
        Path unpacked = unpack(tmp.resolve("unpacked"));
        assertTrue(install(unpacked, root).ok());
        Path etc = root.resolve("etc/ferry");
        assertEquals(
                "/opt/ferry/bin/ferry",
                Files.readSymbolicLink(root.resolve("usr/local/bin/ferry")).toString(),
                "ferry on PATH");
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(etc.resolve("ferry.env"))),
                "the secrets file is for root only");
        assertTrue(Files.isDirectory(root.resolve("var/lib/ferry")));
        assertEquals(
                Files.readString(unpacked.resolve("systemd/ferry.service")),
                Files.readString(root.resolve("etc/systemd/system/ferry.service")));

        // The site edits its settings and has data; a reinstall (an upgrade) keeps both.
        Files.writeString(etc.resolve("ferry.yaml"), "listen: 0.0.0.0:9090\ndata: /var/lib/ferry\n");
        Files.writeString(root.resolve("var/lib/ferry/marker"), "stored");
        Command again = install(unpacked, root);
        assertTrue(again.ok(), again.toString());
        assertTrue(again.out().contains("upgraded /opt/ferry from ferry " + Deploy.version()), again.out());
        assertEquals("listen: 0.0.0.0:9090\ndata: /var/lib/ferry\n", Files.readString(etc.resolve("ferry.yaml")));
        assertEquals(
                Files.readString(unpacked.resolve("etc/ferry.yaml")), Files.readString(etc.resolve("ferry.yaml.dist")));
        assertEquals("stored", Files.readString(root.resolve("var/lib/ferry/marker")));
        assertFalse(Files.exists(root.resolve("opt/ferry.old")) || Files.exists(root.resolve("opt/ferry.new")));

        // Another --prefix: the unit and the link follow it.
        Command other = Command.run(
                Duration.ofMinutes(5),
                null,
                Map.of(),
                List.of(
                        unpacked.resolve("install.sh").toString(),
                        "--destdir",
                        tmp.resolve("root2").toString(),
                        "--prefix",
                        "/srv/ferry"));
        assertTrue(other.ok(), other.toString());
        List<String> unit = Files.readAllLines(tmp.resolve("root2/etc/systemd/system/ferry.service"));
        assertTrue(
                unit.contains("ExecStart=/srv/ferry/bin/ferry serve --config /etc/ferry/ferry.yaml"), unit.toString());
        assertTrue(Files.isExecutable(tmp.resolve("root2/srv/ferry/bin/ferry")));

        // Uninstall with the installed copy of install.sh: the program goes, settings and data stay.
        Path installed = root.resolve("opt/ferry/install.sh");
        Command uninstall = Command.run(
                Duration.ofMinutes(2),
                null,
                Map.of(),
                List.of(installed.toString(), "--uninstall", "--destdir", root.toString()));
        assertTrue(uninstall.ok(), uninstall.toString());
        assertFalse(Files.exists(root.resolve("opt/ferry")));
        assertFalse(Files.exists(root.resolve("usr/local/bin/ferry"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(root.resolve("etc/systemd/system/ferry.service")));
        assertEquals("stored", Files.readString(root.resolve("var/lib/ferry/marker")));
        assertTrue(Files.exists(etc.resolve("ferry.yaml")));

        // --purge: the data and settings go too.
        Command purge = Command.run(
                Duration.ofMinutes(2),
                null,
                Map.of(),
                List.of(
                        unpacked.resolve("install.sh").toString(),
                        "--uninstall",
                        "--purge",
                        "--destdir",
                        root.toString()));
        assertTrue(purge.ok(), purge.toString());
        assertFalse(Files.exists(root.resolve("var/lib/ferry")));
        assertFalse(Files.exists(etc));
    }

    private static Path unpack(Path dir) throws Exception {
        Files.createDirectories(dir);
        Command tar =
                Command.run(Duration.ofMinutes(5), List.of("tar", "-xzf", tarball.toString(), "-C", dir.toString()));
        assertTrue(tar.ok(), tar.toString());
        return dir.resolve(tarball.getFileName().toString().replace(".tar.gz", ""));
    }

    private static Command install(Path unpacked, Path root) throws Exception {
        return Command.run(
                Duration.ofMinutes(5),
                null,
                Map.of(),
                List.of(unpacked.resolve("install.sh").toString(), "--destdir", root.toString()));
    }

    /**
     * No JAVA_HOME, and a PATH of only what bin/ferry's script itself runs (bash, dirname, readlink), so no java can
     * be found on it, as on a machine without a JDK.
     */
    static Map<String, String> noJdk(Path tmp) throws Exception {
        Path tools = tmp.resolve("path");
        if (!Files.isDirectory(tools)) {
            Files.createDirectories(tools);
            for (String tool : List.of("bash", "dirname", "readlink")) {
                Path real = Stream.of("/usr/bin/", "/bin/")
                        .map(d -> Path.of(d + tool))
                        .filter(Files::isExecutable)
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no " + tool));
                Files.createSymbolicLink(tools.resolve(tool), real);
            }
        }
        List<String> onPath = new ArrayList<>();
        try (Stream<Path> s = Files.list(tools)) {
            s.forEach(p -> onPath.add(p.getFileName().toString()));
        }
        assertFalse(onPath.contains("java"));
        Map<String, String> env = new java.util.HashMap<>();
        env.put("PATH", tools.toString());
        env.put("JAVA_HOME", null);
        return env;
    }
}
