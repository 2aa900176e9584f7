package dev.ferry.mirror.sumdb;

import dev.ferry.protocols.sumdb.tlog.Hash;
import dev.ferry.protocols.sumdb.tlog.Tile;
import dev.ferry.protocols.sumdb.tlog.TileReader;
import dev.ferry.upstreams.pool.FetchResult;
import java.io.IOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;

/**
 * Tiles for one verification: from the store (unless {@code useStore} is off, for the retry after a bad proof),
 * else from the database, kept at once. Keeping tiles before they are verified is safe (every use authenticates
 * them against a signed tree; a bad one is replaced by the retry) and lets concurrent verifications share them.
 */
final class StoreTileReader implements TileReader {
    private static final System.Logger LOG = System.getLogger(StoreTileReader.class.getName());
    /** A full data tile of height 8 is 256 records of a few hundred bytes; hash tiles are 8 KiB. */
    static final int MAX_TILE = 1 << 20;

    private final SumdbStore store;
    private final SumdbSource source;
    private final boolean useStore;
    private final Clock clock;

    StoreTileReader(SumdbStore store, SumdbSource source, boolean useStore, Clock clock) {
        this.store = store;
        this.source = source;
        this.useStore = useStore;
        this.clock = clock;
    }

    @Override
    public byte[] readTile(Tile tile) throws IOException {
        if (useStore) {
            Optional<byte[]> kept = store.tile(tile);
            if (kept.isPresent()) {
                return kept.get();
            }
        }
        FetchResult<SumdbSource.Fetched> r =
                source.fetch(tile.path(), SumdbEvents.RequestKind.TILE, MAX_TILE, got -> keep(tile, got));
        if (!(r instanceof FetchResult.Fetched<SumdbSource.Fetched> f)) {
            throw new IOException(
                    "checksum database " + store.db() + ": tile " + tile.path() + ": " + SumdbSource.why(r));
        }
        SumdbSource.Fetched got = f.value();
        return got.bytes();
    }

    private void keep(Tile tile, SumdbSource.Fetched got) {
        try {
            store.putTile(tile, exact(tile, got.bytes()), got.from(), clock.instant());
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not keep tile " + tile.path() + " of " + store.db(), e);
        }
    }

    /** A hash tile served wider than asked is kept at the asked width, so the stored bytes match the key. */
    static byte[] exact(Tile tile, byte[] bytes) {
        if (!tile.isData() && bytes.length > tile.width() * Hash.SIZE) {
            return Arrays.copyOf(bytes, tile.width() * Hash.SIZE);
        }
        return bytes;
    }
}
