package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.bundle.BundleNote;
import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.protocols.bundle.ManifestEntry;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format 2 (shipped chunks by length, held ones as runs) round trips, format 1 bundles still import, and a
 * consistently re-signed manifest whose length list or run list lies is refused with nothing made visible.
 */
class BundleFormat2Test {
    @TempDir
    Path tmp;

    BundleFixture fx;
    RocksContentStore a;
    RocksContentStore b;
    BundleService sa;
    BundleService sb;
    final Random random = new Random(20);
    Sha256 base;
    Sha256 edited;
    Sha256 twice;
    Sha256 again;

    @BeforeEach
    void setUp() throws Exception {
        fx = new BundleFixture(tmp);
        a = fx.store("a");
        b = fx.store("b");
        sa = fx.service(a, "a");
        sb = fx.service(b, "b");
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    byte[] bytes(int n) {
        byte[] out = new byte[n];
        random.nextBytes(out);
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /**
     * B holds {@code base}; A then has it edited in the middle (runs of the site's base), an object holding one
     * block twice (a run of its own chunks) and one sharing a block with that (a run of an object of the bundle).
     */
    Path deltaBundle(int format) throws Exception {
        byte[] v1 = bytes(200_000);
        base = BundleFixture.put(a, "go/mod/example.com/a/@v/v1.0.0.zip", v1);
        Path full = export(a, format, Inventory.empty(), "full");
        assertEquals(BundleProgress.State.SUCCEEDED, importInto(full).state());

        byte[] v2 = concat(
                java.util.Arrays.copyOfRange(v1, 0, 100_000),
                "an edit".getBytes(StandardCharsets.UTF_8),
                java.util.Arrays.copyOfRange(v1, 100_000, v1.length));
        edited = BundleFixture.put(a, "go/mod/example.com/a/@v/v1.0.1.zip", v2);
        byte[] s = bytes(60_000);
        byte[] t = bytes(30_000);
        // names in this order: the selection lists them so
        twice = BundleFixture.put(a, "blob/1-twice", concat(s, t, s));
        again = BundleFixture.put(a, "blob/2-again", concat(t, s, bytes(5_000)));
        Path inventory = tmp.resolve("b.inventory");
        sb.writeInventory(inventory);
        Inventory cut;
        try (var in = Files.newInputStream(inventory)) {
            cut = Inventory.read(in, 1 << 20);
        }
        return export(a, format, cut, "delta");
    }

    Path export(RocksContentStore store, int format, Inventory cut, String to) throws Exception {
        return fx.exportDirect(
                store, format, cut, tmp.resolve(to), tmp.resolve("scratch"), OutputStream.nullOutputStream());
    }

    BundleProgress importInto(Path bundle) throws Exception {
        return sb.await(sb.importBundle(new ImportRequest(List.of(bundle), List.of(fx.signer.verifier())))
                        .id())
                .orElseThrow();
    }

    @Test
    void roundTripsWithRunsOfTheSitesObjectsOfItselfAndOfObjectsBeforeIt() throws Exception {
        Path bundle = deltaBundle(BundleNote.FORMAT_2);
        assertTrue(Files.readString(bundle.resolve("bundle.note")).startsWith("ferry bundle 2\n"));
        List<ManifestEntry.DeltaObject> objects = BundleFixture.manifest(bundle).stream()
                .filter(e -> e instanceof ManifestEntry.DeltaObject)
                .map(e -> (ManifestEntry.DeltaObject) e)
                .toList();
        assertEquals(
                List.of(twice.hex(), again.hex(), edited.hex()),
                objects.stream().map(ManifestEntry.DeltaObject::sha256).toList());
        assertTrue(runsOf(objects.get(0), twice), "the repeated block names its first copy: " + objects.get(0));
        assertTrue(runsOf(objects.get(1), twice), "a shared block names the object before: " + objects.get(1));
        assertTrue(runsOf(objects.get(2), base), "the edited object names the site's base: " + objects.get(2));
        assertFalse(objects.get(2).parts().stream().anyMatch(p -> p instanceof ManifestEntry.Held));
        // shipped: only what B lacks, each chunk once
        assertEquals(
                objects.stream()
                        .flatMap(o -> o.parts().stream())
                        .filter(p -> p instanceof ManifestEntry.Shipped)
                        .count(),
                BundleFixture.shippedChunks(bundle).size());

        BundleProgress p = importInto(bundle);
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        assertEquals(BundleFixture.content(a), BundleFixture.content(b));
        Map<String, List<String>> listed = BundleFixture.chunks(bundle, b);
        for (Sha256 o : List.of(edited, twice, again)) {
            assertEquals(
                    a.chunksOf(o).orElseThrow().stream()
                            .map(c -> c.digest().hex())
                            .toList(),
                    listed.get(o.hex()));
        }
    }

    static boolean runsOf(ManifestEntry.DeltaObject o, Sha256 of) {
        return o.parts().stream()
                .anyMatch(p -> p instanceof ManifestEntry.Run r && r.object().equals(of.hex()));
    }

    @Test
    void formatOneBundlesStillImport() throws Exception {
        Path bundle = deltaBundle(BundleNote.FORMAT_1);
        assertTrue(Files.readString(bundle.resolve("bundle.note")).startsWith("ferry bundle 1\n"));
        assertTrue(BundleFixture.manifestText(bundle).startsWith("ferry-manifest 1 "));
        assertTrue(BundleFixture.manifest(bundle).stream().anyMatch(e -> e instanceof ManifestEntry.StoreObject));
        BundleProgress p = importInto(bundle);
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        assertEquals(BundleFixture.content(a), BundleFixture.content(b));
    }

    @Test
    void formatTwoIsSmallerThanOne() throws Exception {
        Path two = deltaBundle(BundleNote.FORMAT_2);
        Path one = export(a, BundleNote.FORMAT_1, cutOf(b), "one");
        long sizeTwo = Files.size(two.resolve("manifest.gz"));
        long sizeOne = Files.size(one.resolve("manifest.gz"));
        assertTrue(sizeTwo * 3 < sizeOne, "format 2: " + sizeTwo + " bytes, format 1: " + sizeOne);
    }

    Inventory cutOf(RocksContentStore store) throws Exception {
        return BundleFixture.inventoryOf(store);
    }

    /** Imports and expects a refusal naming {@code want}, with nothing made visible at B. */
    void refused(Path dir, String want) throws Exception {
        Map<String, String> before = BundleRefusalTest.visible(b);
        BundleProgress p = importInto(dir);
        assertEquals(BundleProgress.State.FAILED, p.state());
        assertTrue(p.error().contains(want), p.error());
        assertEquals(before, BundleRefusalTest.visible(b));
    }

    Path copy(Path bundle, String to) throws IOException {
        Path dir = tmp.resolve(to).resolve(bundle.getFileName());
        Files.createDirectories(dir.getParent());
        BundleFixture.copyTree(bundle, dir);
        return dir;
    }

    /** Applies {@code edit} to the first line matching {@code line}'s pattern. */
    static UnaryOperator<String> firstLine(String line, java.util.function.Function<Matcher, String> edit) {
        return text -> {
            Matcher m = Pattern.compile(line, Pattern.MULTILINE).matcher(text);
            assertTrue(m.find(), line);
            return text.substring(0, m.start()) + edit.apply(m) + text.substring(m.end());
        };
    }

    @Test
    void aLengthListThatLiesIsRefused() throws Exception {
        // a full bundle: no run copies lengths from the object edited below
        BundleFixture.put(a, "blob/x", bytes(150_000));
        BundleFixture.put(a, "blob/y", bytes(150_000));
        Path bundle = export(a, BundleNote.FORMAT_2, Inventory.empty(), "full");
        for (int bit : new int[] {0, 3, 9}) {
            Path flipped = copy(bundle, "flipped-" + bit);
            fx.resign(flipped, firstLine("^s (\\d+)", m -> "s " + (Integer.parseInt(m.group(1)) ^ (1 << bit))));
            // larger: refused as the manifest is read; smaller: once the chunks are placed; both before any write
            refused(flipped, "add up to ");
            refused(flipped, "its 150000");
        }
        // the last length one byte longer, the object's size to match: its record holds no such byte
        Path longer = copy(bundle, "longer");
        fx.resign(longer, text -> {
            int s = text.lastIndexOf("\ns ");
            int e = text.indexOf('\n', s + 1);
            String[] f = text.substring(s + 1, e).split(" ");
            f[f.length - 1] = String.valueOf(Integer.parseInt(f[f.length - 1]) + 1);
            int o = text.lastIndexOf("\nobject ", s);
            String[] obj = text.substring(o + 1, text.indexOf('\n', o + 1)).split(" ");
            return text.substring(0, o + 1) + obj[0] + " " + obj[1] + " " + (Long.parseLong(obj[2]) + 1) + " " + obj[3]
                    + text.substring(text.indexOf('\n', o + 1), s + 1) + String.join(" ", f) + text.substring(e);
        });
        refused(longer, "bundle " + bundle.getFileName() + " is damaged: a shipped chunk of object ");
        refused(longer, " runs past the end of the record at offset ");
    }

    @Test
    void lengthsCutElsewhereInARecordStoreTheSameBytes() throws Exception {
        BundleFixture.put(a, "blob/x", bytes(150_000));
        Path bundle = export(a, BundleNote.FORMAT_2, Inventory.empty(), "full");
        // Two lengths swapped: the same bytes in the same order, cut elsewhere. The object's digest vouches for the
        // whole, so the object is stored as it is at A (only its chunk boundaries differ), never something else.
        Path swapped = copy(bundle, "swapped");
        fx.resign(swapped, firstLine("^s (\\d+) (\\d+)", m -> "s " + m.group(2) + " " + m.group(1)));
        BundleProgress p = importInto(swapped);
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        assertEquals(BundleFixture.content(a), BundleFixture.content(b));
    }

    @Test
    void aShippedListThatDoesNotFillTheRecordsIsRefusedBeforeAnyWrite() throws Exception {
        Path bundle = deltaBundle(BundleNote.FORMAT_2);
        // the last object ships one chunk fewer and names one more of the site's: its size is kept
        Path dir = copy(bundle, "short");
        String text = BundleFixture.manifestText(dir);
        List<String> lines = new ArrayList<>(List.of(text.split("\n")));
        int lastS = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("s ")) {
                lastS = i;
            }
        }
        String[] f = lines.get(lastS).split(" ");
        String held = base.hex();
        int len = Integer.parseInt(f[f.length - 1]);
        // a Held chunk of the same length, by a digest B does not hold
        lines.set(
                lastS,
                (f.length > 2 ? String.join(" ", java.util.Arrays.copyOf(f, f.length - 1)) + "\n" : "") + "h " + held
                        + " " + len);
        String changed = String.join("\n", lines) + "\n";
        // the end count covers the line added
        int added = f.length > 2 ? 1 : 0;
        Matcher end = Pattern.compile("\nend (\\d+)\n$").matcher(changed);
        assertTrue(end.find());
        String fixed = changed.substring(0, end.start()) + "\nend " + (Integer.parseInt(end.group(1)) + added) + "\n";
        fx.resign(dir, t -> fixed);
        refused(dir, "its volumes hold chunk bytes past the last one the manifest lists");
    }

