package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.mirror.go.Snapshot;
import dev.ferry.mirror.sumdb.SumdbStore;
import dev.ferry.mirror.sumdb.SumdbStoreNames;
import dev.ferry.protocols.bundle.MetaPolicy;
import dev.ferry.protocols.sumdb.note.Note;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.protocols.sumdb.tlog.Hash;
import dev.ferry.protocols.sumdb.tlog.Tree;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.sync.bundle.SelectedContent.MetaEntry;
import dev.ferry.sync.bundle.SelectedContent.SumdbContent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checksum database's latest note travels with every bundle that carries lookups, no older than they are
 * (refreshed at the exporting side when it must be), and the importing site keeps it only when it verifies with
 * the configured key and is newer than the note it holds.
 */
class LatestNotesTest {
    private static final String DB = "sum.test.example";
    private static final String LOOKUP = SumdbStoreNames.ROOT + DB + "/lookup/example.com/m@v1.0.0";
    private static final String LATEST = SumdbStoreNames.latest(DB);
    private static final Instant THEN = Instant.parse("2026-11-01T00:00:00Z");

    @TempDir
    Path tmp;

    private final Signer dbKey = Signer.generate(DB);
    private final Signer otherKey = Signer.generate(DB);

    /** The database as a test sets it up: its key as configured, and what asking it for latest gives. */
    private static SumdbLatest db(Optional<Verifier> key, SumdbLatest.Refresh refresh) {
        return new SumdbLatest() {
            @Override
            public Optional<Verifier> verifier(String db) {
                return db.equals(DB) ? key : Optional.empty();
            }

            @Override
            public Refresh refresh(String db) {
                return refresh;
            }
        };
    }

    private static byte[] treeNote(long size, Signer key) {
        byte[] h = new byte[Hash.SIZE];
        h[0] = (byte) size;
        Tree tree = new Tree(size, Hash.parse(Base64.getEncoder().encodeToString(h)));
        return Note.sign(tree.formatNote(), key);
    }

    private byte[] lookup(long treeSize) {
        String body = "3\nexample.com/m v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
                + "example.com/m v1.0.0/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n";
        byte[] head = body.getBytes(StandardCharsets.UTF_8);
        byte[] note = treeNote(treeSize, dbKey);
        byte[] out = java.util.Arrays.copyOf(head, head.length + note.length);
        System.arraycopy(note, 0, out, head.length, note.length);
        return out;
    }

    private static long latestSize(RocksContentStore store) {
        return LatestNotes.storedSize(store.meta(LATEST).orElseThrow());
    }

    /** What a selection of the lookup (and the latest, when stored) gives; the rest of the store is not carried. */
    private static SelectedContent selected(RocksContentStore store) {
        List<MetaEntry> meta = new ArrayList<>();
        meta.add(new MetaEntry(LOOKUP, store.meta(LOOKUP).orElseThrow(), MetaPolicy.KEEP_EXISTING));
        store.meta(LATEST).ifPresent(v -> meta.add(new MetaEntry(LATEST, v, MetaPolicy.REPLACE)));
        return new SelectedContent(
                List.of(),
                meta,
                List.of(),
                List.of(),
                List.of(new SumdbContent(
                        DB, List.of(LOOKUP), List.of(), store.meta(LATEST).isPresent() ? LATEST : null)),
                List.of(),
                List.of());
    }

    private BundleService service(BundleFixture fx, RocksContentStore store, String name, SumdbLatest dbs) {
        return new BundleService(
                store,
                tmp.resolve(name + "/data"),
                () -> Optional.of(fx.signer),
                Clock.systemUTC(),
                10,
                s -> selected(store),
                Map::of,
                StoreKeys.STORE,
                dbs);
    }

    private static BundleProgress export(BundleService s, Path to) throws Exception {
        return BundleFixture.export(s, to, "", ExportRequest.DEFAULT_MAX_VOLUME_SIZE);
    }

