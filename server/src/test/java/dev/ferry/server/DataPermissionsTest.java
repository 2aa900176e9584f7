package dev.ferry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.admin.AuditLog;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.ListenAddress;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, finding 9: the data directory was 0755 and the store's files and audit.log 0644, so any local user
 * could read every cached module, image and the audit trail. The data directory is 0700 (made so at start, however
 * it was), and the files ferry finds or writes in it 0600.
 */
class DataPermissionsTest {
    @TempDir
    Path tmp;

    @Test
    void theDataDirectoryIsTheOwnersOnlyAndSoAreItsFiles() throws Exception {
        Path data = tmp.resolve("data");
        // An existing, world-readable data directory with a world-readable file in it, as earlier versions left it.
        Files.createDirectories(data.resolve("bundles"));
        Files.writeString(data.resolve("bundles").resolve("old.json"), "{}");
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(data.resolve("bundles"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(
                data.resolve("bundles").resolve("old.json"), PosixFilePermissions.fromString("rw-r--r--"));
        FerryConfig config = new FerryConfig(
                new ListenAddress("127.0.0.1", 0),
                data,
                "off",
                new GoProxyList(List.of()),
                Duration.ofMinutes(5),
                Duration.ofMinutes(1),
                UpstreamTimeouts.defaults(),
                Level.SEVERE,
                false);
        try (Ferry ferry = Ferry.start(config)) {
            assertEquals("rwx------", mode(data));
            List<String> open = new ArrayList<>();
            try (Stream<Path> all = Files.walk(data)) {
                all.forEach(p -> {
                    String m = mode(p);
                    boolean ok = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                            ? m.equals("rwx------")
                            : m.equals("rw-------");
                    if (!ok) {
                        open.add(data.relativize(p) + " " + m);
                    }
                });
            }
            assertTrue(open.isEmpty(), "readable by others: " + open);
            assertTrue(Files.list(data.resolve("store")).findAny().isPresent(), "the store's files were looked at");
        }
    }

    @Test
    void theAuditLogIsCreatedOwnerOnly() throws Exception {
        Path file = tmp.resolve("audit.log");
        new AuditLog(file, Clock.systemUTC()).record("token:x", "127.0.0.1", "POST /x", "t", 200, "ok");
        assertEquals("rw-------", mode(file));
    }

    private static String mode(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
