package dev.ferry.server.admin;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.sumdb.note.Signer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The site's bundle signing key, {@code DATA/bundle-signing.key} (mode 0600): the private key in the go form
 * {@code PRIVATE+KEY+name+hash+base64}, written by {@code ferry keys generate}. Read again when the file changes, so
 * a key generated while the server runs signs the next export.
 */
public final class SigningKey {
    private static final Logger LOG = Logger.getLogger("ferry.bundles");
    public static final String FILE = "bundle-signing.key";

    private final Path file;
    private FileTime loadedAt;
    private Optional<Signer> loaded = Optional.empty();

    public SigningKey(Path dataDir) {
        this.file = dataDir.resolve(FILE);
    }

    public Path file() {
        return file;
    }

    /** The key, reread when the file changed; empty when there is none or it cannot be read (logged). */
    public synchronized Optional<Signer> get() {
        try {
            FileTime t = Files.getLastModifiedTime(file);
            if (!t.equals(loadedAt)) {
                loaded = read(file);
                loadedAt = t;
            }
            return loaded;
        } catch (NoSuchFileException e) {
            loadedAt = null;
            loaded = Optional.empty();
            return loaded;
        } catch (IOException e) {
            LOG.warning("cannot read the bundle signing key: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** Reads the key file; empty when absent; IOException saying what is wrong when unreadable. */
    public static Optional<Signer> read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(Signer.parse(text));
        } catch (FormatException e) {
            throw new IOException("the bundle signing key " + file + " is damaged: " + e.getMessage()
                    + " (ferry keys generate --force makes a new one)");
        }
    }

    /**
     * Writes the key to {@code file} with mode 0600, atomically (a temporary file in the same directory moved into
     * place), refusing to replace an existing key unless {@code replace}.
     */
    public static void write(Path file, Signer signer, boolean replace) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        if (!replace && Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString());
        }
        Path tmp = dir.resolve(
                file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Files.deleteIfExists(tmp);
        try {
            try {
                Files.createFile(
                        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(tmp);
            }
            Files.writeString(tmp, signer.encodedPrivateKey() + "\n", StandardCharsets.UTF_8);
            if (replace) {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                // A link fails when the name exists, so a key generated meanwhile is never overwritten.
                try {
                    Files.createLink(file, tmp);
                } catch (UnsupportedOperationException noLinks) {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
