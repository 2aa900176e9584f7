package dev.ferry.sync.bundle;

import dev.ferry.mirror.sumdb.ChecksumDatabase;
import dev.ferry.protocols.sumdb.note.Verifier;
import java.util.Optional;

/**
 * The checksum database this site is configured with, as bundles need it: its key, to open a carried latest note
 * at the importing side, and a way to ask it for its latest now, at the exporting side.
 */
public interface SumdbLatest {
    /** No database configured (GOSUMDB=off): nothing is verified, so no carried latest note is kept. */
    SumdbLatest NONE = new SumdbLatest() {
        @Override
        public Optional<Verifier> verifier(String db) {
            return Optional.empty();
        }

        @Override
        public Refresh refresh(String db) {
            return new Refresh.Failed("no checksum database is configured at this site");
        }
    };

    /** The configured key of database {@code db}; empty when this site does not use that database. */
    Optional<Verifier> verifier(String db);

    /** Asks database {@code db} for its latest note now: verified against the trusted tree, and stored. */
    Refresh refresh(String db);

    /** What asking for a latest note gave. */
    sealed interface Refresh {
        /** The database's latest signed tree note, verified with the configured key. */
        record Fetched(byte[] note, String from) implements Refresh {}

        /** Why no note came (unreachable, refused, not configured). */
        record Failed(String reason) implements Refresh {}
    }

    /** The configured database ({@code null}: none, GOSUMDB=off). */
    static SumdbLatest of(ChecksumDatabase database) {
        if (database == null) {
            return NONE;
        }
        return new SumdbLatest() {
            @Override
            public Optional<Verifier> verifier(String db) {
                return db.equals(database.name()) ? Optional.of(database.verifier()) : Optional.empty();
            }

            @Override
            public Refresh refresh(String db) {
                if (!db.equals(database.name())) {
                    return new Refresh.Failed(
                            "checksum database " + db + " is not the one configured here (" + database.name() + ")");
                }
                return switch (database.latest()) {
                    case ChecksumDatabase.Answer.Known k -> new Refresh.Fetched(k.body(), "checksum database " + db);
                    case ChecksumDatabase.Answer.Unknown u -> new Refresh.Failed(u.reason());
                    case ChecksumDatabase.Answer.Unreachable u -> new Refresh.Failed(u.reason());
                    case ChecksumDatabase.Answer.Refused r -> new Refresh.Failed(r.reason());
                };
            }
        };
    }
}
