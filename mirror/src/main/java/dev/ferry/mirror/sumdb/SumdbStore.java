package dev.ferry.mirror.sumdb;

import dev.ferry.mirror.go.Snapshot;
import dev.ferry.protocols.sumdb.LookupPath;
import dev.ferry.protocols.sumdb.tlog.Hash;
import dev.ferry.protocols.sumdb.tlog.Tile;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/** Checksum database state of one database in the content store; keys are spelled by {@link SumdbStoreNames}. */
public final class SumdbStore {
    private final NamedObjectStore store;
    private final String db;

    public SumdbStore(NamedObjectStore store, String db) {
        this.store = store;
        this.db = db;
    }

    public String db() {
        return db;
    }

    /** The bytes of exactly {@code tile} as stored, or, for a partial hash tile, the prefix of the stored full one. */
    public Optional<byte[]> tile(Tile tile) {
        if (tile.isFull()) {
            return fullTile(tile);
        }
        Optional<Snapshot> partial = partialTile(tile);
        if (partial.isPresent()) {
            return Optional.of(partial.get().body());
        }
        if (!tile.isData()) {
            Tile full = new Tile(tile.height(), tile.level(), tile.number(), 1 << tile.height());
            return fullTile(full)
                    .filter(b -> b.length >= tile.width() * Hash.SIZE)
                    .map(b -> Arrays.copyOf(b, tile.width() * Hash.SIZE));
        }
        return Optional.empty();
    }

    public Optional<byte[]> fullTile(Tile tile) {
        return store.resolve(SumdbStoreNames.tile(db, tile)).map(this::readAll);
    }

    public Optional<Snapshot> partialTile(Tile tile) {
        return store.meta(SumdbStoreNames.tile(db, tile)).flatMap(Snapshot::decode);
    }

    /** Keeps a tile: a full one as an immutable object (replacing a poisoned copy), a partial one as a snapshot. */
    public void putTile(Tile tile, byte[] data, String from, Instant now) throws IOException {
        String key = SumdbStoreNames.tile(db, tile);
        if (!tile.isFull()) {
            byte[] value = new Snapshot(now, from, data).encode();
            store.update(b -> b.putMeta(key, value));
            return;
        }
        if (fullTile(tile).filter(b -> Arrays.equals(b, data)).isPresent()) {
            return;
        }
        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(data);
            w.commit(null, b -> b.putName(key, b.committing().orElseThrow().digest()));
        }
    }

    public Optional<byte[]> lookup(LookupPath lookup) {
        return store.meta(SumdbStoreNames.lookup(db, lookup));
    }

    public void putLookup(LookupPath lookup, byte[] body) throws IOException {
        store.update(b -> b.putMeta(SumdbStoreNames.lookup(db, lookup), body));
    }

    public Optional<Snapshot> latest() {
        return store.meta(SumdbStoreNames.latest(db)).flatMap(Snapshot::decode);
    }

    public void putLatest(Snapshot latest) throws IOException {
        store.update(b -> b.putMeta(SumdbStoreNames.latest(db), latest.encode()));
    }

    public Optional<byte[]> trusted() {
        return store.meta(SumdbStoreNames.trusted(db));
    }

    /**
     * Replaces the trusted note with {@code next} if it is still {@code before} (absent: none yet). Runs under the
     * store's commit lock, so two verifications cannot both advance from the same tree to different ones.
     */
    public boolean advanceTrusted(byte[] before, byte[] next) throws IOException {
        boolean[] done = {false};
        String key = SumdbStoreNames.trusted(db);
        store.update(b -> {
            byte[] current = b.currentMeta(key).orElse(null);
            if (Arrays.equals(current, before)) {
                b.putMeta(key, next);
                done[0] = true;
            }
        });
        return done[0];
    }

    public void putEvidence(Instant now, byte[] response, byte[] trustedNote) throws IOException {
        byte[] t = trustedNote == null ? new byte[0] : trustedNote;
        byte[] value = new byte[response.length + t.length + 2];
        System.arraycopy(response, 0, value, 0, response.length);
        value[response.length] = '\n';
        value[response.length + 1] = '\n';
        System.arraycopy(t, 0, value, response.length + 2, t.length);
        store.update(b -> b.putMeta(SumdbStoreNames.evidence(db, now.toEpochMilli()), value));
    }

    private byte[] readAll(StoredObject o) {
        try (InputStream in = store.read(o.digest(), 0, o.size())) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
