package dev.ferry.mirror.sumdb;

import dev.ferry.protocols.sumdb.LookupPath;
import dev.ferry.protocols.sumdb.tlog.Tile;
import java.util.Optional;

/**
 * The one place that spells the store names and metadata keys of checksum database state, beside (and referenced
 * from) {@link dev.ferry.mirror.go.GoStoreNames}. {@code <db>} is the database name as configured
 * ({@code sum.golang.org}); it is a host[/path] by {@link dev.ferry.protocols.sumdb.SumdbConfig#parse}'s grammar, so
 * it cannot contain the separators below in a confusing way.
 *
 * <pre>
 * names (name -> object digest)
 *   sumdb/&lt;db&gt;/tile/8/&lt;L&gt;/&lt;NNN&gt;      a full tile as served (never changes: the log only grows)
 *
 * metadata (key -> small value)
 *   sumdb/&lt;db&gt;/trusted               the signed note of the largest tree verified so far; replaced only by a
 *                                    larger tree proven consistent with it (compare-and-set under the commit lock)
 *   sumdb/&lt;db&gt;/latest                the last /latest note served by the database, as a Snapshot (fetch time)
 *   sumdb/&lt;db&gt;/tile/...&lt;.p/W&gt;        a partial tile, as a Snapshot (its content for width W never changes;
 *                                    the time only decides when to ask upstream again for clients)
 *   sumdb/&lt;db&gt;/lookup/&lt;m&gt;@&lt;v&gt;      the verified lookup response for a module version, kept forever: clients
 *                                    behind ferry verify that version with it when the database is out of reach
 *   sumdb/&lt;db&gt;/evidence/&lt;millis&gt;    a response that proved the database misbehaved, with the trusted note
 * </pre>
 *
 * The h1 hashes of each stored .mod and .zip are kept in the per-version record (see GoStoreNames).
 * Below a database, a tile, lookup or latest key is the path the database serves it at ({@link #pathOf}).
 */
public final class SumdbStoreNames {
    /** The start of every checksum database name and metadata key: scanning it visits all of them. */
    public static final String ROOT = "sumdb/";

    private SumdbStoreNames() {}

    /** The kinds of key a copy of a database's content is made of (trusted state and evidence are not). */
    public enum Kind {
        TILE("/tile/"),
        LOOKUP("/lookup/"),
        LATEST("/latest");

        private final String segment;

        Kind(String segment) {
            this.segment = segment;
        }
    }

    /** A tile, lookup or latest key taken apart: which database, which kind. */
    public record Entry(String db, Kind kind) {}

    /**
     * The database and kind of a tile ({@code sumdb/<db>/tile/...}), lookup ({@code sumdb/<db>/lookup/...}) or
     * latest ({@code sumdb/<db>/latest}) name or key; empty for trusted, evidence and anything else.
     */
    public static Optional<Entry> parse(String key) {
        if (!key.startsWith(ROOT)) {
            return Optional.empty();
        }
        String rest = key.substring(ROOT.length());
        for (Kind kind : new Kind[] {Kind.TILE, Kind.LOOKUP}) {
            int i = rest.indexOf(kind.segment);
            if (i > 0) {
                return Optional.of(new Entry(rest.substring(0, i), kind));
            }
        }
        String latest = Kind.LATEST.segment;
        if (rest.endsWith(latest) && rest.length() > latest.length()) {
            return Optional.of(new Entry(rest.substring(0, rest.length() - latest.length()), Kind.LATEST));
        }
        return Optional.empty();
    }

    /** Whether {@code key} is a database's {@link #latest} note: what a newer copy of replaces. */
    public static boolean isLatest(String key) {
        return key.startsWith(ROOT) && key.endsWith(Kind.LATEST.segment);
    }

    /**
     * The path {@code key}, a name or key of database {@code db}, is served at below the database's URL
     * ({@code tile/8/0/000}, {@code lookup/<m>@<v>}, {@code latest}).
     * @throws IllegalArgumentException when the key is not one of {@code db}'s
     */
    public static String pathOf(String db, String key) {
        String prefix = ROOT + db + "/";
        if (!key.startsWith(prefix)) {
            throw new IllegalArgumentException(key + " is not a key of checksum database " + db);
        }
        return key.substring(prefix.length());
    }

    public static String trusted(String db) {
        return ROOT + db + "/trusted";
    }

    public static String latest(String db) {
        return ROOT + db + "/latest";
    }

    /** A full tile's name, or a partial tile's metadata key: both are the tile's path under the database. */
    public static String tile(String db, Tile tile) {
        return ROOT + db + "/" + tile.path();
    }

    public static String lookup(String db, LookupPath lookup) {
        return ROOT + db + "/" + lookup;
    }

    public static String evidence(String db, long millis) {
        return ROOT + db + "/evidence/" + millis;
    }
}
