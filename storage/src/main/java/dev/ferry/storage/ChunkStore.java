package dev.ferry.storage;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The chunk access role of a {@link ContentStore}, for export bundles and inventories (docs/bundles.md): objects as
 * the chunks they were cut into, so a bundle ships only the chunks the receiving site lacks and an import keeps the
 * exporting site's cuts.
 */
public interface ChunkStore {

    /**
     * Chunks of at most this many bytes are kept inline: their bytes in the object's index entry (and, for an object
     * of one such chunk, its record) instead of under their digest, so a store of many tiny chunks (a Go module zip's
     * entry headers, {@code .info} and {@code .mod} files) writes and reads one entry per chunk instead of three.
     * Another ferry of this version keeps them so too: an export never relies on a site holding such a chunk by its
     * digest (docs/storage.md, docs/bundles.md).
     */
    int INLINE_MAX = 256;

    /** Whether a chunk of {@code length} bytes is kept inline ({@link #INLINE_MAX}), here and at any site alike. */
    static boolean keptInline(int length) {
        return length <= INLINE_MAX;
    }

    /** The chunks of a committed object in order (offsets are the running sum of lengths); empty when absent. */
    Optional<List<StoredChunk>> chunksOf(Sha256 object);

    /** The bytes of a stored chunk, or empty when the store holds no such chunk. */
    Optional<byte[]> chunk(Sha256 digest) throws IOException;

    /**
     * The bytes of each of {@code digests} in their order (null where the store holds no such chunk): one batched
     * read where the store can, for a reader of many small chunks (a bundle's export). A read of each chunk once:
     * what it reads is not kept in the store's caches. The store may skip its own checks of the bytes: the caller
     * must check each chunk ({@link StoredChunk#intact}) before using it.
     */
    default List<byte[]> chunks(List<Sha256> digests) throws IOException {
        List<byte[]> out = new java.util.ArrayList<>(digests.size());
        for (Sha256 d : digests) {
            out.add(chunk(d).orElse(null));
        }
        return out;
    }

    /** Whether the store holds chunk {@code digest}. */
    boolean hasChunk(Sha256 digest);

    /** Visits every stored chunk's digest, in digest order, until the visitor returns false. */
    void scanChunks(Predicate<Sha256> visitor);

    /**
     * Starts an object built from explicit chunks (bundle import): cut exactly as the exporting store cut it, so
     * the chunks a site already holds are reused, not sent again. See {@link ObjectAssembler}.
     */
    ObjectAssembler assemble();

    /**
     * As {@link #assemble}, but the chunks are written in batches (an object's chunks, references and index entries
     * in a few RocksDB writes instead of one per chunk): a chunk appended is in the store only from the next batch
     * write on, at the latest at the commit, and a stored chunk appended by digest is kept from deletion in between.
     * For a writer of many chunks in a row (bundle import); the crash, abort and reclaim guarantees are the same.
     */
    ObjectAssembler assembleInBatches();

    /**
     * As {@link #assembleInBatches}, for a bulk load of many objects (bundle import): every new chunk's bytes skip the
     * store's log from the object's first byte, not only past its first 4 MiB, so small objects' bytes too are written
     * once (into the memtable, then a table or blob file) instead of twice. The price is paid at the commit: it first
     * makes the bytes durable with a flush, which covers every bulk object written before it started. So a caller
     * should let many objects reach their last write before committing the first of them (one flush for the group),
     * not commit each as soon as it is written (one flush each). The crash, abort and reclaim guarantees are those of
     * {@link #assembleInBatches}: nothing is named whose bytes are not durable.
     */
    default ObjectAssembler assembleInBulk() {
        return assembleInBatches();
    }
}
