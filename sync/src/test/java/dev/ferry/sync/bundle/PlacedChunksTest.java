package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ferry.protocols.bundle.ManifestEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The import's placed chunks read back as written: in order, by range, across batch boundaries, inline bytes too. */
class PlacedChunksTest {
    @TempDir
    Path tmp;

    @Test
    void chunksReadBackAsWrittenInOrderAndByRange() throws Exception {
        List<PlacedChunks.Entry> written = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            written.add(new PlacedChunks.Entry(
                    switch (i % 3) {
                        case 0 -> new ManifestEntry.Chunk(null, 100 + i, 1 + i % 5, 40L * i, i % 7);
                        case 1 -> ManifestEntry.Chunk.notShipped(hex(i), 64 + i);
                        default -> new ManifestEntry.Chunk(hex(i), 65_536, 2, (1L << 33) + i, 0);
                    }));
        }
        readsBackAsWritten(written, "chunks");
    }

    /**
     * Chunks a base keeps inline here come back with their bytes, wherever they fall: among other chunks, in runs,
     * across batches and across flushes of the inline bytes, one of them larger than the inline buffer.
     */
    @Test
    void inlineChunksReadBackWithTheirBytes() throws Exception {
        List<PlacedChunks.Entry> written = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            if (i % 7 == 3 || (i >= 2_000 && i < 2_600)) {
                int length = i == 4_322 ? 100_000 : 1 + i % 256;
                written.add(new PlacedChunks.Entry(ManifestEntry.Chunk.notShipped(hex(i), length), bytes(i, length)));
            } else if (i % 2 == 0) {
                written.add(new PlacedChunks.Entry(new ManifestEntry.Chunk(null, 100 + i, 1, 40L * i, i % 7)));
            } else {
                written.add(new PlacedChunks.Entry(ManifestEntry.Chunk.notShipped(hex(i), 64 + i)));
            }
        }
        readsBackAsWritten(written, "inline");
        // what a run copies is appended again as it was read: its bytes along
        try (PlacedChunks p = new PlacedChunks(tmp.resolve("copied"))) {
            for (PlacedChunks.Entry e : written.subList(0, 3_000)) {
                p.append(e);
            }
            for (PlacedChunks.Entry e : p.read(1_990, 700)) {
                p.append(e);
            }
            assertEquals(written.subList(1_990, 2_690), p.read(3_000, 700));
            PlacedChunks.Entry e = p.read(3_010, 1).getFirst();
            assertArrayEquals(bytes(2_000, 1 + 2_000 % 256), e.inline());
            assertNull(p.read(3_000, 1).getFirst().inline());
        }
    }

    @Test
    void onlyAHeldChunkWithADigestAndItsLengthOfBytesIsInline() {
        byte[] three = new byte[3];
        assertThrows(
                IllegalArgumentException.class,
                () -> new PlacedChunks.Entry(new ManifestEntry.Chunk(null, 3, 1, 0, 0), three));
        assertThrows(
                IllegalArgumentException.class,
                () -> new PlacedChunks.Entry(ManifestEntry.Chunk.notShipped(hex(1), 4), three));
    }

    private void readsBackAsWritten(List<PlacedChunks.Entry> written, String file) throws Exception {
        try (PlacedChunks p = new PlacedChunks(tmp.resolve(file))) {
            for (int i = 0; i < 1_500; i++) {
                p.append(written.get(i));
            }
            // a range that is partly still buffered, as a run naming the object being resolved reads it
            assertEquals(written.subList(1_000, 1_500), p.read(1_000, 500));
            for (int i = 1_500; i < written.size(); i++) {
                p.append(written.get(i));
            }
            assertEquals(written.size(), p.count());
            assertEquals(written.subList(1_020, 2_100), p.read(1_020, 1_080));
            assertEquals(written.subList(1_999, 2_401), p.read(1_999, 402));
            PlacedChunks.Cursor c = p.cursor();
            List<PlacedChunks.Entry> all = new ArrayList<>();
            for (int i = 0; i < written.size(); i++) {
                all.add(c.next());
            }
            assertEquals(written, all);
        }
    }

    private static byte[] bytes(int seed, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        return b;
    }

    private static String hex(int i) {
        byte[] d = new byte[32];
        d[0] = (byte) i;
        d[31] = (byte) (i >> 8);
        return HexFormat.of().formatHex(d);
    }
}
