package dev.ferry.sync.bundle;

import java.time.Instant;
import java.util.List;

/**
 * A snapshot of an export or import job: while it runs, its progress; once ended, its report.
 *
 * @param kind           "export" or "import"
 * @param bundleId       the bundle written or read (null until known)
 * @param directory      the bundle's directory
 * @param phase          what runs now ("selecting", "writing", "verifying", "importing", "done")
 * @param bytesDone      bytes written (export) or verified and stored (import) in this phase
 * @param bytesTotal     the phase's total bytes, or -1 when not known yet
 * @param itemsDone      objects/entries handled in this phase
 * @param itemsTotal     the phase's total items, or -1
 * @param bytesPerSecond the average rate of the job's data phases so far
 * @param summary        counts at the end: objects, chunks shipped and skipped, bytes, volumes, names...
 * @param notes          things skipped or worth knowing
 * @param error          why the job failed (user-facing), or null
 */
public record BundleProgress(
        String id,
        String kind,
        State state,
        String bundleId,
        String directory,
        String phase,
        long bytesDone,
        long bytesTotal,
        long itemsDone,
        long itemsTotal,
        double bytesPerSecond,
        List<Count> summary,
        List<String> notes,
        String error,
        Instant started,
        Instant finished) {
    public enum State {
        RUNNING,
        SUCCEEDED,
        FAILED,
        CANCELLED
    }

    /** One summary figure, e.g. {@code ("chunks shipped", 1234)}, in the order a user reads them. */
    public record Count(String what, long value) {}

    public BundleProgress {
        summary = List.copyOf(summary);
        notes = List.copyOf(notes);
    }
}
