package dev.ferry.sync;

import dev.ferry.mirror.oci.OciRepositories;

/** Which registry target serves a registry name of an image reference. */
@FunctionalInterface
public interface ImageTargets {
    /** The target for {@code registry} (null: the default one), or null when ferry mirrors no such registry. */
    OciRepositories target(String registry);
}
