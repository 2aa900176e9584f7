package dev.ferry.mirror.sumdb;

import dev.ferry.mirror.BytesBody;
import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.go.Snapshot;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.sumdb.tlog.Hash;
import dev.ferry.protocols.sumdb.tlog.Tile;
import dev.ferry.upstreams.pool.FetchResult;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Serves one checksum database to the go command behind ferry ({@code /sumdb/<db>/...}): from the store first, from
 * the database on a miss (kept), and from the store again when the database is out of reach. Full tiles and verified
 * lookups never change; partial tiles and latest are asked again after {@code ttl}.
 */
public final class SumdbMirror {
    private static final System.Logger LOG = System.getLogger(SumdbMirror.class.getName());
    static final String TEXT = "text/plain; charset=utf-8";
    static final String OCTETS = "application/octet-stream";

    private final ChecksumDatabase db;
    private final PrivatePatterns privates;
    private final Duration ttl;
    private final Clock clock;

    public SumdbMirror(ChecksumDatabase db, PrivatePatterns privates, Duration ttl, Clock clock) {
        this.db = db;
        this.privates = privates;
        this.ttl = ttl;
        this.clock = clock;
    }

    public String name() {
        return db.name();
    }

    /** Parses the path after {@code /sumdb/<db>/}; see {@link SumdbRequest}. */
    public static SumdbRequest parse(String rest) throws FormatException {
        return SumdbRequest.parse(rest);
    }

    public GoAnswer answer(SumdbRequest request) {
        return switch (request) {
            case SumdbRequest.Supported s ->
                content(new byte[0], TEXT, GoAnswer.Freshness.FRESH, GoAnswer.CacheOutcome.HIT);
            case SumdbRequest.LookupRequest l -> lookup(l);
            case SumdbRequest.TileRequest t -> tile(t.tile());
            case SumdbRequest.Latest l -> latest();
        };
    }

    private GoAnswer lookup(SumdbRequest.LookupRequest l) {
        if (privates.matches(l.lookup().path())) {
            return new GoAnswer.NotFound(
                    l.lookup().path() + " is private here: not looked up in " + db.name(), false, null);
        }
        return switch (db.lookup(l.lookup().path(), l.lookup().version())) {
            case ChecksumDatabase.Answer.Known k ->
                content(
                        k.body(),
                        TEXT,
                        GoAnswer.Freshness.FRESH,
                        k.fromStore() ? GoAnswer.CacheOutcome.HIT : GoAnswer.CacheOutcome.MISS);
            case ChecksumDatabase.Answer.Unknown u ->
                new GoAnswer.NotFound(u.reason(), u.gone(), GoAnswer.CacheOutcome.MISS);
            case ChecksumDatabase.Answer.Unreachable u -> new GoAnswer.Unavailable(u.reason(), false);
            case ChecksumDatabase.Answer.Refused r -> new GoAnswer.Unavailable(r.reason(), true);
        };
    }

