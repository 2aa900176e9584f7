package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGKILLs a child JVM that ingests large objects from four threads, at a few points chosen by the number of
 * commits it acknowledged, and checks after each crash that the reopened store lost nothing acknowledged, shows
 * nothing half-written, and reclaimed every interrupted write.
 */
class CrashRecoveryIT {
    private static final int THREADS = 4;

    @Test
    void killedIngestLosesNothingAcknowledgedAndLeaksNothing() throws Exception {
        killedIngest(0, new int[] {1, 3, 6});
    }

    /**
     * Grouped commits (mirrored files) beside synced large ones: a killed process loses none of them either, since
     * their log is in the operating system's cache; only a power cut may take grouped commits back.
     */
    @Test
    void killedIngestWithGroupedCommitsLosesNothingAcknowledgedAndLeaksNothing() throws Exception {
        killedIngest(2, new int[] {50, 400, 2000});
    }

    /**
     * Half the writers assemble their objects in batches (as bundle import does), on chunks the other half write
     * one by one: killed mid-batch, nothing acknowledged is lost, nothing half-written is visible, nothing leaks.
     */
    @Test
    void killedBatchedAssemblyLosesNothingAcknowledgedAndLeaksNothing() throws Exception {
        killedIngest(0, new int[] {1, 3, 6}, true);
    }

    private void killedIngest(int grouped, int[] killAfterAcks) throws Exception {
        killedIngest(grouped, killAfterAcks, false);
    }

    private void killedIngest(int grouped, int[] killAfterAcks, boolean batched) throws Exception {
        Path dir = Files.createTempDirectory("ferry-crash-it");
        Map<Sha256, Long> acked = new LinkedHashMap<>();
        int interrupted = 0;
        try {
            for (int run = 0; run < killAfterAcks.length; run++) {
                acked.putAll(ingestAndKill(dir, run, killAfterAcks[run], grouped, batched));
                interrupted += verify(dir, acked);
            }
            // Four writers of 20-100 MiB objects: every kill lands in the middle of some of them.
            assertTrue(interrupted > 0, "no kill interrupted a write, so nothing was reclaimed");
        } finally {
            TempStore.deleteTree(dir);
        }
    }

    private Map<Sha256, Long> ingestAndKill(Path dir, int run, int killAfter, int grouped, boolean batched)
            throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path stderr = dir.resolveSibling(dir.getFileName() + "-child" + run + ".err");
        ProcessBuilder pb = new ProcessBuilder(
                        java.toString(),
                        "-Xmx512m",
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashIngestMain.class.getName(),
                        dir.toString(),
                        Integer.toString(THREADS),
                        Integer.toString(run),
                        Integer.toString(grouped),
                        batched ? "batched" : "single")
                .redirectError(stderr.toFile());
        Process child = pb.start();
        Map<Sha256, Long> acks = new LinkedHashMap<>();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (record(line, acks) && acks.size() >= killAfter) {
                    // SIGKILL through the handle: Process.destroyForcibly would also close our end of the pipe,
                    // losing acknowledgements the child printed that we have not read yet.
                    child.toHandle().destroyForcibly();
                    break;
                }
            }
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child did not die");
            // Lines the child printed before the kill but we had not read yet are acknowledgements too.
            while ((line = out.readLine()) != null) {
                record(line, acks);
            }
        } finally {
            child.destroyForcibly();
        }
        assertTrue(acks.size() >= killAfter, "child stopped early, see " + stderr + ": " + Files.readString(stderr));
        Files.deleteIfExists(stderr);
        return acks;
    }

    private static boolean record(String line, Map<Sha256, Long> acks) {
        if (!line.startsWith("ACK ")) {
            return false;
        }
        String[] f = line.split(" ");
        acks.put(Sha256.ofHex(f[1]), Long.parseLong(f[2]));
        return true;
    }

    /** Returns how many interrupted writes the reopen reclaimed. */
    private int verify(Path dir, Map<Sha256, Long> acked) throws Exception {
        try (RocksContentStore store = RocksContentStore.open(dir, StoreOptions.defaults())) {
            for (Map.Entry<Sha256, Long> ack : acked.entrySet()) {
                StoredObject o = store.object(ack.getKey())
                        .orElseThrow(() -> new AssertionError("acknowledged object lost: " + ack.getKey()));
                assertEquals(ack.getValue(), o.size());
            }
            List<StoredObject> visible = new ArrayList<>();
            store.scanObjects(visible::add);
            assertTrue(visible.size() >= acked.size());
            byte[] buf = new byte[1 << 20];
            for (StoredObject o : visible) {
                MessageDigest md = RocksObjectWriter.sha256();
                long n = 0;
                try (InputStream in = store.read(o.digest(), 0, o.size())) {
                    for (int r; (r = in.read(buf)) > 0; ) {
                        md.update(buf, 0, r);
                        n += r;
                    }
                }
                assertEquals(o.size(), n, "size of " + o.digest());
                assertEquals(o.digest(), Sha256.of(md.digest()), "content of " + o.digest());
            }
            ScrubReport report = store.scrub();
            assertTrue(report.isClean(), "after reopen: " + report);
            assertEquals(visible.size(), report.objects());
            assertEquals(report.chunks(), store.stats().chunks(), "chunk counter matches the chunks stored");
            System.out.printf(
                    "crash IT: %d acknowledged, %d visible, %d interrupted writes reclaimed, %s%n",
                    acked.size(), visible.size(), store.reclaimedAtOpen(), report);
            return store.reclaimedAtOpen();
        }
    }
}
