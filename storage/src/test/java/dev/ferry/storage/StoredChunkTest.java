package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class StoredChunkTest {
    final byte[] bytes = TestData.random(4, 5000);
    final Sha256 digest = TestData.sha256(bytes);

    @Test
    void aRecordedChecksumDecidesWhetherReadBytesAreIntact() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        StoredChunk recorded = new StoredChunk(digest, bytes.length, null, ChunkChecksum.of(bytes));
        assertTrue(recorded.intact(bytes.clone(), sha));
        byte[] flipped = bytes.clone();
        flipped[2500] ^= 0x20;
        assertFalse(recorded.intact(flipped, sha));
        assertFalse(recorded.intact(java.util.Arrays.copyOf(bytes, bytes.length - 1), sha));
        // The CRC32C is what is checked when recorded: bytes it matches pass, whatever their digest.
        StoredChunk otherDigest =
                new StoredChunk(TestData.sha256(flipped), bytes.length, null, ChunkChecksum.of(bytes));
        assertTrue(otherDigest.intact(bytes, sha));
    }

    @Test
    void withoutAChecksumTheDigestDecides() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        StoredChunk older = new StoredChunk(digest, bytes.length);
        assertTrue(older.intact(bytes, sha));
        byte[] flipped = bytes.clone();
        flipped[0] ^= 0x01;
        assertFalse(older.intact(flipped, sha));
        sha.update(new byte[] {1, 2, 3}); // a digest left dirty by its last use is reset first
        assertTrue(older.intact(bytes, sha));
    }

    @Test
    void theChecksumIsNotPartOfWhichChunkItIs() {
        assertEquals(
                new StoredChunk(digest, bytes.length),
                new StoredChunk(digest, bytes.length, null, ChunkChecksum.of(bytes)));
        assertThrows(IllegalArgumentException.class, () -> new StoredChunk(digest, bytes.length, null, 1L << 32));
    }
}
