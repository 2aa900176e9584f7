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
 * The exporting site's own disk failing an export: a chunk damaged there is refused, naming it, before a bundle the
 * site would refuse is written (by the CRC32C its entry recorded, or by its digest where the entry has none); a
 * bundle whose record cannot be written is taken off the medium.
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
    /**
     * The bundle is complete on the medium before its record goes into the history (so a failed record never names a
     * bundle that is not there); when the record cannot be written (this server's disk full), the export fails and
     * takes the bundle off the medium again: nothing complete-looking is left that no later export knows of.
     */
    @Test
    void aBundleWhoseRecordCannotBeWrittenIsTakenOffTheMedium() throws Exception {
        BundleFixture.put(a, "blob/one", random(3, 80_000));
        Path medium = tmp.resolve("medium");
        java.io.OutputStream full = new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("No space left on device");
            }
        };
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.io.IOException.class,
                () -> fx.exportDirect(
                        a,
                        dev.ferry.protocols.bundle.BundleNote.FORMAT_2,
                        dev.ferry.protocols.bundle.Inventory.empty(),
                        medium,
                        tmp.resolve("scratch"),
                        full));
        assertEquals("No space left on device", e.getMessage());
        try (Stream<Path> left = Files.list(medium)) {
            assertEquals(List.of(), left.toList(), "left on the medium");
        }
    }

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
