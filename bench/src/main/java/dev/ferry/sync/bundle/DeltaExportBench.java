package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoreOptions;
import dev.ferry.storage.StoredChunk;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * What a scheduled sync's export costs against a large site (bench/bundle/README.md): the site holds N keys of
 * other content plus every object of a small store but one, as an inventory file; each round reads it as the cut
 * ({@link CutSet}: on disk past the heap's share), exports the store against it (one object ships) and writes the
 * record of what the site then holds, timing each step. By hand only: in the package of {@link Exporter}, which is
 * not public. {@code -Dbench.objects=N} and {@code -Dbench.objectBytes=B} size the store (50 of 200,000 bytes): many
 * small objects the site holds make the plan's own work show beside the record's.
 *
 * <pre>java -Xmx256m -cp "bench/target/classes:bench/target/lib/*" dev.ferry.sync.bundle.DeltaExportBench /tmp/delta 2000000 3</pre>
 */
public final class DeltaExportBench {
    private DeltaExportBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        int n = Integer.parseInt(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Signer signer = Signer.generate("ferry-bench.example");
        try (RocksContentStore store = RocksContentStore.open(dir.resolve("store"), StoreOptions.defaults())) {
            Random random = new Random(5);
            List<Sha256> objects = new ArrayList<>();
            int count = Integer.getInteger("bench.objects", 50);
            int size = Integer.getInteger("bench.objectBytes", 200_000);
            for (int i = 0; i < count; i++) {
                byte[] data = new byte[size];
                random.nextBytes(data);
                try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
                    w.write(data);
                    Sha256 d = w.commit(null, b -> {}).digest();
                    String name = "obj/" + i;
                    store.update(b -> b.putName(name, d));
                    objects.add(d);
                }
            }
            Path file = dir.resolve("inventory");
            List<byte[]> own = new ArrayList<>();
            for (int i = 0; i < objects.size() - 1; i++) { // the site lacks the last object
                Sha256 o = objects.get(i);
                own.add(Inventory.objectKey(o.bytes()));
                own.add(Inventory.nameKey("obj/" + i, o.hex()));
                for (StoredChunk c : store.chunksOf(o).orElseThrow()) {
                    own.add(Inventory.chunkKey(c.digest().bytes()));
                }
            }
            own.sort(Arrays::compareUnsigned);
            // The other content's keys spread evenly over the key space, in order: written as they are made, so the
            // bench's own heap does not limit N.
            long keys = 0;
            long step = Long.divideUnsigned(-1L, n);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
                Inventory.SortedWriter w = new Inventory.SortedWriter(out);
                int next = 0;
                for (int i = 0; i < n; i++) {
                    byte[] k = ByteBuffer.allocate(16)
                            .putLong(i * step)
                            .putLong(i * 0x9E3779B97F4A7C15L)
                            .array();
                    while (next < own.size() && Arrays.compareUnsigned(own.get(next), k) < 0) {
                        if (next == 0 || !Arrays.equals(own.get(next), own.get(next - 1))) {
                            w.add(own.get(next));
                            keys++;
                        }
                        next++;
                    }
                    w.add(k);
                    keys++;
                }
                for (; next < own.size(); next++) {
                    if (next == 0 || !Arrays.equals(own.get(next), own.get(next - 1))) {
                        w.add(own.get(next));
                        keys++;
                    }
                }
                w.finish();
            }
            System.out.printf(
                    "site of %,d keys, inventory %,d bytes, heap %d MiB, heap share %,d keys; load %s%n",
                    keys,
                    Files.size(file),
                    Runtime.getRuntime().maxMemory() >> 20,
                    HeapBudget.inventoryKeys(),
                    Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            Path scratch = dir.resolve("scratch");
            for (int round = 1; round <= rounds; round++) {
                Path medium = Files.createDirectories(dir.resolve("medium-" + round));
                List<String> notes = new ArrayList<>();
                long t0 = System.nanoTime();
                long[] recordNanos = new long[1];
                long[] recordBytes = new long[1];
                try (CutSet cut = CutSet.read(file, HeapBudget.inventoryKeys(), scratch.resolve("cut"))) {
                    long t1 = System.nanoTime();
                    Exporter.Result r = new Exporter(store, Clock.systemUTC(), new SecureRandom(), id -> false, scratch)
                            .export(
                                    new Exporter.Job(
                                            everything(store),
                                            cut,
                                            Optional.of("20261208T000000Z-0a1b2c3d"),
                                            false,
                                            "site",
                                            medium,
                                            ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                                            Map.of(),
                                            signer),
                                    BundleProgressSink.notesTo(notes::add),
                                    (record, body) -> {
                                        long s = System.nanoTime();
                                        Path sent = dir.resolve("sent-" + record.id());
                                        AtomicFiles.write(sent, body);
                                        recordBytes[0] = Files.size(sent);
                                        Files.delete(sent);
                                        recordNanos[0] = System.nanoTime() - s;
                                    });
                    long t2 = System.nanoTime();
                    System.out.printf(
                            "round %d: cut read %.2f s (%s); export %.2f s, of it the record %.2f s (%,d bytes);"
                                    + " %d objects shipped, %d held; plan on disk: %s; load %s%n",
                            round,
                            (t1 - t0) / 1e9,
                            cut.onDisk() ? "disk" : "heap",
                            (t2 - t1) / 1e9,
                            recordNanos[0] / 1e9,
                            recordBytes[0],
                            r.record().objects(),
                            r.objectsSkipped(),
                            notes.stream().anyMatch(m -> m.contains("moved to disk")),
                            Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
                }
                Exporter.deleteTree(medium);
            }
        }
    }

    private static SelectedContent everything(RocksContentStore store) {
        List<SelectedContent.NameEntry> names = new ArrayList<>();
        store.scanNames("", (name, d) -> names.add(new SelectedContent.NameEntry(name, d)));
        return new SelectedContent(names, List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    }
}
