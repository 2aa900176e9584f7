package dev.ferry.protocols.bundle;

import static dev.ferry.protocols.bundle.ManifestTest.A;
import static dev.ferry.protocols.bundle.ManifestTest.B;
import static dev.ferry.protocols.bundle.ManifestTest.C;
import static dev.ferry.protocols.bundle.ManifestTest.ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Format 2's objects: shipped chunks by length, runs of other objects' chunks, held chunks by digest. */
class ManifestFormat2Test {
    static List<ManifestEntry> sample() {
        List<ManifestEntry.Part> many = new ArrayList<>();
        for (int i = 0; i < ManifestWriter.LENGTHS_PER_LINE + 3; i++) {
            many.add(new ManifestEntry.Shipped(1));
        }
        return List.of(
                new ManifestEntry.Volume(1, 5000, A),
                new ManifestEntry.DeltaObject(
                        C,
                        60,
                        List.of(
                                new ManifestEntry.Shipped(10),
                                new ManifestEntry.Shipped(5),
                                new ManifestEntry.Run(A, 3, 2),
                                new ManifestEntry.Held(B, 7),
                                new ManifestEntry.Shipped(8),
                                new ManifestEntry.Run(C, 0, 2))),
                new ManifestEntry.DeltaObject(B, many.size(), many),
                new ManifestEntry.DeltaObject(A, 0, List.of()),
                new ManifestEntry.Name("go/x/@v/v1.0.0.zip", C),
                meta("zip " + C + " h1:x=\nmod 100% done"),
                new ManifestEntry.Meta(MetaPolicy.KEEP_EXISTING, "bytes", new byte[] {(byte) 0xff, 0, 1}),
                meta("-"),
                meta("base64:AAAA"),
                new ManifestEntry.Meta(MetaPolicy.KEEP_EXISTING, "empty", new byte[0]),
                new ManifestEntry.MirrorSet("set", "go:\n  modules: [a]\n"));
    }

    static ManifestEntry.Meta meta(String text) {
        return new ManifestEntry.Meta(MetaPolicy.REPLACE, "k", text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static byte[] write(List<ManifestEntry> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = new ManifestWriter(out, ID, BundleNote.FORMAT_2)) {
            for (ManifestEntry e : entries) {
                w.write(e);
            }
        }
        return out.toByteArray();
    }

    static ManifestReader reader(byte[] gz) throws IOException {
        return new ManifestReader(new ByteArrayInputStream(gz));
    }

    /**
     * An objects section written apart (as an export lists its objects while it writes the volumes) and copied in
     * makes the same manifest as the entries written in place; the part takes objects only.
     */
    @Test
    void anObjectsSectionWrittenApartIsTheSame() throws IOException {
        List<ManifestEntry> all = sample();
        ByteArrayOutputStream section = new ByteArrayOutputStream();
        ManifestWriter part = ManifestWriter.objects(section, BundleNote.FORMAT_2);
        for (ManifestEntry e : all.subList(1, 4)) {
            part.write(e);
        }
        assertThrows(IllegalStateException.class, () -> part.write(all.get(4)));
        part.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = new ManifestWriter(out, ID, BundleNote.FORMAT_2)) {
            w.write(all.get(0));
            w.appendObjects(part, new ByteArrayInputStream(section.toByteArray()));
            for (ManifestEntry e : all.subList(4, all.size())) {
                w.write(e);
            }
        }
        assertEquals(ManifestTest.text(write(all)), ManifestTest.text(out.toByteArray()));
        assertEquals(all.subList(0, 5), ManifestTest.read(out.toByteArray()).subList(0, 5));
        ManifestWriter other = new ManifestWriter(new ByteArrayOutputStream(), ID, BundleNote.FORMAT_2);
        assertThrows(
                IllegalStateException.class,
                () -> other.appendObjects(part, new ByteArrayInputStream(new byte[] {'x', '\n'})),
                "a section that is not what the part wrote");
    }

