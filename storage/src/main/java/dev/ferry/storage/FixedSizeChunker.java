package dev.ferry.storage;

/**
 * Fixed-size cuts: {@link Chunking#FIXED} for compressed content, and the chunking benchmark's baseline (any
 * insertion shifts every later boundary, so versions of a zip share nothing).
 */
public record FixedSizeChunker(int size) implements Chunker {
    @Override
    public int cut(byte[] buf, int start, int end, boolean eof) {
        return Math.min(end - start, size);
    }

    @Override
    public int maxChunk() {
        return size;
    }
}
