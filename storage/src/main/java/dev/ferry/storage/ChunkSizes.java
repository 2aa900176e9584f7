package dev.ferry.storage;

/**
 * Chunk size targets. {@code min}/{@code avg}/{@code max} drive FastCDC; {@code minZipData} is the smallest run of
 * bytes before a zip local header that still gets its own chunk (smaller runs are glued to the surrounding headers,
 * which never dedupe anyway). The defaults are what the chunking benchmark chose; see docs/storage.md.
 */
public record ChunkSizes(int min, int avg, int max, int minZipData) {
    public ChunkSizes {
        if (min < 64 || avg <= min || max <= avg || Integer.bitCount(avg) != 1) {
            throw new IllegalArgumentException("need 64 <= min < avg < max and avg a power of two: " + this);
        }
        if (minZipData < 1) {
            throw new IllegalArgumentException("minZipData must be at least 1");
        }
    }

    public static ChunkSizes defaults() {
        return new ChunkSizes(16 << 10, 64 << 10, 256 << 10, 64);
    }
}
