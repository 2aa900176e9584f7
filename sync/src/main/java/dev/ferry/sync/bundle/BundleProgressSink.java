package dev.ferry.sync.bundle;

/** Where export and import work reports progress (a job's counters); implementations are thread-safe. */
public interface BundleProgressSink {
    /** The phase now running: "selecting", "writing", "verifying", "importing"... with its totals when known. */
    void phase(String phase, long totalBytes, long totalItems);

    void bytes(long n);

    void item(String description);

    /** Something skipped or worth telling the user, kept in the summary. */
    void note(String note);

    /** The bundle being written or read, once its id is known (an export's at the start, an import's once verified). */
    default void bundleId(String id) {}

    /** Checks for cancellation; throws {@link java.util.concurrent.CancellationException} when cancelled. */
    default void checkCancelled() {}

    /** Counts nothing, keeps nothing. */
    BundleProgressSink NONE = notesTo(note -> {});

    /** A sink that only hands each note to {@code notes} (phases, bytes and items are dropped). */
    static BundleProgressSink notesTo(java.util.function.Consumer<String> notes) {
        return new BundleProgressSink() {
            @Override
            public void phase(String phase, long totalBytes, long totalItems) {}

            @Override
            public void bytes(long n) {}

            @Override
            public void item(String description) {}

            @Override
            public void note(String note) {
                notes.accept(note);
            }
        };
    }
}
