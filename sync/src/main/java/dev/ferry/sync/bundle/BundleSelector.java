package dev.ferry.sync.bundle;

import dev.ferry.storage.ContentStore;
import java.util.Objects;

/**
 * Resolves a {@link Selection} against the store (never upstream) into {@link SelectedContent}: for Go, each
 * version's files, version record and checksum-database lookups, and the database's tiles and latest note; for
 * OCI, each selected tag's manifests (indexes down to their children, referrers), blobs, links and catalog entry.
 */
public final class BundleSelector {
    private final ContentStore store;

    public BundleSelector(ContentStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    public SelectedContent select(Selection selection) {
        throw new UnsupportedOperationException("stub: BundleSelector.select");
    }
}
