package dev.ferry.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The admin audit trail: one JSON object per line in {@code DATA/audit.log}, appended and flushed per entry, and
 * the same line logged to the {@code ferry.audit} logger. Entries are written for every admin request that
 * changes something (POST, DELETE) and for every request refused for its token:
 * <pre>
 * {"time":"2025-01-02T03:04:05Z","who":"token:3f9a0c12d4e5","from":"10.0.0.7","action":"POST /admin/api/prewarm",
 *  "target":"gomod go.mod","status":202,"result":"started 6f1c..."}
 * </pre>
 * {@code who} is the token's fingerprint ({@link AdminAuth#fingerprint()}), never the token; "unauthenticated" for
 * refused requests. A failure to write the file is logged and does not fail the request.
 */
public final class AuditLog {
    public static final String FILE = "audit.log";
    private static final Logger LOG = Logger.getLogger("ferry.audit");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Clock clock;

    public AuditLog(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    private static boolean posix() {
        return java.nio.file.FileSystems.getDefault()
                .supportedFileAttributeViews()
                .contains("posix");
    }

    public Path file() {
        return file;
    }

    public void record(String who, String from, String action, String target, int status, String result) {
        ObjectNode e = JSON.createObjectNode();
        e.put("time", clock.instant().toString());
        e.put("who", who);
        e.put("from", from);
        e.put("action", action);
        e.put("target", target);
        e.put("status", status);
        e.put("result", result);
        String line = e.toString();
        LOG.info(line);
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (this) {
            try {
                if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) && posix()) {
                    // Who did what to this server is the owner's to read: created 0600, whatever the umask.
                    Files.createFile(
                            file,
                            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
                }
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another writer created it first
            } catch (IOException ex) {
                LOG.log(Level.WARNING, "cannot create the audit log " + file, ex);
            }
            try (OutputStream out = Files.newOutputStream(
                    file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
                out.write(bytes);
            } catch (IOException ex) {
                LOG.log(Level.WARNING, "cannot append to the audit log " + file, ex);
            }
        }
    }
}
