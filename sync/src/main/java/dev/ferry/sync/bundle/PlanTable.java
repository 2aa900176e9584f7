package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.storage.ScratchTable;
import dev.ferry.storage.StoredChunk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * An export's per-chunk bookkeeping: which occurrence of each chunk ships it, which chunks are not shipped where
 * they occur (format 2 must say where the site finds them) and where they are found, and the inventory keys of
 * what the site holds after the import. It lives in the heap, in open-addressing tables of primitive arrays (about
 * 100 bytes a distinct chunk), while those fit {@code heapBudget} bytes; the first time a table would grow past it,
 * everything moves to a {@link ScratchTable} on disk in {@code scratchDir} and stays there, read and written a whole
 * object at a time (one multi-get and one write batch, not a lookup and a write per chunk). Both give the same
 * answers, so the bundle does not depend on which one held the plan. Not thread-safe.
 */
final class PlanTable implements AutoCloseable {
    /** Where a chunk the bundle does not ship where it occurs is found: a base's or a planned object's chunk. */
    record Found(boolean base, int number, int index) {}

    private static final byte SHIPPED = 'x'; // + digest -> object number, chunk index of the occurrence that ships it
    private static final byte NEEDED = 'n'; // + digest: a chunk not shipped where it occurs
    private static final byte LOCATED = 'l'; // + digest -> base number, chunk index: where the site finds it
    private static final byte SENT = 's'; // + inventory key of the site's holdings after the import
    private static final byte[] NOTHING = new byte[0];

    private final Path scratchDir;
    private final long heapBudget;
    private DigestTable digests = new DigestTable(1 << 10);
    private KeySet sent = new KeySet(1 << 10);
    private ScratchTable table;

    PlanTable(Path scratchDir, long heapBudget) {
        this.scratchDir = scratchDir;
        this.heapBudget = heapBudget;
    }

    /** Whether the plan moved to disk. */
    boolean spilled() {
        return table != null;
    }

    /**
     * Adds inventory keys to what the site holds after the import, beside what it holds before (the cut set, which
     * the exporter merges in when it writes the record: a large site's millions of keys are not copied here).
     */
    void sent(byte[]... keys) throws IOException {
        if (table == null) {
            for (byte[] k : keys) {
                if (!sent.add(k)) {
                    break;
                }
            }
            if (table == null) {
                return;
            }
        }
        List<byte[]> ks = new ArrayList<>(keys.length);
        for (byte[] k : keys) {
            ks.add(key(SENT, k));
        }
        table.putAll(ks, NOTHING);
    }

    /**
     * Claims, for chunk {@code i} of object {@code object} with {@code candidates} set, its digest when no
     * occurrence claimed it before (earlier objects, or earlier in this one): the chunks this occurrence ships.
     */
    BitSet claim(int object, List<StoredChunk> chunks, BitSet candidates) throws IOException {
        BitSet claimed = new BitSet(chunks.size());
        if (table == null) {
            for (int i = candidates.nextSetBit(0); i >= 0; i = candidates.nextSetBit(i + 1)) {
                if (digests.claim(chunks.get(i).digest().bytes(), ref(object, i))) {
                    claimed.set(i);
                }
                if (table != null) { // the claim spilled: do the rest on disk
                    claimed.or(claimOnDisk(object, chunks, candidates, i + 1));
                    break;
                }
            }
            return claimed;
        }
        return claimOnDisk(object, chunks, candidates, 0);
    }

