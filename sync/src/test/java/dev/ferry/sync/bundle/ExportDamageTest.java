package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.DamagedDisk;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredChunk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chunk damaged on the exporting site's disk is refused there, naming it, before a bundle the site would refuse is
 * written: by the CRC32C its entry recorded, or by its digest where the entry has none.
 */
class ExportDamageTest {
    @TempDir
    Path tmp;

    BundleFixture fx;
    RocksContentStore a;
    BundleService sa;
    int exports;

    @BeforeEach
    void setUp() throws Exception {
        fx = new BundleFixture(tmp);
        a = fx.store("a");
        sa = fx.service(a, "a");
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    @Test
    void aChunkDamagedOnThisDiskIsRefusedByTheChecksumItsEntryRecorded() throws Exception {
        Sha256 object = BundleFixture.put(a, "blob/damaged", random(1, 80_000));
        StoredChunk victim = stored(object).get(3);
        assertNotEquals(StoredChunk.NO_CHECKSUM, victim.checksum(), "an entry written with the bytes records one");

        refusedNaming(victim, object);
    }

    @Test
    void aChunkWhoseEntryRecordedNoChecksumIsCheckedByItsDigest() throws Exception {
        Sha256 object = BundleFixture.put(a, "blob/older", random(2, 80_000));
        DamagedDisk.forgetChecksums(a, object); // as a store written before ferry recorded them
        StoredChunk victim = stored(object).get(3);
        assertEquals(StoredChunk.NO_CHECKSUM, victim.checksum());

        refusedNaming(victim, object);
    }

    /** Damages {@code victim}, expects the export refused naming it and no bundle written, then mends and exports. */
    private void refusedNaming(StoredChunk victim, Sha256 object) throws Exception {
        DamagedDisk.flip(a, victim.digest(), victim.length() / 2);
        Path medium = tmp.resolve("medium" + exports++);
        BundleProgress p = BundleFixture.export(sa, medium, "site", ExportRequest.DEFAULT_MAX_VOLUME_SIZE);
        assertEquals(BundleProgress.State.FAILED, p.state());
        assertTrue(
                p.error().contains("chunk " + victim.digest() + " of object " + object + " is damaged in this store"),
                p.error());
        assertTrue(p.error().contains("`ferry verify --repair`"), "names the command that mends it: " + p.error());
        try (Stream<Path> files = Files.exists(medium) ? Files.walk(medium) : Stream.empty()) {
            assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "nothing left on the medium");
        }

        DamagedDisk.flip(a, victim.digest(), victim.length() / 2);
        BundleFixture.exportAll(sa, tmp.resolve("medium" + exports++), "site", ExportRequest.DEFAULT_MAX_VOLUME_SIZE);
    }

    /** The object's chunks stored under their digests (not inline), at least four of them. */
    private List<StoredChunk> stored(Sha256 object) {
        List<StoredChunk> chunks = a.chunksOf(object).orElseThrow().stream()
                .filter(c -> !c.isInline())
                .toList();
        assertTrue(chunks.size() >= 4, "chunks: " + chunks.size());
        return chunks;
    }

    private static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }
}
