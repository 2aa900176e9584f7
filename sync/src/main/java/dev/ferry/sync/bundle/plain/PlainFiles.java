package dev.ferry.sync.bundle.plain;

import dev.ferry.storage.ObjectStore;
import dev.ferry.storage.StoredObject;
import dev.ferry.sync.bundle.BundleException;
import dev.ferry.sync.bundle.BundleProgressSink;
import dev.ferry.sync.bundle.SafePaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writing the files of a plain export into its target directory: each path is built from parsed values, checked to
 * stay under the target (no empty, {@code .} or {@code ..} element) and reached without following a symbolic link;
 * each file is written under a temporary name beside its final one, then renamed, so a reader (or a rerun after a
 * crash) never sees a file cut short under its final name.
 *
 * <p>A plain export replaces files only in a tree ferry wrote: the target must be new, empty, or hold the marker
 * file {@value #MARKER} that the first export into it wrote ({@link #checkTarget}).
 */
public final class PlainFiles {
    /** Marks a directory as a plain export's tree, whose files a later export may replace. */
    public static final String MARKER = ".ferry-export";

    private static final int BUFFER = 64 * 1024;

    private final Path root;

    /** Files under {@code root}, an absolute directory (created on the first write if missing). */
    PlainFiles(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /**
     * Refuses a target a plain export must not write into: anything but a directory, a tree holding a symbolic
     * link, or a non-empty directory without {@link #MARKER} (files ferry did not write, which it never replaces).
     */
    public static void checkTarget(Path dir) throws BundleException {
        if (Files.isSymbolicLink(dir)) {
            throw new BundleException(
                    BundleException.Kind.BAD_REQUEST, dir + " is a symbolic link; ferry does not write through links");
        }
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new BundleException(BundleException.Kind.BAD_REQUEST, dir + " is not a directory");
        }
        try {
            Optional<Path> link = SafePaths.linkInside(dir);
            if (link.isPresent()) {
                throw new BundleException(
                        BundleException.Kind.BAD_REQUEST,
                        "cannot export into " + dir + ": " + link.get()
                                + " is a symbolic link, and ferry does not write through links");
            }
            boolean empty;
            try (Stream<Path> entries = Files.list(dir)) {
                empty = entries.findAny().isEmpty();
            }
            if (!empty && !Files.isRegularFile(dir.resolve(MARKER), LinkOption.NOFOLLOW_LINKS)) {
                throw new BundleException(
                        BundleException.Kind.BAD_REQUEST,
                        "cannot export into " + dir + ": it holds files an earlier plain export did not write (no "
                                + MARKER + " in it), and ferry replaces only its own; give a new or empty directory");
            }
        } catch (IOException e) {
            throw new BundleException(
                    BundleException.Kind.BAD_REQUEST, "cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates the root if it is missing (the caller checked it with {@link #checkTarget}) and writes the marker,
     * before anything else: from here on the tree is the export's.
     */
    void mark() throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(root);
        }
        write(
                file(List.of(MARKER)),
                "written by ferry export; a later plain export may replace these files\n"
                        .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The file at the given path elements below the root, each one a single element (one element may hold '/'
     * separated parts, each checked alike).
     *
     * @throws IOException when an element is empty, {@code .}, {@code ..}, absolute or holds a NUL or backslash
     */
    Path file(List<String> elements) throws IOException {
        Path p = root;
        for (String element : elements) {
            for (String part : element.split("/", -1)) {
                if (part.isEmpty()
                        || part.equals(".")
                        || part.equals("..")
                        || part.indexOf('\0') >= 0
                        || part.indexOf('\\') >= 0) {
                    throw new IOException("refusing the export path element \"" + part + "\" in " + elements);
                }
                p = p.resolve(part);
            }
        }
        Path normal = p.normalize();
        if (!normal.startsWith(root) || normal.equals(root)) {
            throw new IOException(normal + " is not under the export directory " + root);
        }
        return normal;
    }

    void write(Path file, byte[] bytes) throws IOException {
        Path tmp = temp(file);
        try {
            Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            rename(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Streams a stored object into {@code file}, reporting bytes as they go. */
    void copy(ObjectStore store, StoredObject object, Path file, BundleProgressSink progress) throws IOException {
        Path tmp = temp(file);
        try {
            try (InputStream in = store.read(object.digest(), 0, object.size());
                    OutputStream out =
                            Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[BUFFER];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    progress.bytes(n);
                }
            }
            rename(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private Path temp(Path file) throws IOException {
        if (!file.startsWith(root)) {
            throw new IOException(file + " is not under the export directory " + root);
        }
        SafePaths.createDirectories(root, file.getParent());
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + " is a directory");
        }
        return file.resolveSibling("." + file.getFileName() + ".tmp-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }

    /** Renaming replaces a link at the final name itself, never what it points at. */
    private static void rename(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
