package dev.ferry.mirror.sumdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.mirror.sumdb.SumdbStoreNames.Entry;
import dev.ferry.mirror.sumdb.SumdbStoreNames.Kind;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.LookupPath;
import dev.ferry.protocols.sumdb.tlog.Tile;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The checksum database key grammar: the exact keys stores hold, and reading them back. */
class SumdbStoreNamesTest {
    static final String DB = "sum.golang.org";
    static final LookupPath LOOKUP = new LookupPath(ModulePath.parse("golang.org/x/text"), Version.parse("v0.3.7"));
    static final Tile TILE = new Tile(8, 0, 1, 256);

    @Test
    void keysAreSpelledAsStoresHoldThem() {
        assertEquals("sumdb/sum.golang.org/trusted", SumdbStoreNames.trusted(DB));
        assertEquals("sumdb/sum.golang.org/latest", SumdbStoreNames.latest(DB));
        assertEquals("sumdb/sum.golang.org/tile/8/0/001", SumdbStoreNames.tile(DB, TILE));
        assertEquals("sumdb/sum.golang.org/lookup/golang.org/x/text@v0.3.7", SumdbStoreNames.lookup(DB, LOOKUP));
        assertEquals("sumdb/sum.golang.org/evidence/42", SumdbStoreNames.evidence(DB, 42));
    }

    @Test
    void contentKeysReadBackAndTrustStateIsNotContent() {
        assertEquals(Optional.of(new Entry(DB, Kind.TILE)), SumdbStoreNames.parse(SumdbStoreNames.tile(DB, TILE)));
        assertEquals(
                Optional.of(new Entry(DB, Kind.LOOKUP)), SumdbStoreNames.parse(SumdbStoreNames.lookup(DB, LOOKUP)));
        assertEquals(Optional.of(new Entry(DB, Kind.LATEST)), SumdbStoreNames.parse(SumdbStoreNames.latest(DB)));
        assertEquals(
                Optional.of(new Entry("example.com/sumdb", Kind.LATEST)),
                SumdbStoreNames.parse(SumdbStoreNames.latest("example.com/sumdb")));
        assertEquals(Optional.empty(), SumdbStoreNames.parse(SumdbStoreNames.trusted(DB)));
        assertEquals(Optional.empty(), SumdbStoreNames.parse(SumdbStoreNames.evidence(DB, 42)));
        assertEquals(Optional.empty(), SumdbStoreNames.parse("sumdb//latest"));
        assertEquals(Optional.empty(), SumdbStoreNames.parse("go/m/latest"));
    }

    @Test
    void onlyLatestIsReplacedAndPathsAreThoseTheDatabaseServes() {
        assertTrue(SumdbStoreNames.isLatest(SumdbStoreNames.latest(DB)));
        assertFalse(SumdbStoreNames.isLatest(SumdbStoreNames.trusted(DB)));
        assertFalse(SumdbStoreNames.isLatest("go/m/latest"));
        assertEquals("tile/8/0/001", SumdbStoreNames.pathOf(DB, SumdbStoreNames.tile(DB, TILE)));
        assertEquals("lookup/golang.org/x/text@v0.3.7", SumdbStoreNames.pathOf(DB, SumdbStoreNames.lookup(DB, LOOKUP)));
        assertThrows(
                IllegalArgumentException.class, () -> SumdbStoreNames.pathOf("other.db", SumdbStoreNames.latest(DB)));
    }
}
