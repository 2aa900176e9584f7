package dev.ferry.protocols.sumdb.tlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.sumdb.MemLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TlogTest {
    private static final MemLog LOG = MemLog.ofGoSums(600);
    private static final String NODE_OF_ZEROS = "ae0798d0ecaed2b778eddebf18f071a561c53658c05e76cedecc27cafbdbc577";

    /** Sizes around tile (256) and subtree boundaries, plus a spread of ordinary ones. */
    private static List<Integer> sizes() {
        TreeSet<Integer> s = new TreeSet<>();
        for (int i = 1; i <= 40; i++) {
            s.add(i);
        }
        for (int b : new int[] {63, 64, 65, 127, 128, 129, 255, 256, 257, 300, 383, 384, 511, 512, 513, 599, 600}) {
            s.add(b);
        }
        return new ArrayList<>(s);
    }

    @Test
    void hashesAreDomainSeparatedSha256() {
        // SHA-256("\x00") and SHA-256("\x01" || 0^64), fixed by the definitions; computed with sha256sum.
        assertEquals(
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                HexFormat.of().formatHex(Tlog.recordHash(new byte[0]).bytes()));
        Hash zero = new Hash(new byte[32]);
        // printf '\x01' followed by 64 zero bytes | sha256sum
        assertEquals(
                NODE_OF_ZEROS,
                HexFormat.of().formatHex(Tlog.nodeHash(zero, zero).bytes()));
        assertFalse(
                Tlog.nodeHash(zero, new Hash(Tlog.recordHash(new byte[0]).bytes()))
                        .equals(Tlog.nodeHash(
                                new Hash(Tlog.recordHash(new byte[0]).bytes()), zero)),
                "order matters");
    }

    @Test
    void treeHashFromTilesMatchesTheRfcRecursion() throws IOException {
        for (int size : sizes()) {
            MemLog.Reader r = LOG.reader();
            assertEquals(LOG.mth(0, size), Tlog.treeHash(size, new TileHashReader(size, r)), "size " + size);
            assertEquals(LOG.mth(0, size), Tlog.treeHash(size, LOG::subtree), "size " + size);
        }
    }

    @Test
    void inclusionProofsAtEverySizeAndIndex() throws IOException {
        for (int size : sizes()) {
            Tree t = LOG.tree(size);
            TileHashReader r = new TileHashReader(size, LOG.reader());
            for (int id = 0; id < size; id += size > 64 ? 7 : 1) {
                List<Hash> p = Tlog.recordProof(id, size, r);
                Hash leaf = LOG.subtree(0, id);
                assertTrue(Tlog.checkRecord(p, size, t.hash(), id, leaf), size + "/" + id);
                assertFalse(
                        Tlog.checkRecord(p, size, t.hash(), id, LOG.subtree(0, (id + 1) % size)) && size > 1,
                        "wrong leaf " + size + "/" + id);
                if (!p.isEmpty()) {
                    List<Hash> bad = new ArrayList<>(p);
                    bad.set(id % bad.size(), leaf);
                    assertFalse(Tlog.checkRecord(bad, size, t.hash(), id, leaf), "tampered " + size + "/" + id);
                    assertFalse(Tlog.checkRecord(p.subList(1, p.size()), size, t.hash(), id, leaf), "short");
                }
            }
        }
        assertThrows(FormatException.class, () -> Tlog.recordProof(5, 5, LOG::subtree));
    }

    @Test
    void consistencyProofsBetweenManySizes() throws IOException {
        List<Integer> sizes = sizes();
        for (int newSize : sizes) {
            TileHashReader r = new TileHashReader(newSize, LOG.reader());
            Tree nt = LOG.tree(newSize);
            for (int oldSize : sizes) {
                if (oldSize > newSize) {
                    break;
                }
                Tree ot = LOG.tree(oldSize);
                List<Hash> p = Tlog.treeProof(oldSize, newSize, r);
                assertTrue(Tlog.checkTree(p, newSize, nt.hash(), oldSize, ot.hash()), oldSize + "->" + newSize);
                assertFalse(
                        Tlog.checkTree(p, newSize, nt.hash(), oldSize, LOG.subtree(0, 0)) && oldSize > 1,
                        "wrong old hash " + oldSize + "->" + newSize);
                assertFalse(
                        Tlog.checkTree(p, newSize, ot.hash(), oldSize, ot.hash()) && oldSize != newSize,
                        "wrong new hash " + oldSize + "->" + newSize);
                for (int i = 0; i < p.size(); i++) {
                    List<Hash> bad = new ArrayList<>(p);
                    bad.set(i, LOG.subtree(0, 0));
                    assertFalse(
                            Tlog.checkTree(bad, newSize, nt.hash(), oldSize, ot.hash()),
                            "tampered " + i + " of " + oldSize + "->" + newSize);
                }
                if (oldSize == newSize) {
                    assertTrue(p.isEmpty());
                }
            }
        }
    }

    @Test
    void largeTreeAtTheLevelTwoTileBoundary() throws IOException {
        MemLog big = MemLog.ofGoSums(65537);
        for (int size : new int[] {65535, 65536, 65537}) {
            MemLog.Reader reader = big.reader();
            TileHashReader r = new TileHashReader(size, reader);
            Hash h = Tlog.treeHash(size, r);
            assertEquals(big.mth(0, size), h, "size " + size);
            for (long id : new long[] {0, 255, 256, 65535 % size, size - 1}) {
                assertTrue(Tlog.checkRecord(Tlog.recordProof(id, size, r), size, h, id, big.subtree(0, id)));
            }
            for (int old : new int[] {1, 256, 257, 65280, 65535}) {
                assertTrue(Tlog.checkTree(Tlog.treeProof(old, size, r), size, h, old, big.mth(0, old)));
            }
            assertTrue(reader.reads < 40, "tiles are read once each: " + reader.reads);
        }
    }

    @Test
    void storedHashIndexes() {
        // tlog's layout: record 0 -> 0; record 1 -> 1, and (1,0) -> 2; record 2 -> 3; record 3 -> 4, (1,1) -> 5,
        // (2,0) -> 6.
        assertEquals(0, Tlog.storedHashIndex(0, 0));
        assertEquals(1, Tlog.storedHashIndex(0, 1));
        assertEquals(2, Tlog.storedHashIndex(1, 0));
        assertEquals(3, Tlog.storedHashIndex(0, 2));
        assertEquals(4, Tlog.storedHashIndex(0, 3));
        assertEquals(5, Tlog.storedHashIndex(1, 1));
        assertEquals(6, Tlog.storedHashIndex(2, 0));
        assertEquals(7, Tlog.storedHashIndex(0, 4));
        long next = 0;
        for (long rec = 0; rec < 5000; rec++) {
            for (int level = 0; level <= Long.numberOfTrailingZeros(rec + 1); level++) {
                long idx = Tlog.storedHashIndex(level, rec >> level);
                assertEquals(next++, idx, "stored hashes are dense and in order");
                assertArrayEquals(new long[] {level, rec >> level}, Tlog.splitStoredHashIndex(idx));
            }
            assertEquals(next, Tlog.storedHashCount(rec + 1));
        }
    }

    @Test
    void treeNotes() {
        Tree t = LOG.tree(81);
        assertEquals(t, Tree.parseNote(t.formatNote()));
        String good = "go.sum database tree\n81\nKDypSWzTeXBaUyf7VtBPvWDhRzTV5PueLcVm9MqOuj8=\n";
        assertEquals(81, Tree.parseNote(good).size());
        for (String bad : new String[] {
            "go.sum database tree\n81\nKDypSWzTeXBaUyf7VtBPvWDhRzTV5PueLcVm9MqOuj8=",
            "go.sum database tree\n81\nKDypSWzTeXBaUyf7VtBPvWDhRzTV5PueLcVm9MqOuj8=\nextra\n",
            "go.sum database tree\n081\nKDypSWzTeXBaUyf7VtBPvWDhRzTV5PueLcVm9MqOuj8=\n",
            "go.sum database tree\n+81\nKDypSWzTeXBaUyf7VtBPvWDhRzTV5PueLcVm9MqOuj8=\n",
            "go.sum database tree\n-1\nKDypSWzTeXBaUyf7VtBPvWDhRzTV5PueLcVm9MqOuj8=\n",
            "go.sum database tree\n9223372036854775808\nKDypSWzTeXBaUyf7VtBPvWDhRzTV5PueLcVm9MqOuj8=\n",
            "go.sum database tree\n81\nKDypSWzTeXBaUyf7VtBPvWDhRzTV5PueLcVm9MqOuj==\n",
            "go.sum database tree\n81\nKDypSWzTeXBaUyf7VtBPvWDhRzTV5PueLcVm9MqOu\n",
            "go.sum database  tree\n81\nKDypSWzTeXBaUyf7VtBPvWDhRzTV5PueLcVm9MqOuj8=\n",
            "go.sum database tree\r\n81\nKDypSWzTeXBaUyf7VtBPvWDhRzTV5PueLcVm9MqOuj8=\n",
            ""
        }) {
            assertThrows(FormatException.class, () -> Tree.parseNote(bad), bad);
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "tile/8/0/000",
                "tile/8/0/000.p/1",
                "tile/8/0/000.p/255",
                "tile/8/1/x001/234",
                "tile/8/data/x001/x234/067.p/8",
                "tile/8/2/x123/x456/789",
                "tile/1/0/001",
                "tile/30/0/000.p/5",
                "tile/8/data/000.p/81"
            })
    void tilePathsRoundTrip(String path) {
        Tile t = Tile.parsePath(path);
        assertEquals(path, t.path());
    }

    @Test
    void tilePathEncoding() {
        assertEquals("tile/8/1/x001/x234/067.p/8", new Tile(8, 1, 1234067, 8).path());
        assertEquals("tile/8/data/000", new Tile(8, -1, 0, 256).path());
        assertEquals("tile/8/0/999", new Tile(8, 0, 999, 256).path());
        assertEquals("tile/8/0/x001/000", new Tile(8, 0, 1000, 256).path());
        assertEquals(new Tile(8, 0, 1234067, 256), Tile.parsePath("tile/8/0/x001/x234/067"));
        assertEquals(new Tile(8, Tile.DATA, 0, 81), Tile.parsePath("tile/8/data/000.p/81"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "tile",
                "tile/8/0",
                "tile/8/0/",
                "tile/8/0/00",
                "tile/8/0/0000",
                "tile/8/0/1",
                "tile/08/0/000",
                "tile/8/00/000",
                "tile/8/-1/000",
                "tile/8/0/000.p/256",
                "tile/8/0/000.p/0",
                "tile/8/0/000.p/01",
                "tile/8/0/000.p/",
                "tile/8/0/x000/001",
                "tile/8/0/001/002",
                "tile/8/0/x001",
                "tile/8/0/x001/x002",
                "tile/0/0/000",
                "tile/31/0/000",
                "tile/8/0/+01",
                "tile/8/0/000/",
                "/tile/8/0/000",
                "tile/8/0/000.p/1/",
                "tile/8/0/000.P/1",
                "tile/8/Data/000",
                "tile/8/0/x999/x999/x999/x999/x999/x999/x999/999",
                "tile/8/0/x1/000",
                "tile/8/8/000",
                "tile/8/data.p/5",
                "tile/８/0/000",
                "tiles/8/0/000",
                "tile/8/0/000.p/99999999999"
            })
    void malformedTilePathsAreRefused(String path) {
        assertThrows(FormatException.class, () -> Tile.parsePath(path));
    }

    @Test
    void tileContents() throws IOException {
        Tile t = new Tile(8, 0, 0, 3);
        byte[] data = LOG.tile(new Tile(8, 0, 0, 5));
        assertEquals(
                List.of(LOG.subtree(0, 0), LOG.subtree(0, 1), LOG.subtree(0, 2)),
                t.hashes(data),
                "a wider tile's prefix is accepted");
        assertThrows(FormatException.class, () -> t.hashes(new byte[95]));
        assertThrows(FormatException.class, () -> t.hashes(new byte[64]));
        assertThrows(FormatException.class, () -> t.hashes(new byte[33 * 32 * 8]));
        Tile d = new Tile(8, Tile.DATA, 0, 3);
        List<Tile.Record> recs = d.records(LOG.tile(d));
        assertEquals(3, recs.size());
        assertEquals(LOG.records.get(2), recs.get(2).text());
        assertEquals(2, recs.get(2).id());
        byte[] bad = LOG.tile(new Tile(8, Tile.DATA, 1, 3));
        assertThrows(FormatException.class, () -> d.records(bad), "ids must start at number * 256");
        assertThrows(FormatException.class, () -> new Tile(8, Tile.DATA, 0, 4).records(LOG.tile(d)));
        assertThrows(FormatException.class, () -> Tile.forTree(8, 1, 0, 255));
        assertEquals(new Tile(8, 1, 0, 2), Tile.forTree(8, 1, 0, 600));
        assertEquals(new Tile(8, 0, 2, 88), Tile.forTree(8, 0, 2, 600));
        assertEquals(new Tile(8, 0, 1, 256), Tile.forTree(8, 0, 1, 600));
    }
}
