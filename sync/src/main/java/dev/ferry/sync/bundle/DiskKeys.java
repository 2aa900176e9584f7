package dev.ferry.sync.bundle;

import dev.ferry.storage.ScratchTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A set of {@link dev.ferry.protocols.bundle.Inventory} keys in a scratch table on disk, for sets past the heap's
 * share ({@link CutSet}, {@link SiteInventory}): added a write batch at a time, in any order and with repeats, and
 * visited in the inventory's order. Closing removes the table. Not thread-safe.
 */
final class DiskKeys implements AutoCloseable {
    private static final byte[] PRESENT = new byte[0];
    private static final int BATCH = 4096;

    private final ScratchTable table;
    private final List<byte[]> batch = new ArrayList<>(BATCH);

    /** A new, empty set in {@code dir}, which must not hold anything the caller needs. */
    DiskKeys(Path dir) throws IOException {
        this.table = ScratchTable.create(dir);
    }

    void add(byte[] key) throws IOException {
        batch.add(key);
        if (batch.size() == BATCH) {
            flush();
        }
    }

    private void flush() throws IOException {
        table.putAll(batch, PRESENT);
        batch.clear();
    }

    boolean contains(byte[] key) throws IOException {
        flush();
        return table.get(key) != null;
    }

    /** Which of {@code keys} the set holds: one batched read. */
    BitSet containing(List<byte[]> keys) throws IOException {
        flush();
        BitSet held = new BitSet(keys.size());
        List<byte[]> values = table.getAll(keys);
        for (int i = 0; i < values.size(); i++) {
            held.set(i, values.get(i) != null);
        }
        return held;
    }

    /** Every distinct key, in ascending unsigned order. */
    void forEach(CutSet.KeyVisitor visitor) throws IOException {
        flush();
        // RocksDB orders keys bytewise, which for 16 big-endian bytes is the inventory's unsigned order.
        table.forEach(new byte[0], (key, value) -> visitor.key(key));
    }

    @Override
    public void close() throws IOException {
        table.close();
    }
}
