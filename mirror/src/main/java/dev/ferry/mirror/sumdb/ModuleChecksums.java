package dev.ferry.mirror.sumdb;

import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;

/**
 * What the Go mirror asks before it stores a .mod or .zip: the h1 hash the content must have. {@link #begin} is called
 * when the miss starts, so the database lookup runs while the download does; {@link Check#require} blocks for it only
 * once the download is complete and hashed.
 */
public interface ModuleChecksums {
    /** No checksum database (GOSUMDB=off): only the mirror's own pins apply. */
    ModuleChecksums NONE = (module, version) -> Check.NONE;

    Check begin(ModulePath module, Version version);

    /** A failed pin check (a stored hash differs from a new download) is reported here, for metrics. */
    default void pinMismatch() {}

    /** The expectation for one module version. */
    @FunctionalInterface
    interface Check {
        Check NONE = (ext, h1, what, from) -> {};

        /**
         * @param ext  "mod" or "zip"
         * @param h1   the hash of what the upstream served
         * @param what module@version.ext, for messages
         * @param from the upstream it came from, for messages
         */
        void require(String ext, String h1, String what, String from) throws ChecksumFailure;
    }
}
