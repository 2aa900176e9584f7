package dev.ferry.server;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Keeps the data directory the owner's alone: cached modules and images may be private, and the directory holds
 * the admin token, the signing key and the audit log. The directory is created 0700 (or made so at start), and
 * every directory in it 0700 and file 0600.
 *
 * <p>RocksDB creates its files with the process's umask (it has no mode option, and Java cannot set a umask), so a
 * table written after start may be 0644: the 0700 directory above it is what keeps it from other users, and the
 * next start tightens it. The systemd unit sets {@code UMask=0077} so that such files are 0600 from the first.
 */
final class DataDirectory {
    private static final Logger LOG = Logger.getLogger(DataDirectory.class.getName());
    static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private DataDirectory() {}

    /** Creates {@code data} (and missing parents) 0700, or makes an existing one 0700. */
    static void create(Path data) throws IOException {
        if (!posix()) {
            Files.createDirectories(data);
            return;
        }
        Files.createDirectories(data, PosixFilePermissions.asFileAttribute(DIRECTORY));
        if (!Files.getPosixFilePermissions(data).equals(DIRECTORY)) {
            try {
                Files.setPosixFilePermissions(data, DIRECTORY);
                LOG.info("data directory " + data + " made readable by its owner only (0700)");
            } catch (IOException e) {
                // A volume root ferry does not own (a Kubernetes fsGroup mount): its files are still tightened.
                LOG.warning("cannot make the data directory " + data + " 0700: " + e.getMessage());
            }
        }
    }

    /**
     * Every directory under {@code data} 0700 and every file 0600, symbolic links neither followed nor changed. A
     * file ferry cannot change (another owner's) is left as it is, with a warning.
     */
    static void tighten(Path data) throws IOException {
        if (!posix()) {
            return;
        }
        Files.walkFileTree(data, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                restrict(dir, DIRECTORY);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    restrict(file, FILE);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                LOG.warning("cannot check the permissions of " + file + ": " + e.getMessage());
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void restrict(Path p, Set<PosixFilePermission> wanted) {
        try {
            if (!Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS).equals(wanted)) {
                Files.setPosixFilePermissions(p, wanted);
            }
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warning("cannot make " + p + " readable by its owner only: " + e.getMessage());
        }
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }
}
