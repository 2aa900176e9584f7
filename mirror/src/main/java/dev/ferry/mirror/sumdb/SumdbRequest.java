package dev.ferry.mirror.sumdb;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.sumdb.LookupPath;
import dev.ferry.protocols.sumdb.tlog.Tile;

/** A request under {@code /sumdb/<db>/}, parsed strictly so that bad paths never reach the database. */
public sealed interface SumdbRequest {
    record Supported() implements SumdbRequest {}

    record Latest() implements SumdbRequest {}

    record LookupRequest(LookupPath lookup) implements SumdbRequest {}

    record TileRequest(Tile tile) implements SumdbRequest {}

    /** @param rest the raw path after {@code /sumdb/<db>/} */
    static SumdbRequest parse(String rest) throws FormatException {
        if (rest.equals("supported")) {
            return new Supported();
        }
        if (rest.equals("latest")) {
            return new Latest();
        }
        if (rest.startsWith("lookup/")) {
            return new LookupRequest(LookupPath.parse(rest));
        }
        if (rest.startsWith("tile/")) {
            Tile t = Tile.parsePath(rest);
            if (t.height() != Tile.HEIGHT) {
                throw new FormatException("tile height " + t.height() + " not served: checksum databases use " + Tile.HEIGHT);
            }
            return new TileRequest(t);
        }
        throw new FormatException("unknown checksum database path \"" + rest + "\": want supported, latest, lookup/... or tile/...");
    }
}
