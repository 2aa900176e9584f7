package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.ManifestEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The chunks of an import's objects with their places (as format 1 lists them), in manifest order, in a scratch
 * file of fixed-size records rather than the heap: {@value #RECORD} bytes a chunk, so the import's memory does not
 * grow with the bundle's chunk count. Chunk {@code n} (from 0, over the whole manifest) is record {@code n}.
 * Written by this import from a manifest it checked against the signed note, and read back only by it.
 */
final class PlacedChunks implements AutoCloseable {
    /** Has-digest flag, digest, length, volume, offset, skip. */
    static final int RECORD = 1 + 32 + 4 + 4 + 8 + 4;

    private static final int BATCH = 1024;

    private final FileChannel ch;
    private final ByteBuffer pending = ByteBuffer.allocate(RECORD * BATCH);
    private long flushed;
    private long count;

    PlacedChunks(Path file) throws IOException {
        this.ch = FileChannel.open(
                file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Chunks appended so far. */
    long count() {
        return count;
    }

    void append(ManifestEntry.Chunk c) throws IOException {
        if (pending.remaining() < RECORD) {
            flush();
        }
        pending.put((byte) (c.sha256() == null ? 0 : 1));
        if (c.sha256() == null) {
            pending.put(new byte[32]);
        } else {
            pending.put(HexFormat.of().parseHex(c.sha256()));
        }
        pending.putInt(c.length()).putInt(c.volume()).putLong(c.offset()).putInt(c.skip());
        count++;
    }

    private void flush() throws IOException {
        pending.flip();
        long at = flushed * RECORD;
        while (pending.hasRemaining()) {
            at += ch.write(pending, at);
        }
        flushed = count;
        pending.clear();
    }

    /** Chunks {@code [first, first + n)}. */
    List<ManifestEntry.Chunk> read(long first, int n) throws IOException {
        if (first + n > count) {
            throw new IllegalArgumentException("chunks " + first + "+" + n + " of " + count);
        }
        if (first + n > flushed) {
            flush();
        }
        List<ManifestEntry.Chunk> out = new ArrayList<>(n);
        ByteBuffer b = ByteBuffer.allocate(RECORD * Math.min(n, BATCH));
        long next = first;
        while (out.size() < n) {
            int take = Math.min(n - out.size(), BATCH);
            b.clear().limit(take * RECORD);
            fill(b, next * RECORD);
            b.flip();
            for (int i = 0; i < take; i++) {
                out.add(decode(b));
            }
            next += take;
        }
        return out;
    }

    private void fill(ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, at);
            if (n < 0) {
                throw new IOException("scratch file of placed chunks is shorter than written");
            }
            at += n;
        }
    }

    private static ManifestEntry.Chunk decode(ByteBuffer b) {
        boolean hasDigest = b.get() == 1;
        byte[] digest = new byte[32];
        b.get(digest);
        return new ManifestEntry.Chunk(
                hasDigest ? HexFormat.of().formatHex(digest) : null, b.getInt(), b.getInt(), b.getLong(), b.getInt());
    }

    /** Reads every chunk from the first, in order, a batch at a time. */
    Cursor cursor() throws IOException {
        flush();
        return new Cursor();
    }

    final class Cursor {
        private final ByteBuffer b = ByteBuffer.allocate(RECORD * BATCH).limit(0);
        private long next;

        ManifestEntry.Chunk next() throws IOException {
            if (!b.hasRemaining()) {
                if (next >= flushed) {
                    throw new IllegalStateException("read past the last placed chunk");
                }
                int take = (int) Math.min(BATCH, flushed - next);
                b.clear().limit(take * RECORD);
                fill(b, next * RECORD);
                b.flip();
                next += take;
            }
            return decode(b);
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
