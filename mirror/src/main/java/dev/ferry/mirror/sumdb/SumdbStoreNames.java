package dev.ferry.mirror.sumdb;

import dev.ferry.protocols.sumdb.LookupPath;
import dev.ferry.protocols.sumdb.tlog.Tile;

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
 */
public final class SumdbStoreNames {
    static final String ROOT = "sumdb/";

    private SumdbStoreNames() {}

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
