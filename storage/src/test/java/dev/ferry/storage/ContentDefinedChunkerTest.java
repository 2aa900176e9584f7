package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

class ContentDefinedChunkerTest {
    private static final ChunkSizes SIZES = new ChunkSizes(2048, 8192, 32768, 1);

    @Test
    void boundariesAreDeterministicAndWithinBounds() {
        byte[] data = TestData.random(1, 2 << 20);
        Chunker chunker = Chunker.of(Chunking.CONTENT_DEFINED, SIZES);
        List<Integer> first = TestData.cut(chunker, data);
        assertEquals(first, TestData.cut(Chunker.of(Chunking.CONTENT_DEFINED, SIZES), data));
        assertEquals(data.length, first.stream().mapToLong(Integer::longValue).sum());
        for (int i = 0; i < first.size() - 1; i++) {
            assertTrue(first.get(i) >= SIZES.min() && first.get(i) <= SIZES.max(), "chunk " + i + ": " + first.get(i));
        }
        double average = (double) data.length / first.size();
        assertTrue(average > SIZES.avg() / 2.0 && average < SIZES.avg() * 2.0, "average " + average);
    }

    @Test
    void cutsDoNotDependOnHowTheStreamWasSplit() throws IOException {
        byte[] data = TestData.random(2, 1 << 20);
        try (var store = new TempStore(SIZES)) {
            ObjectWriter whole = store.store().newObject(Chunking.CONTENT_DEFINED);
            whole.write(data);
            whole.commit(null, b -> {});
            long chunks = store.store().stats().chunks();
            ObjectWriter dribble = store.store().newObject(Chunking.CONTENT_DEFINED);
            for (int i = 0; i < data.length; i += 777) {
                dribble.write(data, i, Math.min(777, data.length - i));
            }
            dribble.commit(null, b -> {});
            assertEquals(chunks, store.store().stats().chunks(), "same bytes, same chunks");
        }
    }

    @Test
    void insertionOnlyChangesNearbyChunks() {
        byte[] data = TestData.random(3, 2 << 20);
        byte[] shifted = new byte[data.length + 100];
        System.arraycopy(data, 0, shifted, 0, 500_000);
        System.arraycopy(TestData.random(4, 100), 0, shifted, 500_000, 100);
        System.arraycopy(data, 500_000, shifted, 500_100, data.length - 500_000);
        Chunker chunker = Chunker.of(Chunking.CONTENT_DEFINED, SIZES);
        Set<Sha256> before = chunkDigests(chunker, data);
        Set<Sha256> after = chunkDigests(chunker, shifted);
        Set<Sha256> fresh = new HashSet<>(after);
        fresh.removeAll(before);
        assertTrue(fresh.size() <= 3, "an insertion should disturb one or two chunks, not " + fresh.size());
        assertTrue(after.size() > 100);
    }

    @Test
    void zipAwareCutsAroundEveryLocalHeader() throws IOException {
        CountingZip zip = CountingZip.build(5, 40);
        Chunker chunker = Chunker.of(Chunking.ZIP_ENTRIES, SIZES);
        TreeSet<Long> cuts = new TreeSet<>(TestData.offsets(TestData.cut(chunker, zip.bytes())));
        for (int i = 0; i < zip.headerStarts().size(); i++) {
            long start = zip.headerStarts().get(i);
            long end = zip.headerEnds().get(i);
            if (start > 0) {
                assertTrue(cuts.contains(start), "cut before header " + i + " at " + start);
            }
            assertTrue(cuts.contains(end), "cut after header " + i + " at " + end);
        }
        assertEquals(zip.bytes().length, (long) cuts.last());
    }

    @Test
    void unchangedZipEntriesShareChunksAcrossVersions() throws IOException {
        CountingZip v1 = CountingZip.build(6, 30);
        CountingZip v2 = CountingZip.buildRenamed(6, 30, "v2");
        Chunker zipAware = Chunker.of(Chunking.ZIP_ENTRIES, SIZES);
        Chunker plain = Chunker.of(Chunking.CONTENT_DEFINED, SIZES);
        long zipNew = newBytes(zipAware, v1.bytes(), v2.bytes());
        long plainNew = newBytes(plain, v1.bytes(), v2.bytes());
        assertTrue(zipNew < v2.bytes().length / 10, "zip-aware new bytes " + zipNew + " of " + v2.bytes().length);
        assertTrue(zipNew < plainNew, "zip-aware " + zipNew + " vs plain " + plainNew);
    }

    @Test
    void tinyEntriesAreGluedToTheirHeadersWhenAsked() throws IOException {
        CountingZip zip = CountingZip.build(7, 20);
        ChunkSizes glue = new ChunkSizes(2048, 8192, 32768, 1 << 20);
        List<Integer> lengths = TestData.cut(Chunker.of(Chunking.ZIP_ENTRIES, glue), zip.bytes());
        List<Integer> separate = TestData.cut(Chunker.of(Chunking.ZIP_ENTRIES, SIZES), zip.bytes());
        assertTrue(lengths.size() < separate.size(), lengths.size() + " vs " + separate.size());
    }

    @Test
    void fixedSizeCutsEveryN() {
        assertEquals(List.of(100, 100, 50), TestData.cut(new FixedSizeChunker(100), new byte[250]));
    }

    static long newBytes(Chunker chunker, byte[] older, byte[] newer) {
        Set<Sha256> known = chunkDigests(chunker, older);
        long fresh = 0;
        int at = 0;
        for (int n : TestData.cut(chunker, newer)) {
            if (!known.contains(TestData.sha256(java.util.Arrays.copyOfRange(newer, at, at + n)))) {
                fresh += n;
            }
            at += n;
        }
        return fresh;
    }

    static Set<Sha256> chunkDigests(Chunker chunker, byte[] data) {
        Set<Sha256> digests = new HashSet<>();
        int at = 0;
        for (int n : TestData.cut(chunker, data)) {
            digests.add(TestData.sha256(java.util.Arrays.copyOfRange(data, at, at + n)));
            at += n;
        }
        return digests;
    }

    /** A zip with known local header offsets; entries are random (incompressible) so they are stored deflated. */
    record CountingZip(byte[] bytes, List<Long> headerStarts, List<Long> headerEnds) {
        static CountingZip build(long seed, int entries) throws IOException {
            return buildRenamed(seed, entries, "v1");
        }

        static CountingZip buildRenamed(long seed, int entries, String version) throws IOException {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            List<Long> starts = new ArrayList<>();
            List<Long> ends = new ArrayList<>();
            try (ZipOutputStream zip = new ZipOutputStream(new OutputStream() {
                @Override
                public void write(int b) {
                    raw.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    raw.write(b, off, len);
                }
            })) {
                for (int i = 0; i < entries; i++) {
                    zip.closeEntry();
                    zip.flush();
                    starts.add((long) raw.size());
                    ZipEntry entry = new ZipEntry("example.com/mod@" + version + "/file" + i + ".go");
                    entry.setTime(0);
                    zip.putNextEntry(entry);
                    zip.flush();
                    ends.add((long) raw.size());
                    zip.write(TestData.random(seed * 1000 + i, 500 + (int) ((seed * 7919 + i * 104_729) % 20_000)));
                }
            }
            return new CountingZip(raw.toByteArray(), starts, ends);
        }
    }
}
