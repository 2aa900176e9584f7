package dev.ferry.protocols.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bundle readers, on any input, either return what a writer writes back byte for byte (each format has one
 * spelling per value) or throw BundleFormatException, never anything else. Deterministic mutation fuzzing with a
 * fixed seed ({@code -Dferry.fuzz.iterations=N}, {@code -Dferry.fuzz.seed=S} as in the other fuzz tests).
 */
class BundleFuzzTest {
    private static final int ITERATIONS = Integer.getInteger("ferry.fuzz.iterations", 3000);
    private static final long SEED = Long.getLong("ferry.fuzz.seed", 20261121L);
    private static final String INTERESTING = " \n-%0129afAZ:+=/\u00e9\u007f\t";

    static String mutate(String s, Random r) {
        StringBuilder b = new StringBuilder(s);
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n && !b.isEmpty(); i++) {
            int at = r.nextInt(b.length());
            switch (r.nextInt(5)) {
                case 0 -> b.setCharAt(at, INTERESTING.charAt(r.nextInt(INTERESTING.length())));
                case 1 -> b.insert(at, INTERESTING.charAt(r.nextInt(INTERESTING.length())));
                case 2 -> b.delete(at, Math.min(b.length(), at + 1 + r.nextInt(8)));
                case 3 -> {
                    int end = b.indexOf("\n", at);
                    int start = b.lastIndexOf("\n", at) + 1;
                    if (end > 0) {
                        b.insert(start, b.substring(start, end + 1));
                    }
                }
                default -> b.setCharAt(at, (char) ('0' + r.nextInt(10)));
            }
        }
        return b.toString();
    }

    @Test
    void noteText() {
        Random r = new Random(SEED);
        String good = BundleNoteTest.sample().text();
        for (int i = 0; i < ITERATIONS; i++) {
            String input = mutate(good, r);
            try {
                assertEquals(input, BundleNote.parse(input).text(), input);
            } catch (BundleFormatException expected) {
                // refused: fine
            }
        }
    }

    @Test
    void manifestText() throws IOException {
        Random r = new Random(SEED);
        String good = ManifestTest.text(ManifestTest.write(ManifestTest.sample()));
        for (int i = 0; i < ITERATIONS; i++) {
            String input = mutate(good, r);
            List<ManifestEntry> entries = new ArrayList<>();
            String id;
            try {
                ManifestReader reader = new ManifestReader(new ByteArrayInputStream(ManifestTest.gzip(input)));
                id = reader.id();
                for (ManifestEntry e; (e = reader.next()) != null; ) {
                    entries.add(e);
                }
            } catch (BundleFormatException expected) {
                continue;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ManifestWriter w = new ManifestWriter(out, id)) {
                for (ManifestEntry e : entries) {
                    w.write(e);
                }
            }
            assertEquals(input, ManifestTest.text(out.toByteArray()), input);
        }
    }

    /** Format 2: what the reader accepts, the writer spells back exactly (one spelling per manifest). */
    @Test
    void manifestTextOfFormat2() throws IOException {
        Random r = new Random(SEED);
        List<ManifestEntry> sample = ManifestFormat2Test.sample().stream()
                .filter(e ->
                        !(e instanceof ManifestEntry.DeltaObject o && o.parts().size() > 100))
                .toList();
        String good = ManifestTest.text(ManifestFormat2Test.write(sample));
        int accepted = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            String input = mutate(good, r);
            List<ManifestEntry> entries = new ArrayList<>();
            ManifestReader reader;
            try {
                reader = new ManifestReader(new ByteArrayInputStream(ManifestTest.gzip(input)));
                for (ManifestEntry e; (e = reader.next()) != null; ) {
                    entries.add(e);
                }
            } catch (BundleFormatException expected) {
                continue;
            }
            accepted++;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ManifestWriter w = new ManifestWriter(out, reader.id(), reader.format())) {
                for (ManifestEntry e : entries) {
                    w.write(e);
                }
            }
            assertEquals(input, ManifestTest.text(out.toByteArray()), input);
        }
        assertTrue(accepted > 0, "no mutation was accepted: the property was never checked");
    }

    @Test
    void volumeBytes() throws IOException {
        Random r = new Random(SEED);
        byte[] good = VolumeTest.write(VolumeTest.sample()).file();
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] input = good.clone();
            for (int k = 0; k <= r.nextInt(3); k++) {
                input[r.nextInt(input.length)] = (byte) r.nextInt(256);
            }
            try {
                VolumeReader reader = new VolumeReader(new VolumeTest.Channel(input), VolumeTest.ID, 2, 3);
                List<byte[]> records = new ArrayList<>();
                for (long at = reader.firstRecord(); at < reader.recordsEnd(); ) {
                    VolumeReader.Record rec = reader.record(at);
                    records.add(rec.bytes());
                    at = rec.next();
                }
                reader.verify();
                for (int j = 0; j < records.size(); j++) {
                    assertArrayEquals(VolumeTest.sample().get(j), records.get(j));
                }
            } catch (BundleFormatException expected) {
                // refused: fine
            }
        }
    }

    @Test
    void inventoryBytes() throws IOException {
        Random r = new Random(SEED);
        Inventory.Builder b = new Inventory.Builder();
        for (int i = 0; i < 50; i++) {
            b.add(Inventory.objectKey(new byte[] {(byte) i}));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b.build().write(out);
        byte[] good = out.toByteArray();
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] input = good.clone();
            input[r.nextInt(input.length)] = (byte) r.nextInt(256);
            try {
                Inventory inv = Inventory.read(new ByteArrayInputStream(input));
                ByteArrayOutputStream again = new ByteArrayOutputStream();
                inv.write(again);
                assertEquals(50, inv.size());
                assertArrayEquals(good, again.toByteArray(), "a changed inventory was read as the same keys");
            } catch (BundleFormatException expected) {
                // refused: fine
            }
        }
        assertEquals("ferry-inventory 1\n", new String(good, 0, 18, StandardCharsets.US_ASCII));
    }
}
