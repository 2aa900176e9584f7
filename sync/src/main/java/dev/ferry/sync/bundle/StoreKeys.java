package dev.ferry.sync.bundle;

import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.mirror.sumdb.SumdbStoreNames;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.LookupPath;
import dev.ferry.protocols.sumdb.SumdbConfig;
import dev.ferry.protocols.sumdb.tlog.Tile;
import java.util.Optional;

/**
 * The store's own key grammar, applied to what a bundle carries before an import writes any of it: every name and
 * metadata key must be one the mirrors write (spelled by GoStoreNames, SumdbStoreNames and OciStoreNames), parsed
 * into its values (module paths and versions by the module rules, repository names, tags and digests by the OCI
 * grammar, checksum-database names, tile and lookup paths by theirs) and spelled back exactly. Names and keys
 * become file paths in plain exports and routes in the server, so anything else is refused, as is state a bundle
 * must never carry: a database's trusted tree head, evidence, imported-bundle records, settings.
 *
 * <p>{@link Kind#mutable()} says which keys an import may replace ({@code meta REPLACE}): tags, module lists,
 * latest and query snapshots, and a database's latest note; never version records, links or anything else.
 */
interface StoreKeys {
    /** What a name or key is. */
    enum Kind {
        GO_FILE(false),
        GO_VERSION_RECORD(false),
        GO_SNAPSHOT(true),
        SUMDB_TILE(false),
        SUMDB_LOOKUP(false),
        SUMDB_LATEST(true),
        OCI_BLOB(false),
        OCI_MANIFEST_TYPE(false),
        OCI_REPOSITORY(false),
        OCI_TAG(true),
        OCI_LINK(false),
        OCI_REFERRER(false),
        /** Outside the store grammar: only the synthetic stores of tests carry such keys. */
        OTHER(false);

        private final boolean mutable;

        Kind(boolean mutable) {
            this.mutable = mutable;
        }

        /** Whether an import may replace a value the site already holds under such a key. */
        public boolean mutable() {
            return mutable;
        }
    }

    /** The kind of a store name; throws {@link FormatException} saying why it is not one. */
    Kind name(String name);

    /** The kind of a metadata key; throws {@link FormatException} saying why it is not one. */
    Kind metaKey(String key);

    /**
     * Keys written by older ferry versions into every full bundle that an import now passes over: the hosted
     * registry's marker that its pins were made is this site's own state, not content.
     */
    static boolean ignored(String key) {
        return key.equals(OciStoreNames.hostedPinnedMarker());
    }

