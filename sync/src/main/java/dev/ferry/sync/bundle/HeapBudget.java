package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.Inventory;

/**
 * How much of a bundle's bookkeeping this JVM may hold. Inventories live in memory as 16 bytes a key (briefly up to
 * 64 while one is built or read: growing arrays, the sort's second array) up to a quarter of the heap, and in a
 * scratch table on disk beyond ({@link CutSet}, {@link SiteInventory}), so they are never refused. A
 * format-1 manifest's shipped chunks are indexed in memory at the importing site, about 200 bytes a chunk, and may
 * take half (format-2 manifests keep their per-chunk state on disk: see {@link PlacedChunks}). An export's plan
 * keeps its per-chunk tables in the heap up to half of it and moves them to disk beyond ({@link PlanTable}), so it
 * is never refused either. Only a format-1 import past its share is refused, with a message naming the limit and
 * the ways out, instead of an OutOfMemoryError that would take the server's other work down with it.
 */
final class HeapBudget {
    private static final int KEY_BYTES_AT_PEAK = 64;
    private static final int CHUNK_BYTES = 200;

    private HeapBudget() {}

    static int inventoryKeys() {
        return inventoryKeys(Runtime.getRuntime().maxMemory());
    }

    static int inventoryKeys(long heapBytes) {
        return (int) Math.max(1 << 16, Math.min(Inventory.MAX_KEYS, heapBytes / 4 / KEY_BYTES_AT_PEAK));
    }

    /** Heap bytes an export's per-chunk plan tables may take before they move to disk: half the heap. */
    static long exportPlanBytes() {
        return Runtime.getRuntime().maxMemory() / 2;
    }

    static long chunks() {
        return chunks(Runtime.getRuntime().maxMemory());
    }

    static long chunks(long heapBytes) {
        return Math.max(1 << 16, heapBytes / 2 / CHUNK_BYTES);
    }

    /** "{what} more than {limit} chunks, more than this server's heap allows; ..." plus {@code remedy}. */
    static String tooManyChunks(String what, long limit, String remedy) {
        return what + " more than " + limit + " chunks, more than this server's heap (" + heapMiB() + " MiB) holds"
                + " at once; " + remedy + " (FERRY_JAVA_OPTS=-Xmx2g holds about " + chunks(2L << 30) + " chunks)";
    }

    private static long heapMiB() {
        return Runtime.getRuntime().maxMemory() >> 20;
    }
}
