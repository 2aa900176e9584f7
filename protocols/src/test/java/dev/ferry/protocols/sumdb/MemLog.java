package dev.ferry.protocols.sumdb;

import dev.ferry.protocols.sumdb.tlog.Hash;
import dev.ferry.protocols.sumdb.tlog.Tile;
import dev.ferry.protocols.sumdb.tlog.TileReader;
import dev.ferry.protocols.sumdb.tlog.Tlog;
import dev.ferry.protocols.sumdb.tlog.Tree;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A checksum database built in memory for tests: records, every level of complete-subtree hashes, and tiles served
 * for any tree size up to the number of records. The reference tree hash is the textbook RFC 6962 recursion, written
 * independently of {@link Tlog}'s decomposition.
 */
public final class MemLog {
    public final List<String> records = new ArrayList<>();
    private final List<List<Hash>> levels = new ArrayList<>();

    public MemLog(List<String> records) {
        this.records.addAll(records);
        List<Hash> level = new ArrayList<>();
        for (String r : records) {
            level.add(Tlog.recordHash(r.getBytes(StandardCharsets.UTF_8)));
        }
        while (!level.isEmpty()) {
            levels.add(level);
            List<Hash> up = new ArrayList<>();
            for (int i = 0; i + 1 < level.size(); i += 2) {
                up.add(Tlog.nodeHash(level.get(i), level.get(i + 1)));
            }
            level = up;
        }
    }

    /** n go.sum-like records for example.com/m{i} v1.0.{i}. */
    public static MemLog ofGoSums(int n) {
        List<String> rs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rs.add(goSum(i));
        }
        return new MemLog(rs);
    }

    public static String goSum(int i) {
        String h = java.util.Base64.getEncoder()
                .encodeToString(Tlog.recordHash(("zip" + i).getBytes()).bytes());
        String g = java.util.Base64.getEncoder()
                .encodeToString(Tlog.recordHash(("mod" + i).getBytes()).bytes());
        return "example.com/m" + i + " v1.0." + i + " h1:" + h + "\nexample.com/m" + i + " v1.0." + i + "/go.mod h1:"
                + g + "\n";
    }

    public Hash subtree(int level, long n) {
        return levels.get(level).get((int) n);
    }

    /** RFC 6962 MTH of records [lo, hi), recursively. */
    public Hash mth(int lo, int hi) {
        if (hi - lo == 1) {
            return levels.get(0).get(lo);
        }
        int k = Integer.highestOneBit(hi - lo - 1);
        return Tlog.nodeHash(mth(lo, lo + k), mth(lo + k, hi));
    }

    public Tree tree(int size) {
        return new Tree(size, mth(0, size));
    }

    /** The bytes of a tile as a database whose tree has at least the tile's hashes serves it. */
    public byte[] tile(Tile t) throws IOException {
        long first = t.number() << t.height();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (t.isData()) {
            if (first + t.width() > records.size()) {
                throw new IOException("no such tile " + t.path());
            }
            for (int i = 0; i < t.width(); i++) {
                out.writeBytes(
                        ((first + i) + "\n" + records.get((int) first + i) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return out.toByteArray();
        }
        int level = t.level() * t.height();
        if (level >= levels.size() || first + t.width() > levels.get(level).size()) {
            throw new IOException("no such tile " + t.path());
        }
        for (int i = 0; i < t.width(); i++) {
            out.writeBytes(levels.get(level).get((int) first + i).bytes());
        }
        return out.toByteArray();
    }

    /** Serves {@link #tile}, counting reads. */
    public final class Reader implements TileReader {
        public int reads;
        public final List<Tile> verified = new ArrayList<>();

        @Override
        public byte[] readTile(Tile tile) throws IOException {
            reads++;
            return tile(tile);
        }

        @Override
        public void verified(Iterable<Tile> tiles) {
            tiles.forEach(verified::add);
        }
    }

    public Reader reader() {
        return new Reader();
    }
}
