package dev.ferry.storage;

/**
 * What the store reports as it writes, for metrics (the server's Prometheus registry; the store knows nothing of
 * it). Called on the committing thread and on the group sync's thread: implementations must be quick and must not
 * call back into the store.
 */
public interface StoreEvents {
    /** Reports nothing. */
    StoreEvents NONE = new StoreEvents() {
        @Override
        public void committed(Durability durability, long nanos) {}

        @Override
        public void logSynced(long nanos) {}
    };

    /**
     * A commit (an object's, an {@link NameStore#update}, a delete) returned after {@code nanos}: from asking for the
     * commit lock to the write's return, which for a {@link Durability#SYNCED} commit includes the log's fsync. What
     * the committing request waits for in the store, RocksDB's write stalls included.
     */
    void committed(Durability durability, long nanos);

    /** The group sync of {@link Durability#GROUPED} commits ({@link WalSync}) synced the log in {@code nanos}. */
    void logSynced(long nanos);
}
