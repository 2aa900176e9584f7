package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.ManifestEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The chunks of an import's objects with their places (as format 1 lists them), in manifest order, in a scratch
 * file of fixed-size records rather than the heap: {@value #RECORD} bytes a chunk, so the import's memory does not
 * grow with the bundle's chunk count. Chunk {@code n} (from 0, over the whole manifest) is record {@code n}. A chunk
 * a base object keeps inline at this site has no place and cannot be found by its digest, so its bytes go along, to
 * a second scratch file beside the first ({@code <file>.inline}), read back with its record. Written by this import
 * from a manifest it checked against the signed note, and read back only by it.
 */
final class PlacedChunks implements AutoCloseable {
    /** Flag, digest, length, volume, offset (for an inline chunk: of its bytes in the inline file), skip. */
    static final int RECORD = 1 + 32 + 4 + 4 + 8 + 4;

    private static final byte NO_DIGEST = 0;
    private static final byte DIGEST = 1;
    private static final byte INLINE = 2;

    private static final int BATCH = 1024;

    /**
     * A placed chunk: as a manifest lists it, and for a chunk this site keeps inline in a base object, its bytes
     * (from this store's own chunk list, so appended under the listed digest without asking the store for it).
     */
    record Entry(ManifestEntry.Chunk chunk, byte[] inline) {
        Entry {
            Objects.requireNonNull(chunk, "chunk");
            if (inline != null && (chunk.shipped() || chunk.sha256() == null || inline.length != chunk.length())) {
                throw new IllegalArgumentException("inline bytes (" + inline.length + ") with " + chunk);
            }
        }

        Entry(ManifestEntry.Chunk chunk) {
            this(chunk, null);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && chunk.equals(e.chunk) && Arrays.equals(inline, e.inline);
        }

        @Override
        public int hashCode() {
            return 31 * chunk.hashCode() + Arrays.hashCode(inline);
        }

        @Override
        public String toString() {
            return "Entry[" + chunk + (inline != null ? ", inline]" : "]");
        }
    }

    private final FileChannel ch;
    private final FileChannel inlineCh;
    private final ByteBuffer pending = ByteBuffer.allocate(RECORD * BATCH);
    /** Inline bytes of the pending records (a store's inline chunks are small); grown for a larger one. */
    private ByteBuffer pendingInline = ByteBuffer.allocate(1 << 16);

    private long flushed;
    private long count;
    private long inlineFlushed;
    private long inlineSize;

    PlacedChunks(Path file) throws IOException {
        this.ch = open(file);
        try {
            this.inlineCh = open(file.resolveSibling(file.getFileName() + ".inline"));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Chunks appended so far. */
    long count() {
        return count;
    }

    void append(ManifestEntry.Chunk c) throws IOException {
        append(new Entry(c));
    }

    void append(Entry e) throws IOException {
        if (pending.remaining() < RECORD) {
            flush();
        }
        ManifestEntry.Chunk c = e.chunk();
        long offset = c.offset();
        if (e.inline() != null) {
            if (pendingInline.remaining() < e.inline().length) {
                flush();
                if (pendingInline.capacity() < e.inline().length) {
                    pendingInline = ByteBuffer.allocate(e.inline().length);
                }
            }
            // Records and their inline bytes are appended in the same order: a range of records has its inline
            // bytes in one range of the inline file, read at once.
            offset = inlineSize;
            pendingInline.put(e.inline());
            inlineSize += e.inline().length;
        }
        pending.put(e.inline() != null ? INLINE : c.sha256() == null ? NO_DIGEST : DIGEST);
        if (c.sha256() == null) {
            pending.put(new byte[32]);
        } else {
            pending.put(HexFormat.of().parseHex(c.sha256()));
        }
        pending.putInt(c.length()).putInt(c.volume()).putLong(offset).putInt(c.skip());
        count++;
    }

    private void flush() throws IOException {
        write(ch, pending, flushed * RECORD);
        flushed = count;
        write(inlineCh, pendingInline, inlineFlushed);
        inlineFlushed = inlineSize;
    }

    private static void write(FileChannel to, ByteBuffer b, long at) throws IOException {
        b.flip();
        while (b.hasRemaining()) {
            at += to.write(b, at);
        }
        b.clear();
    }

    /** Chunks {@code [first, first + n)}. */
    List<Entry> read(long first, int n) throws IOException {
        if (first + n > count) {
            throw new IllegalArgumentException("chunks " + first + "+" + n + " of " + count);
        }
        if (first + n > flushed) {
            flush();
        }
        List<Entry> out = new ArrayList<>(n);
        ByteBuffer b = ByteBuffer.allocate(RECORD * Math.min(n, BATCH));
        long next = first;
        while (out.size() < n) {
            int take = Math.min(n - out.size(), BATCH);
            b.clear().limit(take * RECORD);
            fill(ch, b, next * RECORD);
            b.flip();
            decode(b, take, out);
            next += take;
        }
        return out;
    }

    private static void fill(FileChannel from, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            int n = from.read(b, at);
            if (n < 0) {
                throw new IOException("scratch file of placed chunks is shorter than written");
            }
            at += n;
        }
    }

    /** Decodes {@code n} records from {@code b} into {@code out}, reading their inline bytes in one go. */
    private void decode(ByteBuffer b, int n, List<Entry> out) throws IOException {
        int from = out.size();
        long inlineFirst = -1;
        int inlineBytes = 0;
        // Each record's inline bytes' offset in the inline file, -1 for a chunk that has none.
        long[] inlineAt = null;
        for (int i = 0; i < n; i++) {
            byte flag = b.get();
            byte[] digest = new byte[32];
            b.get(digest);
            int length = b.getInt();
            int volume = b.getInt();
            long offset = b.getLong();
            int skip = b.getInt();
            if (flag == INLINE) {
                if (inlineAt == null) {
                    inlineAt = new long[n];
                    Arrays.fill(inlineAt, -1);
                    inlineFirst = offset;
                }
                inlineAt[i] = offset;
                inlineBytes += length;
                out.add(new Entry(ManifestEntry.Chunk.notShipped(HexFormat.of().formatHex(digest), length)));
            } else {
                out.add(new Entry(new ManifestEntry.Chunk(
                        flag == DIGEST ? HexFormat.of().formatHex(digest) : null, length, volume, offset, skip)));
            }
        }
        if (inlineAt == null) {
            return;
        }
        ByteBuffer bytes = ByteBuffer.allocate(inlineBytes);
        fill(inlineCh, bytes, inlineFirst);
        byte[] all = bytes.array();
        for (int i = 0; i < n; i++) {
            if (inlineAt[i] >= 0) {
                ManifestEntry.Chunk c = out.get(from + i).chunk();
                int at = (int) (inlineAt[i] - inlineFirst);
                out.set(from + i, new Entry(c, Arrays.copyOfRange(all, at, at + c.length())));
            }
        }
    }

    /** Reads every chunk from the first, in order, a batch at a time. */
    Cursor cursor() throws IOException {
        flush();
        return new Cursor();
    }

    final class Cursor {
        private final ByteBuffer b = ByteBuffer.allocate(RECORD * BATCH);
        private final List<Entry> batch = new ArrayList<>(BATCH);
        private int at;
        private long next;

        Entry next() throws IOException {
            if (at == batch.size()) {
                if (next >= flushed) {
                    throw new IllegalStateException("read past the last placed chunk");
                }
                int take = (int) Math.min(BATCH, flushed - next);
                b.clear().limit(take * RECORD);
                fill(ch, b, next * RECORD);
                b.flip();
                batch.clear();
                decode(b, take, batch);
                at = 0;
                next += take;
            }
            return batch.get(at++);
        }
    }

    @Override
    public void close() throws IOException {
        try (inlineCh) {
            ch.close();
        }
    }
}
