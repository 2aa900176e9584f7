package dev.ferry.protocols.sumdb.tlog;

import dev.ferry.protocols.FormatException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads subtree hashes for a tree of a given size out of hash tiles (tlog.TileHashReader without its own
 * authentication: callers check whatever they compute against a signed tree hash). Each tile is read at most once,
 * at the width the tree has for it, which is the tile the database serves for that tree.
 */
public final class TileHashReader implements SubtreeReader {
    private final long treeSize;
    private final int height;
    private final TileReader tiles;
    private final Map<Tile, List<Hash>> read = new LinkedHashMap<>();

    public TileHashReader(long treeSize, TileReader tiles) {
        this(treeSize, Tile.HEIGHT, tiles);
    }

    public TileHashReader(long treeSize, int height, TileReader tiles) {
        if (treeSize < 0 || height < 1 || height > 30 || tiles == null) {
            throw new IllegalArgumentException("tree size " + treeSize + ", height " + height);
        }
        this.treeSize = treeSize;
        this.height = height;
        this.tiles = tiles;
    }

    /**
     * The subtree (level, n), which must lie inside the tree: computed from the {@code 2^(level mod height)} hashes
     * of tree level {@code height * floor(level / height)} that cover it, all in one tile.
     */
    @Override
    public Hash subtree(int level, long n) throws IOException {
        if (level < 0 || level > 62 || n < 0 || n >= (treeSize >> level)) {
            throw new FormatException("subtree " + level + "/" + n + " is not in a tree of size " + treeSize);
        }
        int tileLevel = level / height;
        int k = level - tileLevel * height;
        long first = n << k;
        long number = first >> height;
        int offset = (int) (first - (number << height));
        Tile t = Tile.forTree(height, tileLevel, number, treeSize);
        List<Hash> hs = read.get(t);
        if (hs == null) {
            hs = t.hashes(tiles.readTile(t));
            read.put(t, hs);
        }
        List<Hash> layer = new ArrayList<>(hs.subList(offset, offset + (1 << k)));
        while (layer.size() > 1) {
            List<Hash> up = new ArrayList<>(layer.size() / 2);
            for (int i = 0; i < layer.size(); i += 2) {
                up.add(Tlog.nodeHash(layer.get(i), layer.get(i + 1)));
            }
            layer = up;
        }
        return layer.get(0);
    }

    /** The tiles read so far, in first-read order. */
    public List<Tile> tilesRead() {
        return List.copyOf(read.keySet());
    }
}
