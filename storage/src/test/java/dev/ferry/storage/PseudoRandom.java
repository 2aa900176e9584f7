package dev.ferry.storage;

/** Random-access pseudo-random bytes: byte i of stream {@code seed} can be regenerated without the bytes before. */
final class PseudoRandom {
    private PseudoRandom() {}

    static long word(long seed, long index) {
        long z = seed + index * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Fills {@code buf[0, len)} with bytes {@code [offset, offset + len)} of stream {@code seed}. */
    static void fill(long seed, long offset, byte[] buf, int len) {
        int i = 0;
        while (i < len) {
            long at = offset + i;
            long w = word(seed, at >>> 3);
            int shift = (int) (at & 7);
            int n = Math.min(8 - shift, len - i);
            for (int j = 0; j < n; j++) {
                buf[i + j] = (byte) (w >>> (8 * (shift + j)));
            }
            i += n;
        }
    }
}
