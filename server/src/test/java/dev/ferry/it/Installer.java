package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The offline installer tarball, built once per test run by deploy/build-installer.sh from the jar this build
 * packaged (InstallerIT and ContainerImageIT both use it; a clean checkout builds it afresh). By hand,
 * -Dferry.it.installer=TARBALL uses one built before.
 */
final class Installer {
    static final Duration BUILD = Duration.ofMinutes(15);
    private static Path tarball;
    private static long buildMillis;

    private Installer() {}

    static synchronized Path tarball() throws Exception {
        String given = System.getProperty("ferry.it.installer");
        if (tarball == null && given != null) {
            // by hand, while working on a later step: a tarball built before
            tarball = Path.of(given).toAbsolutePath();
        }
        if (tarball == null) {
            Path out = Path.of("target", "it-deploy").toAbsolutePath();
            Files.createDirectories(out);
            long t0 = System.nanoTime();
            Command build = Command.run(
                    BUILD,
                    Deploy.root(),
                    Map.of(),
                    List.of(
                            Deploy.dir().resolve("build-installer.sh").toString(),
                            "--no-build",
                            "--out",
                            out.toString()));
            assertTrue(build.ok(), build.toString());
            buildMillis = (System.nanoTime() - t0) / 1_000_000;
            tarball = Path.of(build.out().strip().lines().reduce((a, b) -> b).orElseThrow());
            System.out.println(
                    "installer: " + tarball + ", " + Files.size(tarball) + " bytes, built in " + buildMillis + " ms");
        }
        return tarball;
    }
}
