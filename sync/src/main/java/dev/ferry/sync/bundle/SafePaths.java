package dev.ferry.sync.bundle;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Paths under a directory ferry writes to (a bundle root, an export's target), walked without following symbolic
 * links: a link planted below such a directory must not carry a write (or a probe) anywhere else. The directory
 * itself is the operator's choice and trusted as configured; everything below it is checked.
 */
public final class SafePaths {
    private SafePaths() {}

    /**
     * The first symbolic link on the way from {@code root} (exclusive) down to {@code path} (inclusive), or empty;
     * the walk stops at the first component that does not exist. {@code path} must lie under {@code root}.
     */
    public static Optional<Path> linkBelow(Path root, Path path) {
        Path at = root;
        for (Path part : root.relativize(path)) {
            if (part.toString().isEmpty()) {
                continue; // the root itself: the operator's, trusted as configured
            }
            at = at.resolve(part);
            if (Files.isSymbolicLink(at)) {
                return Optional.of(at);
            }
            if (!Files.exists(at, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The first symbolic link inside the tree at {@code dir} (walked without following links), or empty. */
    public static Optional<Path> linkInside(Path dir) throws IOException {
        if (Files.isSymbolicLink(dir)) {
            return Optional.of(dir);
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isSymbolicLink).findFirst();
        }
    }

    /**
     * Creates the directories from {@code root} down to {@code dir} that are missing, one at a time, refusing to
     * pass through a symbolic link or anything but a directory; {@code dir} must lie under {@code root} (or be it),
     * and {@code root} must exist.
     */
    public static void createDirectories(Path root, Path dir) throws IOException {
        Path at = root;
        if (!Files.isDirectory(root)) {
            throw new IOException(root + " is not a directory");
        }
        for (Path part : root.relativize(dir)) {
            if (part.toString().isEmpty()) {
                continue;
            }
            at = at.resolve(part);
            if (Files.isSymbolicLink(at)) {
                throw new IOException(at + " is a symbolic link; ferry does not write through links");
            }
            if (Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try {
                Files.createDirectory(at);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException(at + " exists and is not a directory", e);
                }
            }
        }
    }
}
