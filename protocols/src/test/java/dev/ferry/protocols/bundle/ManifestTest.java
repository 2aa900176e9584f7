package dev.ferry.protocols.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class ManifestTest {
    static final String ID = "20261121T134500Z-1a2b3c4d";
    static final String A = "aa".repeat(32);
    static final String B = "bb".repeat(32);
    static final String C = "cc".repeat(32);

    static List<ManifestEntry> sample() {
        return List.of(
                new ManifestEntry.Volume(1, 5000, A),
                new ManifestEntry.Volume(2, 3000, B),
                new ManifestEntry.StoreObject(
                        C,
                        40,
                        List.of(
                                new ManifestEntry.Chunk(A, 10, 1, 40, 0),
                                ManifestEntry.Chunk.notShipped(B, 10),
                                new ManifestEntry.Chunk(C, 10, 1, 40, 10),
                                new ManifestEntry.Chunk(B, 10, 2, 40, 0))),
                new ManifestEntry.StoreObject(A, 0, List.of()),
                new ManifestEntry.Name("go/mod/example.com/a b%/@v/v1.0.0.zip\nx", C),
                new ManifestEntry.Meta(MetaPolicy.KEEP_EXISTING, "k 1", "value".getBytes(StandardCharsets.UTF_8)),
                new ManifestEntry.Meta(MetaPolicy.REPLACE, "k2", new byte[0]),
                new ManifestEntry.Pin("mirror-set:x", C),
                new ManifestEntry.MirrorSet("set one", "go:\n  modules: [a]\n"));
    }

    static byte[] write(List<ManifestEntry> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = new ManifestWriter(out, ID)) {
            for (ManifestEntry e : entries) {
                w.write(e);
            }
        }
        return out.toByteArray();
    }

    static List<ManifestEntry> read(byte[] gz) throws IOException {
        ManifestReader r = new ManifestReader(new ByteArrayInputStream(gz));
        List<ManifestEntry> out = new ArrayList<>();
        for (ManifestEntry e; (e = r.next()) != null; ) {
            out.add(e);
        }
        assertNull(r.next());
        // the id is only known good once the whole stream (and gzip's CRC) was read
        assertEquals(ID, r.id());
        return out;
    }

    static String text(byte[] gz) throws IOException {
        return new String(new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes(), StandardCharsets.UTF_8);
    }

    static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Test
    void roundTripsAndSpellsTheGrammar() throws IOException {
        byte[] gz = write(sample());
        List<ManifestEntry> back = read(gz);
        assertEquals(sample().size(), back.size());
        for (int i = 0; i < back.size(); i++) {
            if (back.get(i) instanceof ManifestEntry.Meta m) {
                ManifestEntry.Meta want = (ManifestEntry.Meta) sample().get(i);
                assertEquals(want.key(), m.key());
                assertEquals(want.policy(), m.policy());
                assertArrayEquals(want.value(), m.value());
            } else {
                assertEquals(sample().get(i), back.get(i));
            }
        }
        String t = text(gz);
        assertTrue(t.startsWith("ferry-manifest 1 " + ID + "\nvolume 1 5000 sha256:" + A + "\n"), t);
        assertTrue(t.contains("\nc " + B + " 10 -\n"), t);
        assertTrue(t.contains("\nname go/mod/example.com/a%20b%25/@v/v1.0.0.zip%0Ax " + C + "\n"), t);
        assertTrue(t.contains("\nmeta REPLACE k2 -\n"), t);
        assertTrue(t.endsWith("\nend 14\n"), t);
        assertTrue(t.contains("\nc " + C + " 10 1 40+10\n"), t);
    }

    @Test
    void everyTruncationIsRefused() throws IOException {
        String t = text(write(sample()));
        for (int cut = 0; cut < t.length(); cut++) {
            byte[] gz = gzip(t.substring(0, cut));
            BundleFormatException e = assertThrows(BundleFormatException.class, () -> read(gz), "cut at " + cut);
            assertTrue(e.getMessage().contains("manifest"), e.getMessage());
        }
        byte[] gz = write(sample());
        for (int cut = 0; cut < gz.length; cut++) {
            byte[] part = java.util.Arrays.copyOf(gz, cut);
            assertThrows(BundleFormatException.class, () -> read(part), "gzip cut at " + cut);
        }
    }

    @Test
    void flippedBytesAreRefusedOrChangeNothing() throws IOException {
        byte[] gz = write(sample());
        for (int i = 0; i < gz.length; i++) {
            byte[] bad = gz.clone();
            bad[i] ^= 0x01;
            try {
                read(bad);
                // gzip's header has bytes (mtime, OS, flags' unused bits) that may change without harm
                assertTrue(i >= 3 && i < 10, "flip at " + i + " accepted");
            } catch (BundleFormatException expected) {
                // refused, as it should be
            }
        }
    }

    @Test
    void refusesWrongEndCountLinesOutOfOrderAndBadFields() throws IOException {
        String t = text(write(sample()));
        String[] bad = {
            t.replace("end 14", "end 13"),
            t.replace("end 14\n", "end 14\nname x " + A + "\n"),
            t.replace("end 14\n", ""),
            t.replace("volume 2 3000", "volume 3 3000"),
            t.replace("object " + A + " 0 0\n", "")
                    .replace("pin mirror-set:x", "object " + A + " 0 0\npin mirror-set:x"),
            t.replace("object " + C + " 40 4", "object " + C + " 41 4"),
            t.replace("object " + C + " 40 4", "object " + C + " 40 5"),
            t.replace(" 10 2 40", " 10 3 40"),
            t.replace(" 10 2 40", " 10 2 4990"),
            t.replace(" 10 2 40", " 10 1 40"),
            t.replace(" 10 1 40+10", " 10 1 40+0"),
            t.replace(" 10 1 40+10", " 10 1 40+010"),
            t.replace(" 10 1 40+10", " 10 1 40+4194295"),
            t.replace(" 10 1 40+10", " 10 1 40"),
            t.replace(" 10 1 40+10", " 10 1 40+"),
            t.replace(" 10 2 40", " 0 2 40"),
            t.replace(" 10 2 40", " 4194305 2 40"),
            t.replace("meta KEEP", "meta SOMETIMES"),
            t.replace("dmFsdWU=", "dmFsdWU"),
            t.replace("%20b", "%2"),
            t.replace("ferry-manifest 1", "ferry-manifest 2"),
            t.replace("ferry-manifest 1 " + ID, "ferry-manifest 1 x"),
            t.replace("name go", "nome go"),
            t.replace("pin mirror-set:x " + C, "pin mirror-set:x " + C + " extra"),
            t.replace("volume 1 5000", "volume 1 05000"),
            t.replace("volume 1 5000", "volume 1 99999999999999999999"),
        };
        for (String b : bad) {
            assertTrue(!b.equals(t), "the replacement changed nothing: " + b);
            byte[] gz = gzip(b);
            BundleFormatException e = assertThrows(BundleFormatException.class, () -> read(gz), b);
            assertTrue(e.getMessage().startsWith("manifest"), e.getMessage());
        }
    }

    @Test
    void capsLineLength() throws IOException {
        String huge = "ferry-manifest 1 " + ID + "\nname " + "x".repeat(ManifestReader.MAX_LINE) + "\n";
        byte[] gz = gzip(huge);
        BundleFormatException e = assertThrows(BundleFormatException.class, () -> read(gz));
        assertTrue(e.getMessage().contains("line 2 is longer"), e.getMessage());
    }
}
