package dev.ferry.upstreams.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ring's properties; that it is HAProxy's own is HaproxyRingIT's proof. */
class HashRingTest {
    @Test
    void haproxysIntegerHashAndSdbm() {
        // Values of HAProxy's full_hash and hash_sdbm (include/haproxy/intops.h, src/hash.c) as the C code gives
        // them, compiled with gcc: a point of server 1, the last point of server 3, a module key and its avalanche.
        assertEquals(1237450891L, Integer.toUnsignedLong(HashRing.fullHash(4096)));
        assertEquals(890795054L, Integer.toUnsignedLong(HashRing.fullHash(3 * 4096 + 15)));
        byte[] key = "/golang.org/x/text/".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(268047927L, Integer.toUnsignedLong(HashRing.sdbm(key)));
        assertEquals(981339380L, Integer.toUnsignedLong(HashRing.fullHash(HashRing.sdbm(key))));
        assertEquals(0, HashRing.sdbm(new byte[0]));
        assertEquals('a', HashRing.sdbm(new byte[] {'a'}));
        assertEquals('b' + ('a' << 6) + ('a' << 16) - 'a', HashRing.sdbm(new byte[] {'a', 'b'}));
    }

    @Test
    void onlyTheKeysOfADownNodeMove() {
        HashRing ring = new HashRing(3);
        int moved = 0;
        int[] owned = new int[3];
        for (int i = 0; i < 3000; i++) {
            String key = "/example.com/m" + i + "/";
            int owner = ring.owner(key);
            owned[owner]++;
            int without1 = ring.owner(key, n -> n != 1);
            if (owner != 1) {
                assertEquals(owner, without1, key);
            } else {
                moved++;
                assertTrue(without1 == 0 || without1 == 2, key);
            }
        }
        assertEquals(owned[1], moved);
        for (int n : owned) {
            // 16 points per node spread keys roughly, not evenly: each node gets a real share.
            assertTrue(n > 300, java.util.Arrays.toString(owned));
        }
    }

    @Test
    void oneNodeLeftOwnsEverythingAndNoneLeftOwnsNothing() {
        HashRing ring = new HashRing(3);
        assertEquals(2, ring.owner("/x/", n -> n == 2));
        assertEquals(-1, ring.owner("/x/", n -> false));
        assertEquals(0, new HashRing(1).owner("/anything/"));
    }

    @Test
    void everyNodeComputesTheSameOwners() {
        List<URI> nodes =
                List.of(URI.create("http://a:8080"), URI.create("http://b:8080"), URI.create("http://c:8080"));
        KeyOwners fromA = new KeyOwners(nodes, nodes.get(0));
        KeyOwners fromC = new KeyOwners(nodes, URI.create("http://c:8080/"));
        int ownedByExactlyOne = 0;
        for (int i = 0; i < 200; i++) {
            String path = "/example.com/m" + i + "/@v/v1.0.0.zip";
            assertEquals(fromA.owner(path), fromC.owner(path));
            KeyOwners fromB = new KeyOwners(nodes, nodes.get(1));
            int owners =
                    (fromA.ownsSelf(path) ? 1 : 0) + (fromB.ownsSelf(path) ? 1 : 0) + (fromC.ownsSelf(path) ? 1 : 0);
            ownedByExactlyOne += owners == 1 ? 1 : 0;
        }
        assertEquals(200, ownedByExactlyOne);
    }
}
