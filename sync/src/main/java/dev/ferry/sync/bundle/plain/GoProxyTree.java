package dev.ferry.sync.bundle.plain;

import dev.ferry.storage.ContentStore;
import dev.ferry.sync.bundle.BundleProgressSink;
import dev.ferry.sync.bundle.SelectedContent;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes selected Go module versions as a static GOPROXY tree ({@code GOPROXY=file:///DIR}): per module
 * {@code @v/list} and each version's .info/.mod/.zip, {@code @latest}, and beside them {@code sumdb/<db>/}
 * (supported, latest, lookup/, tile/) so a client can verify against the exported checksum-database files.
 */
public final class GoProxyTree {
    private GoProxyTree() {}

    /** Writes into {@code dir} (created if needed); files appear under their final names only once complete. */
    public static void write(ContentStore store, SelectedContent content, Path dir, BundleProgressSink progress)
            throws IOException {
        throw new UnsupportedOperationException("stub: GoProxyTree.write");
    }
}
