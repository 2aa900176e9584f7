package dev.ferry.storage;

/** Fixed-size cuts: only the chunking benchmark's baseline, since any insertion shifts every later boundary. */
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
