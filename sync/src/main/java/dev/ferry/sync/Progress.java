package dev.ferry.sync;

import java.time.Instant;
import java.util.List;

/**
 * A snapshot of a job: while it runs, its progress; once it ended, its report.
 *
 * @param total       items planned
 * @param done        items finished, successfully or not
 * @param failed      items that failed (included in done)
 * @param skipped     items never started because the job was cancelled
 * @param bytes       bytes read by finished and running items (from the store or from upstream)
 * @param current     the items running now
 * @param failures    each failed item with why
 * @param planErrors  what could not be planned (bad lines of the input files, unknown modules...)
 * @param notes       informational notes of the plan
 * @param finished    when the job ended, or null while it runs
 */
public record Progress(
        String id,
        String description,
        PrewarmJob.State state,
        int total,
        int done,
        int failed,
        int skipped,
        long bytes,
        List<String> current,
        List<ItemFailure> failures,
        List<PlanError> planErrors,
        List<String> notes,
        Instant started,
        Instant finished) {

    /** A failed item and why. */
    public record ItemFailure(String item, String reason) {}

    public Progress {
        current = List.copyOf(current);
        failures = List.copyOf(failures);
        planErrors = List.copyOf(planErrors);
        notes = List.copyOf(notes);
    }

    /** Whether anything failed: an item, or part of the plan. The CLI exits non-zero when so. */
    public boolean hasFailures() {
        return failed > 0 || !planErrors.isEmpty();
    }
}