    private GoAnswer tile(Tile tile) {
        SumdbStore store = db.store();
        Instant now = clock.instant();
        if (tile.isFull()) {
            Optional<byte[]> full = store.fullTile(tile);
            if (full.isPresent()) {
                return content(full.get(), OCTETS, GoAnswer.Freshness.IMMUTABLE, GoAnswer.CacheOutcome.HIT);
            }
        }
        Optional<Snapshot> partial = tile.isFull() ? Optional.empty() : store.partialTile(tile);
        if (partial.isPresent() && now.isBefore(partial.get().fetched().plus(ttl))) {
            return content(partial.get().body(), OCTETS, GoAnswer.Freshness.FRESH, GoAnswer.CacheOutcome.HIT);
        }
        if (!tile.isFull() && !tile.isData()) {
            Optional<byte[]> prefix = store.tile(
                            new Tile(tile.height(), tile.level(), tile.number(), 1 << tile.height()))
                    .map(b -> java.util.Arrays.copyOf(b, tile.width() * Hash.SIZE));
            if (prefix.isPresent()) {
                return content(prefix.get(), OCTETS, GoAnswer.Freshness.FRESH, GoAnswer.CacheOutcome.HIT);
            }
        }
        FetchResult<SumdbSource.Fetched> r = db.source()
                .fetch(
                        tile.path(),
                        SumdbEvents.RequestKind.TILE,
                        StoreTileReader.MAX_TILE,
                        got -> keep(tile, got, now));
        if (r instanceof FetchResult.Fetched<SumdbSource.Fetched> f) {
            byte[] bytes = StoreTileReader.exact(tile, f.value().bytes());
            if (!wellSized(tile, bytes)) {
                return new GoAnswer.Unavailable(
                        "checksum database " + db.name() + " served " + bytes.length + " bytes for " + tile.path()
                                + ", want " + tile.width() * Hash.SIZE,
                        true);
            }
            return content(
                    bytes,
                    OCTETS,
                    tile.isFull() ? GoAnswer.Freshness.IMMUTABLE : GoAnswer.Freshness.FRESH,
                    GoAnswer.CacheOutcome.MISS);
        }
        if (partial.isPresent()) {
            return content(partial.get().body(), OCTETS, GoAnswer.Freshness.STALE, GoAnswer.CacheOutcome.STALE);
        }
        return r instanceof FetchResult.NotFound<?> n
                ? new GoAnswer.NotFound(
                        db.name() + ": " + tile.path() + ": " + SumdbSource.why(r),
                        n.status() == 410,
                        GoAnswer.CacheOutcome.MISS)
                : new GoAnswer.Unavailable(
                        "checksum database " + db.name() + " unreachable for " + tile.path() + ": "
                                + SumdbSource.why(r),
                        false);
    }

    private static boolean wellSized(Tile tile, byte[] bytes) {
        return tile.isData() || bytes.length == tile.width() * Hash.SIZE;
    }

    /** Unverified bytes may be kept: tiles are authenticated by every use against a signed tree. */
    private void keep(Tile tile, SumdbSource.Fetched got, Instant now) {
        byte[] bytes = StoreTileReader.exact(tile, got.bytes());
        if (!wellSized(tile, bytes)) {
            return;
        }
        try {
            db.store().putTile(tile, bytes, got.from(), now);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not keep tile " + tile.path() + " of " + db.name(), e);
        }
    }

    private GoAnswer latest() {
        Optional<Snapshot> kept = db.store().latest();
        if (kept.isPresent() && clock.instant().isBefore(kept.get().fetched().plus(ttl))) {
            return content(kept.get().body(), TEXT, GoAnswer.Freshness.FRESH, GoAnswer.CacheOutcome.HIT);
        }
        return switch (db.latest()) {
            case ChecksumDatabase.Answer.Known k ->
                content(k.body(), TEXT, GoAnswer.Freshness.FRESH, GoAnswer.CacheOutcome.MISS);
            case ChecksumDatabase.Answer.Refused r -> new GoAnswer.Unavailable(r.reason(), true);
            case ChecksumDatabase.Answer.Unknown u ->
                kept.isPresent()
                        ? stale(kept.get())
                        : new GoAnswer.NotFound(u.reason(), u.gone(), GoAnswer.CacheOutcome.MISS);
            case ChecksumDatabase.Answer.Unreachable u ->
                kept.isPresent() ? stale(kept.get()) : new GoAnswer.Unavailable(u.reason(), false);
        };
    }

    private static GoAnswer stale(Snapshot s) {
        return content(s.body(), TEXT, GoAnswer.Freshness.STALE, GoAnswer.CacheOutcome.STALE);
    }

    private static GoAnswer content(
            byte[] bytes, String type, GoAnswer.Freshness freshness, GoAnswer.CacheOutcome outcome) {
        return new GoAnswer.Content(new BytesBody(bytes), type, sha256Hex(bytes), freshness, outcome);
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
