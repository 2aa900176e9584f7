package dev.ferry.protocols.bundle;

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
}
