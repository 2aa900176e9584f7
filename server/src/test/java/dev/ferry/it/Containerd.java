package dev.ferry.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A containerd daemon of the test's own (root, state and socket in a temporary directory, CRI and the exotic
 * snapshotters off) driven with {@code ctr}, so the {@code ?ns=} route is exercised by the client that invented it.
 * containerd needs root; tests assume {@link #usable()}.
 */
final class Containerd implements AutoCloseable {
    static final Path DAEMON = Path.of("/usr/bin/containerd");
    static final Path CTR = Path.of("/usr/bin/ctr");

    private final Path dir;
    private final Process process;

    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    /** Installed, and we are root (containerd will not run otherwise). */
    static boolean usable() {
        return Files.isExecutable(DAEMON) && Files.isExecutable(CTR) && "root".equals(System.getProperty("user.name"));
    }

    Containerd(Path dir) throws IOException, InterruptedException {
        this.dir = Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.toml"), """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
                  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
                  "io.containerd.snapshotter.v1.aufs"]
                [grpc]
                  address = "%1$s/c.sock"
                [ttrpc]
                  address = "%1$s/c.sock.ttrpc"
                """.formatted(dir));
        process = new ProcessBuilder(
                        DAEMON.toString(),
                        "--config",
                        dir.resolve("config.toml").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("containerd.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!ctr("version").ok()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        "containerd did not come up:\n" + Files.readString(dir.resolve("containerd.log")));
            }
            Thread.sleep(50); // polling interval, bounded by the deadline
        }
    }

    /**
     * Writes {@code HOSTS/REGISTRY/hosts.toml} making {@code mirror} the only place containerd pulls REGISTRY
     * from (its fallback server is a refused loopback port, so nothing leaves the machine); returns HOSTS.
     */
    Path hostsDir(String registry, String mirror) throws IOException {
        Path hosts = dir.resolve("hosts");
        Files.createDirectories(hosts.resolve(registry));
        Files.writeString(hosts.resolve(registry).resolve("hosts.toml"), """
                server = "http://127.0.0.1:1"
                [host."%s"]
                  capabilities = ["pull", "resolve"]
                """.formatted(mirror));
        return hosts;
    }

    Result ctr(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(
                List.of(CTR.toString(), "--address", dir.resolve("c.sock").toString(), "--namespace", "ferry-it"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("ctr " + String.join(" ", args) + " did not finish within 120s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
