package dev.ferry.storage;

/**
 * A disk that flipped a bit in a chunk, for the sync module's tests: the damage is written through RocksDB, so its own
 * checksums pass and only ferry's checks (the entries' CRC32C, the digests) can catch it. In this package because the
 * store keeps its handles to itself.
 */
public final class DamagedDisk {
    private DamagedDisk() {}

    /** Flips bit 5 of byte {@code at} of stored chunk {@code digest}; flipping it again mends the chunk. */
    public static void flip(RocksContentStore store, Sha256 digest, int at) throws Exception {
        byte[] bytes = store.db().get(store.chunks, digest.bytes());
        bytes[at] ^= 0x20;
        store.db().put(store.chunks, digest.bytes(), bytes);
    }

    /**
     * Rewrites the index entries of {@code object}'s chunks stored under their digests as ferry wrote them before it
     * recorded a CRC32C in each (StoreLayout): the entries of an older store.
     */
    public static void forgetChecksums(RocksContentStore store, Sha256 object) throws Exception {
        StoreLayout.ObjectRecord record =
                StoreLayout.ObjectRecord.decode(store.db().get(store.objects, StoreLayout.ObjectRecord.key(object)));
        byte[] prefix = StoreLayout.IndexEntry.idPrefix(record.id());
        try (org.rocksdb.RocksIterator it = store.db().newIterator(store.index)) {
            for (it.seek(prefix); it.isValid() && RocksContentStore.startsWith(it.key(), prefix); it.next()) {
                StoreLayout.IndexEntry e = StoreLayout.IndexEntry.decode(it.key(), it.value());
                if (e.inline() == null) {
                    store.db()
                            .put(
                                    store.index,
                                    it.key(),
                                    StoreLayout.IndexEntry.value(e.chunk(), e.length(), ChunkChecksum.NONE));
                }
            }
            it.status();
        }
    }
}
