package dev.ferry.protocols.modzip;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.io.IOException;
import java.io.InputStream;

/**
 * The module zip rules (golang.org/x/mod/zip CheckZip) applied to a zip read once, front to back,
 * in bounded memory, so it can check bytes while they stream from an upstream into the store.
 * STUB: the protocols work fills it in.
 */
public final class ModuleZip {
    public static final long MAX_ZIP_FILE = 500L << 20;
    public static final long MAX_GO_MOD = 16L << 20;
    public static final long MAX_LICENSE = 16L << 20;

    private ModuleZip() {}

    /**
     * Reads {@code in} to its end and checks it is a valid zip of {@code path@version}.
     * Throws FormatException naming the first broken rule; IOException only for the stream's own failures.
     */
    public static ZipSummary check(InputStream in, ModulePath path, Version version) throws IOException, FormatException {
        throw new UnsupportedOperationException("todo");
    }

    /** What a valid zip holds: file count, total uncompressed size, whether it has a go.mod at its root. */
    public record ZipSummary(int files, long uncompressedSize, boolean hasGoMod) {}
}
