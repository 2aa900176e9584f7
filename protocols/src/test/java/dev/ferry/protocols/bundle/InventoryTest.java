package dev.ferry.protocols.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InventoryTest {

    static byte[] bytes(Inventory inv) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        inv.write(out);
        return out.toByteArray();
    }

    @Test
    void sortsDeduplicatesAndFindsEveryKey() throws IOException {
        Random random = new Random(3);
        List<byte[]> keys = new ArrayList<>();
        Inventory.Builder b = new Inventory.Builder();
        for (int i = 0; i < 5000; i++) {
            byte[] k = new byte[16];
            random.nextBytes(k);
            keys.add(k);
            b.add(k);
            b.add(k.clone());
        }
        Inventory inv = b.build();
        assertEquals(5000, inv.size());
        Inventory back = Inventory.read(new ByteArrayInputStream(bytes(inv)));
        assertEquals(5000, back.size());
        for (byte[] k : keys) {
            assertTrue(back.contains(k));
            byte[] other = k.clone();
            other[15] ^= 1;
            assertFalse(back.contains(other) && !keys.stream().anyMatch(x -> Arrays.equals(x, other)));
        }
        Inventory union =
                new Inventory.Builder().addAll(inv).addAll(Inventory.empty()).build();
        assertEquals(5000, union.size());
        assertEquals(
                0,
                Inventory.read(new ByteArrayInputStream(bytes(Inventory.empty())))
                        .size());
    }

    @Test
    void keysFollowTheDocumentedRecipe() throws Exception {
        byte[] digest = new byte[32];
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        sha.update((byte) 'c');
        sha.update(digest);
        assertEquals(
                HexFormat.of().formatHex(Arrays.copyOf(sha.digest(), 16)),
                HexFormat.of().formatHex(Inventory.chunkKey(digest)));
        assertNotEquals(
                HexFormat.of().formatHex(Inventory.chunkKey(digest)),
                HexFormat.of().formatHex(Inventory.objectKey(digest)));
        sha.update("nname\0".getBytes());
        sha.update("ab".repeat(32).getBytes());
        assertEquals(
                HexFormat.of().formatHex(Arrays.copyOf(sha.digest(), 16)),
                HexFormat.of().formatHex(Inventory.nameKey("name", "ab".repeat(32))));
        assertNotEquals(
                HexFormat.of().formatHex(Inventory.metaKey("k", new byte[] {1})),
                HexFormat.of().formatHex(Inventory.metaKey("k", new byte[] {2})));
    }

    @Test
    void refusesDamagedFiles() throws IOException {
        Inventory.Builder b = new Inventory.Builder();
        for (int i = 0; i < 20; i++) {
            b.add(Inventory.chunkKey(new byte[] {(byte) i}));
        }
        byte[] f = bytes(b.build());
        for (int cut = 0; cut < f.length; cut++) {
            byte[] part = Arrays.copyOf(f, cut);
            assertThrows(
                    BundleFormatException.class, () -> Inventory.read(new ByteArrayInputStream(part)), "cut at " + cut);
        }
        for (int i = 18; i < f.length; i++) {
            byte[] bad = f.clone();
            bad[i] ^= 0x01;
            if (i >= 18 + 3 && i < 18 + 10) {
                continue; // gzip's FTEXT flag, mtime, extra flags and OS bytes carry nothing
            }
            assertThrows(
                    BundleFormatException.class, () -> Inventory.read(new ByteArrayInputStream(bad)), "flip at " + i);
        }
        assertThrows(
                BundleFormatException.class,
                () -> Inventory.read(new ByteArrayInputStream("ferry-inventory 2\n".getBytes())));
    }
    /**
     * Keys are written in stored gzip blocks (sorted hashes gain 2% from compression, for most of the time a large
     * inventory takes to write); a file whose keys were deflated, as ferry wrote them before, reads the same, and the
     * stored file is plain gzip any reader reads.
     */
    @Test
    void keysAreStoredAndDeflatedFilesFromBeforeReadTheSame() throws IOException {
        Inventory.Builder b = new Inventory.Builder();
        // enough keys for deflate to gain (1.5% at 300,000, from the sorted keys' leading bytes), so it shows
        for (int i = 0; i < 300_000; i++) {
            b.add(Inventory.chunkKey(java.nio.ByteBuffer.allocate(4).putInt(i).array()));
        }
        Inventory inv = b.build();
        byte[] stored = bytes(inv);
        int header = "ferry-inventory 1\n".length();
        byte[] body = new java.util.zip.GZIPInputStream(
                        new ByteArrayInputStream(stored, header, stored.length - header))
                .readAllBytes();
        assertEquals(16 * 300_000 + 8, body.length, "keys and the count");
        assertTrue(
                stored.length >= header + body.length && stored.length < header + body.length + 1_000,
                "stored, not deflated: " + stored.length);

        ByteArrayOutputStream before = new ByteArrayOutputStream();
        before.write(stored, 0, header);
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(before)) {
            gz.write(body);
        }
        Inventory read = Inventory.read(new ByteArrayInputStream(before.toByteArray()));
        assertEquals(inv.size(), read.size());
        for (int i = 0; i < inv.size(); i++) {
            assertArrayEquals(inv.key(i), read.key(i));
        }
        assertArrayEquals(stored, bytes(read), "written again: stored");
    }
}
