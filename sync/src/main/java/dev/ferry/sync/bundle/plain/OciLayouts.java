package dev.ferry.sync.bundle.plain;

import dev.ferry.storage.ContentStore;
import dev.ferry.sync.bundle.BundleProgressSink;
import dev.ferry.sync.bundle.SelectedContent;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes selected repositories as OCI image layouts (image-spec layout 1.0.0) that skopeo and podman read:
 * {@code DIR/<registry>/<repository>/} with oci-layout, index.json (one entry per tag, named by the
 * {@code org.opencontainers.image.ref.name} annotation) and blobs/<alg>/<hex>.
 */
public final class OciLayouts {
    private OciLayouts() {}

    public static void write(ContentStore store, SelectedContent content, Path dir, BundleProgressSink progress)
            throws IOException {
        throw new UnsupportedOperationException("stub: OciLayouts.write");
    }
}
