package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** BodySender's response stream: large writes pass through uncopied, small ones leave together. */
class GatheringTest {
    /** Records what reached "Helidon": each write's length and array. */
    private static final class Sink extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Integer> lengths = new ArrayList<>();
        final List<byte[]> arrays = new ArrayList<>();
        int flushes;

        @Override
        public void write(int b) {
            throw new AssertionError("single-byte write reached the socket");
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
            lengths.add(len);
            arrays.add(b);
        }

        @Override
        public void flush() {
            flushes++;
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void largeWritesPassUncopiedAfterASmallFirstPiece() throws IOException {
        Sink sink = new Sink();
        var out = new BodySender.Gathering(sink);
        byte[] chunk1 = random(1 << 20, 1);
        byte[] chunk2 = random(65_536, 2);
        out.write(chunk1, 0, chunk1.length);
        out.write(chunk2, 0, chunk2.length);
        out.flush();
        // Helidon copies the first write into the header buffer: only FIRST_WRITE bytes of it.
        assertEquals(
                List.of(BodySender.FIRST_WRITE, chunk1.length - BodySender.FIRST_WRITE, chunk2.length), sink.lengths);
        for (byte[] a : sink.arrays) {
            assertSame(a == chunk2 ? chunk2 : chunk1, a, "written from the caller's array, not a copy");
        }
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(chunk1);
        expected.write(chunk2);
        assertArrayEquals(expected.toByteArray(), sink.bytes.toByteArray());
    }

    @Test
    void smallWritesAreGatheredAndKeepTheirOrderAroundLargeOnes() throws IOException {
        Sink sink = new Sink();
        var out = new BodySender.Gathering(sink);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        Random random = new Random(3);
        for (int i = 0; i < 200; i++) {
            int n = i % 17 == 0 ? BodySender.DIRECT_WRITE + random.nextInt(100_000) : random.nextInt(5_000);
            byte[] b = random(n + 10, i);
            out.write(b, 5, n);
            expected.write(b, 5, n);
            if (i % 50 == 0) {
                out.write(42);
                expected.write(42);
            }
        }
        out.close();
        assertArrayEquals(expected.toByteArray(), sink.bytes.toByteArray());
        for (int len : sink.lengths) {
            assertEquals(
                    true, len > 0 && (len >= BodySender.DIRECT_WRITE || len <= BodySender.GATHER_BUFFER), "" + len);
        }
        // 200 writes (most small) left in far fewer socket writes.
        assertEquals(true, sink.lengths.size() < 60, sink.lengths.size() + " writes");
        assertEquals(1, sink.flushes);
    }
}
