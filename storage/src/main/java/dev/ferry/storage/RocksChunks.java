package dev.ferry.storage;

import dev.ferry.storage.StoreLayout.IndexEntry;
import dev.ferry.storage.StoreLayout.ObjectRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;

/**
 * The reads of the {@link ChunkStore} role: an object's chunk list from its record and {@code object_chunks} (with
 * the bytes of inline chunks), chunk bytes from {@code chunks}, and which chunks are stored from {@code chunk_refs}
 * (a ref key is present exactly while its chunk is stored; inline chunks have none). Assembling an object is the
 * store's, as it shares the writers' machinery.
 */
final class RocksChunks {
    private final RocksContentStore store;

    RocksChunks(RocksContentStore store) {
        this.store = store;
    }

    Optional<List<StoredChunk>> chunksOf(Sha256 object) {
        return store.query(() -> {
            // One snapshot for the record and its index: a delete commits the record's removal before reclaim
            // drops index entries, so a record seen here comes with all of its entries.
            Snapshot snapshot = store.db().getSnapshot();
            try (ReadOptions read = new ReadOptions().setSnapshot(snapshot)) {
                byte[] value = store.db().get(store.objects, read, ObjectRecord.key(object));
                if (value == null) {
                    return Optional.<List<StoredChunk>>empty();
                }
                return Optional.of(chunksOf(object, ObjectRecord.decode(value), read));
            } finally {
                store.db().releaseSnapshot(snapshot);
            }
        });
    }

    private List<StoredChunk> chunksOf(Sha256 object, ObjectRecord record, ReadOptions read)
            throws RocksDBException, IOException {
        if (record.id() == 0) {
            return List.of();
        }
        if (record.soleChunk() != null) {
            return List.of(new StoredChunk(
                    Sha256.of(record.soleChunk()), (int) record.size(), record.soleInline(), record.soleChecksum()));
        }
        List<StoredChunk> list = new ArrayList<>();
        long at = 0;
        byte[] prefix = IndexEntry.idPrefix(record.id());
        try (RocksIterator it = store.db().newIterator(store.index, read)) {
            for (it.seek(prefix); it.isValid() && RocksContentStore.startsWith(it.key(), prefix); it.next()) {
                IndexEntry entry = IndexEntry.decode(it.key(), it.value());
                if (entry.offset() != at) {
                    break;
                }
                list.add(new StoredChunk(Sha256.of(entry.chunk()), entry.length(), entry.inline(), entry.checksum()));
                at = entry.end();
            }
            it.status();
        }
        if (at != record.size()) {
            throw new IOException("store corrupt: the chunks of object " + object + " cover " + at + " of "
                    + record.size() + " bytes");
        }
        return List.copyOf(list);
    }

    Optional<byte[]> chunk(Sha256 digest) throws IOException {
        return store.withDb(() -> Optional.ofNullable(store.db().get(store.chunks, StoreLayout.Chunk.key(digest))));
    }

    List<byte[]> chunks(List<Sha256> digests) throws IOException {
        if (digests.isEmpty()) {
            return List.of();
        }
        List<byte[]> keys = new ArrayList<>(digests.size());
        for (Sha256 d : digests) {
            keys.add(StoreLayout.Chunk.key(d));
        }
        List<org.rocksdb.ColumnFamilyHandle> families = java.util.Collections.nCopies(keys.size(), store.chunks);
        // A bulk read of each chunk once (an export): the blocks it reads are not put in the block cache, where
        // they would push out what serving reads again, and the cache's inserts and evictions were a tenth of the
        // export's reading CPU (2026-12-07 profile). RocksDB's checksums are skipped: the caller checks every chunk
        // (ChunkStore.chunks, StoredChunk.intact), which makes RocksDB's software CRC32C a second check of the bytes.
        return store.withDb(() -> {
            try (ReadOptions once = new ReadOptions().setFillCache(false).setVerifyChecksums(false)) {
                return store.db().multiGetAsList(once, families, keys);
            }
        });
    }

    boolean hasChunk(Sha256 digest) {
        // chunk_refs, not chunks: a small point read (chunks live in blob files), and present exactly when stored.
        return store.query(() -> store.db().get(store.refs, StoreLayout.ChunkRef.key(digest)) != null);
    }

    void scanChunks(Predicate<Sha256> visitor) {
        store.query(() -> {
            try (RocksIterator it = store.db().newIterator(store.refs)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    if (!visitor.test(Sha256.of(it.key()))) {
                        break;
                    }
                }
                it.status();
            }
            return null;
        });
    }
}
