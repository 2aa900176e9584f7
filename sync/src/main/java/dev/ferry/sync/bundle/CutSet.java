package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.Inventory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/**
 * What the receiving site holds, for an export to leave out: the keys of an inventory the site wrote, or of the
 * record of what an earlier bundle left it holding ({@code .sent}). Held in the heap while the keys fit the
 * inventory budget ({@link HeapBudget#inventoryKeys()}), else in a {@link ScratchTable} on disk, so an export can be
 * cut against a site of any size at the default heap (a Go cache of a few GB is already over a million keys).
 * Both answer alike. Closing removes the scratch table. Not thread-safe.
 */
final class CutSet implements AutoCloseable {
    private final Inventory heap;
    private final DiskKeys disk;
    private final long size;

    private CutSet(Inventory heap, DiskKeys disk, long size) {
        this.heap = heap;
        this.disk = disk;
        this.size = size;
    }

    static CutSet empty() {
        return new CutSet(Inventory.empty(), null, 0);
    }

    /** An inventory already in the heap (tests, and callers that built one). */
    static CutSet of(Inventory inventory) {
        return new CutSet(inventory, null, inventory.size());
    }

    /**
     * Reads inventory file {@code file} (links not followed): into the heap when it holds at most {@code heapKeys}
     * keys, else into a scratch table in {@code scratch}, which must not exist yet. Refuses a damaged file as
     * {@link Inventory#read(InputStream)} does, leaving nothing behind.
     */
    static CutSet read(Path file, int heapKeys, Path scratch) throws IOException {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            Inventory inventory = Inventory.read(in, heapKeys);
            return new CutSet(inventory, null, inventory.size());
        } catch (Inventory.TooLarge e) {
            // Read again, this time into a table on disk: the first pass stopped at the heap's share.
        }
        DiskKeys keys = new DiskKeys(scratch);
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            long n = Inventory.forEachKey(in, (hi, lo, i) -> keys.add(Inventory.key(hi, lo)));
            return new CutSet(null, keys, n);
        } catch (IOException | RuntimeException | Error e) {
            keys.close();
            throw e;
        }
    }

    /** Whether the set is held on disk. */
    boolean onDisk() {
        return disk != null;
    }

    long size() {
        return size;
    }

    boolean contains(byte[] key) throws IOException {
        return disk == null ? heap.contains(key) : disk.contains(key);
    }

    /** Which of {@code keys} the set holds: one batched read on disk. */
    BitSet containing(List<byte[]> keys) throws IOException {
        if (disk != null) {
            return disk.containing(keys);
        }
        BitSet held = new BitSet(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            held.set(i, heap.contains(keys.get(i)));
        }
        return held;
    }

    /** What {@link #forEach} hands each key to. */
    @FunctionalInterface
    interface KeyVisitor {
        void key(byte[] key) throws IOException;
    }

    /** Every key, in ascending unsigned order (the inventory's own). */
    void forEach(KeyVisitor visitor) throws IOException {
        if (disk == null) {
            for (int i = 0; i < heap.size(); i++) {
                visitor.key(heap.key(i));
            }
            return;
        }
        disk.forEach(visitor);
    }

    @Override
    public void close() throws IOException {
        if (disk != null) {
            disk.close();
        }
    }
}
