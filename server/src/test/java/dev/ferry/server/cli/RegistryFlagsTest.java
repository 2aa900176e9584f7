package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.RegistryConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The registry flags on the real command line: repeatable, and bad values exit 2 with one line. */
class RegistryFlagsTest {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final AtomicReference<FerryConfig> launched = new AtomicReference<>();

    int run(Map<String, String> env, String... args) {
        return FerryMain.run(
                args,
                env,
                (cfg, o, e) -> {
                    launched.set(cfg);
                    return 0;
                },
                new PrintWriter(out, true),
                new PrintWriter(err, true));
    }

    @Test
    void repeatableFlags() {
        assertEquals(
                0,
                run(
                        Map.of(),
                        "serve",
                        "--registry",
                        "docker.io=https://mirror.gcr.io,https://registry-1.docker.io",
                        "--registry",
                        "ghcr.io=https://ghcr.io",
                        "--hosted",
                        "team",
                        "--hosted",
                        "ci",
                        "--registry-delete",
                        "--hosted-anonymous-pull",
                        "--registry-tag-ttl",
                        "2m",
                        "--upload-expiry",
                        "1h"),
                err.toString());
        var oci = launched.get().oci();
        assertEquals(
                List.of("docker.io", "ghcr.io"),
                oci.registries().stream().map(RegistryConfig::name).toList());
        assertEquals(List.of("team", "ci"), oci.hosted());
        assertTrue(oci.deleteEnabled());
        assertTrue(oci.anonymousPull());
    }

    @Test
    void offRegistryStartsAndOffMixedOrWithCredentialsExits2() {
        assertEquals(0, run(Map.of(), "serve", "--registry", "docker.io=off"), err.toString());
        assertTrue(launched.get().oci().registries().getFirst().offline());
        assertTrue(launched.get().oci().registries().getFirst().endpoints().isEmpty());

        launched.set(null);
        assertEquals(2, run(Map.of(), "serve", "--registry", "docker.io=off,https://registry-1.docker.io"));
        assertTrue(err.toString().contains("lists off with endpoints"), err.toString());
        assertNull(launched.get());

        err.getBuffer().setLength(0);
        assertEquals(2, run(Map.of("FERRY_REGISTRY", "docker.io=off", "FERRY_REGISTRY_DOCKER_IO_TOKEN", "t"), "serve"));
        assertTrue(err.toString().contains("docker.io has credentials but is off"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertNull(launched.get());
    }

    @Test
    void badValuesExit2WithOneLine() {
        String[][] cases = {
            {"serve", "--registry", "docker.io"},
            {"serve", "--registry", "docker.io=file:///etc/passwd"},
            {"serve", "--default-registry", "quay.io"},
            {"serve", "--hosted", "UPPER"},
            {"serve", "--max-upload-size", "lots"},
            {"serve", "--hosted-users", "/nonexistent/htpasswd"},
        };
        for (String[] args : cases) {
            err.getBuffer().setLength(0);
            launched.set(null);
            assertEquals(2, run(Map.of(), args), String.join(" ", args));
            String e = err.toString().strip();
            assertTrue(e.startsWith("ferry: invalid oci."), e);
            assertEquals(1, e.lines().count(), e);
            assertFalse(e.contains("\tat "), e);
            assertNull(launched.get());
        }
    }
}
