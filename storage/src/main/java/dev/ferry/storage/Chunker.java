package dev.ferry.storage;

/**
 * Finds chunk boundaries in a stream. Stateless between calls, so the same bytes always cut the same way however
 * the caller's writes were split.
 */
public interface Chunker {
    /** Bytes past the longest chunk a chunker may look at before deciding (zip header lengths, signatures). */
    int LOOKAHEAD = 64;

    /**
     * Length of the chunk starting at {@code buf[start]}. The caller passes at least {@code maxChunk() + LOOKAHEAD}
     * bytes ({@code end - start}), or everything that is left when {@code eof}.
     */
    int cut(byte[] buf, int start, int end, boolean eof);

    int maxChunk();

    /** The chunk size of {@link Chunking#FIXED}. */
    int FIXED_CHUNK = 1 << 20;

    static Chunker of(Chunking chunking, ChunkSizes sizes) {
        if (chunking == Chunking.FIXED) {
            return new FixedSizeChunker(FIXED_CHUNK);
        }
        return new ContentDefinedChunker(sizes, chunking == Chunking.ZIP_ENTRIES);
    }
}
