package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The images deploy/build-image.sh makes, built once per test run (ContainerImageIT and ComposeClusterIT share
 * them; each build costs a Debian download and 15-40 s): ferry's, from the installer tarball, and the cluster's
 * HAProxy ({@code --haproxy}).
 */
final class ContainerImages {
    static final Duration BUILD = Duration.ofMinutes(20);

    /** The archives of one image, as build-image.sh printed them. */
    record Archives(Path oci, Path docker) {}

    private static Archives ferry;
    private static Archives haproxy;

    private ContainerImages() {}

    /** ferry's image: {@code ferry:VERSION}. */
    static synchronized Archives ferry() throws Exception {
        if (ferry == null) {
            ferry = build("--installer", Installer.tarball().toString());
        }
        return ferry;
    }

    /** The cluster's HAProxy: {@code ferry-haproxy:VERSION}. */
    static synchronized Archives haproxy() throws Exception {
        if (haproxy == null) {
            haproxy = build("--haproxy");
        }
        return haproxy;
    }

    private static Archives build(String... args) throws Exception {
        Path out =
                Files.createDirectories(Path.of("target", "it-deploy", "images").toAbsolutePath());
        List<String> argv =
                new ArrayList<>(List.of(Deploy.dir().resolve("build-image.sh").toString()));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--out", out.toString()));
        long t0 = System.nanoTime();
        Command build = Command.run(BUILD, Deploy.root(), Map.of(), argv);
        assertTrue(build.ok(), build.toString());
        long millis = (System.nanoTime() - t0) / 1_000_000;
        List<String> archives = build.out().strip().lines().toList();
        System.out.println("image built in " + millis + " ms: " + build.err().strip());
        return new Archives(Path.of(archives.get(0)), Path.of(archives.get(1)));
    }
}
