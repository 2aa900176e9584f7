package dev.ferry.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rootful podman (Debian's) with storage of its own under a test directory: vfs layers, its own run and temporary
 * directories and event log, so nothing touches the machine's container storage and everything goes with the
 * directory.
 */
final class Podman {
    static final String BINARY = "/usr/bin/podman";
    /** crun 1.8 (Debian 12) refuses to start on hybrid cgroup hierarchies; runc does. */
    static final String RUNC = "/usr/sbin/runc";

    private final List<String> base;

    Podman(Path dir) throws Exception {
        base = new ArrayList<>(List.of(
                BINARY,
                "--root",
                Files.createDirectories(dir.resolve("root")).toString(),
                "--runroot",
                Files.createDirectories(dir.resolve("run")).toString(),
                "--tmpdir",
                Files.createDirectories(dir.resolve("tmp")).toString(),
                "--storage-driver",
                "vfs",
                "--cgroup-manager",
                "cgroupfs",
                "--events-backend",
                "file"));
        if (Command.installed(RUNC)) {
            base.addAll(List.of("--runtime", RUNC));
        }
    }

    static boolean installed() {
        return Command.installed(BINARY);
    }

    /** The whole command line of {@code podman ARGS}. */
    List<String> argv(List<String> args) {
        List<String> cmd = new ArrayList<>(base);
        cmd.addAll(args);
        return cmd;
    }

    Command run(Duration deadline, String... args) throws Exception {
        return Command.run(deadline, null, Map.of(), argv(List.of(args)));
    }

    /**
     * --ulimit options no higher than this process's own limits: podman asks for 1048576 open files and 4194304
     * processes by default, which a machine (or a container) without CAP_SYS_RESOURCE refuses to grant.
     */
    static List<String> ulimits() throws Exception {
        long files = 65536;
        long procs = 4096;
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            String[] f = line.trim().split("\\s{2,}");
            if (f[0].equals("Max open files")) {
                files = Math.min(files, Long.parseLong(f[1]));
            } else if (f[0].equals("Max processes") && !f[1].equals("unlimited")) {
                // the same value as the current limit is refused too; a lower one is always allowed
                procs = Math.min(procs, Long.parseLong(f[1]) - 1);
            }
        }
        return List.of("--ulimit", "nofile=" + files + ":" + files, "--ulimit", "nproc=" + procs + ":" + procs);
    }
}
