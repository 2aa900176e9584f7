package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.protocols.bundle.ManifestEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The import's placed chunks read back as written: in order, by range, across batch boundaries. */
class PlacedChunksTest {
    @TempDir
    Path tmp;

    @Test
    void chunksReadBackAsWrittenInOrderAndByRange() throws Exception {
        List<ManifestEntry.Chunk> written = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            written.add(
                    switch (i % 3) {
                        case 0 -> new ManifestEntry.Chunk(null, 100 + i, 1 + i % 5, 40L * i, i % 7);
                        case 1 -> ManifestEntry.Chunk.notShipped(hex(i), 64 + i);
                        default -> new ManifestEntry.Chunk(hex(i), 65_536, 2, (1L << 33) + i, 0);
                    });
        }
        try (PlacedChunks p = new PlacedChunks(tmp.resolve("chunks"))) {
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
            PlacedChunks.Cursor c = p.cursor();
            List<ManifestEntry.Chunk> all = new ArrayList<>();
            for (int i = 0; i < written.size(); i++) {
                all.add(c.next());
            }
            assertEquals(written, all);
        }
    }

    private static String hex(int i) {
        byte[] d = new byte[32];
        d[0] = (byte) i;
        d[31] = (byte) (i >> 8);
        return HexFormat.of().formatHex(d);
    }
}