    @Test
    void aRunListThatLiesIsRefused() throws Exception {
        Path bundle = deltaBundle(BundleNote.FORMAT_2);
        String r = "^r " + base.hex() + " (\\d+) (\\d+)";
        // a run shifted by one chunk of the base
        Path shifted = copy(bundle, "shifted");
        fx.resign(
                shifted,
                firstLine(r, m -> "r " + base.hex() + " " + (Integer.parseInt(m.group(1)) + 1) + " " + m.group(2)));
        refused(shifted, "bundle " + bundle.getFileName());
        // a run past the end of the base
        Path past = copy(bundle, "past");
        fx.resign(past, firstLine(r, m -> "r " + base.hex() + " 100000 " + m.group(2)));
        refused(past, "names chunks 100000 to ");
        refused(past, " of object " + base.hex() + ", which has ");
        // a run of an object B does not hold
        Path lacking = copy(bundle, "lacking");
        String other = "ab".repeat(32);
        fx.resign(lacking, firstLine(r, m -> "r " + other + " " + m.group(1) + " " + m.group(2)));
        refused(lacking, "the bundle relies on object sha256:" + other + " which this site lacks");
    }

    @Test
    void aFlippedBitInAChunkRecordIsCaughtByTheVolumesDigest() throws Exception {
        Path bundle = deltaBundle(BundleNote.FORMAT_2);
        Path dir = copy(bundle, "flipped");
        Path vol = dir.resolve("vol-0001.fvol");
        byte[] v = Files.readAllBytes(vol);
        v[v.length / 2] ^= 0x04;
        Files.write(vol, v);
        refused(dir, "(vol-0001.fvol) at " + vol + " is damaged: its sha256 does not match the manifest");
    }
}
