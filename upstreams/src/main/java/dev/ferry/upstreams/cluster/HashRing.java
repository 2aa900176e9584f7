package dev.ferry.upstreams.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * The ring HAProxy 2.6 builds for {@code hash-type consistent} alone (no function named: the sdbm hash
 * with the {@code avalanche} modifier, which HAProxy adds then, src/cfgparse-listen.c) and {@code balance hash}, for
 * servers of weight 1 numbered 1..n in the order of their {@code server}
 * lines (HAProxy's automatic ids): which node a key goes to, computed here so that a node knows, without asking, which
 * node HAProxy sends a key's clients to (docs/cluster.md, Owner fetch). HaproxyRingIT checks it against the real
 * HAProxy.
 *
 * <p>As HAProxy does it (src/lb_chash.c): each server has {@code weight * 16} points, point {@code i} of server
 * {@code id} at {@code full_hash(id * 4096 + i)} (Bob Jenkins' 32-bit integer hash times a large prime); a key's hash
 * (sdbm, then full_hash: the avalanche) falls between two points and goes to the nearer one, the point before on a tie; a server that is down has no
 * points. All arithmetic is unsigned 32-bit. Two points with the same value (improbable with 16 per node) may be
 * ordered differently than in HAProxy's tree.
 */
public final class HashRing {
    /** Points per server of weight 1: HAProxy's BE_WEIGHT_SCALE. */
    static final int POINTS = 16;
    /** The spacing of a server's point numbers: HAProxy's SRV_EWGHT_RANGE (256 weights * 16). */
    static final int ID_RANGE = 4096;

    private final int nodes;
    /** Every point, as unsigned values in longs, ascending; {@link #owners} gives each one's node (0-based). */
    private final long[] points;

    private final int[] owners;

    /** A ring of {@code nodes} servers, ids 1..nodes, all of weight 1. */
    public HashRing(int nodes) {
        if (nodes < 1) {
            throw new IllegalArgumentException("a ring needs at least one node: " + nodes);
        }
        this.nodes = nodes;
        long[][] all = new long[nodes * POINTS][];
        int k = 0;
        for (int node = 0; node < nodes; node++) {
            for (int i = 0; i < POINTS; i++) {
                int puid = node + 1;
                all[k++] = new long[] {Integer.toUnsignedLong(fullHash(puid * ID_RANGE + i)), node};
            }
        }
        Arrays.sort(all, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        this.points = new long[all.length];
        this.owners = new int[all.length];
        for (int j = 0; j < all.length; j++) {
            points[j] = all[j][0];
            owners[j] = (int) all[j][1];
        }
    }

    public int size() {
        return nodes;
    }

    /** The node (0-based, in configuration order) that owns {@code key} while every node is up. */
    public int owner(String key) {
        return owner(key, n -> true);
    }

    /**
     * The node that owns {@code key} among those {@code up} accepts, as HAProxy routes it while the others are
     * down; -1 when none is up.
     */
    public int owner(String key, IntPredicate up) {
        long hash = Integer.toUnsignedLong(fullHash(sdbm(key.getBytes(StandardCharsets.UTF_8))));
        int live = 0;
        int only = -1;
        for (int n = 0; n < nodes; n++) {
            if (up.test(n)) {
                live++;
                only = n;
            }
        }
        if (live <= 1) {
            // HAProxy does not hash when one server is left.
            return only;
        }
        int count = 0;
        for (int owner : owners) {
            if (up.test(owner)) {
                count++;
            }
        }
        long[] keys = new long[count];
        int[] who = new int[count];
        int k = 0;
        for (int j = 0; j < points.length; j++) {
            if (up.test(owners[j])) {
                keys[k] = points[j];
                who[k++] = owners[j];
            }
        }
        // The first point at or after the hash (wrapping to the first), and the one before it (wrapping to the last).
        int next = 0;
        while (next < count && keys[next] < hash) {
            next++;
        }
        if (next == count) {
            next = 0;
        }
        int prev = next == 0 ? count - 1 : next - 1;
        long dp = (hash - keys[prev]) & 0xffffffffL;
        long dn = (keys[next] - hash) & 0xffffffffL;
        return dp <= dn ? who[prev] : who[next];
    }

    /** HAProxy's default hash of a key (hash_sdbm). */
    static int sdbm(byte[] key) {
        int hash = 0;
        for (byte b : key) {
            int c = b & 0xff;
            hash = c + (hash << 6) + (hash << 16) - hash;
        }
        return hash;
    }

    /** HAProxy's full_hash: Bob Jenkins' full-avalanche 32-bit integer hash, times a prime near 3/4 of 2^32. */
    static int fullHash(int a) {
        a = (a + 0x7ed55d16) + (a << 12);
        a = (a ^ 0xc761c23c) ^ (a >>> 19);
        a = (a + 0x165667b1) + (a << 5);
        a = (a + 0xd3a2646c) ^ (a << 9);
        a = (a + 0xfd7046c5) + (a << 3);
        a = (a ^ 0xb55a4f09) ^ (a >>> 16);
        return a * (int) 3221225473L;
    }
}
