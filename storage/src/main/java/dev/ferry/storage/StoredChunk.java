package dev.ferry.storage;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * One chunk of a stored object: its address and length, its bytes when the store keeps them with the object rather
 * than under the address ({@code inline}, null otherwise; see {@link ChunkStore#INLINE_MAX}), and the CRC32C its
 * object's entry recorded for it ({@code checksum}, {@link #NO_CHECKSUM} when the entry has none: see
 * {@link #intact}).
 *
 * <p>An inline chunk is not a stored chunk of its own: {@link ChunkStore#chunk}, {@link ChunkStore#hasChunk} and
 * {@link ChunkStore#scanChunks} do not see it, so a reader needing its bytes takes them from here, and nothing may
 * rely on another store finding it by its digest.
 */
public record StoredChunk(Sha256 digest, int length, byte[] inline, long checksum) {
    /** No CRC32C recorded: entries written before ferry recorded one, or by a writer without the chunk's bytes. */
    public static final long NO_CHECKSUM = ChunkChecksum.NONE;

    public StoredChunk {
        Objects.requireNonNull(digest, "digest");
        if (inline != null && inline.length != length) {
            throw new IllegalArgumentException("inline chunk of " + inline.length + " bytes, listed as " + length);
        }
        if (checksum != NO_CHECKSUM && (checksum < 0 || checksum > 0xFFFF_FFFFL)) {
            throw new IllegalArgumentException("a CRC32C is an unsigned 32-bit value: " + checksum);
        }
    }

    /** A chunk stored under its digest, with no checksum known. */
    public StoredChunk(Sha256 digest, int length) {
        this(digest, length, null, NO_CHECKSUM);
    }

    /** A chunk with no checksum known, inline when {@code inline} is not null. */
    public StoredChunk(Sha256 digest, int length, byte[] inline) {
        this(digest, length, inline, NO_CHECKSUM);
    }

    public boolean isInline() {
        return inline != null;
    }

    /**
     * Whether {@code bytes}, read back from the store, are this chunk's: of its length and, when its entry recorded a
     * CRC32C, matching that, else hashing to its digest ({@code sha256} is reset and used for that only). The CRC32C
     * is the store's own guard against bytes damaged on disk, the one serving reads check ({@code ChunkChecksum}):
     * tens of GB per CPU second against SHA-256's one or two, and as good against damage, since the writer computed
     * it from the very bytes it hashed. What comes from another site is checked against digests, never this way.
     */
    public boolean intact(byte[] bytes, MessageDigest sha256) {
        if (bytes.length != length) {
            return false;
        }
        if (checksum != NO_CHECKSUM) {
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, bytes.length);
            return crc.getValue() == checksum;
        }
        sha256.reset();
        return MessageDigest.isEqual(sha256.digest(bytes), digest.bytes());
    }

    /**
     * Equal when they are the same chunk: digest, length and inline bytes. Whether an entry recorded a checksum says
     * how the store guards the bytes, not which bytes they are (an object appending another's chunk by digest records
     * none).
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof StoredChunk c
                && digest.equals(c.digest)
                && length == c.length
                && Arrays.equals(inline, c.inline);
    }

    @Override
    public int hashCode() {
        return Objects.hash(digest, length, Arrays.hashCode(inline));
    }

    @Override
    public String toString() {
        return "StoredChunk[" + digest + ", " + length + (inline != null ? ", inline]" : "]");
    }
}
