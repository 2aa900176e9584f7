package dev.ferry.storage;

/**
 * FastCDC with normalized chunking (Xia et al., 2016): a gear hash over the bytes past {@code min}, a stricter mask
 * before {@code avg} and a looser one after it, so sizes cluster around {@code avg}; hard cut at {@code max}.
 *
 * <p>With {@code zipEntries}, zip local file headers ({@code PK\3\4}) are cut out as chunks of their own in the same
 * pass: a cut before the signature and one right after the header's variable part (30 bytes + name + extra). The
 * header names {@code module@version/...} so it differs between versions; the entry data after it (plus its data
 * descriptor) does not when the file did not change, and now starts a chunk, so it dedupes between versions.
 * Data shorter than {@code minZipData} is not worth a chunk of its own: it is glued to the headers around it.
 * A signature inside compressed data only adds a cut, which costs a little sharing, never correctness.
 */
public final class ContentDefinedChunker implements Chunker {
    private static final long[] GEAR = gear();

    private final int min;
    private final int avg;
    private final int max;
    private final int minZipData;
    private final boolean zipEntries;
    private final long maskSmall;
    private final long maskLarge;

    public ContentDefinedChunker(ChunkSizes sizes, boolean zipEntries) {
        this.min = sizes.min();
        this.avg = sizes.avg();
        this.max = sizes.max();
        this.minZipData = sizes.minZipData();
        this.zipEntries = zipEntries;
        int bits = Integer.numberOfTrailingZeros(avg);
        // Top bits: with a shift-left gear hash they depend on the last 64 bytes, the low bits only on the last few.
        this.maskSmall = -1L << (64 - (bits + 2));
        this.maskLarge = -1L << (64 - (bits - 2));
    }

    @Override
    public int maxChunk() {
        return max;
    }

    @Override
    public int cut(byte[] b, int s, int e, boolean eof) {
        int n = e - s;
        if (n <= 0) {
            return 0;
        }
        if (zipEntries && n >= 30 && isLocalHeader(b, s)) {
            int h = headerLength(b, s);
            if (h <= max && h <= n) {
                return h;
            }
        }
        int limit = Math.min(n, max);
        long fp = 0;
        // Below min only zip signatures can cut; plain CDC skips straight to where hashing starts.
        for (int i = zipEntries ? 1 : Math.max(1, Math.min(min, limit)); i < limit; i++) {
            if (zipEntries && b[s + i] == 'P' && i + 30 <= n && isLocalHeader(b, s + i)) {
                if (i >= minZipData) {
                    return i;
                }
                int glued = i + headerLength(b, s + i);
                if (glued <= max && glued <= n) {
                    return glued;
                }
            }
            if (i >= min) {
                fp = (fp << 1) + GEAR[b[s + i - 1] & 0xff];
                if ((fp & (i < avg ? maskSmall : maskLarge)) == 0) {
                    return i;
                }
            }
        }
        return limit;
    }

    private static boolean isLocalHeader(byte[] b, int p) {
        return b[p] == 'P' && b[p + 1] == 'K' && b[p + 2] == 3 && b[p + 3] == 4;
    }

    private static int headerLength(byte[] b, int p) {
        int nameLength = (b[p + 26] & 0xff) | (b[p + 27] & 0xff) << 8;
        int extraLength = (b[p + 28] & 0xff) | (b[p + 29] & 0xff) << 8;
        return 30 + nameLength + extraLength;
    }

    private static long[] gear() {
        // SplitMix64 from a fixed seed: the table is part of the format (changing it changes every boundary).
        long[] g = new long[256];
        long x = 0x6665727279L;
        for (int i = 0; i < 256; i++) {
            x += 0x9E3779B97F4A7C15L;
            long z = x;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            g[i] = z ^ (z >>> 31);
        }
        return g;
    }
}
