package dev.ferry.storage;

/**
 * What a commit promises once it returns. Whatever the choice, a commit is one atomic batch in the log after every
 * chunk it names, so after any crash the store is a consistent earlier state: never a name without its object, nor
 * an object without its chunks.
 */
public enum Durability {
    /**
     * On disk before the commit returns (the log is synced): for what cannot be fetched again: hosted pushes,
     * imported bundles (their objects GROUPED, then the import's final batch SYNCED), pins, private modules' first
     * hashes, the trusted checksum tree.
     */
    SYNCED,
    /**
     * Visible at once and on disk within {@link WalSync#INTERVAL} (one log sync for every commit of that time):
     * for mirrored content (public modules' files, OCI blobs and manifests), which a power cut may take back (it is fetched again), and which a killed process never
     * loses (the log is in the operating system's cache). Any later synced commit makes it durable first.
     */
    GROUPED
}
