package dev.ferry.server.admin.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An export or import job ({@code kind}): its progress while RUNNING, its report once SUCCEEDED, FAILED or
 * CANCELLED. {@code bytesTotal} and {@code itemsTotal} are -1 while unknown; {@code error} says why it failed. The
 * answer to the request that started it also has its {@code location}.
 */
public record BundleJob(
        String id,
        String kind,
        String state,
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
        String started,
        String finished,
        @JsonInclude(JsonInclude.Include.NON_NULL) String location) {

    public boolean running() {
        return "RUNNING".equals(state);
    }

    public BundleJob at(String location) {
        return new BundleJob(
                id,
                kind,
                state,
                bundleId,
                directory,
                phase,
                bytesDone,
                bytesTotal,
                itemsDone,
                itemsTotal,
                bytesPerSecond,
                summary,
                notes,
                error,
                started,
                finished,
                location);
    }
}
