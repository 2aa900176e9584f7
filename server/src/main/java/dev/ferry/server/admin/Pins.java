package dev.ferry.server.admin;

import dev.ferry.storage.Sha256;
import java.io.IOException;
import java.util.List;

/**
 * Pin sets: named groups of stored objects that eviction must keep. An object is pinned while any set holds it.
 * The server names the sets ({@link StorePins}): {@code prewarm:ITEM} for what a prewarm job stored,
 * {@code mirror-set:NAME} for what a registered mirror set stored, {@code pin:ITEM} for {@code ferry pin}.
 *
 * <p><b>The seam to the storage lifecycle.</b> This interface mirrors the pin API of the storage module's lifecycle
 * work ({@code ContentStore.pin(pinSet, object)}, {@code unpinAll(pinSet)}, {@code scanPinSet}). Until that lands,
 * {@link MetadataPins} records pins as metadata entries; switching to the store's own pins (which eviction honours)
 * is replacing {@code new MetadataPins(store)} in {@code Ferry.start} by an implementation that delegates to the
 * store. Nothing else changes.
 */
public interface Pins {

    /** Adds {@code object} (of {@code size} bytes) to {@code pinSet}; no-op when it is there already. */
    void pin(String pinSet, Sha256 object, long size) throws IOException;

    /** Empties {@code pinSet}; returns how many objects it held. */
    long unpinAll(String pinSet) throws IOException;

    /** Every pin set with its object count and bytes, in name order. */
    List<PinSet> sets();

    /** Distinct pinned objects and their bytes (an object in several sets counts once). */
    Totals totals();

    record PinSet(String name, long objects, long bytes) {}

    record Totals(long sets, long objects, long bytes) {}
}
