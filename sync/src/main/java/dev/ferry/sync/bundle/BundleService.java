package dev.ferry.sync.bundle;

import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.storage.ContentStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Exports and imports as server-side jobs, the inventory, and the export history. The one entry point the
 * server wires (admin API, CLI, scheduled sync).
 *
 * <p>{@code dataDir/bundles/} holds the history ({@code history.json}) and, per exported bundle, the set of what
 * the site holds after it ({@code <id>.sent}, an inventory), which is what {@code --since} builds on; and the
 * record of imported bundles ({@code imported.json}), which is what an incremental import checks its base against.
 */
public final class BundleService implements AutoCloseable {

    /**
     * @param signer the site's signing key, when one was generated ({@code ferry keys generate}); exports of
     *               {@link BundleFormat#BUNDLE} fail with a clear message without one
     */
    public BundleService(ContentStore store, Path dataDir, Supplier<Optional<Signer>> signer, Clock clock,
                         int keepReports) {
        throw new UnsupportedOperationException("stub: BundleService");
    }

    /** Checks the request (paths, base bundle, inventory readable) and starts the export job. */
    public BundleProgress export(ExportRequest request) throws BundleException {
        throw new UnsupportedOperationException("stub");
    }

    /** Checks the request (directory readable, note present) and starts the import job. */
    public BundleProgress importBundle(ImportRequest request) throws BundleException {
        throw new UnsupportedOperationException("stub");
    }

    /** Writes what this store holds, compactly, for an exporting site to cut against; returns its summary. */
    public List<BundleProgress.Count> writeInventory(Path out) throws BundleException, IOException {
        throw new UnsupportedOperationException("stub");
    }

    public Optional<BundleProgress> job(String id) {
        throw new UnsupportedOperationException("stub");
    }

    /** Kept jobs, oldest first. */
    public List<BundleProgress> jobs() {
        throw new UnsupportedOperationException("stub");
    }

    /** Cancels a running job; false when there is no such job. */
    public boolean cancel(String id) {
        throw new UnsupportedOperationException("stub");
    }

    /** Blocks until the job ended; returns its report (for the CLI's --wait and for tests). */
    public Optional<BundleProgress> await(String id) throws InterruptedException {
        throw new UnsupportedOperationException("stub");
    }

    /** Every bundle exported, oldest first. */
    public List<ExportRecord> history() {
        throw new UnsupportedOperationException("stub");
    }

    /** The newest bundle exported to {@code site}, for scheduled incremental exports. */
    public Optional<ExportRecord> lastExportTo(String site) {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public void close() {}
}
