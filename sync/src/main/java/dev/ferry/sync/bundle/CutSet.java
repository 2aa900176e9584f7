package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.storage.ScratchTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
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
    private static final byte[] PRESENT = new byte[0];
    private static final int BATCH = 4096;

    private final Inventory heap;
    private final ScratchTable disk;
    private final long size;

    private CutSet(Inventory heap, ScratchTable disk, long size) {
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
        ScratchTable table = ScratchTable.create(scratch);
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            List<byte[]> batch = new ArrayList<>(BATCH);
            long n = Inventory.forEachKey(in, (hi, lo, i) -> {
                batch.add(Inventory.key(hi, lo));
                if (batch.size() == BATCH) {
                    table.putAll(batch, PRESENT);
                    batch.clear();
                }
            });
            table.putAll(batch, PRESENT);
            return new CutSet(null, table, n);
        } catch (IOException | RuntimeException | Error e) {
            table.close();
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
        return disk == null ? heap.contains(key) : disk.get(key) != null;
    }

    /** Which of {@code keys} the set holds: one batched read on disk. */
    BitSet containing(List<byte[]> keys) throws IOException {
        BitSet held = new BitSet(keys.size());
        if (disk == null) {
            for (int i = 0; i < keys.size(); i++) {
                held.set(i, heap.contains(keys.get(i)));
            }
            return held;
        }
        List<byte[]> values = disk.getAll(keys);
        for (int i = 0; i < values.size(); i++) {
            held.set(i, values.get(i) != null);
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
        // RocksDB orders keys bytewise, which for 16 big-endian bytes is the inventory's unsigned order.
        disk.forEach(new byte[0], (key, value) -> visitor.key(key));
    }

    @Override
    public void close() throws IOException {
        if (disk != null) {
            disk.close();
        }
    }
}
