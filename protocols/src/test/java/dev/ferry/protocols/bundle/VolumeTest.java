package dev.ferry.protocols.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VolumeTest {
    static final String ID = "20261121T134500Z-1a2b3c4d";

    record Written(byte[] file, List<Long> offsets, VolumeWriter.Summary summary) {}

    static Written write(List<byte[]> records) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        VolumeWriter w = new VolumeWriter(out, ID, 2, 3);
        List<Long> offsets = new ArrayList<>();
        for (byte[] r : records) {
            offsets.add(w.append(r, 0, r.length));
        }
        VolumeWriter.Summary s = w.finish();
        return new Written(out.toByteArray(), offsets, s);
    }

    static List<byte[]> sample() {
        byte[] random = new byte[5000];
        new Random(7).nextBytes(random);
        byte[] text =
                "hello hello hello hello hello hello hello hello ".repeat(40).getBytes();
        return List.of(random, text, new byte[] {42});
    }

    @Test
    void roundTripsRandomAccessAndSequential() throws Exception {
        Written w = write(sample());
        assertEquals(w.file().length, w.summary().size());
        assertEquals(
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(w.file())),
                w.summary().sha256());
        assertTrue(w.file().length < 5000 + 1960 + 100, "the repetitive record was not deflated");
        VolumeReader r = new VolumeReader(new Channel(w.file()), ID, 2, 3);
        for (int i = 2; i >= 0; i--) {
            assertArrayEquals(sample().get(i), r.record(w.offsets().get(i)).bytes());
        }
        assertEquals(3, r.verify());
        long at = r.firstRecord();
        for (byte[] want : sample()) {
            VolumeReader.Record rec = r.record(at);
            assertArrayEquals(want, rec.bytes());
            at = rec.next();
        }
        assertEquals(r.recordsEnd(), at);
    }

    /**
     * Large records are deflated in steps with sync flushes: one that compresses all through is deflated and reads
     * back; one whose compressible first sample hides incompressible bytes (a module zip's central directory before
     * deflated entries) is stored as it is, without deflating the rest; one compressible only after its first
     * samples is stored too (the price of giving up early).
     */
    @Test
    void largeRecordsAreDeflatedOnlyWhileThatPays() throws Exception {
        int mib = 1 << 20;
        byte[] text = "func main() { return nil }\n".repeat(mib / 27 + 1).getBytes();
        byte[] compressible = Arrays.copyOf(text, mib);
        byte[] random = new byte[mib];
        new Random(11).nextBytes(random);
        byte[] headThenRandom = random.clone();
        System.arraycopy(text, 0, headThenRandom, 0, VolumeWriter.SAMPLE / 2);
        byte[] randomThenText = compressible.clone();
        System.arraycopy(random, 0, randomThenText, 0, 4 * VolumeWriter.SAMPLE);
        java.util.zip.Deflater d = new java.util.zip.Deflater();
        VolumeWriter.Encoded deflated = VolumeWriter.encode(compressible, 0, mib, d);
        assertTrue(deflated.bodyLength() < mib / 20, "compressible record: " + deflated.bodyLength());
        assertEquals(mib, VolumeWriter.encode(headThenRandom, 0, mib, d).bodyLength());
        assertEquals(mib, VolumeWriter.encode(randomThenText, 0, mib, d).bodyLength());
        List<byte[]> records = List.of(compressible, headThenRandom, randomThenText, Arrays.copyOf(random, 70_000));
        Written w = write(records);
        VolumeReader r = new VolumeReader(new Channel(w.file()), ID, 2, 3);
        assertEquals(4, r.verify());
        for (int i = 0; i < records.size(); i++) {
            assertArrayEquals(records.get(i), r.record(w.offsets().get(i)).bytes());
        }
        // Read again into one reused buffer, smaller than the first record at first (then a new one is returned),
        // in an order that puts a short record over a long one's bytes.
        byte[] buffer = new byte[100_000];
        for (int i : new int[] {3, 0, 3, 1, 2, 0}) {
            VolumeReader.Slice slice = r.record(w.offsets().get(i), buffer);
            assertEquals(records.get(i).length, slice.length());
            assertArrayEquals(records.get(i), Arrays.copyOf(slice.buffer(), slice.length()));
            assertEquals(w.offsets().get(i), slice.offset());
            buffer = slice.buffer();
        }
        assertEquals(mib, buffer.length);
    }

    /**
     * An encoder thread's reused deflate buffer changes no record: the same header and body as without it, a
     * deflated body its own copy (the buffer is overwritten by the next record), a buffer too small not used.
     */
    @Test
    void aReusedDeflateBufferEncodesTheSameRecords() {
        int mib = 1 << 20;
        byte[] compressible =
                Arrays.copyOf("package main\n".repeat(mib / 13 + 1).getBytes(), mib);
        byte[] random = new byte[mib];
        new Random(12).nextBytes(random);
        java.util.zip.Deflater d = new java.util.zip.Deflater();
        byte[] scratch = new byte[mib];
        for (byte[] record : List.of(compressible, random, Arrays.copyOf(compressible, 1000))) {
            VolumeWriter.Encoded fresh = VolumeWriter.encode(record, 0, record.length, d);
            VolumeWriter.Encoded reused = VolumeWriter.encode(record, 0, record.length, d, scratch);
            VolumeWriter.Encoded small = VolumeWriter.encode(record, 0, record.length, d, new byte[16]);
            for (VolumeWriter.Encoded e : List.of(reused, small)) {
                assertArrayEquals(fresh.header(), e.header());
                assertEquals(fresh.bodyLength(), e.bodyLength());
                assertArrayEquals(
                        Arrays.copyOf(fresh.body(), fresh.bodyLength()), Arrays.copyOf(e.body(), e.bodyLength()));
            }
            assertNotSame(scratch, reused.body(), "a body must not be the buffer the next record overwrites");
        }
        assertTrue(VolumeWriter.encode(compressible, 0, mib, d, scratch).bodyLength() < mib / 20);
        assertFalse(VolumeWriter.encode(compressible, 0, mib, d, scratch).stored());
        // A record that is the start of a longer buffer (a reused one): stored as it is, without a copy.
        byte[] longer = Arrays.copyOf(random, mib + 4096);
        VolumeWriter.Encoded part = VolumeWriter.encode(longer, 0, 70_000, d, scratch);
        assertTrue(part.stored());
        assertSame(longer, part.body());
        assertEquals(70_000, part.bodyLength());
        assertEquals(70_000, part.rawLength());
    }

    @Test
    void refusesTheWrongVolume() throws IOException {
        byte[] f = write(sample()).file();
        assertThrows(BundleFormatException.class, () -> new VolumeReader(new Channel(f), ID, 1, 3));
        assertThrows(BundleFormatException.class, () -> new VolumeReader(new Channel(f), ID, 2, 4));
        assertThrows(
                BundleFormatException.class, () -> new VolumeReader(new Channel(f), "20261121T134500Z-1a2b3c4e", 2, 3));
    }

    @Test
    void everyTruncationIsRefused() throws IOException {
        byte[] f = write(sample()).file();
        for (int cut = 0; cut < f.length; cut++) {
            byte[] part = Arrays.copyOf(f, cut);
            assertThrows(
                    BundleFormatException.class,
                    () -> new VolumeReader(new Channel(part), ID, 2, 3).verify(),
                    "cut at " + cut);
        }
    }

    @Test
    void everyFlippedByteIsRefusedByTheSelfCheck() throws IOException {
        byte[] f = write(sample()).file();
        for (int i = 0; i < f.length; i++) {
            byte[] bad = f.clone();
            bad[i] ^= 0x20;
            assertThrows(
                    BundleFormatException.class,
                    () -> new VolumeReader(new Channel(bad), ID, 2, 3).verify(),
                    "flip at " + i);
        }
    }

    @Test
    void oversizeAndOutOfBoundsLengthsAreRefusedWithoutAllocating() throws IOException {
        Written w = write(sample());
        long first = w.offsets().get(0);
        byte[] huge = w.file().clone();
        ByteBuffer.wrap(huge).putInt((int) first + 1, 0x7fffffff).putInt((int) first + 5, 0x7fffffff);
        VolumeReader r = new VolumeReader(new Channel(huge), ID, 2, 3);
        BundleFormatException e = assertThrows(BundleFormatException.class, () -> r.record(first));
        assertTrue(e.getMessage().contains("claims"), e.getMessage());
        byte[] past = w.file().clone();
        ByteBuffer.wrap(past).putInt((int) first + 1, 4 << 20).putInt((int) first + 5, 4 << 20);
        VolumeReader r2 = new VolumeReader(new Channel(past), ID, 2, 3);
        e = assertThrows(BundleFormatException.class, () -> r2.record(first));
        assertTrue(e.getMessage().contains("past the end"), e.getMessage());
        assertThrows(BundleFormatException.class, () -> r2.record(3));
        assertThrows(BundleFormatException.class, () -> r2.record(r2.recordsEnd()));
        byte[] flags = w.file().clone();
        flags[(int) first] = 4;
        assertThrows(BundleFormatException.class, () -> new VolumeReader(new Channel(flags), ID, 2, 3).record(first));
    }

    /** An in-memory channel: the reader takes a channel so it can seek; files are the caller's business. */
    static final class Channel implements SeekableByteChannel {
        private final byte[] data;
        private long position;

        Channel(byte[] data) {
            this.data = data;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (position >= data.length) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), data.length - position);
            dst.put(data, (int) position, n);
            position += n;
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public SeekableByteChannel position(long p) {
            position = p;
            return this;
        }

        @Override
        public long size() {
            return data.length;
        }

        @Override
        public SeekableByteChannel truncate(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }
}
