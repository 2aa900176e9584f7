package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.Inventory;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a cut set past the heap's share costs (bench/bundle/README.md): an inventory of N random keys written to a
 * file, read into the heap and onto disk ({@link CutSet}), then asked every key present and as many absent ones, in
 * batches of 64 (an object's chunks), each way. By hand only: in the package of {@link CutSet}, which is not public.
 *
 * <pre>java -cp "bench/target/classes:bench/target/lib/*" dev.ferry.sync.bundle.CutSetBench /tmp/cut 2000000</pre>
 */
public final class CutSetBench {
    private CutSetBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        int n = Integer.parseInt(args[1]);
        Path file = dir.resolve("inventory");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            Inventory.Builder b = new Inventory.Builder();
            for (int i = 0; i < n; i++) {
                b.add(key(0, i));
            }
            b.build().write(out);
        }
        System.out.printf(
                "%,d keys, file %,d bytes, heap %d MiB%n",
                n, Files.size(file), Runtime.getRuntime().maxMemory() >> 20);
        long t0 = System.nanoTime();
        long sink = 0;
        for (int i = 0; i < n; i += 64) {
            for (List<byte[]> batch : List.of(batch(i, n))) {
                sink += batch.size();
            }
        }
        double keysOnly = (System.nanoTime() - t0) / 1e9;
        System.out.printf("making the %,d keys asked: %.2f s (%d)%n", 2L * n, keysOnly, sink);
        for (int heapKeys : new int[] {n, 1}) {
            long t1 = System.nanoTime();
            try (CutSet cut = CutSet.read(file, heapKeys, dir.resolve("scratch"))) {
                long t2 = System.nanoTime();
                long held = 0;
                for (int i = 0; i < n; i += 64) {
                    held += cut.containing(batch(i, n)).cardinality();
                }
                double asked = (System.nanoTime() - t2) / 1e9 - keysOnly;
                System.out.printf(
                        "%s: read %.2f s; %,d lookups %.2f s beyond making the keys (%.2f us each); %,d held%n",
                        cut.onDisk() ? "disk" : "heap", (t2 - t1) / 1e9, 2L * n, asked, asked * 1e6 / (2.0 * n), held);
            }
        }
    }

    /** Keys {@code i} to {@code i + 63} present and as many absent, interleaved: an object's chunks. */
    private static List<byte[]> batch(int from, int n) {
        List<byte[]> batch = new ArrayList<>(128);
        for (int j = from; j < Math.min(n, from + 64); j++) {
            batch.add(key(0, j));
            batch.add(key(1, j));
        }
        return batch;
    }

    private static byte[] key(int set, int i) {
        return Inventory.chunkKey(ByteBuffer.allocate(8).putInt(set).putInt(i).array());
    }
}
