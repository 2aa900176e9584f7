package dev.ferry.server.admin;

import dev.ferry.sync.bundle.BundleException;
import dev.ferry.sync.bundle.BundleProgress;
import dev.ferry.sync.bundle.ExportRecord;
import dev.ferry.sync.bundle.ExportRequest;
import dev.ferry.sync.bundle.ImportRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scripted {@link Bundles}: records every request; each job starts RUNNING and, once {@link #finish} was called
 * (or after {@link #runningReads} reads of it), reports the outcome set for it. {@link #refuse} makes the next
 * start throw.
 */
public final class FakeBundles implements Bundles {
    public final List<ExportRequest> exports = new CopyOnWriteArrayList<>();
    public final List<ImportRequest> imports = new CopyOnWriteArrayList<>();
    public final List<Path> inventories = new CopyOnWriteArrayList<>();
    public final List<ExportRecord> history = new CopyOnWriteArrayList<>();
    /** Bundles of {@link #history} an export may be cut --since. */
    public final java.util.Set<String> keptSent = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public final List<String> cancelled = new CopyOnWriteArrayList<>();
    /** Reads of a job that still answer RUNNING before it ends by itself; -1: only {@link #finish} ends it. */
    public volatile int runningReads = -1;
    /** How a job ends when it ends by itself. */
    public volatile BundleProgress.State outcome = BundleProgress.State.SUCCEEDED;

    public volatile String failure = "volume 3 of 5 (vol-0003.fvol) is missing";
    /** The notes an ended job reports. */
    public volatile List<String> notes = List.of("2 images skipped: not stored");

    public volatile BundleException refuse;
    public volatile IOException inventoryFailure;

    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private int next;

    private final class Job {
        final String id;
        final String kind;
        final String directory;
        BundleProgress.State state = BundleProgress.State.RUNNING;
        int reads;

        Job(String id, String kind, String directory) {
            this.id = id;
            this.kind = kind;
            this.directory = directory;
        }

        BundleProgress snapshot() {
            boolean ended = state != BundleProgress.State.RUNNING;
            return new BundleProgress(
                    id,
                    kind,
                    state,
                    "20261121T134500Z-1a2b3c4d",
                    directory,
                    ended ? "done" : "writing",
                    ended ? 2_000_000 : 1_000_000,
                    2_000_000,
                    ended ? 20 : 10,
                    20,
                    12_500_000,
                    ended
                            ? List.of(
                                    new BundleProgress.Count("objects", 20),
                                    new BundleProgress.Count("chunks shipped", 300),
                                    new BundleProgress.Count("bytes", 2_000_000))
                            : List.of(),
                    ended ? notes : List.of(),
                    state == BundleProgress.State.FAILED ? failure : null,
                    Instant.parse("2026-11-21T13:45:00Z"),
                    ended ? Instant.parse("2026-11-21T13:46:00Z") : null);
        }
    }

    private synchronized BundleProgress start(String kind, String directory) throws BundleException {
        BundleException r = refuse;
        if (r != null) {
            refuse = null;
            throw r;
        }
        Job j = new Job(kind + "-" + (++next), kind, directory);
        jobs.put(j.id, j);
        return j.snapshot();
    }

    /** Ends the job with {@link #outcome}. */
    public synchronized void finish(String id) {
        Job j = jobs.get(id);
        j.state = outcome;
        notifyAll();
    }

    @Override
    public BundleProgress export(ExportRequest request) throws BundleException {
        BundleProgress p = start("export", request.to().toString());
        exports.add(request);
        return p;
    }

    @Override
    public BundleProgress importBundle(ImportRequest request) throws BundleException {
        BundleProgress p = start("import", request.from().getFirst().toString());
        imports.add(request);
        return p;
    }

    @Override
    public List<BundleProgress.Count> writeInventory(Path out) throws BundleException, IOException {
        BundleException r = refuse;
        if (r != null) {
            refuse = null;
            throw r;
        }
        if (inventoryFailure != null) {
            throw inventoryFailure;
        }
        inventories.add(out);
        return List.of(new BundleProgress.Count("chunks", 1234), new BundleProgress.Count("objects", 56));
    }

    @Override
    public synchronized Optional<BundleProgress> job(String id) {
        Job j = jobs.get(id);
        if (j == null) {
            return Optional.empty();
        }
        if (j.state == BundleProgress.State.RUNNING && runningReads >= 0 && ++j.reads > runningReads) {
            j.state = outcome;
            notifyAll();
        }
        return Optional.of(j.snapshot());
    }

    @Override
    public synchronized List<BundleProgress> jobs() {
        List<BundleProgress> out = new ArrayList<>();
        jobs.values().forEach(j -> out.add(j.snapshot()));
        return out;
    }

    @Override
    public synchronized boolean cancel(String id) {
        Job j = jobs.get(id);
        if (j == null) {
            return false;
        }
        cancelled.add(id);
        if (j.state == BundleProgress.State.RUNNING) {
            j.state = BundleProgress.State.CANCELLED;
        }
        notifyAll();
        return true;
    }

    @Override
    public synchronized Optional<BundleProgress> await(String id) throws InterruptedException {
        Job j = jobs.get(id);
        if (j == null) {
            return Optional.empty();
        }
        while (j.state == BundleProgress.State.RUNNING) {
            wait();
        }
        return Optional.of(j.snapshot());
    }

    @Override
    public List<ExportRecord> history() {
        return List.copyOf(history);
    }

    @Override
    public boolean keepsSent(String id) {
        return keptSent.contains(id);
    }

    @Override
    public Optional<ExportRecord> lastExportTo(String site) {
        ExportRecord last = null;
        for (ExportRecord r : history) {
            if (r.site().equals(site)) {
                last = r;
            }
        }
        return Optional.ofNullable(last);
    }
}
