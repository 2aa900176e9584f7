package dev.ferry.sync.bundle;

import static dev.ferry.sync.bundle.BundleException.Kind.REFUSED;

import dev.ferry.mirror.go.Snapshot;
import dev.ferry.mirror.sumdb.SumdbStore;
import dev.ferry.mirror.sumdb.SumdbStoreNames;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.bundle.MetaPolicy;
import dev.ferry.protocols.sumdb.Lookup;
import dev.ferry.protocols.sumdb.SignedTree;
import dev.ferry.protocols.sumdb.SumdbException;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.protocols.sumdb.tlog.Tree;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.sync.bundle.SelectedContent.MetaEntry;
import dev.ferry.sync.bundle.SelectedContent.SumdbContent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A checksum database's latest note in bundles (docs/bundles.md, "The checksum database's latest"). The exporting
 * side ships a note no older than the lookups the bundle carries: the stored one, else a fresh one from the
 * database, else the trusted tree head (every stored lookup was verified against it or a smaller tree); with none
 * of these the export fails. The importing side opens the note with its configured key and keeps whichever of the
 * stored and the carried notes has the larger tree.
 */
final class LatestNotes {
    /** What a trusted tree head stands in for when it is shipped as the latest note. */
    static final String FROM_TRUSTED = "trusted tree head";

    private LatestNotes() {}

    /**
     * Makes sure the store holds, for every database whose lookups {@code content} carries, a latest note at least
     * as large as the largest tree those lookups were signed in, and returns {@code content} carrying it.
     */
    static SelectedContent freshen(
            NamedObjectStore store, SumdbLatest dbs, SelectedContent content, Clock clock, Consumer<String> notes)
            throws BundleException, IOException {
        TreeMap<String, MetaEntry> meta = new TreeMap<>();
        content.meta().forEach(m -> meta.put(m.key(), m));
        List<SumdbContent> sumdbs = new ArrayList<>();
        boolean changed = false;
        for (SumdbContent s : content.sumdbs()) {
            if (s.lookups().isEmpty()) {
                sumdbs.add(s);
                continue;
            }
            String key = SumdbStoreNames.latest(s.name());
            byte[] value = fresh(store, dbs, s, clock, notes);
            meta.put(key, new MetaEntry(key, value, MetaPolicy.REPLACE));
            sumdbs.add(new SumdbContent(s.name(), s.lookups(), s.tiles(), key));
            changed = true;
        }
        if (!changed) {
            return content;
        }
        return new SelectedContent(
                content.names(),
                List.copyOf(meta.values()),
                content.pins(),
                content.goVersions(),
                sumdbs,
                content.images(),
                content.notes());
    }

    /** The stored latest snapshot of {@code s}'s database once it is fresh enough (refreshed if need be). */
    private static byte[] fresh(
            NamedObjectStore store, SumdbLatest dbs, SumdbContent s, Clock clock, Consumer<String> notes)
            throws BundleException, IOException {
        String db = s.name();
        Optional<Verifier> verifier = dbs.verifier(db);
        long need = 0;
        for (String lookup : s.lookups()) {
            Optional<byte[]> body = store.meta(lookup);
            if (body.isPresent()) {
                need = Math.max(need, lookupTreeSize(body.get()));
            }
        }
        SumdbStore sumdb = new SumdbStore(store, db);
        Optional<Snapshot> stored = sumdb.latest();
        long have = stored.map(n -> size(n.body(), verifier)).orElse(-1L);
        if (have >= need) {
            return stored.orElseThrow().encode();
        }
        String why;
        switch (dbs.refresh(db)) {
            case SumdbLatest.Refresh.Fetched f -> {
                long got = size(f.note(), verifier);
                if (got >= need) {
                    return keep(sumdb, new Snapshot(clock.instant(), f.from(), f.note()));
                }
                why = "the database's latest has " + got + " records";
            }
            case SumdbLatest.Refresh.Failed f -> why = f.reason();
        }
        Optional<byte[]> trusted = store.meta(SumdbStoreNames.trusted(db));
        long trustedSize = trusted.map(n -> size(n, verifier)).orElse(-1L);
        if (trustedSize >= need) {
            notes.accept("checksum database " + db + ": its latest could not be refreshed (" + why
                    + "); the bundle carries the trusted tree head (" + trustedSize + " records) as its latest");
            return keep(sumdb, new Snapshot(clock.instant(), FROM_TRUSTED, trusted.orElseThrow()));
        }
        throw new BundleException(
                REFUSED,
                "checksum database " + db + ": the bundle carries lookups signed in a tree of " + need
                        + " records, but this site holds no latest note that large ("
                        + (have < 0 ? "none stored" : "the stored one has " + have + " records")
                        + ") and asking the database failed: " + why
                        + "; the offline site could not serve a latest as new as the bundle's content."
                        + " Export again once the database is reachable");
    }

