package dev.ferry.protocols.bundle;

import static dev.ferry.protocols.FormatException.quote;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads one volume ({@link Volume}) from a channel the caller opens and closes: records by offset (random access)
 * or one after another, and a whole-volume check. Every length read from the file is checked against the volume's
 * bounds and {@link Volume#MAX_RECORD} before anything is allocated for it. Not thread-safe.
 */
public final class VolumeReader {
    private final SeekableByteChannel ch;
    private final String name;
    private final long size;
    private final int headerLength;
    private final long recordsEnd;
    private final long recordCount;
    private final byte[] trailerDigest;
    private final Inflater inflater = new Inflater();

    /** A record's raw bytes and where the next record starts. */
    public record Record(long offset, byte[] bytes, long next) {}

    /**
     * Opens volume {@code n} of {@code total} of bundle {@code id}: checks the header names exactly that, and that
     * the trailer is in place.
     */
    public VolumeReader(SeekableByteChannel ch, String id, int n, int total) throws IOException {
        this.ch = ch;
        this.name = Volume.fileName(n);
        byte[] header = Volume.header(id, n, total);
        this.headerLength = header.length;
        this.size = ch.size();
        if (size < header.length + (long) Volume.TRAILER_LENGTH) {
            throw new BundleFormatException(name + " is too short to be a volume (" + size + " bytes)");
        }
        byte[] got = read(0, header.length);
        if (!Arrays.equals(got, header)) {
            throw new BundleFormatException(name + " has header " + quote(new String(got, StandardCharsets.ISO_8859_1))
                    + ", want " + quote(new String(header, StandardCharsets.US_ASCII)));
        }
        this.recordsEnd = size - Volume.TRAILER_LENGTH;
        ByteBuffer t = ByteBuffer.wrap(read(recordsEnd, Volume.TRAILER_LENGTH));
        byte[] magic = new byte[8];
        t.get(magic);
        if (!Arrays.equals(magic, Volume.TRAILER_MAGIC)) {
            throw new BundleFormatException(name + " has no trailer (truncated?)");
        }
        this.recordCount = t.getLong();
        this.trailerDigest = new byte[32];
        t.get(trailerDigest);
        if (recordCount < 0 || recordCount > (recordsEnd - headerLength) / (Volume.RECORD_HEADER + 1)) {
            throw new BundleFormatException(name + " trailer claims " + recordCount + " records, more than fit");
        }
    }

    public long firstRecord() {
        return headerLength;
    }

    /** Where the records end (the trailer starts); the last record's {@link Record#next} must be this. */
    public long recordsEnd() {
        return recordsEnd;
    }

    public long recordCount() {
        return recordCount;
    }

    /** A record's header: where the record starts, its raw (inflated) length, whether it is deflated, and where the next one starts. */
    public record Header(long offset, int rawLength, boolean deflated, long next) {
        int storedLength() {
            return (int) (next - offset - Volume.RECORD_HEADER);
        }
    }

    /** The header of the record at {@code offset}, checked against the volume's bounds, without reading its body. */
    public Header header(long offset) throws IOException {
        if (offset < headerLength || offset > recordsEnd - Volume.RECORD_HEADER) {
            throw new BundleFormatException(name + ": no record can start at offset " + offset);
        }
        ByteBuffer h = ByteBuffer.wrap(read(offset, Volume.RECORD_HEADER));
        int flags = h.get() & 0xff;
        long raw = h.getInt() & 0xffffffffL;
        long stored = h.getInt() & 0xffffffffL;
        boolean deflated = flags == Volume.FLAG_DEFLATED;
        if (flags != 0 && !deflated) {
            throw new BundleFormatException(name + ": record at " + offset + " has unknown flags " + flags);
        }
        if (raw < 1 || raw > Volume.MAX_RECORD) {
            throw new BundleFormatException(name + ": record at " + offset + " claims " + raw + " bytes (1 to "
                    + Volume.MAX_RECORD + " allowed)");
        }
        if (deflated ? stored < 1 || stored > raw - raw / 8 : stored != raw) {
            throw new BundleFormatException(
                    name + ": record at " + offset + " has stored length " + stored + " for " + raw + " bytes");
        }
        long next = offset + Volume.RECORD_HEADER + stored;
        if (next > recordsEnd) {
            throw new BundleFormatException(name + ": record at " + offset + " runs past the end of the records");
        }
        return new Header(offset, (int) raw, deflated, next);
    }

    /** The record at {@code offset}, inflated when it was deflated. */
    public Record record(long offset) throws IOException {
        Header h = header(offset);
        byte[] body = read(offset + Volume.RECORD_HEADER, h.storedLength());
        return new Record(offset, h.deflated() ? inflate(body, h.rawLength(), offset) : body, h.next());
    }

    /** A record's bytes: {@code [0, length)} of {@code buffer}, which may be longer. */
    public record Slice(long offset, byte[] buffer, int length, long next) {}

    /**
     * The record at {@code offset} as {@link #record} reads it, into {@code buffer} when that holds it (else into a
     * new array, returned in the slice for the caller to keep): a reader going through thousands of records of about
     * 1 MiB then allocates none, where each was a humongous allocation at ferry's default heap (256 MiB, 1 MiB G1
     * regions), starting collections of their own and filling the heap (bench/bundle README, session 17). The
     * slice's bytes are the caller's until it passes the same buffer again.
     */
    public Slice record(long offset, byte[] buffer) throws IOException {
        Header h = header(offset);
        byte[] into = buffer != null && buffer.length >= h.rawLength() ? buffer : new byte[h.rawLength()];
        if (h.deflated()) {
            inflate(read(offset + Volume.RECORD_HEADER, h.storedLength()), into, h.rawLength(), offset);
        } else {
            read(offset + Volume.RECORD_HEADER, into, h.rawLength());
        }
        return new Slice(offset, into, h.rawLength(), h.next());
    }

    /**
     * Reads every record in order and checks the record count and the trailer's digest of the preceding bytes
     * (the volume checks itself, without the manifest). Returns the number of records.
     */
    public long verify() throws IOException {
        long count = 0;
        for (long at = headerLength; at < recordsEnd; count++) {
            at = record(at).next();
        }
        if (count != recordCount) {
            throw new BundleFormatException(name + " holds " + count + " records, its trailer says " + recordCount);
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        ch.position(0);
        long left = recordsEnd + 16;
        while (left > 0) {
            buf.clear().limit((int) Math.min(buf.capacity(), left));
            int n = ch.read(buf);
            if (n < 0) {
                throw new BundleFormatException(name + " ended early");
            }
            sha.update(buf.array(), 0, n);
            left -= n;
        }
        if (!MessageDigest.isEqual(sha.digest(), trailerDigest)) {
            throw new BundleFormatException(name + " is damaged: its digest does not match its trailer");
        }
        return count;
    }

    private byte[] inflate(byte[] body, int raw, long offset) {
        byte[] out = new byte[raw];
        inflate(body, out, raw, offset);
        return out;
    }

    /** Inflates {@code body} into {@code out[0, raw)}, refusing a body that does not inflate to exactly that. */
    private void inflate(byte[] body, byte[] out, int raw, long offset) {
        inflater.reset();
        inflater.setInput(body);
        try {
            int n = 0;
            while (n < raw && !inflater.finished()) {
                int k = inflater.inflate(out, n, raw - n);
                if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += k;
            }
            if (n == raw && !inflater.finished() && inflater.inflate(new byte[1]) != 0) {
                n++;
            }
            if (n != raw || !inflater.finished() || inflater.getRemaining() != 0) {
                throw new BundleFormatException(
                        name + ": record at " + offset + " does not inflate to " + raw + " bytes");
            }
        } catch (DataFormatException e) {
            throw new BundleFormatException(name + ": record at " + offset + " is damaged (" + e.getMessage() + ")");
        }
    }

    private byte[] read(long at, int len) throws IOException {
        byte[] bytes = new byte[len];
        read(at, bytes, len);
        return bytes;
    }

    /** Reads {@code len} bytes at {@code at} into {@code into[0, len)}. */
    private void read(long at, byte[] into, int len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(into, 0, len);
        ch.position(at);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new BundleFormatException(name + " ended early at offset " + (at + b.position()));
            }
        }
    }
}