    /** The grammar of the real store. */
    StoreKeys STORE = new StoreKeys() {
        @Override
        public Kind name(String name) {
            if (name.startsWith(GoStoreNames.ROOT)) {
                GoStoreNames.FileName f = GoStoreNames.parseFile(name).orElseThrow(() -> bad(name));
                ModulePath m = f.module();
                Version v = Version.parseCanonical(f.version());
                return same(name, GoStoreNames.file(m, v, f.ext()), Kind.GO_FILE);
            }
            if (name.startsWith(SumdbStoreNames.ROOT)) {
                SumdbStoreNames.Entry e = sumdb(name);
                if (e.kind() != SumdbStoreNames.Kind.TILE) {
                    throw bad(name);
                }
                Tile t = Tile.parsePath(SumdbStoreNames.pathOf(e.db(), name));
                if (!t.isFull()) {
                    throw new FormatException("a partial tile is metadata, not a name: " + name);
                }
                return same(name, SumdbStoreNames.tile(e.db(), t), Kind.SUMDB_TILE);
            }
            if (name.startsWith(OciStoreNames.ROOT)) {
                return OciStoreNames.parseBlob(name)
                        .map(d -> same(name, OciStoreNames.blob(d), Kind.OCI_BLOB))
                        .orElseThrow(() -> bad(name));
            }
            throw bad(name);
        }

        @Override
        public Kind metaKey(String key) {
            if (key.startsWith(GoStoreNames.ROOT)) {
                Optional<GoStoreNames.SnapshotKey> snapshot = GoStoreNames.parseSnapshot(key);
                if (snapshot.isPresent()) {
                    GoStoreNames.SnapshotKey s = snapshot.get();
                    ModulePath m = s.module();
                    String spelled = switch (s.kind()) {
                        case "list" -> GoStoreNames.list(m);
                        case "latest" -> GoStoreNames.latest(m);
                        default -> GoStoreNames.query(m, Version.parse(s.query()));
                    };
                    return same(key, spelled, Kind.GO_SNAPSHOT);
                }
                GoStoreNames.VersionRecordKey r =
                        GoStoreNames.parseVersionRecord(key).orElseThrow(() -> bad(key));
                return same(
                        key,
                        GoStoreNames.versionRecord(r.module(), Version.parseCanonical(r.version())),
                        Kind.GO_VERSION_RECORD);
            }
            if (key.startsWith(SumdbStoreNames.ROOT)) {
                SumdbStoreNames.Entry e = sumdb(key);
                String path = SumdbStoreNames.pathOf(e.db(), key);
                return switch (e.kind()) {
                    case TILE -> {
                        Tile t = Tile.parsePath(path);
                        if (t.isFull()) {
                            throw new FormatException("a full tile is a name, not metadata: " + key);
                        }
                        yield same(key, SumdbStoreNames.tile(e.db(), t), Kind.SUMDB_TILE);
                    }
                    case LOOKUP -> same(key, SumdbStoreNames.lookup(e.db(), LookupPath.parse(path)), Kind.SUMDB_LOOKUP);
                    case LATEST -> same(key, SumdbStoreNames.latest(e.db()), Kind.SUMDB_LATEST);
                };
            }
            if (key.startsWith(OciStoreNames.ROOT)) {
                Optional<Kind> kind = OciStoreNames.parseTag(key)
                        .map(t -> same(
                                key, OciStoreNames.tag(t.in().target(), t.in().repository(), t.tag()), Kind.OCI_TAG))
                        .or(() -> OciStoreNames.parseLink(key)
                                .map(l -> same(
                                        key,
                                        OciStoreNames.link(l.in().target(), l.in().repository(), l.digest()),
                                        Kind.OCI_LINK)))
                        .or(() -> OciStoreNames.parseReferrer(key)
                                .map(r -> same(
                                        key,
                                        OciStoreNames.referrer(
                                                r.in().target(), r.in().repository(), r.subject(), r.referrer()),
                                        Kind.OCI_REFERRER)))
                        .or(() -> OciStoreNames.parseRepository(key)
                                .map(r -> same(
                                        key,
                                        OciStoreNames.repository(r.target(), r.repository()),
                                        Kind.OCI_REPOSITORY)))
                        .or(() -> OciStoreNames.parseManifestType(key)
                                .map(d -> same(key, OciStoreNames.manifestType(d), Kind.OCI_MANIFEST_TYPE)));
                return kind.orElseThrow(() -> bad(key));
            }
            throw bad(key);
        }

        private static SumdbStoreNames.Entry sumdb(String key) {
            SumdbStoreNames.Entry e = SumdbStoreNames.parse(key).orElseThrow(() -> bad(key));
            if (!SumdbConfig.isValidName(e.db())) {
                throw new FormatException(
                        "checksum database name " + FormatException.quote(e.db()) + " is not host[/path] in " + key);
            }
            return e;
        }

        private static Kind same(String key, String spelled, Kind kind) {
            if (!key.equals(spelled)) {
                throw new FormatException("not the canonical spelling of " + key + " (want " + spelled + ")");
            }
            return kind;
        }

        private static FormatException bad(String key) {
            return new FormatException("not a name or key this store writes: " + FormatException.quote(key));
        }
    };
}