    /** Stores {@code latest} as the database's latest (so plain exports and later bundles read the same note). */
    private static byte[] keep(SumdbStore sumdb, Snapshot latest) throws IOException {
        sumdb.putLatest(latest);
        return latest.encode();
    }

    /** The tree size of the note in a stored lookup response; 0 when unreadable (it then asks for nothing). */
    private static long lookupTreeSize(byte[] body) {
        try {
            return treeSize(Lookup.parse(body).signedNote());
        } catch (FormatException e) {
            return 0;
        }
    }

    /** The tree size of a signed tree note, its signature checked when the key is known; -1 when unusable. */
    private static long size(byte[] note, Optional<Verifier> verifier) {
        try {
            return verifier.isPresent()
                    ? SignedTree.open(note, verifier.get()).tree().size()
                    : treeSize(note);
        } catch (FormatException e) { // a SumdbException too
            return -1;
        }
    }

    /** The tree size a signed tree note states, signature not checked (for notes this store verified before). */
    static long treeSize(byte[] note) throws FormatException {
        String s = new String(note, StandardCharsets.UTF_8);
        int end = s.indexOf("\n\n");
        if (end < 0) {
            throw new FormatException("a signed tree note has a blank line before its signatures");
        }
        Tree tree = Tree.parseNote(s.substring(0, end + 1));
        return tree.size();
    }

    /** Whether metadata key {@code key} is a database's latest note. */
    static boolean isLatest(String key) {
        return SumdbStoreNames.parse(key)
                .filter(e -> e.kind() == SumdbStoreNames.Kind.LATEST)
                .isPresent();
    }

    /** A carried latest note, opened with the configured key: what the import keeps, or why it drops it. */
    sealed interface Carried {
        record Kept(long size) implements Carried {}

        /** The database is not configured at this site: nothing to verify the note with, so it is not kept. */
        record NotConfigured(String db) implements Carried {}
    }

    /**
     * Opens the latest note of metadata entry {@code key} with the configured key of its database.
     *
     * @throws BundleException when the value is not a latest snapshot or its signature does not verify
     */
    static Carried open(String bundleId, String key, byte[] value, SumdbLatest dbs) throws BundleException {
        String db = SumdbStoreNames.parse(key).orElseThrow().db();
        Optional<Verifier> verifier = dbs.verifier(db);
        if (verifier.isEmpty()) {
            return new Carried.NotConfigured(db);
        }
        Optional<Snapshot> snap = Snapshot.decode(value);
        if (snap.isEmpty()) {
            throw new BundleException(
                    REFUSED,
                    "bundle " + bundleId + " is refused: its latest note of checksum database " + db
                            + " is not a stored note this ferry reads");
        }
        try {
            return new Carried.Kept(
                    SignedTree.open(snap.get().body(), verifier.get()).tree().size());
        } catch (SumdbException e) {
            throw new BundleException(
                    REFUSED,
                    "bundle " + bundleId + " is refused: its latest note of checksum database " + db
                            + " does not verify with the configured key "
                            + verifier.get().encoded() + " ("
                            + e.getMessage() + ")",
                    e);
        }
    }

    /** The tree size of a stored latest snapshot; -1 when unreadable (a carried note then replaces it). */
    static long storedSize(byte[] value) {
        return Snapshot.decode(value)
                .map(s -> {
                    try {
                        return treeSize(s.body());
                    } catch (FormatException e) {
                        return -1L;
                    }
                })
                .orElse(-1L);
    }
}
