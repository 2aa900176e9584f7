package dev.ferry.protocols.sumdb.tlog;

import dev.ferry.protocols.FormatException;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The log's Merkle tree (RFC 6962 as tlog implements it): record hash SHA-256(0x00 || data), node hash
 * SHA-256(0x01 || left || right), the tree hash of n records splitting at the largest power of two below n, and the
 * inclusion and consistency proofs over it. Proofs list hashes bottom-up, as RFC 6962 and tlog do.
 */
public final class Tlog {
    private Tlog() {}

    /** tlog.RecordHash: SHA-256(0x00 || data). */
    public static Hash recordHash(byte[] data) {
        MessageDigest md = sha256();
        md.update((byte) 0);
        return new Hash(md.digest(data));
    }

    /** tlog.NodeHash: SHA-256(0x01 || left || right). */
    public static Hash nodeHash(Hash left, Hash right) {
        MessageDigest md = sha256();
        md.update((byte) 1);
        md.update(left.bytes());
        return new Hash(md.digest(right.bytes()));
    }

    /**
     * tlog.StoredHashIndex: where the hash of subtree (level, n) sits in the sequence of hashes a log stores, written
     * as records arrive (record n's leaf, then every subtree that record completes, lowest first).
     */
    public static long storedHashIndex(int level, long n) {
        if (level < 0 || level > 62 || n < 0 || n > (Long.MAX_VALUE >> (level + 2))) {
            throw new FormatException("no stored hash for level " + level + ", index " + n);
        }
        // The last record of the subtree is the one that completes it; its leaf comes after all hashes stored for
        // the records before it (storedHashCount), and the subtree is level steps further.
        long last = ((n + 1) << level) - 1;
        return storedHashCount(last) + level;
    }

    /** tlog.StoredHashCount: how many hashes a log of {@code records} records stores. */
    public static long storedHashCount(long records) {
        if (records < 0 || records > Long.MAX_VALUE / 2) {
            throw new FormatException("no stored hash count for " + records + " records");
        }
        // Record i stores 1 + trailingZeros(i + 1) hashes; summed over i < records that is 2*records - popcount.
        return 2 * records - Long.bitCount(records);
    }

    /** tlog.SplitStoredHashIndex, the inverse of {@link #storedHashIndex}: {level, n}. */
    public static long[] splitStoredHashIndex(long index) {
        if (index < 0 || index > Long.MAX_VALUE / 2) {
            throw new FormatException("invalid stored hash index " + index);
        }
        // storedHashCount(r) <= index < storedHashCount(r) + 1 + trailingZeros(r + 1) for exactly one record r,
        // and storedHashCount is within 64 of 2r, so r is found by a short walk from index / 2.
        long r = index / 2;
        while (storedHashCount(r) > index) {
            r--;
        }
        while (storedHashCount(r + 1) <= index) {
            r++;
        }
        int level = (int) (index - storedHashCount(r));
        return new long[] {level, r >> level};
    }

    /** tlog.TreeHash: the hash of the first {@code size} records (size 0: SHA-256 of nothing, as tlog). */
    public static Hash treeHash(long size, SubtreeReader r) throws IOException {
        if (size < 0) {
            throw new FormatException("negative tree size");
        }
        if (size == 0) {
            return new Hash(sha256().digest());
        }
        return rangeHash(0, size, r);
    }

    /**
     * The hash of records [lo, hi) where lo is a multiple of a power of two at least hi - lo (as every range in the
     * RFC 6962 recursion is): its complete subtrees from the left in decreasing size, folded from the right.
     */
    private static Hash rangeHash(long lo, long hi, SubtreeReader r) throws IOException {
        List<Hash> parts = new ArrayList<>();
        while (lo < hi) {
            int level = 63 - Long.numberOfLeadingZeros(hi - lo);
            while (level > 0 && (lo & ((1L << level) - 1)) != 0) {
                level--;
            }
            parts.add(r.subtree(level, lo >> level));
            lo += 1L << level;
        }
        Hash h = parts.get(parts.size() - 1);
        for (int i = parts.size() - 2; i >= 0; i--) {
            h = nodeHash(parts.get(i), h);
        }
        return h;
    }

    private static long split(long n) {
        return Long.highestOneBit(n - 1);
    }

    /** tlog.ProveRecord: the inclusion proof of record {@code id} in the tree of {@code size} records. */
    public static List<Hash> recordProof(long id, long size, SubtreeReader r) throws IOException {
        if (id < 0 || id >= size) {
            throw new FormatException("record " + id + " is not in a tree of size " + size);
        }
        List<Hash> top = new ArrayList<>();
        long lo = 0;
        long hi = size;
        while (hi - lo > 1) {
            long k = split(hi - lo);
            if (id < lo + k) {
                top.add(rangeHash(lo + k, hi, r));
                hi = lo + k;
            } else {
                top.add(rangeHash(lo, lo + k, r));
                lo += k;
            }
        }
        Collections.reverse(top);
        return top;
    }

