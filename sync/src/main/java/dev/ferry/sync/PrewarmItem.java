package dev.ferry.sync;

import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.semver.Version;
import java.util.Objects;

/** One unit of prewarm work: a Go module file, or an image (its manifests, blobs and referrers). */
public sealed interface PrewarmItem {

    /** The three immutable files of a module version. */
    enum Ext {
        INFO,
        MOD,
        ZIP;

        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** {@code module/@v/version.ext}, fetched with {@link #request()} through the Go module mirror. */
    record GoFile(ModulePath module, Version version, Ext ext) implements PrewarmItem {
        public GoFile {
            Objects.requireNonNull(module, "module");
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(ext, "ext");
            if (!version.isCanonical()) {
                throw new IllegalArgumentException("not a canonical version: " + version);
            }
        }

        public ProxyRequest request() {
            return switch (ext) {
                case INFO -> new ProxyRequest.Info(module, version);
                case MOD -> new ProxyRequest.Mod(module, version);
                case ZIP -> new ProxyRequest.Zip(module, version);
            };
        }

        @Override
        public String toString() {
            return module + "@" + version + "." + ext.text();
        }
    }

    /**
     * An image: the manifest {@code reference} names in {@code repository} of {@code registry} (null: the default
     * target), and for an index the manifests of the selected {@code platforms}; then configs, layers and referrers.
     */
    record Image(String registry, RepositoryName repository, Reference reference, Platforms platforms)
            implements PrewarmItem {
        public Image {
            Objects.requireNonNull(repository, "repository");
            Objects.requireNonNull(reference, "reference");
            Objects.requireNonNull(platforms, "platforms");
        }

        @Override
        public String toString() {
            String ref = reference instanceof Reference.ByDigest ? "@" + reference : ":" + reference;
            return (registry == null ? "" : registry + "/") + repository + ref;
        }
    }
}
