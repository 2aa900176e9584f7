package dev.ferry.protocols.sumdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.SumdbException.Kind;
import dev.ferry.protocols.sumdb.note.Note;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.protocols.sumdb.tlog.Hash;
import dev.ferry.protocols.sumdb.tlog.Tile;
import dev.ferry.protocols.sumdb.tlog.TileHashReader;
import dev.ferry.protocols.sumdb.tlog.TileReader;
import dev.ferry.protocols.sumdb.tlog.Tlog;
import dev.ferry.protocols.sumdb.tlog.Tree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SumdbVerifierTest {
    private static final String FIXTURE_TREE_HASH = "KDypSWzTeXBaUyf7VtBPvWDhRzTV5PueLcVm9MqOuj8=";

    /** Reads tiles from the fixture directory, as a static HTTP server would serve them. */
    private static final class FixtureTiles implements TileReader {
        final List<Tile> read = new ArrayList<>();

        @Override
        public byte[] readTile(Tile tile) throws IOException {
            read.add(tile);
            return Files.readAllBytes(Fixture.sumdb().resolve(tile.path()));
        }
    }

    // ---- the fixture database ----

    @Test
    void fixtureTreeHeadVerifiesAndHasTheDocumentedHash() throws Exception {
        SumdbVerifier v = new SumdbVerifier(Verifier.parse(Fixture.verifierKey()));
        SumdbVerifier.TreeCheck c =
                v.verifyTree(Files.readAllBytes(Fixture.sumdb().resolve("latest")), null, new FixtureTiles());
        assertEquals(new Tree(81, Hash.parse(FIXTURE_TREE_HASH)), c.trusted());
        assertEquals(c.trusted(), c.served().tree());
        assertTrue(c.advanced(null));
    }

    @Test
    void everyFixtureLookupVerifies() throws Exception {
        SumdbVerifier v = new SumdbVerifier(Verifier.parse(Fixture.verifierKey()));
        Tree trusted = null;
        FixtureTiles tiles = new FixtureTiles();
        int n = 0;
        for (Fixture.Module m : Fixture.modules()) {
            ModulePath path = ModulePath.parse(m.path());
            Version version = Version.parseCanonical(m.version());
            byte[] body = Files.readAllBytes(Fixture.sumdb().resolve(Lookup.path(path, version)));
            SumdbVerifier.Verified got = v.verifyLookup(path, version, body, trusted, tiles);
            assertEquals(m.zipHash(), got.zipHash(), m.toString());
            assertEquals(m.goModHash(), got.goModHash(), m.toString());
            trusted = got.tree().trusted();
            assertEquals(81, trusted.size());
            n++;
        }
        assertEquals(81, n);
        assertEquals(
                List.of("tile/8/0/000.p/81"),
                tiles.read.stream().map(Tile::path).distinct().toList());
    }

    @Test
    void fixtureDataTilesRecomputeTheTreeHash() throws Exception {
        Tile data = Tile.forTree(Tile.HEIGHT, Tile.DATA, 0, 81);
        assertEquals("tile/8/data/000.p/81", data.path());
        List<Tile.Record> records =
                data.records(Files.readAllBytes(Fixture.sumdb().resolve(data.path())));
        List<Hash> leaves = new ArrayList<>();
        for (Tile.Record r : records) {
            GoSumRecord.parse(r.text());
            leaves.add(Tlog.recordHash(r.text().getBytes(StandardCharsets.UTF_8)));
        }
        // Only level-0 subtrees come from the records; everything above is computed here.
        Hash h = Tlog.treeHash(81, (level, n) -> {
            List<Hash> layer = leaves.subList((int) (n << level), (int) ((n + 1) << level));
            while (layer.size() > 1) {
                List<Hash> up = new ArrayList<>();
                for (int i = 0; i < layer.size(); i += 2) {
                    up.add(Tlog.nodeHash(layer.get(i), layer.get(i + 1)));
                }
                layer = up;
            }
            return layer.get(0);
        });
        assertEquals(FIXTURE_TREE_HASH, h.base64());
        // And the hash tile agrees with the data tile.
        assertEquals(
                leaves,
                new Tile(8, 0, 0, 81).hashes(Files.readAllBytes(Fixture.sumdb().resolve("tile/8/0/000.p/81"))));
        // Every partial data tile the fixture has is a prefix of the widest.
        for (int w = 1; w <= 81; w += 20) {
            Tile t = new Tile(8, Tile.DATA, 0, w);
            assertEquals(
                    records.subList(0, w),
                    t.records(Files.readAllBytes(Fixture.sumdb().resolve(t.path()))));
        }
    }

    @Test
    void fixtureLookupForAnotherModuleIsMalformed() throws Exception {
        SumdbVerifier v = new SumdbVerifier(Verifier.parse(Fixture.verifierKey()));
        byte[] body = Files.readAllBytes(Fixture.sumdb().resolve("lookup/golang.org/x/sys@v0.2.0"));
        SumdbException e = assertThrows(
                SumdbException.class,
                () -> v.verifyLookup(
                        ModulePath.parse("golang.org/x/sys"), Version.parse("v0.3.0"), body, null, new FixtureTiles()));
        assertEquals(Kind.MALFORMED, e.kind());
    }

    @Test
    void fixtureTilesMissingIsAnIoError() throws Exception {
        SumdbVerifier v = new SumdbVerifier(Verifier.parse(Fixture.verifierKey()));
        byte[] body = Files.readAllBytes(Fixture.sumdb().resolve("lookup/golang.org/x/sys@v0.2.0"));
        assertThrows(
                NoSuchFileException.class,
                () -> v.verifyLookup(
                        ModulePath.parse("golang.org/x/sys"),
                        Version.parse("v0.2.0"),
                        body,
                        null,
                        t -> Files.readAllBytes(Path.of("/nonexistent", t.path()))));
    }

    // ---- a database built here, signed with a key generated here ----

    private static final Signer SIGNER = Signer.generate("sum.test.example");
    private static final SumdbVerifier VERIFIER = new SumdbVerifier(SIGNER.verifier());
    private static final MemLog LOG = MemLog.ofGoSums(700);

    private static byte[] note(Tree t) {
        return Note.sign(t.formatNote(), SIGNER);
    }

    private static byte[] lookupBody(int id, Tree t) {
        return new Lookup(id, LOG.records.get(id), note(t)).format();
    }

    private static ModulePath path(int id) {
        return ModulePath.parse("example.com/m" + id);
    }

    private static Version version(int id) {
        return Version.parse("v1.0." + id);
    }

    @Test
    void lookupsVerifyAtManySizesAndAcrossTileBoundaries() throws Exception {
        int[] sizes = {1, 2, 3, 7, 8, 9, 255, 256, 257, 300, 511, 512, 513, 700};
        Tree trusted = null;
        for (int size : sizes) {
            Tree t = LOG.tree(size);
            for (int id : new int[] {0, size / 2, size - 1, Math.max(0, size - 256), Math.min(size - 1, 255)}) {
                MemLog.Reader tiles = LOG.reader();
                SumdbVerifier.Verified got =
                        VERIFIER.verifyLookup(path(id), version(id), lookupBody(id, t), trusted, tiles);
                assertEquals(id, got.recordId());
                assertEquals(GoSumRecord.parse(LOG.records.get(id)), got.record());
                assertEquals(t, got.tree().trusted());
                assertFalse(tiles.verified.isEmpty());
            }
            trusted = t;
        }
    }

    @Test
    void trustedTreeAdvancesThroughConsistencyProofs() throws Exception {
        int[] sizes = {1, 2, 3, 4, 5, 8, 100, 255, 256, 257, 258, 511, 512, 513, 700};
        for (int i = 0; i < sizes.length; i++) {
            for (int j = i; j < sizes.length; j++) {
                Tree old = LOG.tree(sizes[i]);
                Tree neu = LOG.tree(sizes[j]);
                SumdbVerifier.TreeCheck c = VERIFIER.verifyTree(note(neu), old, LOG.reader());
                assertEquals(neu, c.trusted());
                assertEquals(sizes[j] > sizes[i], c.advanced(old));
                // Served older than trusted (a stale replica): consistent, so the trusted tree stays.
                SumdbVerifier.TreeCheck back = VERIFIER.verifyTree(note(old), neu, LOG.reader());
                assertEquals(neu, back.trusted());
                assertEquals(old, back.served().tree());
            }
        }
    }

    // ---- refusals ----

    @Test
    void tamperedRecordTextIsARecordMismatch() {
        Tree t = LOG.tree(300);
        String other = LOG.records
                .get(10)
                .replace("h1:", "h1:")
                .replace(
                        LOG.records
                                .get(10)
                                .substring(
                                        LOG.records.get(10).indexOf("h1:") + 3,
                                        LOG.records.get(10).indexOf("h1:") + 7),
                        "AAAA");
        byte[] body = new Lookup(10, other, note(t)).format();
        SumdbException e = assertThrows(
                SumdbException.class, () -> VERIFIER.verifyLookup(path(10), version(10), body, null, LOG.reader()));
        assertEquals(Kind.RECORD_MISMATCH, e.kind());
        assertTrue(e.kind().isSecurityEvent());
        // The right record under another id.
        byte[] moved = new Lookup(11, LOG.records.get(10), note(t)).format();
        assertEquals(
                Kind.RECORD_MISMATCH,
                assertThrows(
                                SumdbException.class,
                                () -> VERIFIER.verifyLookup(path(10), version(10), moved, null, LOG.reader()))
                        .kind());
    }

    /** Serves the log's tiles with one hash of one tile flipped. */
    private static TileReader tampered(String path, int hashIndex) {
        return t -> {
            byte[] b = LOG.tile(t);
            if (t.path().equals(path)) {
                b[hashIndex * 32 + 5] ^= 1;
            }
            return b;
        };
    }

    @Test
    void tamperedTilesAreBadProofs() {
        Tree t = LOG.tree(300);
        // {tile, hash index, record id}: the record's own leaf, a sibling leaf, a leaf under a sibling subtree, the
        // level-1 hash that is record 260's top sibling, a leaf of the partial tile.
        for (String[] c : new String[][] {
            {"tile/8/0/000", "10", "10"},
            {"tile/8/0/000", "11", "10"},
            {"tile/8/0/000", "200", "10"},
            {"tile/8/1/000.p/1", "0", "260"},
            {"tile/8/0/001.p/44", "3", "10"},
            {"tile/8/0/001.p/44", "4", "260"}
        }) {
            int id = Integer.parseInt(c[2]);
            SumdbException e = assertThrows(
                    SumdbException.class,
                    () -> VERIFIER.verifyLookup(
                            path(id), version(id), lookupBody(id, t), null, tampered(c[0], Integer.parseInt(c[1]))),
                    String.join(" ", c));
            assertEquals(Kind.BAD_PROOF, e.kind(), String.join(" ", c));
            assertFalse(e.kind().isSecurityEvent());
        }
        // A tile the proof does not read changes nothing: record 260's top sibling [0, 256) comes from the level-1
        // tile, so the first level-0 tile is never read (and never reported as verified).
        assertDoesNotThrow(() ->
                VERIFIER.verifyLookup(path(260), version(260), lookupBody(260, t), null, tampered("tile/8/0/000", 40)));
        // A tile of the wrong length is malformed.
        SumdbException e = assertThrows(
                SumdbException.class,
                () -> VERIFIER.verifyLookup(path(10), version(10), lookupBody(10, t), null, tile -> new byte[31]));
        assertEquals(Kind.MALFORMED, e.kind());
        // Tampering a tile the consistency proof reads.
        assertEquals(
                Kind.BAD_PROOF,
                assertThrows(
                                SumdbException.class,
                                () -> VERIFIER.verifyTree(note(t), LOG.tree(100), tampered("tile/8/0/000", 99)))
                        .kind());
    }

    @Test
    void forksAreInconsistentTrees() {
        // Another log that agrees on the first 100 records and differs after.
        List<String> forked = new ArrayList<>(LOG.records);
        forked.set(150, MemLog.goSum(9999));
        MemLog fork = new MemLog(forked);
        TileReader forkTiles = fork::tile;
        // Same size, different hash.
        assertEquals(
                Kind.INCONSISTENT_TREE,
                assertThrows(
                                SumdbException.class,
                                () -> VERIFIER.verifyTree(note(fork.tree(300)), LOG.tree(300), forkTiles))
                        .kind());
        // Newer tree not extending the trusted one, at sizes that are and are not powers of two (the proof omits the
        // old hash in the first case, so the tiles must supply it).
        for (int old : new int[] {151, 160, 200, 256, 257}) {
            for (int neu : new int[] {old + 1, 300, 512, 700}) {
                SumdbException e = assertThrows(
                        SumdbException.class,
                        () -> VERIFIER.verifyTree(note(fork.tree(neu)), LOG.tree(old), forkTiles),
                        old + "->" + neu);
                assertEquals(Kind.INCONSISTENT_TREE, e.kind(), old + "->" + neu);
                assertTrue(e.kind().isSecurityEvent());
            }
        }
        // A fork after the trusted size is not a fork of it.
        assertEquals(
                fork.tree(300),
                assertDoesNotThrow(() -> VERIFIER.verifyTree(note(fork.tree(300)), LOG.tree(150), forkTiles))
                        .trusted());
        // And a lookup carrying the forked head is refused the same way.
        assertEquals(
                Kind.INCONSISTENT_TREE,
                assertThrows(
                                SumdbException.class,
                                () -> VERIFIER.verifyLookup(
                                        path(3),
                                        version(3),
                                        new Lookup(3, LOG.records.get(3), note(fork.tree(300))).format(),
                                        LOG.tree(256),
                                        forkTiles))
                        .kind());
    }

    private static <T> T assertDoesNotThrow(org.junit.jupiter.api.function.ThrowingSupplier<T> s) {
        return org.junit.jupiter.api.Assertions.assertDoesNotThrow(s);
    }

    @Test
    void rollbacksAreRefused() {
        List<String> forked = new ArrayList<>(LOG.records);
        forked.set(50, MemLog.goSum(9999));
        MemLog fork = new MemLog(forked);
        // The database now serves an older tree that is not a prefix of the one we trust; the proof is computed from
        // tiles of the trusted (larger) tree, which the honest log still serves.
        for (int older : new int[] {51, 64, 100, 256}) {
            SumdbException e = assertThrows(
                    SumdbException.class,
                    () -> VERIFIER.verifyTree(note(fork.tree(older)), LOG.tree(300), LOG::tile),
                    String.valueOf(older));
            assertEquals(Kind.INCONSISTENT_TREE, e.kind(), String.valueOf(older));
        }
        // An older, consistent tree keeps the trusted one; a lookup against it still verifies and reports the trusted
        // tree to keep.
        SumdbVerifier.Verified ok = assertDoesNotThrow(() ->
                VERIFIER.verifyLookup(path(5), version(5), lookupBody(5, LOG.tree(100)), LOG.tree(300), LOG.reader()));
        assertEquals(LOG.tree(300), ok.tree().trusted());
        assertFalse(ok.tree().advanced(LOG.tree(300)));
    }

    @Test
    void signatureProblemsInLookups() {
        Tree t = LOG.tree(10);
        Signer stranger = Signer.generate("sum.test.example");
        byte[] unknown = new Lookup(3, LOG.records.get(3), Note.sign(t.formatNote(), stranger)).format();
        assertEquals(
                Kind.UNKNOWN_KEY,
                assertThrows(
                                SumdbException.class,
                                () -> VERIFIER.verifyLookup(path(3), version(3), unknown, null, LOG.reader()))
                        .kind());
        String signed = new String(note(t), StandardCharsets.UTF_8).replace("\n10\n", "\n11\n");
        byte[] forged = new Lookup(3, LOG.records.get(3), signed.getBytes(StandardCharsets.UTF_8)).format();
        SumdbException e = assertThrows(
                SumdbException.class, () -> VERIFIER.verifyLookup(path(3), version(3), forged, null, LOG.reader()));
        assertEquals(Kind.BAD_SIGNATURE, e.kind());
        assertTrue(e.kind().isSecurityEvent());
        byte[] notATree = new Lookup(3, LOG.records.get(3), Note.sign("hello\n", SIGNER)).format();
        assertEquals(
                Kind.MALFORMED,
                assertThrows(
                                SumdbException.class,
                                () -> VERIFIER.verifyLookup(path(3), version(3), notATree, null, LOG.reader()))
                        .kind());
    }

    @Test
    void recordBeyondTheSignedTreeIsMalformed() {
        byte[] body = new Lookup(20, LOG.records.get(20), note(LOG.tree(10))).format();
        assertEquals(
                Kind.MALFORMED,
                assertThrows(
                                SumdbException.class,
                                () -> VERIFIER.verifyLookup(path(20), version(20), body, null, LOG.reader()))
                        .kind());
        // Beyond the served tree but inside the trusted one: checked against the trusted tree, as the go command does.
        SumdbVerifier.Verified ok = assertDoesNotThrow(
                () -> VERIFIER.verifyLookup(path(20), version(20), body, LOG.tree(30), LOG.reader()));
        assertEquals(LOG.tree(30), ok.tree().trusted());
    }

    @Test
    void verifiedTilesAreReported() throws Exception {
        MemLog.Reader tiles = LOG.reader();
        VERIFIER.verifyLookup(path(300), version(300), lookupBody(300, LOG.tree(700)), LOG.tree(256), tiles);
        assertTrue(tiles.verified.contains(new Tile(8, 0, 1, 256)), tiles.verified.toString());
        assertTrue(tiles.verified.contains(new Tile(8, 1, 0, 2)), tiles.verified.toString());
        TileHashReader r = new TileHashReader(700, LOG.reader());
        assertSame(Tile.HEIGHT, 8);
        assertEquals(LOG.tree(700).hash(), Tlog.treeHash(700, r));
    }
}
