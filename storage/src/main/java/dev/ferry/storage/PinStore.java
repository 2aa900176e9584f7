package dev.ferry.storage;

import java.io.IOException;
import java.util.List;
import java.util.function.Predicate;

/**
 * The pins role of a {@link ContentStore}: objects held in named pin sets (the layers above choose the set names:
 * prewarm jobs, mirror sets, hosted content, bundles, {@code ferry pin}). An object is pinned while any set holds
 * it, and pinned objects are never evicted or deleted without force. A commit's {@link StoreBatch} pins and unpins
 * too, atomically with the rest of its changes.
 */
public interface PinStore {

    /** Adds {@code object} to {@code pinSet} (durably; no-op when it is there already). */
    void pin(String pinSet, Sha256 object) throws IOException;

    /** Removes {@code object} from {@code pinSet}; it stays pinned while another set holds it. */
    void unpin(String pinSet, Sha256 object) throws IOException;

    /** Empties {@code pinSet}; returns how many objects it held. */
    long unpinAll(String pinSet) throws IOException;

    /** Whether any pin set holds {@code object}. */
    boolean isPinned(Sha256 object);

    /** The pin sets holding {@code object}, in name order; empty when none does. */
    List<String> pinSetsOf(Sha256 object);

    /** Visits the objects of {@code pinSet} in digest order until the visitor returns false. */
    void scanPinSet(String pinSet, Predicate<Sha256> visitor);

    /**
     * Visits the names of the non-empty pin sets that start with {@code prefix}, in name (UTF-8 byte) order, until
     * the visitor returns false.
     */
    void scanPinSets(String prefix, Predicate<String> visitor);
}
