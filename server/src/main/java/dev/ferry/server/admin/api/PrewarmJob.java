package dev.ferry.server.admin.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A prewarm job (or a mirror set's run): its progress while it runs, its report once it ended. {@code state} is
 * PLANNING, PENDING, RUNNING, SUCCEEDED, FAILED or CANCELLED; {@code done} counts failed items too. The answer to the
 * request that started it also has its {@code location}.
 */
public record PrewarmJob(
        String id,
        String description,
        String state,
        int total,
        int done,
        int failed,
        int skipped,
        long bytes,
        List<String> current,
        List<ItemFailure> failures,
        List<LineError> planErrors,
        List<String> notes,
        String started,
        String finished,
        @JsonInclude(JsonInclude.Include.NON_NULL) String location) {

    public record ItemFailure(String item, String reason) {}

    /** Whether the job may still change. */
    public boolean running() {
        return "PLANNING".equals(state) || "PENDING".equals(state) || "RUNNING".equals(state);
    }

    public PrewarmJob at(String location) {
        return new PrewarmJob(
                id,
                description,
                state,
                total,
                done,
                failed,
                skipped,
                bytes,
                current,
                failures,
                planErrors,
                notes,
                started,
                finished,
                location);
    }
}
