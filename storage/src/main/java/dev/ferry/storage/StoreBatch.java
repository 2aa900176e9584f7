package dev.ferry.storage;

import java.util.Optional;

/**
 * Changes applied in one atomic RocksDB write batch. Callbacks that receive a batch run under the store's
 * commit lock, so the reads here see the latest committed state and check-then-put is race-free.
 */
public interface StoreBatch {
    /** Points {@code name} at a committed object (or the one being committed). */
    void putName(String name, Sha256 digest);

    void deleteName(String name);

    void putMeta(String key, byte[] value);

    void deleteMeta(String key);

    /**
     * Adds a committed object (or the one being committed) to {@code pinSet}, atomically with the rest of the batch.
     * @throws IllegalArgumentException when there is no such object
     */
    void pin(String pinSet, Sha256 digest);

    /** Removes {@code digest} from {@code pinSet}; no-op when it is not there. */
    void unpin(String pinSet, Sha256 digest);

    /**
     * {@link #pin}s each of {@code digests} (stopping at the first that is not stored, as pin would): for many
     * objects at once, whose current pins a store may look up together.
     */
    default void pinAll(String pinSet, java.util.Collection<Sha256> digests) {
        for (Sha256 d : digests) {
            pin(pinSet, d);
        }
    }

    /** {@link #unpin}s each of {@code digests}; as {@link #pinAll}, for many objects at once. */
    default void unpinAll(String pinSet, java.util.Collection<Sha256> digests) {
        for (Sha256 d : digests) {
            unpin(pinSet, d);
        }
    }

    /** The committed target of {@code name}, as of this batch's start. */
    Optional<StoredObject> currentName(String name);

    /** The committed value of {@code key}, as of this batch's start. */
    Optional<byte[]> currentMeta(String key);

    /**
     * The object this batch commits, when it is an {@link ObjectWriter#commit} batch: lets a caller that passed no
     * expected digest still name the object in the same batch.
     */
    default Optional<StoredObject> committing() {
        return Optional.empty();
    }
}