    private BitSet claimOnDisk(int object, List<StoredChunk> chunks, BitSet candidates, int from) throws IOException {
        BitSet claimed = new BitSet(chunks.size());
        List<byte[]> keys = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = candidates.nextSetBit(from); i >= 0; i = candidates.nextSetBit(i + 1)) {
            keys.add(key(SHIPPED, chunks.get(i).digest().bytes()));
            at.add(i);
        }
        for (int j : putFirstAbsent(keys, j -> refBytes(object, at.get(j)))) {
            claimed.set(at.get(j));
        }
        return claimed;
    }

    /**
     * Stores, in one batch, each of {@code keys} that is neither in the table nor earlier in the list (the first
     * occurrence wins, as in the heap's tables), with {@code value.apply(j)} for the key at {@code j}; the positions
     * stored.
     */
    private List<Integer> putFirstAbsent(List<byte[]> keys, IntFunction<byte[]> value) throws IOException {
        List<byte[]> found = table.getAll(keys);
        Set<ByteBuffer> mine = new HashSet<>();
        List<Integer> stored = new ArrayList<>();
        List<byte[]> newKeys = new ArrayList<>();
        List<byte[]> newValues = new ArrayList<>();
        for (int j = 0; j < keys.size(); j++) {
            if (found.get(j) == null && mine.add(ByteBuffer.wrap(keys.get(j)))) {
                stored.add(j);
                newKeys.add(keys.get(j));
                newValues.add(value.apply(j));
            }
        }
        table.putAll(newKeys, newValues);
        return stored;
    }

    /** Marks the chunks in {@code which} as not shipped where they occur; how many were not marked before. */
    long need(List<StoredChunk> chunks, BitSet which) throws IOException {
        long fresh = 0;
        int i = which.nextSetBit(0);
        if (table == null) {
            for (; i >= 0; i = which.nextSetBit(i + 1)) {
                if (digests.need(chunks.get(i).digest().bytes())) {
                    fresh++;
                }
                if (table != null) {
                    i = which.nextSetBit(i + 1);
                    break;
                }
            }
            if (table == null || i < 0) {
                return fresh;
            }
        }
        List<byte[]> keys = new ArrayList<>();
        for (; i >= 0; i = which.nextSetBit(i + 1)) {
            keys.add(key(NEEDED, chunks.get(i).digest().bytes()));
        }
        return fresh + putFirstAbsent(keys, j -> NOTHING).size();
    }

    /**
     * Records base {@code base}'s chunks as where the site finds the needed chunks not located yet; how many it
     * located. Adds no distinct chunk, so it never spills.
     */
    long locate(int base, List<StoredChunk> held) throws IOException {
        long located = 0;
        if (table == null) {
            for (int i = 0; i < held.size(); i++) {
                if (digests.locate(held.get(i).digest().bytes(), ref(base, i))) {
                    located++;
                }
            }
            return located;
        }
        List<byte[]> needKeys = new ArrayList<>(held.size());
        for (StoredChunk c : held) {
            needKeys.add(key(NEEDED, c.digest().bytes()));
        }
        List<byte[]> needed = table.getAll(needKeys);
        List<byte[]> keys = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < held.size(); i++) {
            if (needed.get(i) != null) {
                keys.add(key(LOCATED, held.get(i).digest().bytes()));
                at.add(i);
            }
        }
        return putFirstAbsent(keys, j -> refBytes(base, at.get(j))).size();
    }

    /**
     * Where the site finds each chunk in {@code which}: the base that located it, else the planned object that ships
     * it, else null (only by its digest).
     */
    Found[] found(List<StoredChunk> chunks, BitSet which) throws IOException {
        Found[] out = new Found[chunks.size()];
        if (table == null) {
            for (int i = which.nextSetBit(0); i >= 0; i = which.nextSetBit(i + 1)) {
                out[i] = digests.found(chunks.get(i).digest().bytes());
            }
            return out;
        }
        List<byte[]> keys = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = which.nextSetBit(0); i >= 0; i = which.nextSetBit(i + 1)) {
            keys.add(key(LOCATED, chunks.get(i).digest().bytes()));
            at.add(i);
        }
        List<byte[]> located = table.getAll(keys);
        List<byte[]> shippedKeys = new ArrayList<>();
        List<Integer> shippedAt = new ArrayList<>();
        for (int j = 0; j < keys.size(); j++) {
            byte[] v = located.get(j);
            if (v != null) {
                ByteBuffer b = ByteBuffer.wrap(v);
                out[at.get(j)] = new Found(true, b.getInt(), b.getInt());
            } else {
                shippedKeys.add(key(SHIPPED, chunks.get(at.get(j)).digest().bytes()));
                shippedAt.add(at.get(j));
            }
        }
        List<byte[]> shipped = table.getAll(shippedKeys);
        for (int j = 0; j < shippedKeys.size(); j++) {
            byte[] v = shipped.get(j);
            if (v != null) {
                ByteBuffer b = ByteBuffer.wrap(v);
                out[shippedAt.get(j)] = new Found(false, b.getInt(), b.getInt());
            }
        }
        return out;
    }

    /**
     * The keys added by {@link #sent}, in ascending unsigned order, each once: a cursor, so the caller can merge
     * them with the cut set into the site's holdings. Called once, after the plan.
     */
    ScratchTable.KeyCursor sentKeys() {
        if (table != null) {
            return table.keys(new byte[] {SENT});
        }
        long[] keys = sent.sorted();
        return new ScratchTable.KeyCursor() {
            private int i;

            @Override
            public byte[] next() {
                if (i >= keys.length) {
                    return null;
                }
                byte[] k = ByteBuffer.allocate(Inventory.KEY_LENGTH)
                        .putLong(keys[i])
                        .putLong(keys[i + 1])
                        .array();
                i += 2;
                return k;
            }

            @Override
            public void close() {}
        };
    }

    /** Bytes the heap tables hold. */
    private long heapBytes() {
        return digests.bytes() + sent.bytes();
    }

    /** Whether a table may grow by {@code more} bytes (its old and new arrays both live while it grows). */
    private boolean mayGrow(long more) throws IOException {
        if (heapBytes() + more <= heapBudget) {
            return true;
        }
        spill();
        return false;
    }

    /** Moves everything to a scratch table on disk; the heap tables are dropped. */
    private void spill() throws IOException {
        ScratchTable t = ScratchTable.create(scratchDir);
        try {
            digests.copyTo(t);
            sent.copyTo(t);
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
        table = t;
        digests = null;
        sent = null;
    }

    @Override
    public void close() throws IOException {
        if (table != null) {
            table.close();
        }
        ScratchTable.deleteTree(scratchDir);
    }

    private static long ref(int number, int index) {
        return ((long) number << 32) | (index & 0xffffffffL);
    }

    private static byte[] refBytes(int number, int index) {
        return ByteBuffer.allocate(8).putInt(number).putInt(index).array();
    }

    private static byte[] key(byte kind, byte[] body) {
        byte[] k = new byte[1 + body.length];
        k[0] = kind;
        System.arraycopy(body, 0, k, 1, body.length);
        return k;
    }

    private static final int BATCH = 1 << 16;

    /**
     * Chunk digests (32 bytes, 4 longs a slot) with, for each, the occurrence that ships it, whether it is needed
     * and where it is located: linear probing on the digest's first bits (a sha256, so uniform).
     */
    private final class DigestTable {
        private static final byte PRESENT = 1;
        private static final byte IS_NEEDED = 2;
        private static final byte IS_LOCATED = 4;
        private static final long NO_REF = -1;

        private long[] keys;
        private long[] shipped;
        private long[] located;
        private byte[] flags;
        private int size;
        private int mask;

        DigestTable(int capacity) {
            allocate(capacity);
        }

        private void allocate(int capacity) {
            keys = new long[4 * capacity];
            shipped = new long[capacity];
            located = new long[capacity];
            flags = new byte[capacity];
            mask = capacity - 1;
        }

        long bytes() {
            return 49L * flags.length;
        }

        /** The slot of {@code digest}, or -(free slot) - 1. */
        private int find(byte[] digest) {
            ByteBuffer b = ByteBuffer.wrap(digest);
            long k0 = b.getLong();
            long k1 = b.getLong();
            long k2 = b.getLong();
            long k3 = b.getLong();
            for (int s = (int) (k0 >>> 32) & mask; ; s = (s + 1) & mask) {
                if (flags[s] == 0) {
                    return -s - 1;
                }
                int o = 4 * s;
                if (keys[o] == k0 && keys[o + 1] == k1 && keys[o + 2] == k2 && keys[o + 3] == k3) {
                    return s;
                }
            }
        }

        /** The slot of {@code digest}, added when absent; -1 when adding it spilled the plan. */
        private int slot(byte[] digest) throws IOException {
            int s = find(digest);
            if (s >= 0) {
                return s;
            }
            if (size + 1 > flags.length * 7L / 10) {
                if (!mayGrow(49L * flags.length * 2)) {
                    return -1;
                }
                grow();
                s = find(digest);
            }
            s = -s - 1;
            ByteBuffer b = ByteBuffer.wrap(digest);
            keys[4 * s] = b.getLong();
            keys[4 * s + 1] = b.getLong();
            keys[4 * s + 2] = b.getLong();
            keys[4 * s + 3] = b.getLong();
            flags[s] = PRESENT;
            shipped[s] = NO_REF;
            located[s] = NO_REF;
            size++;
            return s;
        }

        private void grow() {
            long[] oldKeys = keys;
            long[] oldShipped = shipped;
            long[] oldLocated = located;
            byte[] oldFlags = flags;
            allocate(oldFlags.length * 2);
            for (int o = 0; o < oldFlags.length; o++) {
                if (oldFlags[o] == 0) {
                    continue;
                }
                int s = (int) (oldKeys[4 * o] >>> 32) & mask;
                while (flags[s] != 0) {
                    s = (s + 1) & mask;
                }
                System.arraycopy(oldKeys, 4 * o, keys, 4 * s, 4);
                shipped[s] = oldShipped[o];
                located[s] = oldLocated[o];
                flags[s] = oldFlags[o];
            }
        }

        /** Claims {@code digest} for {@code ref} unless claimed; false also when it spilled (then not claimed). */
        boolean claim(byte[] digest, long ref) throws IOException {
            int s = slot(digest);
            if (s < 0) {
                // Spilled before this chunk: claim it on disk (the caller continues there with the next one).
                return table.getAll(List.of(key(SHIPPED, digest))).getFirst() == null
                        && putOnDisk(key(SHIPPED, digest), refBytes((int) (ref >>> 32), (int) ref));
            }
            if (shipped[s] != NO_REF) {
                return false;
            }
            shipped[s] = ref;
            return true;
        }

        boolean need(byte[] digest) throws IOException {
            int s = slot(digest);
            if (s < 0) {
                return table.getAll(List.of(key(NEEDED, digest))).getFirst() == null
                        && putOnDisk(key(NEEDED, digest), NOTHING);
            }
            if ((flags[s] & IS_NEEDED) != 0) {
                return false;
            }
            flags[s] |= IS_NEEDED;
            return true;
        }

        boolean locate(byte[] digest, long ref) {
            int s = find(digest);
            if (s < 0 || (flags[s] & IS_NEEDED) == 0 || (flags[s] & IS_LOCATED) != 0) {
                return false;
            }
            flags[s] |= IS_LOCATED;
            located[s] = ref;
            return true;
        }

        Found found(byte[] digest) {
            int s = find(digest);
            if (s < 0) {
                return null;
            }
            if ((flags[s] & IS_LOCATED) != 0) {
                return new Found(true, (int) (located[s] >>> 32), (int) located[s]);
            }
            if (shipped[s] != NO_REF) {
                return new Found(false, (int) (shipped[s] >>> 32), (int) shipped[s]);
            }
            return null;
        }

        void copyTo(ScratchTable t) throws IOException {
            List<byte[]> ks = new ArrayList<>();
            List<byte[]> vs = new ArrayList<>();
            ByteBuffer d = ByteBuffer.allocate(32);
            for (int s = 0; s < flags.length; s++) {
                if (flags[s] == 0) {
                    continue;
                }
                d.clear();
                byte[] digest = d.putLong(keys[4 * s])
                        .putLong(keys[4 * s + 1])
                        .putLong(keys[4 * s + 2])
                        .putLong(keys[4 * s + 3])
                        .array()
                        .clone();
                if (shipped[s] != NO_REF) {
                    ks.add(key(SHIPPED, digest));
                    vs.add(refBytes((int) (shipped[s] >>> 32), (int) shipped[s]));
                }
                if ((flags[s] & IS_NEEDED) != 0) {
                    ks.add(key(NEEDED, digest));
                    vs.add(NOTHING);
                }
                if ((flags[s] & IS_LOCATED) != 0) {
                    ks.add(key(LOCATED, digest));
                    vs.add(refBytes((int) (located[s] >>> 32), (int) located[s]));
                }
                if (ks.size() >= BATCH) {
                    t.putAll(ks, vs);
                    ks.clear();
                    vs.clear();
                }
            }
            t.putAll(ks, vs);
        }
    }

    /** Stores one entry in the scratch table; true. */
    private boolean putOnDisk(byte[] key, byte[] value) throws IOException {
        table.putAll(List.of(key), List.of(value));
        return true;
    }

    /** Inventory keys (16 bytes, 2 longs a slot), each once: linear probing on the key's first bits (a hash). */
    private final class KeySet {
        private long[] keys;
        private boolean[] used;
        private int size;
        private int mask;

        KeySet(int capacity) {
            keys = new long[2 * capacity];
            used = new boolean[capacity];
            mask = capacity - 1;
        }

        long bytes() {
            return 17L * used.length;
        }

        /** Adds {@code key}; false when the plan spilled instead (the key then goes to disk with the rest). */
        boolean add(byte[] key) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(key);
            long hi = b.getLong();
            long lo = b.getLong();
            if (contains(hi, lo)) {
                return true;
            }
            if (size + 1 > used.length * 7L / 10) {
                if (!mayGrow(17L * used.length * 2)) {
                    return false;
                }
                grow();
            }
            insert(hi, lo);
            size++;
            return true;
        }

        private boolean contains(long hi, long lo) {
            for (int s = (int) (hi >>> 32) & mask; used[s]; s = (s + 1) & mask) {
                if (keys[2 * s] == hi && keys[2 * s + 1] == lo) {
                    return true;
                }
            }
            return false;
        }

        private void insert(long hi, long lo) {
            int s = (int) (hi >>> 32) & mask;
            while (used[s]) {
                s = (s + 1) & mask;
            }
            keys[2 * s] = hi;
            keys[2 * s + 1] = lo;
            used[s] = true;
        }

        private void grow() {
            long[] oldKeys = keys;
            boolean[] oldUsed = used;
            keys = new long[oldKeys.length * 2];
            used = new boolean[oldUsed.length * 2];
            mask = used.length - 1;
            for (int o = 0; o < oldUsed.length; o++) {
                if (oldUsed[o]) {
                    insert(oldKeys[2 * o], oldKeys[2 * o + 1]);
                }
            }
        }

        /** The keys as hi, lo pairs in ascending unsigned order; the set is emptied (its arrays dropped). */
        long[] sorted() {
            long[] a = new long[2 * size];
            int n = 0;
            for (int s = 0; s < used.length; s++) {
                if (used[s]) {
                    a[2 * n] = keys[2 * s];
                    a[2 * n + 1] = keys[2 * s + 1];
                    n++;
                }
            }
            keys = new long[2];
            used = new boolean[1];
            mask = 0;
            size = 0;
            sortPairs(a, 0, n - 1);
            return a;
        }

        void copyTo(ScratchTable t) throws IOException {
            List<byte[]> ks = new ArrayList<>();
            ByteBuffer b = ByteBuffer.allocate(Inventory.KEY_LENGTH);
            for (int s = 0; s < used.length; s++) {
                if (used[s]) {
                    b.clear();
                    ks.add(key(
                            SENT,
                            b.putLong(keys[2 * s]).putLong(keys[2 * s + 1]).array()));
                    if (ks.size() >= BATCH) {
                        t.putAll(ks, NOTHING);
                        ks.clear();
                    }
                }
            }
            t.putAll(ks, NOTHING);
        }
    }

    /** Sorts pairs {@code [lo, hi]} (pair indexes) of {@code a} in place, ascending as unsigned 128-bit numbers. */
    static void sortPairs(long[] a, int lo, int hi) {
        while (lo < hi) {
            if (hi - lo < 16) {
                for (int i = lo + 1; i <= hi; i++) {
                    for (int j = i; j > lo && compare(a, j - 1, j) > 0; j--) {
                        swap(a, j - 1, j);
                    }
                }
                return;
            }
            int mid = (lo + hi) >>> 1;
            // Median of three as the pivot, moved to hi.
            if (compare(a, mid, lo) < 0) {
                swap(a, mid, lo);
            }
            if (compare(a, hi, lo) < 0) {
                swap(a, hi, lo);
            }
            if (compare(a, mid, hi) < 0) {
                swap(a, mid, hi);
            }
            int store = lo;
            for (int i = lo; i < hi; i++) {
                if (compare(a, i, hi) < 0) {
                    swap(a, i, store++);
                }
            }
            swap(a, store, hi);
            // Recurse into the smaller side, loop on the larger: stack depth stays logarithmic.
            if (store - lo < hi - store) {
                sortPairs(a, lo, store - 1);
                lo = store + 1;
            } else {
                sortPairs(a, store + 1, hi);
                hi = store - 1;
            }
        }
    }

    private static int compare(long[] a, int i, int j) {
        int c = Long.compareUnsigned(a[2 * i], a[2 * j]);
        return c != 0 ? c : Long.compareUnsigned(a[2 * i + 1], a[2 * j + 1]);
    }

    private static void swap(long[] a, int i, int j) {
        long h = a[2 * i];
        long l = a[2 * i + 1];
        a[2 * i] = a[2 * j];
        a[2 * i + 1] = a[2 * j + 1];
        a[2 * j] = h;
        a[2 * j + 1] = l;
    }
}