    @Test
    void roundTripsAndSpellsTheGrammar() throws IOException {
        byte[] gz = write(sample());
        List<ManifestEntry> read = ManifestTest.read(gz);
        assertEquals(ManifestTest.text(gz), ManifestTest.text(write(read)));
        assertEquals(sample().subList(0, 5), read.subList(0, 5));
        assertEquals(
                List.of("zip " + C + " h1:x=\nmod 100% done", "\ufffd\u0000\u0001", "-", "base64:AAAA", ""),
                read.subList(5, 10).stream()
                        .map(e -> new String(((ManifestEntry.Meta) e).value(), java.nio.charset.StandardCharsets.UTF_8))
                        .toList());
        assertEquals(sample().get(10), read.get(10));
        assertEquals(BundleNote.FORMAT_2, reader(gz).format());
        String text = ManifestTest.text(gz);
        assertTrue(
                text.startsWith("ferry-manifest 2 " + ID + "\nvolume 1 5000 sha256:" + A + "\n"
                        + "object " + C + " 60 8\n"
                        + "s 10 5\n"
                        + "r " + A + " 3 2\n"
                        + "h " + B + " 7\n"
                        + "s 8\n"
                        + "r " + C + " 0 2\n"
                        + "object " + B + " 1027 1027\n"
                        + "s 1" + " 1".repeat(ManifestWriter.LENGTHS_PER_LINE - 1) + "\n"
                        + "s 1 1 1\n"
                        + "object " + A + " 0 0\n"
                        + "name go/x/@v/v1.0.0.zip " + C + "\n"
                        // text where it is text, so gzip matches the digests it names with the lines above
                        + "meta REPLACE k zip%20" + C + "%20h1:x=%0Amod%20100%25%20done\n"
                        + "meta KEEP bytes base64:/wAB\n"
                        + "meta REPLACE k base64:LQ==\n"
                        + "meta REPLACE k base64:YmFzZTY0OkFBQUE=\n"
                        + "meta KEEP empty -\n"
                        + "mirror-set set go:%0A%20%20modules:%20[a]%0A\n"),
                text);
    }

    @Test
    void format1ObjectsAreNotWrittenInto2AndTheReverse() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = new ManifestWriter(out, ID, BundleNote.FORMAT_2)) {
            assertThrows(IllegalArgumentException.class, () -> w.write(new ManifestEntry.StoreObject(A, 0, List.of())));
        }
        try (ManifestWriter w = new ManifestWriter(new ByteArrayOutputStream(), ID)) {
            assertThrows(IllegalArgumentException.class, () -> w.write(new ManifestEntry.DeltaObject(A, 0, List.of())));
        }
    }

    @Test
    void refusesPartsThatDoNotNameTheChunkCountOrBreakTheRules() throws IOException {
        String good = ManifestTest.text(write(sample()));
        String[][] bad = {
            {good.replace(" 60 8\n", " 60 9\n"), "line 9: object " + C + " lists 9 chunks, but line 9 is not"},
            {good.replace(" 60 8\n", " 60 7\n"), "line 8: object " + C + " lists 7 chunks, but line 8 names more"},
            {good.replace("s 10 5\n", "s 10 0\n"), "line 4: a chunk has length 0"},
            {good.replace("s 10 5\n", "s 10 05\n"), "line 4: "},
            {good.replace("s 10 5\n", "s 10  5\n"), "line 4: "},
            {good.replace("s 10 5\n", "s\n"), "names none"},
            {good.replace(" 60 8\n", " 29 8\n"), "its chunks add up to more than its 29 bytes"},
            {good.replace("r " + C + " 0 2\n", "r " + C + " 5 2\n"), "names its own chunks 5 to 6 at chunk 6"},
            {good.replace("r " + A + " 3 2\n", "r " + A + " 3\n"), "run line is not"},
            {good.replace("r " + A + " 3 2\n", "r " + A + " 3 0\n"), "names none"},
            {good.replace("r " + A + " 3 2\n", "r " + A.toUpperCase() + " 3 2\n"), "64 lowercase hex"},
            {good.replace("h " + B + " 7\n", "h " + B + "\n"), "chunk line is not \"h <hex> <length>\""},
            {good.replace("h " + B + " 7\n", "c " + B + " 7 -\n"), "is not a chunk line (s, r or h)"},
            {good.replace("s 1 1 1\n", "s 1 1 1 1\n"), "names more"},
            {good.replace("\ns 1 1 1\n", " 1 1 1\n"), "more than 1024 lengths on an s line"},
            {good.replace("k base64:LQ==", "k -%2D"), "bad percent-encoding"},
            {
                good.replace(
                        "k base64:LQ==",
                        "k base64:" + java.util.Base64.getEncoder().encodeToString("ok".getBytes())),
                "value written as base64 that is written as text"
            },
            {good.replace("k base64:YmFzZTY0OkFBQUE=", "k base64:AAAA"), "value written as base64 that is written as"},
            {good.replace("%20done", " done"), "fields"},
            {good.replace("%20done", "%20done%"), "bad percent-encoding"},
        };
        for (String[] b : bad) {
            BundleFormatException e =
                    assertThrows(BundleFormatException.class, () -> ManifestTest.read(ManifestTest.gzip(b[0])), b[1]);
            assertTrue(e.getMessage().contains(b[1]), b[1] + " / " + e.getMessage());
        }
    }

    @Test
    void everyTruncationIsRefused() throws IOException {
        String good = ManifestTest.text(write(sample()));
        for (int cut = 0; cut < good.length() - 1; cut += 7) {
            String truncated = good.substring(0, cut);
            assertThrows(BundleFormatException.class, () -> ManifestTest.read(ManifestTest.gzip(truncated)));
        }
    }
}
