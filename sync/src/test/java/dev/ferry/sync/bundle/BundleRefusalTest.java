package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.Sha256;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged, incomplete, foreign or conflicting bundles are refused with a clear reason and B stays as it was. */
class BundleRefusalTest {
    @TempDir
    Path tmp;

    BundleFixture fx;
    RocksContentStore a;
    RocksContentStore b;
    BundleService sb;
    Path bundle;
    String id;
    int copies;

    @BeforeEach
    void setUp() throws Exception {
        fx = new BundleFixture(tmp);
        a = fx.store("a");
        b = fx.store("b");
        BundleService sa = fx.service(a, "a");
        sb = fx.service(b, "b");
        Random random = new Random(9);
        for (int i = 0; i < 3; i++) {
            byte[] data = new byte[1_900_000];
            random.nextBytes(data);
            BundleFixture.put(a, "blob/" + i, data);
        }
        a.update(x -> x.putMeta("tag/app:1", "sha256:1".getBytes()));
        BundleFixture.put(b, "already/here", "B's own content".getBytes());
        b.update(x -> x.putMeta("b/meta", "kept".getBytes()));
        BundleProgress p =
                BundleFixture.exportAll(sa, tmp.resolve("medium"), "plant", ExportRequest.MIN_MAX_VOLUME_SIZE);
        id = p.bundleId();
        bundle = tmp.resolve("medium").resolve(id);
        assertTrue(Files.exists(bundle.resolve("vol-0003.fvol")), "want at least three volumes");
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    Path copy() throws IOException {
        Path to = tmp.resolve("copy" + copies++).resolve(id);
        Files.createDirectories(to.getParent());
        BundleFixture.copyTree(bundle, to);
        return to;
    }

    /** Imports and expects a refusal whose message contains {@code want}, with nothing changed in B. */
    void refused(List<Path> dirs, List<Verifier> keys, String want) throws Exception {
        Map<String, String> before = BundleFixture.dump(b);
        BundleProgress p =
                sb.await(sb.importBundle(new ImportRequest(dirs, keys)).id()).orElseThrow();
        assertEquals(BundleProgress.State.FAILED, p.state());
        assertTrue(p.error().contains(want), p.error());
        assertEquals(before, BundleFixture.dump(b));
    }

    void refused(Path dir, String want) throws Exception {
        refused(List.of(dir), List.of(fx.signer.verifier()), want);
    }

    @Test
    void flippedByteInAVolume() throws Exception {
        Path dir = copy();
        Path vol = dir.resolve("vol-0002.fvol");
        byte[] bytes = Files.readAllBytes(vol);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(vol, bytes);
        refused(dir, "volume 2 of ");
        refused(dir, "(vol-0002.fvol) at " + vol + " is damaged: its sha256 does not match the manifest");
    }

    @Test
    void flippedBitInAVolumeTrailer() throws Exception {
        Path dir = copy();
        Path vol = dir.resolve("vol-0001.fvol");
        byte[] bytes = Files.readAllBytes(vol);
        bytes[bytes.length - 40] ^= 0x01; // the trailer's record count: 8 magic, 8 count, 32 digest
        Files.write(vol, bytes);
        refused(dir, "volume 1 of 3 (vol-0001.fvol) at " + vol + " is damaged: its sha256 does not match the manifest");
    }

    @Test
    void damagedChunkBehindAConsistentlyResignedBundleIsCaughtByItsDigest() throws Exception {
        Path dir = copy();
        Path vol = dir.resolve("vol-0002.fvol");
        String oldSha = Exporter.sha256(vol);
        byte[] bytes = Files.readAllBytes(vol);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(vol, bytes);
        String newSha = Exporter.sha256(vol);
        fx.resign(dir, t -> t.replace(oldSha, newSha));
        Map<String, String> before = visible(b);
        BundleProgress p = sb.await(sb.importBundle(new ImportRequest(List.of(dir), List.of(fx.signer.verifier())))
                        .id())
                .orElseThrow();
        assertEquals(BundleProgress.State.FAILED, p.state());
        assertTrue(p.error().contains("damaged"), p.error());
        assertFalse(p.error().contains("does not match the manifest"), "the whole-file check caught it: " + p.error());
        // objects of volume 1 may be stored (pinned, unnamed: the resumable state); nothing became visible
        assertEquals(before, visible(b));
    }

    static Map<String, String> visible(RocksContentStore store) throws IOException {
        Map<String, String> all = BundleFixture.dump(store);
        all.keySet().removeIf(k -> k.startsWith("object ") || k.startsWith("pin bundle:"));
        return all;
    }

    @Test
    void missingVolume() throws Exception {
        Path dir = copy();
        Files.delete(dir.resolve("vol-0002.fvol"));
        refused(dir, "(vol-0002.fvol) is missing");
    }

    @Test
    void volumesSpreadOverSeveralDirectoriesAreFound() throws Exception {
        Path dir = copy();
        Path other = tmp.resolve("second-medium");
        Files.createDirectories(other);
        Files.move(dir.resolve("vol-0002.fvol"), other.resolve("vol-0002.fvol"));
        BundleProgress p = sb.await(
                        sb.importBundle(new ImportRequest(List.of(dir, other), List.of(fx.signer.verifier())))
                                .id())
                .orElseThrow();
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        assertEquals(
                BundleFixture.contentBytes(a, a.resolve("blob/2").orElseThrow().digest()).length,
                BundleFixture.contentBytes(b, b.resolve("blob/2").orElseThrow().digest()).length);
    }

    @Test
    void untrustedKey() throws Exception {
        Signer other = Signer.generate("someone-else.example");
        refused(
                List.of(copy()),
                List.of(other.verifier()),
                "bundle " + id + " is signed by key ferry-a.example+"
                        + HexFormat.of().toHexDigits(fx.signer.keyHash())
                        + ", which this site does not trust (ferry serve "
                        + "--trust-key, or ferry import --trust)");
    }

    @Test
    void tamperedNoteText() throws Exception {
        Path dir = copy();
        String note = Files.readString(dir.resolve("bundle.note"));
        Files.writeString(dir.resolve("bundle.note"), note.replace("site plant", "site plans"));
        refused(dir, "bundle " + id + " was altered or damaged: its signature by ferry-a.example+");
    }

    @Test
    void truncatedManifest() throws Exception {
        Path dir = copy();
        byte[] m = Files.readAllBytes(dir.resolve("manifest.gz"));
        Files.write(dir.resolve("manifest.gz"), Arrays.copyOf(m, m.length - 20));
        refused(dir, "manifest damaged: ");
    }

    @Test
    void truncatedManifestEvenWhenSigned() throws Exception {
        Path dir = copy();
        fx.resign(dir, t -> t.substring(0, t.lastIndexOf("\nname ") + 1));
        refused(dir, "manifest damaged: truncated after line");
    }

    @Test
    void manifestWithAWrongEndCount() throws Exception {
        Path dir = copy();
        fx.resign(dir, t -> t.replaceAll("\nname blob/1 [0-9a-f]+\n", "\n"));
        refused(dir, "manifest damaged: line ");
        refused(dir, " precede it (lines lost or added)");
    }

    @Test
    void nameBoundToAnotherObject() throws Exception {
        Sha256 mine = BundleFixture.put(b, "blob/1", "B's blob/1".getBytes());
        refused(copy(), "binds name blob/1 to object sha256:");
        assertEquals(mine, b.resolve("blob/1").orElseThrow().digest());
    }

    static byte[] gunzip(byte[] gz) throws IOException {
        return new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes();
    }
}
