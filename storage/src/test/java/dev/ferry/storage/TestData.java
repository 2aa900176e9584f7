package dev.ferry.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

final class TestData {
    private TestData() {}

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < size; i += 8) {
            long v = r.nextLong();
            for (int j = 0; j < 8 && i + j < size; j++) {
                b[i + j] = (byte) (v >>> (8 * j));
            }
        }
        return b;
    }

    static Sha256 sha256(byte[] data) {
        MessageDigest md = RocksObjectWriter.sha256();
        return Sha256.of(md.digest(data));
    }

    static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    /** Chunk lengths of {@code data}, fed to the chunker the way the writer does. */
    static List<Integer> cut(Chunker chunker, byte[] data) {
        List<Integer> lengths = new ArrayList<>();
        int decideAt = chunker.maxChunk() + Chunker.LOOKAHEAD;
        int start = 0;
        while (start < data.length) {
            int end = Math.min(data.length, start + decideAt);
            int n = chunker.cut(data, start, end, end == data.length);
            lengths.add(n);
            start += n;
        }
        return lengths;
    }

    static List<Long> offsets(List<Integer> lengths) {
        List<Long> offsets = new ArrayList<>();
        long at = 0;
        for (int n : lengths) {
            at += n;
            offsets.add(at);
        }
        return offsets;
    }
}
