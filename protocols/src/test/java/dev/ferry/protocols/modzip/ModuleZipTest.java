package dev.ferry.protocols.modzip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.modzip.ModuleZip.Entry;
import dev.ferry.protocols.modzip.ModuleZip.ZipSummary;
import dev.ferry.protocols.semver.Version;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

class ModuleZipTest {

    private static final ModulePath M = ModulePath.parse("example.com/m");
    private static final Version V = Version.parse("v1.0.0");
    private static final String P = "example.com/m@v1.0.0/";

    private static ZipSummary check(byte[] zip) throws IOException {
        return ModuleZip.check(new ByteArrayInputStream(zip), M, V);
    }

    private static void assertRefused(byte[] zip, String fragment) {
        FormatException e = assertThrows(FormatException.class, () -> check(zip));
        assertTrue(e.getMessage().contains(fragment), "want \"" + fragment + "\" in: " + e.getMessage());
    }

    private static RawZip goLike() {
        return new RawZip().add(P + "go.mod", "module example.com/m\n").add(P + "m.go", "package m\n");
    }

    /** dirhash.Hash1 over the summary's entries. */
    private static String h1(ZipSummary s) throws Exception {
        List<Entry> sorted = new ArrayList<>(s.entries());
        sorted.sort(Comparator.comparing(Entry::name));
        StringBuilder b = new StringBuilder();
        for (Entry e : sorted) {
            b.append(e.sha256()).append("  ").append(e.name()).append('\n');
        }
        byte[] sum = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
        return "h1:" + Base64.getEncoder().encodeToString(sum);
    }

    @Test
    void allFixtureZipsPassAndHashAsRecorded() throws Exception {
        Path root = Path.of("/work/shared/fixtures/gocorpus/proxy");
        if (!Files.isDirectory(root)) {
            root = Path.of(System.getProperty("ferry.fixtures", "../../shared/fixtures"), "gocorpus", "proxy");
        }
        Map<String, String> want = new HashMap<>();
        for (String line : Files.readAllLines(root.resolve("_meta/modules.txt"))) {
            if (!line.startsWith("#") && !line.isBlank()) {
                String[] f = line.trim().split("\\s+");
                want.put(f[0] + "@" + f[1], f[3]);
            }
        }
        int n = 0;
        for (Map.Entry<String, String> w : want.entrySet()) {
            String[] mv = w.getKey().split("@");
            ModulePath path = ModulePath.parse(mv[0]);
            Version version = Version.parse(mv[1]);
            Path zip = root.resolve(path.escaped() + "/@v/" + ModulePath.escapeVersion(mv[1]) + ".zip");
            ZipSummary s;
            try (InputStream in = Files.newInputStream(zip)) {
                s = ModuleZip.check(in, path, version);
            }
            assertEquals(w.getValue(), h1(s), w.getKey());
            assertEquals(s.entries().size(), s.files());
            assertEquals(
                    s.uncompressedSize(),
                    s.entries().stream().mapToLong(Entry::size).sum());
            n++;
        }
        assertEquals(81, n);
    }

