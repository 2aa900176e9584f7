package dev.ferry.sync;

import java.util.List;

/** Fetches one item; {@link MirrorItemRunner} does it through the mirrors. */
@FunctionalInterface
public interface ItemRunner {
    /** What an item fetched: bytes read (from the store or upstream) and what is now stored. */
    record Result(long bytes, List<StoredContent> stored) {
        public Result {
            stored = List.copyOf(stored);
        }
    }

    /**
     * Fetches {@code item} to completion; throws PrewarmFailure with the reason when it cannot, or
     * InterruptedException when the job is cancelled.
     */
    Result run(PrewarmItem item) throws PrewarmFailure, InterruptedException;
}
