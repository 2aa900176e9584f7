package dev.ferry.storage;

import java.util.Arrays;
import java.util.Objects;

/**
 * One chunk of a stored object: its address and length, and its bytes when the store keeps them with the object
 * rather than under the address ({@code inline}, null otherwise; see {@link ChunkStore#INLINE_MAX}).
 *
 * <p>An inline chunk is not a stored chunk of its own: {@link ChunkStore#chunk}, {@link ChunkStore#hasChunk} and
 * {@link ChunkStore#scanChunks} do not see it, so a reader needing its bytes takes them from here, and nothing may
 * rely on another store finding it by its digest.
 */
public record StoredChunk(Sha256 digest, int length, byte[] inline) {
    public StoredChunk {
        Objects.requireNonNull(digest, "digest");
        if (inline != null && inline.length != length) {
            throw new IllegalArgumentException("inline chunk of " + inline.length + " bytes, listed as " + length);
        }
    }

    /** A chunk stored under its digest. */
    public StoredChunk(Sha256 digest, int length) {
        this(digest, length, null);
    }

    public boolean isInline() {
        return inline != null;
    }

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