    @Test
    void summaryOfAGoStyleZip() throws Exception {
        ZipSummary s = check(goLike().build());
        assertEquals(2, s.files());
        assertTrue(s.hasGoMod());
        assertEquals(21 + 10, s.uncompressedSize());
        assertEquals(P + "go.mod", s.entries().get(0).name());
        assertEquals(
                HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256")
                                .digest("package m\n".getBytes(StandardCharsets.UTF_8))),
                s.entries().get(1).sha256());
        assertFalse(check(new RawZip().add(P + "m.go", "package m\n").build()).hasGoMod());
    }

    @Test
    void javaZipOutputStreamZips() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(buf)) {
            z.putNextEntry(new ZipEntry(P + "go.mod"));
            z.write("module example.com/m\n".getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry(P + "dir/"));
            ZipEntry stored = new ZipEntry(P + "dir/stored.txt");
            byte[] data = "stored bytes".getBytes(StandardCharsets.UTF_8);
            stored.setMethod(ZipEntry.STORED);
            stored.setSize(data.length);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(data);
            stored.setCrc(crc.getValue());
            z.putNextEntry(stored);
            z.write(data);
            z.putNextEntry(new ZipEntry(P + "empty.go"));
            z.setComment("a comment");
        }
        ZipSummary s = check(buf.toByteArray());
        assertEquals(3, s.files());
        assertEquals(4, s.entries().size());
        assertTrue(s.hasGoMod());
    }

    @Test
    void descriptorWithoutSignatureAndStoredEntries() throws IOException {
        ZipSummary s = check(new RawZip()
                .add(
                        P + "a.go",
                        "package a\n".repeat(100).getBytes(StandardCharsets.UTF_8),
                        e -> e.descriptorSignature = false)
                .add(P + "b.txt", "b".getBytes(StandardCharsets.UTF_8), e -> {
                    e.method = 0;
                    e.descriptor = false;
                })
                .add(P + "empty", new byte[0], e -> e.method = 0)
                .build());
        assertEquals(3, s.files());
        assertEquals(1001, s.uncompressedSize());
    }

    @Test
    void emptyModuleZip() throws IOException {
        ZipSummary s = check(new RawZip().build());
        assertEquals(0, s.files());
        assertRefused(new byte[0], "empty");
    }

    @Test
    void moduleMustBeCanonicalAndMatchMajor() {
        byte[] zip = goLike().build();
        assertThrows(
                FormatException.class, () -> ModuleZip.check(new ByteArrayInputStream(zip), M, Version.parse("v1.0")));
        assertThrows(
                FormatException.class,
                () -> ModuleZip.check(new ByteArrayInputStream(zip), M, Version.parse("v2.0.0")));
    }

    @Test
    void lyingFieldsAreRefused() {
        byte[] data = "package m\n".getBytes(StandardCharsets.UTF_8);
        List<Object[]> cases = List.of(
                new Object[] {(Consumer<RawZip.E>) e -> e.descCrc = 1L, "CRC-32 mismatch: data descriptor"},
                new Object[] {(Consumer<RawZip.E>) e -> e.descUsize = 11L, "uncompressed size mismatch"},
                new Object[] {(Consumer<RawZip.E>) e -> e.descCsize = 3L, "compressed size mismatch"},
                new Object[] {(Consumer<RawZip.E>) e -> e.cdCrc = 1L, "CRC-32 mismatch: central directory"},
                new Object[] {(Consumer<RawZip.E>) e -> e.cdUsize = 100L, "uncompressed size mismatch: central"},
                new Object[] {(Consumer<RawZip.E>) e -> e.cdCsize = 100L, "compressed size mismatch: central"},
                new Object[] {(Consumer<RawZip.E>) e -> e.cdName = P + "n.go", "central directory name differs"},
                new Object[] {(Consumer<RawZip.E>) e -> e.cdOffset = 7L, "no local file header was seen"},
                new Object[] {(Consumer<RawZip.E>) e -> e.cdMethod = 0, "method or flags differ"},
                new Object[] {
                    (Consumer<RawZip.E>) e -> {
                        e.descriptor = false;
                        e.localCrc = 5L;
                    },
                    "CRC-32 mismatch: local header"
                },
                new Object[] {
                    (Consumer<RawZip.E>) e -> {
                        e.descriptor = false;
                        e.localUsize = 9L;
                    },
                    "uncompressed size mismatch: local header"
                },
                new Object[] {
                    (Consumer<RawZip.E>) e -> {
                        e.descriptor = false;
                        e.localCsize = 1000L;
                    },
                    "ends before its declared compressed size"
                },
                new Object[] {
                    (Consumer<RawZip.E>) e -> {
                        e.descriptor = false;
                        e.localCsize = 4L;
                    },
                    "ends after its declared compressed size"
                },
                new Object[] {
                    (Consumer<RawZip.E>) e -> {
                        e.method = 0;
                        e.descriptor = false;
                        e.localUsize = 3L;
                    },
                    "uncompressed size mismatch"
                },
                new Object[] {(Consumer<RawZip.E>) e -> e.method = 12, "compression method 12"},
                new Object[] {(Consumer<RawZip.E>) e -> e.flags = 0x809, "encrypted"},
                new Object[] {
                    (Consumer<RawZip.E>) e -> e.compressedOverride = new byte[] {(byte) 0xff, 1, 2},
                    "invalid deflate data"
                },
                new Object[] {(Consumer<RawZip.E>) e -> e.extra = new byte[] {1, 0, 0, 0}, "ZIP64"},
                new Object[] {
                    (Consumer<RawZip.E>) e -> {
                        e.madeBy = 3 << 8 | 20;
                        e.external = 0120777L << 16;
                    },
                    "symbolic links"
                },
                new Object[] {
                    (Consumer<RawZip.E>) e -> {
                        e.madeBy = 3 << 8 | 20;
                        e.external = 0010644L << 16;
                    },
                    "irregular"
                },
                new Object[] {(Consumer<RawZip.E>) e -> e.external = 0x10, "directory attribute"});
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Consumer<RawZip.E> tweak = (Consumer<RawZip.E>) c[0];
            assertRefused(
                    new RawZip()
                            .add(P + "go.mod", "module example.com/m\n")
                            .add(P + "m.go", data, tweak)
                            .build(),
                    (String) c[1]);
        }
        // Regular Unix files are fine.
        RawZip unix = new RawZip().add(P + "m.go", data, e -> {
            e.madeBy = 3 << 8 | 20;
            e.external = 0100644L << 16;
        });
        assertEquals(1, assertDoesNotThrowIo(unix.build()).files());
    }

    private static ZipSummary assertDoesNotThrowIo(byte[] zip) {
        try {
            return check(zip);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void structureMustBeExact() {
        RawZip trailing = goLike();
        trailing.trailing = new byte[] {0};
        assertRefused(trailing.build(), "unexpected data after the end");
        RawZip prefixed = goLike();
        prefixed.prefixBytes = new byte[] {'M', 'Z', 0, 0};
        assertRefused(prefixed.build(), "unexpected bytes");
        RawZip count = goLike();
        count.endCount = 3;
        assertRefused(count.build(), "end record counts 3");
        RawZip cdSize = goLike();
        cdSize.endCdSize = 1L;
        assertRefused(cdSize.build(), "end record places the central directory");
        RawZip cdOffset = goLike();
        cdOffset.endCdOffset = 0L;
        assertRefused(cdOffset.build(), "end record places the central directory");
        RawZip missing = goLike();
        missing.omitLastCentral = true;
        assertRefused(missing.build(), "central directory lists 1 entries");
        RawZip twice = goLike();
        twice.duplicateCentral = true;
        assertRefused(twice.build(), "twice");
        RawZip zip64 = goLike();
        zip64.endCount = 0xffff;
        assertRefused(zip64.build(), "defers to a ZIP64 end record, but there is none");
        byte[] good = goLike().build();
        for (int cut : new int[] {1, 10, 30, 60, good.length - 30, good.length - 1}) {
            assertRefused(java.util.Arrays.copyOf(good, good.length - cut), "truncated");
        }
    }

    /** Go's archive/zip adds a ZIP64 end record once a zip has 65535 entries; it must be accepted, and exact. */
    @Test
    void zip64EndRecord() throws IOException {
        RawZip ok = goLike();
        ok.zip64End = true;
        assertEquals(2, check(ok.build()).files());
        RawZip count = goLike();
        count.zip64End = true;
        count.zip64Count = 3L;
        assertRefused(count.build(), "ZIP64 end record counts 3");
        RawZip locator = goLike();
        locator.zip64End = true;
        locator.zip64LocatorOffset = 5L;
        assertRefused(locator.build(), "ZIP64 locator points to offset 5");
        byte[] z = ok.build();
        // Drop the locator: the end record then follows the ZIP64 record directly.
        int loc = z.length - 22 - 20;
        byte[] noLocator = new byte[z.length - 20];
        System.arraycopy(z, 0, noLocator, 0, loc);
        System.arraycopy(z, loc + 20, noLocator, loc, 22);
        assertRefused(noLocator, "not followed by its locator");
    }

    @Test
    void namesFollowCheckZip() {
        String[][] cases = {
            {"example.com/n@v1.0.0/a.go", "path does not have prefix"},
            {"example.com/m@v1.0.1/a.go", "path does not have prefix"},
            {"a.go", "path does not have prefix"},
            {P + "../a.go", "not clean"},
            {P + "a/./b.go", "not clean"},
            {P + "a//b.go", "not clean"},
            {P + "/a.go", "malformed file path"},
            {P + "a:b.go", "malformed file path"},
            {P + "aux.go", "malformed file path"},
            {P + "a\\b.go", "malformed file path"},
            {P + "sub/go.mod", "go.mod file not in module root directory"},
            {P + "GO.MOD", "go.mod files must have lowercase names"},
        };
        for (String[] c : cases) {
            assertRefused(new RawZip().add(c[0], "x").build(), c[1]);
        }
        assertRefused(
                new RawZip().add(P + "README", "a").add(P + "readme", "b").build(),
                "case-insensitive file name collision");
        assertRefused(
                new RawZip().add(P + "Dir/a", "a").add(P + "dir/b", "b").build(),
                "case-insensitive file name collision");
        assertRefused(
                new RawZip().add(P + "K", "a").add(P + "\u212a", "b").build(), "case-insensitive file name collision");
        assertRefused(new RawZip().add(P + "a", "a").add(P + "a", "b").build(), "multiple entries for file");
        assertRefused(new RawZip().add(P + "a", "a").add(P + "a/b", "b").build(), "both a file and a directory");
        assertRefused(
                new RawZip()
                        .add(P + "d/", new byte[] {1}, e -> {
                            e.method = 0;
                            e.descriptor = false;
                        })
                        .build(),
                "directory entry has content");
        assertRefused(
                new RawZip().add(P + "s", new byte[] {1}, e -> e.method = 0).build(),
                "stored entry with a data descriptor does not give its size");
        // RawZip writes names as UTF-8, so invalid UTF-8 needs patching the bytes:
        byte[] z = new RawZip().add(P + "\u00e9", "x").build();
        int at = indexOf(z, "\u00e9".getBytes(StandardCharsets.UTF_8));
        z[at] = (byte) 0xe9;
        z[at + 1] = (byte) 'x';
        assertRefused(z, "not valid UTF-8");
        // Directory entries, the prefix entry itself, unicode letters and spaces are fine.
        ZipSummary s = assertDoesNotThrowIo(new RawZip()
                .add(P, new byte[0], e -> e.method = 0)
                .add(P + "dir/", new byte[0], e -> e.method = 0)
                .add(P + "dir/", new byte[0], e -> e.method = 0)
                .add(P + "dir/héllo wörld.txt", "x")
                .add(P + ".gitignore", "x")
                .build());
        assertEquals(2, s.files());
        assertEquals(5, s.entries().size());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    /** An InputStream of {@code n} zeros that never holds them all in memory. */
    private static InputStream zeros(long n) {
        return new InputStream() {
            long left = n;

            @Override
            public int read() {
                if (left == 0) {
                    return -1;
                }
                left--;
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                int k = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + k, (byte) 0);
                left -= k;
                return k;
            }
        };
    }

    @Test
    void sizeLimits() throws IOException {
        // A go.mod of 16 MiB + 1 zero bytes, deflated (about 16 KiB), is refused while inflating.
        byte[] bigGoMod = RawZip.deflate(new byte[(int) ModuleZip.MAX_GO_MOD + 1]);
        assertRefused(
                new RawZip()
                        .add(P + "go.mod", new byte[0], e -> e.compressedOverride = bigGoMod)
                        .build(),
                "go.mod file too large");
        assertRefused(
                new RawZip()
                        .add(P + "LICENSE", new byte[0], e -> e.compressedOverride = bigGoMod)
                        .build(),
                "LICENSE file too large");
        // Exactly 16 MiB is allowed.
        byte[] okGoMod = new byte[(int) ModuleZip.MAX_GO_MOD];
        assertEquals(
                ModuleZip.MAX_GO_MOD,
                check(new RawZip().add(P + "go.mod", okGoMod, e -> {}).build()).uncompressedSize());
        // A file over 500 MiB: stream the zip so nothing that size exists in memory.
        long big = ModuleZip.MAX_ZIP_FILE + 1;
        byte[] header = localStoredHeader(P + "big", big);
        FormatException e = assertThrows(
                FormatException.class,
                () -> ModuleZip.check(new SequenceInputStream(new ByteArrayInputStream(header), zeros(big)), M, V));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
        // A deflate bomb whose content exceeds 500 MiB in total is stopped while inflating.
        RawZip bomb = new RawZip();
        long chunkSize = 200L << 20;
        byte[] chunk = deflateZeros(chunkSize);
        long chunkCrc = crcZeros(chunkSize);
        for (int i = 0; i < 3; i++) {
            bomb.add(P + "f" + i, new byte[0], x -> {
                x.compressedOverride = chunk;
                x.descCrc = chunkCrc;
                x.descUsize = chunkSize;
                x.cdCrc = chunkCrc;
                x.cdUsize = chunkSize;
            });
        }
        assertRefused(bomb.build(), "total uncompressed size of module contents too large");
    }

    private static byte[] deflateZeros(long n) {
        java.util.zip.Deflater d = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_SPEED, true);
        byte[] zeros = new byte[1 << 20];
        byte[] buf = new byte[1 << 16];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long left = n; left > 0; left -= zeros.length) {
            d.setInput(zeros, 0, (int) Math.min(zeros.length, left));
            while (!d.needsInput()) {
                out.write(buf, 0, d.deflate(buf));
            }
        }
        d.finish();
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    private static long crcZeros(long n) {
        java.util.zip.CRC32 c = new java.util.zip.CRC32();
        byte[] zeros = new byte[1 << 20];
        for (long left = n; left > 0; left -= zeros.length) {
            c.update(zeros, 0, (int) Math.min(zeros.length, left));
        }
        return c.getValue();
    }

    private static byte[] localStoredHeader(String name, long size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(new byte[] {0x50, 0x4b, 3, 4, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0});
        out.writeBytes(new byte[] {0, 0, 0, 0}); // crc
        for (int k = 0; k < 2; k++) {
            out.write((int) (size & 0xff));
            out.write((int) ((size >>> 8) & 0xff));
            out.write((int) ((size >>> 16) & 0xff));
            out.write((int) ((size >>> 24) & 0xff));
        }
        out.write(n.length & 0xff);
        out.write(n.length >>> 8);
        out.write(0);
        out.write(0);
        out.writeBytes(n);
        return out.toByteArray();
    }
}