    /**
     * The tree hash that inclusion proof {@code proof} yields for record {@code id} with record hash {@code leaf} in a
     * tree of {@code size} records; throws FormatException when the proof has the wrong length for (id, size).
     */
    public static Hash recordProofRoot(List<Hash> proof, long size, long id, Hash leaf) throws FormatException {
        if (id < 0 || id >= size) {
            throw new FormatException("record " + id + " is not in a tree of size " + size);
        }
        List<Boolean> leftSibling = new ArrayList<>();
        long lo = 0;
        long hi = size;
        while (hi - lo > 1) {
            long k = split(hi - lo);
            if (id < lo + k) {
                leftSibling.add(false);
                hi = lo + k;
            } else {
                leftSibling.add(true);
                lo += k;
            }
        }
        if (proof.size() != leftSibling.size()) {
            throw new FormatException("inclusion proof for record " + id + " in tree of size " + size + " has "
                    + proof.size() + " hashes, want " + leftSibling.size());
        }
        Hash h = leaf;
        for (int i = 0; i < proof.size(); i++) {
            boolean left = leftSibling.get(leftSibling.size() - 1 - i);
            h = left ? nodeHash(proof.get(i), h) : nodeHash(h, proof.get(i));
        }
        return h;
    }

    /** tlog.CheckRecord: whether {@code proof} shows record {@code id} with hash {@code leaf} in tree (size, root). */
    public static boolean checkRecord(List<Hash> proof, long size, Hash root, long id, Hash leaf) {
        try {
            return recordProofRoot(proof, size, id, leaf).equals(root);
        } catch (FormatException e) {
            return false;
        }
    }

    /**
     * tlog.ProveTree: the consistency proof that the tree of {@code oldSize} records is a prefix of the tree of
     * {@code newSize} records (RFC 6962 SUBPROOF), 0 &lt; oldSize &lt;= newSize.
     */
    public static List<Hash> treeProof(long oldSize, long newSize, SubtreeReader r) throws IOException {
        if (oldSize <= 0 || oldSize > newSize) {
            throw new FormatException("no consistency proof from size " + oldSize + " to size " + newSize);
        }
        List<Hash> top = new ArrayList<>();
        long lo = 0;
        long hi = newSize;
        long m = oldSize;
        boolean whole = true;
        while (m != hi) {
            long k = split(hi - lo);
            if (m - lo <= k) {
                top.add(rangeHash(lo + k, hi, r));
                hi = lo + k;
            } else {
                top.add(rangeHash(lo, lo + k, r));
                lo += k;
                whole = false;
            }
        }
        if (!whole) {
            top.add(rangeHash(lo, hi, r));
        }
        Collections.reverse(top);
        return top;
    }

    /** The old and new tree hashes a consistency proof yields. */
    public record TreeProofRoots(Hash oldRoot, Hash newRoot) {}

    /**
     * Recomputes both tree hashes from consistency proof {@code proof} from {@code oldSize} (whose hash, {@code
     * oldHash}, the proof omits when the old tree is a left subtree of the new one) to {@code newSize}. If newRoot
     * equals the signed new hash, the proof's hashes are genuine nodes of the new tree, so then an oldRoot different
     * from the old hash proves the two trees inconsistent. Throws FormatException when the proof length is wrong.
     */
    public static TreeProofRoots treeProofRoots(List<Hash> proof, long oldSize, Hash oldHash, long newSize)
            throws FormatException {
        if (oldSize <= 0 || oldSize > newSize) {
            throw new FormatException("no consistency proof from size " + oldSize + " to size " + newSize);
        }
        // Replay the descent of treeProof to learn, per step, on which side the proof hash goes.
        List<Boolean> goesLeft = new ArrayList<>();
        long lo = 0;
        long hi = newSize;
        long m = oldSize;
        boolean whole = true;
        while (m != hi) {
            long k = split(hi - lo);
            if (m - lo <= k) {
                goesLeft.add(false);
                hi = lo + k;
            } else {
                goesLeft.add(true);
                lo += k;
                whole = false;
            }
        }
        int want = goesLeft.size() + (whole ? 0 : 1);
        if (proof.size() != want) {
            throw new FormatException("consistency proof from size " + oldSize + " to size " + newSize + " has "
                    + proof.size() + " hashes, want " + want);
        }
        int i = 0;
        Hash oldRoot;
        Hash newRoot;
        if (whole) {
            oldRoot = oldHash;
            newRoot = oldHash;
        } else {
            oldRoot = proof.get(0);
            newRoot = proof.get(0);
            i = 1;
        }
        for (int step = goesLeft.size() - 1; step >= 0; step--, i++) {
            Hash p = proof.get(i);
            if (goesLeft.get(step)) {
                oldRoot = nodeHash(p, oldRoot);
                newRoot = nodeHash(p, newRoot);
            } else {
                newRoot = nodeHash(newRoot, p);
            }
        }
        return new TreeProofRoots(oldRoot, newRoot);
    }

    /** tlog.CheckTree: whether {@code proof} shows tree (oldSize, oldHash) is a prefix of tree (newSize, newHash). */
    public static boolean checkTree(List<Hash> proof, long newSize, Hash newHash, long oldSize, Hash oldHash) {
        try {
            TreeProofRoots roots = treeProofRoots(proof, oldSize, oldHash, newSize);
            return roots.newRoot().equals(newHash) && roots.oldRoot().equals(oldHash);
        } catch (FormatException e) {
            return false;
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
