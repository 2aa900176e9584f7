package dev.ferry.sync.bundle.plain;

import dev.ferry.storage.ObjectStore;
import dev.ferry.storage.StoredObject;
import dev.ferry.sync.bundle.BundleProgressSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writing files of a plain export: each under a temporary name beside its final one, then renamed, so a reader
 * (or a rerun after a crash) never sees a file cut short under its final name.
 */
final class PlainFiles {
    private static final int BUFFER = 64 * 1024;

    private PlainFiles() {}

    static void write(Path file, byte[] bytes) throws IOException {
        Path tmp = temp(file);
        try {
            Files.write(tmp, bytes);
            rename(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Streams a stored object into {@code file}, reporting bytes as they go. */
    static void copy(ObjectStore store, StoredObject object, Path file, BundleProgressSink progress)
            throws IOException {
        Path tmp = temp(file);
        try {
            try (InputStream in = store.read(object.digest(), 0, object.size());
                    OutputStream out = Files.newOutputStream(tmp)) {
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

    private static Path temp(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return file.resolveSibling("." + file.getFileName() + ".tmp-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }

    private static void rename(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
