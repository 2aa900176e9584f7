package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.Inventory;

/**
 * How many inventory keys this JVM may hold: an inventory lives in memory as 16 bytes a key, and building or
 * reading one (growing arrays, the sort's second array) briefly needs up to four times that. A quarter of the heap
 * is allowed, so a site's inventory that does not fit is refused with a message instead of an OutOfMemoryError
 * that would take the server's other work down with it.
 */
final class InventoryLimit {
    private static final int BYTES_AT_PEAK = 64;

    private InventoryLimit() {}

    static int maxKeys() {
        return maxKeys(Runtime.getRuntime().maxMemory());
    }

    static int maxKeys(long heapBytes) {
        return (int) Math.max(1 << 16, Math.min(Inventory.MAX_KEYS, heapBytes / 4 / BYTES_AT_PEAK));
    }

    /** The user-facing reason, naming the limit and the ways out. */
    static String tooLarge(String what, int limit) {
        return what + " more than " + limit + " keys, more than this server's heap ("
                + (Runtime.getRuntime().maxMemory() >> 20) + " MiB) allows; start ferry with a larger heap"
                + " (FERRY_JAVA_OPTS=-Xmx2g holds about " + maxKeys(2L << 30) + " keys)";
    }
}
