package dev.ferry.protocols.sumdb.tlog;

import java.io.IOException;

/**
 * Where verification gets tiles: the mirror implements it over its cache and the upstream database. The bytes are
 * untrusted; every hash read from them is checked against a signed tree hash before anything is believed.
 */
public interface TileReader {
    /**
     * The content of {@code tile} ({@link Tile#path()} under the database URL). Returning the bytes of a wider tile
     * with the same height, level and number (the full tile where a partial one was asked) is fine: a log only grows,
     * so the narrower tile is its prefix. IOException is for transport failures and passes through verification.
     */
    byte[] readTile(Tile tile) throws IOException;

    /**
     * Told after a verification succeeded which tiles it read; every hash it used from them was authenticated by the
     * signed tree. A cache may keep full tiles forever (they never change); partial tiles only until a wider one is
     * known. The default does nothing.
     */
    default void verified(Iterable<Tile> tiles) {}
}
