package dev.ferry.mirror.go;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Go key grammar: the exact keys stores hold (so a change of spelling fails here), and reading them back. */
class GoStoreNamesTest {
    static final ModulePath TOML = ModulePath.parse("github.com/BurntSushi/toml");
    static final Version V = Version.parseCanonical("v1.2.0");

    @Test
    void keysAreSpelledAsStoresHoldThem() {
        assertEquals("go/github.com/!burnt!sushi/toml/@v/v1.2.0.zip", GoStoreNames.file(TOML, V, "zip"));
        assertEquals("go/github.com/!burnt!sushi/toml/@v/v1.2.0", GoStoreNames.versionRecord(TOML, V));
        assertEquals("go/github.com/!burnt!sushi/toml/@v/", GoStoreNames.versionPrefix(TOML));
        assertEquals("go/github.com/!burnt!sushi/toml/list", GoStoreNames.list(TOML));
        assertEquals("go/github.com/!burnt!sushi/toml/latest", GoStoreNames.latest(TOML));
        assertEquals("go/github.com/!burnt!sushi/toml/query/v1.2", GoStoreNames.query(TOML, Version.parse("v1.2")));
    }

    @Test
    void aFileNameReadsBack() {
        GoStoreNames.FileName f =
                GoStoreNames.parseFile(GoStoreNames.file(TOML, V, "mod")).orElseThrow();
        assertEquals(new GoStoreNames.FileName("github.com/!burnt!sushi/toml", "v1.2.0", "mod"), f);
        assertEquals(TOML, f.module());
        for (String other : new String[] {
            GoStoreNames.versionRecord(TOML, V),
            GoStoreNames.list(TOML),
            "go/m/@v/v1.0.0.txt",
            "sumdb/sum.golang.org/tile/8/0/000",
            "go/m/v1.0.0.zip"
        }) {
            assertEquals(Optional.empty(), GoStoreNames.parseFile(other), other);
        }
    }

    @Test
    void aVersionRecordKeyReadsBack() {
        GoStoreNames.VersionRecordKey k = GoStoreNames.parseVersionRecord(GoStoreNames.versionRecord(TOML, V))
                .orElseThrow();
        assertEquals(TOML, k.module());
        assertEquals("v1.2.0", k.version());
        for (String other : new String[] {
            GoStoreNames.list(TOML), GoStoreNames.latest(TOML), "go//@v/v1.0.0", "go/@v/v1.0.0", "oci/repo/h/a:link:x"
        }) {
            assertEquals(Optional.empty(), GoStoreNames.parseVersionRecord(other), other);
        }
    }

    @Test
    void onlyTheUpstreamSnapshotsAreSnapshots() {
        assertTrue(GoStoreNames.isSnapshot(GoStoreNames.list(TOML)));
        assertTrue(GoStoreNames.isSnapshot(GoStoreNames.latest(TOML)));
        assertTrue(GoStoreNames.isSnapshot(GoStoreNames.query(TOML, Version.parse("v1"))));
        assertFalse(GoStoreNames.isSnapshot(GoStoreNames.versionRecord(TOML, V)));
        assertFalse(GoStoreNames.isSnapshot(GoStoreNames.versionRecord(ModulePath.parse("example.com/latest"), V)));
        assertFalse(GoStoreNames.isSnapshot("sumdb/sum.golang.org/latest"));
    }
}
