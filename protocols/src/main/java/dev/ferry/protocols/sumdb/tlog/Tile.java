package dev.ferry.protocols.sumdb.tlog;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tile (tlog.Tile): of height {@code height}, at tile level {@code level} (or {@link #DATA} for record data),
 * number {@code number} and width {@code width}. A hash tile holds {@code width} hashes of tree level
 * {@code level * height}, those with indexes {@code number * 2^height} onwards; a data tile holds the same records'
 * data. A full tile has width {@code 2^height}; narrower ones are partial.
 */
public record Tile(int height, int level, long number, int width) {
    /** The tile height the go command and sum.golang.org use. */
    public static final int HEIGHT = 8;
    /** The level of data tiles. */
    public static final int DATA = -1;

    /** The ranges ParseTilePath enforces: height 1..30, level -1 or more, number >= 0, width 1..2^height. */
    public Tile {
        if (height < 1
                || height > 30
                || level < DATA
                || number < 0
                || width < 1
                || width > 1 << height
                || level > 0 && (long) level * height >= 63) {
            throw new FormatException(
                    "invalid tile: height " + height + ", level " + level + ", number " + number + ", width " + width);
        }
    }

    public boolean isData() {
        return level == DATA;
    }

    public boolean isFull() {
        return width == 1 << height;
    }

    /**
     * Tile.Path: {@code tile/H/L/NNN[.p/W]}, L being {@code data} for data tiles; N written in groups of three digits,
     * all but the last prefixed with 'x' ({@code 1234067} is {@code x001/x234/067}); {@code .p/W} only when partial.
     */
    public String path() {
        StringBuilder n = new StringBuilder(String.format("%03d", number % 1000));
        for (long m = number / 1000; m > 0; m /= 1000) {
            n.insert(0, String.format("x%03d/", m % 1000));
        }
        return "tile/" + height + "/" + (isData() ? "data" : String.valueOf(level)) + "/" + n
                + (isFull() ? "" : ".p/" + width);
    }

    /**
     * tlog.ParseTilePath, strictly: the path must be exactly what {@link #path()} writes for the tile it names, so
     * there is one spelling per tile (no leading zeros, signs, empty or missing groups, full width written as
     * {@code .p/W}), and every number must be in range.
     */
    public static Tile parsePath(String path) throws FormatException {
        if (path == null || path.length() > 200) {
            throw new FormatException("malformed tile path " + quote(path));
        }
        String[] f = path.split("/", -1);
        if (f.length < 4 || !f[0].equals("tile")) {
            throw new FormatException("malformed tile path " + quote(path) + ": want tile/H/L/NNN[.p/W]");
        }
        int h = smallInt(f[1], path);
        boolean data = f[2].equals("data");
        int l = data ? DATA : smallInt(f[2], path);
        int end = f.length;
        int w = -1;
        if (f[end - 2].endsWith(".p")) {
            w = smallInt(f[end - 1], path);
            f[end - 2] = f[end - 2].substring(0, f[end - 2].length() - 2);
            end--;
        }
        long n = 0;
        for (int i = 3; i < end; i++) {
            String g = i < end - 1 && f[i].startsWith("x") ? f[i].substring(1) : f[i];
            if (g.length() != 3
                    || !g.chars().allMatch(c -> c >= '0' && c <= '9')
                    || n > (Long.MAX_VALUE - 999) / 1000) {
                throw new FormatException("malformed tile path " + quote(path) + ": bad tile number");
            }
            n = n * 1000 + Integer.parseInt(g);
        }
        if (h < 1 || h > 30) {
            throw new FormatException("malformed tile path " + quote(path) + ": height must be 1 to 30");
        }
        Tile t;
        try {
            t = new Tile(h, l, n, w < 0 ? 1 << h : w);
        } catch (FormatException e) {
            throw new FormatException("malformed tile path " + quote(path) + ": " + e.getMessage());
        }
        if (!t.path().equals(path)) {
            throw new FormatException(
                    "malformed tile path " + quote(path) + ": not canonical (want " + quote(t.path()) + ")");
        }
        return t;
    }

    private static int smallInt(String s, String path) {
        if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new FormatException("malformed tile path " + quote(path) + ": " + quote(s) + " is not a number");
        }
        return Integer.parseInt(s);
    }

    /**
     * The tile of this height, level and number as it exists for a tree of {@code treeSize} records: width is how many
     * of its hashes the tree has, at most {@code 2^height}. Throws if the tree has none of them.
     */
    public static Tile forTree(int height, int level, long number, long treeSize) throws FormatException {
        long shift = level == DATA ? 0 : (long) level * height;
        long have = shift >= 63 ? 0 : (treeSize >> shift) - (number << height);
        if (number < 0 || number > Long.MAX_VALUE >> height || have <= 0) {
            throw new FormatException("tree of size " + treeSize + " has no tile " + level + "/" + number);
        }
        return new Tile(height, level, number, (int) Math.min(have, 1L << height));
    }

    /**
     * The hashes in a hash tile's bytes: exactly {@code width * 32} bytes, or more when a wider tile was served (at
     * most {@code 2^height * 32} and a multiple of 32), of which the first {@code width} hashes are taken.
     */
    public List<Hash> hashes(byte[] data) throws FormatException {
        if (isData()) {
            throw new FormatException("tile " + path() + " is a data tile, not a hash tile");
        }
        if (data == null
                || data.length < width * Hash.SIZE
                || data.length % Hash.SIZE != 0
                || data.length > (Hash.SIZE << height)) {
            throw new FormatException("tile " + path() + " has " + (data == null ? 0 : data.length) + " bytes, want "
                    + width * Hash.SIZE);
        }
        List<Hash> out = new ArrayList<>(width);
        for (int i = 0; i < width; i++) {
            out.add(new Hash(Arrays.copyOfRange(data, i * Hash.SIZE, (i + 1) * Hash.SIZE)));
        }
        return out;
    }

    /** One record of a data tile: its id and text. */
    public record Record(long id, String text) {}

    /**
     * The records in a data tile's bytes: {@code width} (or, for a wider tile served, more, of which the first
     * {@code width} are taken) records, each {@code "<id>\n<text>\n"} as tlog.FormatRecord writes them, ids
     * consecutive from {@code number * 2^height}, text non-empty, ending in a newline and without a blank line.
     */
    public List<Record> records(byte[] data) throws FormatException {
        if (!isData()) {
            throw new FormatException("tile " + path() + " is a hash tile, not a data tile");
        }
        String s = new String(data, StandardCharsets.UTF_8);
        if (!Arrays.equals(s.getBytes(StandardCharsets.UTF_8), data)) {
            throw new FormatException("data tile " + path() + " is not valid UTF-8");
        }
        List<Record> out = new ArrayList<>(width);
        int at = 0;
        long id = number << height;
        while (out.size() < width) {
            int nl = s.indexOf('\n', at);
            int end = nl < 0 ? -1 : s.indexOf("\n\n", nl + 1);
            if (nl < 0
                    || end < 0
                    || s.charAt(nl + 1) == '\n'
                    || !s.substring(at, nl).equals(Long.toString(id))) {
                throw new FormatException("data tile " + path() + ": record " + id + " missing or malformed");
            }
            out.add(new Record(id, s.substring(nl + 1, end + 1)));
            at = end + 2;
            id++;
        }
        if (at != s.length() && isFull()) {
            throw new FormatException("data tile " + path() + " has bytes after its last record");
        }
        return out;
    }
}
