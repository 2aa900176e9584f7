package dev.ferry.storage;

import java.io.IOException;

/**
 * The maintenance role of a {@link ContentStore}: its size, and taking objects out of it (one by one, or the least
 * recently used ones down to a size).
 */
public interface StoreMaintenance {

    StoreStats stats();

    /**
     * Deletes {@code object}, every name pointing at it, and its access record, and gives its chunk references back
     * (chunks no other object uses are deleted; for reads still streaming the object, only once they end).
     * Metadata is not touched: the layers above treat a name that no longer resolves as not stored.
     *
     * @param force also delete a pinned object (and drop it from its pin sets)
     * @return false when there was no such object
     * @throws ObjectPinnedException when the object is pinned and {@code force} is false; nothing is deleted
     */
    boolean delete(Sha256 object, boolean force) throws IOException;

    /**
     * Deletes {@code object} only if nothing holds it: no name points at it and no pin set holds it, decided in the
     * delete's own batch (so a name or pin committed meanwhile keeps it). For what an unfinished write left behind:
     * a refused bundle import's objects, once their pin set is released.
     *
     * @return false, deleting nothing, when there was no such object or a name or a pin holds it
     */
    boolean deleteIfUnreferenced(Sha256 object) throws IOException;

    /**
     * Deletes least recently used unpinned objects until the store's size ({@link StoreStats#chunkBytes()}) is at
     * most {@code targetBytes} or nothing unpinned is left. Runs alongside reads and writes.
     */
    EvictionReport evict(long targetBytes) throws IOException;
}
