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

    /**
     * @param raw the raw path after {@code /sumdb/<db>/}, percent-decoded once here (the go command sends '!' as
     *            {@code %21}); an encoded '/' or '%', and anything a module path or version never holds, is refused
     */
    static SumdbRequest parse(String raw) throws FormatException {
        String rest = decode(raw);
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
                throw new FormatException(
                        "tile height " + t.height() + " not served: checksum databases use " + Tile.HEIGHT);
            }
            return new TileRequest(t);
        }
        throw new FormatException(
                "unknown checksum database path \"" + rest + "\": want supported, latest, lookup/... or tile/...");
    }

    private static String decode(String raw) throws FormatException {
        StringBuilder b = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? hex(raw.charAt(i + 1)) : -1;
                int lo = i + 2 < raw.length() ? hex(raw.charAt(i + 2)) : -1;
                if (hi < 0 || lo < 0) {
                    throw new FormatException("malformed percent-encoding in checksum database path \"" + raw + "\"");
                }
                c = (char) (hi << 4 | lo);
                i += 2;
                if (c == '/' || c == '%') {
                    throw new FormatException("encoded '" + c + "' in checksum database path \"" + raw + "\"");
                }
            }
            if (c <= 0x20 || c >= 0x7f || c == '\\' || c == '?' || c == '#') {
                throw new FormatException(
                        "checksum database path \"" + raw + "\" contains a character no lookup or tile path has");
            }
            b.append(c);
        }
        return b.toString();
    }

    private static int hex(char c) {
        return c < 0x80 ? Character.digit(c, 16) : -1;
    }
}
