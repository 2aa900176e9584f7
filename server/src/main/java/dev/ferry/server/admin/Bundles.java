package dev.ferry.server.admin;

import dev.ferry.sync.bundle.BundleException;
import dev.ferry.sync.bundle.BundleProgress;
import dev.ferry.sync.bundle.BundleService;
import dev.ferry.sync.bundle.ExportRecord;
import dev.ferry.sync.bundle.ExportRequest;
import dev.ferry.sync.bundle.ImportRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the server's edge (admin API, scheduled sync) needs of {@link BundleService}: the same operations, as an
 * interface so the edge can be tested against a fake ({@link BundleService} is final). {@link #of} adapts the real one.
 */
public interface Bundles {
    BundleProgress export(ExportRequest request) throws BundleException;

    BundleProgress importBundle(ImportRequest request) throws BundleException;

    List<BundleProgress.Count> writeInventory(Path out) throws BundleException, IOException;

    Optional<BundleProgress> job(String id);

    List<BundleProgress> jobs();

    boolean cancel(String id);

    Optional<BundleProgress> await(String id) throws InterruptedException;

    List<ExportRecord> history();

    /** Whether an export may be cut {@code --since} bundle {@code id} (its record of what the site holds is kept). */
    boolean keepsSent(String id);

    Optional<ExportRecord> lastExportTo(String site);

    static Bundles of(BundleService s) {
        return new Bundles() {
            @Override
            public BundleProgress export(ExportRequest request) throws BundleException {
                return s.export(request);
            }

            @Override
            public BundleProgress importBundle(ImportRequest request) throws BundleException {
                return s.importBundle(request);
            }

            @Override
            public List<BundleProgress.Count> writeInventory(Path out) throws BundleException, IOException {
                return s.writeInventory(out);
            }

            @Override
            public Optional<BundleProgress> job(String id) {
                return s.job(id);
            }

            @Override
            public List<BundleProgress> jobs() {
                return s.jobs();
            }

            @Override
            public boolean cancel(String id) {
                return s.cancel(id);
            }

            @Override
            public Optional<BundleProgress> await(String id) throws InterruptedException {
                return s.await(id);
            }

            @Override
            public boolean keepsSent(String id) {
                return s.keepsSent(id);
            }

            @Override
            public List<ExportRecord> history() {
                return s.history();
            }

            @Override
            public Optional<ExportRecord> lastExportTo(String site) {
                return s.lastExportTo(site);
            }
        };
    }
}