    private static BundleProgress importInto(BundleService s, Path bundle, Verifier key) throws Exception {
        return s.await(s.importBundle(new ImportRequest(List.of(bundle), List.of(key)))
                        .id())
                .orElseThrow();
    }

    @Test
    void aStaleLatestIsRefreshedAtExportAndTheNewOneIsImported() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            a.update(x -> x.putMeta(LOOKUP, lookup(5)));
            new SumdbStore(a, DB).putLatest(new Snapshot(THEN, "db", treeNote(3, dbKey)));
            SumdbLatest atA =
                    db(Optional.of(dbKey.verifier()), new SumdbLatest.Refresh.Fetched(treeNote(6, dbKey), "db"));
            BundleProgress p = export(service(fx, a, "a", atA), tmp.resolve("medium"));
            assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
            assertEquals(6, latestSize(a), "the refreshed note is kept at the exporting site too");

            RocksContentStore b = fx.store("b");
            BundleService sb = service(fx, b, "b", db(Optional.of(dbKey.verifier()), failed()));
            BundleProgress i = importInto(sb, tmp.resolve("medium").resolve(p.bundleId()), fx.signer.verifier());
            assertEquals(BundleProgress.State.SUCCEEDED, i.state(), i.error());
            assertEquals(6, latestSize(b));
        }
    }

    private static SumdbLatest.Refresh failed() {
        return new SumdbLatest.Refresh.Failed("checksum database unreachable: connection refused");
    }

    @Test
    void anUnreachableDatabaseShipsTheTrustedTreeHeadWhenItCoversTheLookups() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            a.update(x -> x.putMeta(LOOKUP, lookup(5)));
            a.update(x -> x.putMeta(SumdbStoreNames.trusted(DB), treeNote(7, dbKey)));
            BundleProgress p =
                    export(service(fx, a, "a", db(Optional.of(dbKey.verifier()), failed())), tmp.resolve("medium"));
            assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
            assertTrue(
                    p.notes().stream().anyMatch(n -> n.contains("carries the trusted tree head (7 records)")),
                    p.notes().toString());

            RocksContentStore b = fx.store("b");
            BundleProgress i = importInto(
                    service(fx, b, "b", db(Optional.of(dbKey.verifier()), failed())),
                    tmp.resolve("medium").resolve(p.bundleId()),
                    fx.signer.verifier());
            assertEquals(BundleProgress.State.SUCCEEDED, i.state(), i.error());
            assertEquals(7, latestSize(b));
        }
    }

    @Test
    void anExportWithNoLatestAsNewAsItsLookupsFailsAndSaysWhy() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            a.update(x -> x.putMeta(LOOKUP, lookup(5)));
            new SumdbStore(a, DB).putLatest(new Snapshot(THEN, "db", treeNote(3, dbKey)));
            a.update(x -> x.putMeta(SumdbStoreNames.trusted(DB), treeNote(4, dbKey)));
            BundleProgress p =
                    export(service(fx, a, "a", db(Optional.of(dbKey.verifier()), failed())), tmp.resolve("medium"));
            assertEquals(BundleProgress.State.FAILED, p.state());
            assertEquals(
                    "checksum database " + DB + ": the bundle carries lookups signed in a tree of 5 records, but this"
                            + " site holds no latest note that large (the stored one has 3 records) and asking the"
                            + " database failed: checksum database unreachable: connection refused; the offline site"
                            + " could not serve a latest as new as the bundle's content. Export again once the"
                            + " database is reachable",
                    p.error());
            assertEquals(3, latestSize(a));
        }
    }

    @Test
    void anOlderBundleNeverWindsTheStoredLatestBack() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            a.update(x -> x.putMeta(LOOKUP, lookup(5)));
            new SumdbStore(a, DB).putLatest(new Snapshot(THEN, "db", treeNote(5, dbKey)));
            BundleProgress p =
                    export(service(fx, a, "a", db(Optional.of(dbKey.verifier()), failed())), tmp.resolve("medium"));
            assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());

            RocksContentStore b = fx.store("b");
            byte[] newer = new Snapshot(THEN, "db", treeNote(9, dbKey)).encode();
            b.update(x -> x.putMeta(LATEST, newer));
            BundleProgress i = importInto(
                    service(fx, b, "b", db(Optional.of(dbKey.verifier()), failed())),
                    tmp.resolve("medium").resolve(p.bundleId()),
                    fx.signer.verifier());
            assertEquals(BundleProgress.State.SUCCEEDED, i.state(), i.error());
            assertEquals(9, latestSize(b));
            assertTrue(
                    i.notes().stream().noneMatch(n -> n.contains(LATEST)),
                    i.notes().toString());

            RocksContentStore c = fx.store("c");
            c.update(x -> x.putMeta(LATEST, new Snapshot(THEN, "db", treeNote(2, dbKey)).encode()));
            BundleProgress j = importInto(
                    service(fx, c, "c", db(Optional.of(dbKey.verifier()), failed())),
                    tmp.resolve("medium").resolve(p.bundleId()),
                    fx.signer.verifier());
            assertEquals(BundleProgress.State.SUCCEEDED, j.state(), j.error());
            assertEquals(5, latestSize(c), "an older stored note is replaced");
            assertTrue(
                    j.notes().contains(BundleService.REPLACED + LATEST),
                    j.notes().toString());
        }
    }

    @Test
    void aLatestNoteThatDoesNotVerifyWithTheConfiguredKeyRefusesTheBundle() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            a.update(x -> x.putMeta(LOOKUP, lookup(5)));
            // A does not know the database's key, so it ships what it holds: a note signed by another key.
            new SumdbStore(a, DB).putLatest(new Snapshot(THEN, "db", treeNote(6, otherKey)));
            BundleProgress p = export(service(fx, a, "a", db(Optional.empty(), failed())), tmp.resolve("medium"));
            assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());

            RocksContentStore b = fx.store("b");
            Map<String, String> before = BundleFixture.dump(b);
            BundleProgress i = importInto(
                    service(fx, b, "b", db(Optional.of(dbKey.verifier()), failed())),
                    tmp.resolve("medium").resolve(p.bundleId()),
                    fx.signer.verifier());
            assertEquals(BundleProgress.State.FAILED, i.state());
            assertTrue(
                    i.error()
                            .startsWith("bundle " + p.bundleId() + " is refused: its latest note of checksum database "
                                    + DB + " does not verify with the configured key "
                                    + dbKey.verifier().encoded()),
                    i.error());
            assertEquals(before, BundleFixture.dump(b), "a refused bundle changes nothing");
        }
    }

    @Test
    void aLatestNoteOfADatabaseNotConfiguredHereIsNotKept() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            a.update(x -> x.putMeta(LOOKUP, lookup(5)));
            new SumdbStore(a, DB).putLatest(new Snapshot(THEN, "db", treeNote(5, dbKey)));
            BundleProgress p =
                    export(service(fx, a, "a", db(Optional.of(dbKey.verifier()), failed())), tmp.resolve("medium"));
            assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());

            RocksContentStore b = fx.store("b");
            BundleProgress i = importInto(
                    service(fx, b, "b", SumdbLatest.NONE),
                    tmp.resolve("medium").resolve(p.bundleId()),
                    fx.signer.verifier());
            assertEquals(BundleProgress.State.SUCCEEDED, i.state(), i.error());
            assertEquals(Optional.empty(), b.meta(LATEST));
            assertTrue(b.meta(LOOKUP).isPresent());
            assertTrue(
                    i.notes()
                            .contains("checksum database " + DB + " is not configured here: the bundle's latest"
                                    + " note of it was not kept"),
                    i.notes().toString());
        }
    }
}
