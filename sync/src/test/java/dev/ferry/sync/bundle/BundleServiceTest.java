package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.bundle.Inventory;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.Sha256;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jobs: one export at a time, cancellation, kept reports, progress; the inventory file. */
class BundleServiceTest {
    @TempDir
    Path tmp;

    ExportRequest request(Path to) {
        return new ExportRequest(
                to,
                Selection.all(),
                BundleFormat.BUNDLE,
                "s",
                Optional.empty(),
                Optional.empty(),
                ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                Map.of());
    }

    @Test
    void oneExportAtATimeAndCancel() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            BundleFixture.put(a, "x", "hello".getBytes());
            CountDownLatch selecting = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            BundleService s = new BundleService(
                    a,
                    tmp.resolve("data"),
                    () -> Optional.of(fx.signer),
                    Clock.systemUTC(),
                    1,
                    sel -> {
                        selecting.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        return BundleFixture.everything(a);
                    },
                    BundleFixture.SYNTHETIC);
            try (s) {
                BundleProgress first = s.export(request(tmp.resolve("m")));
                assertEquals(BundleProgress.State.RUNNING, first.state());
                selecting.await();
                assertEquals("selecting", s.job(first.id()).orElseThrow().phase());
                BundleException busy = assertThrows(BundleException.class, () -> s.export(request(tmp.resolve("m"))));
                assertEquals(BundleException.Kind.BAD_REQUEST, busy.kind());
                assertTrue(busy.getMessage().startsWith("an export is running"), busy.getMessage());
                assertTrue(s.cancel(first.id()));
                assertFalse(s.cancel("no-such-job"));
                release.countDown();
                BundleProgress cancelled = s.await(first.id()).orElseThrow();
                assertEquals(BundleProgress.State.CANCELLED, cancelled.state());
                assertEquals(List.of(), s.history());
                try (var left = Files.list(tmp.resolve("m"))) {
                    assertEquals(List.of(), left.toList(), "a cancelled export left files");
                }

                BundleProgress second =
                        s.await(s.export(request(tmp.resolve("m"))).id()).orElseThrow();
                assertEquals(BundleProgress.State.SUCCEEDED, second.state(), second.error());
                assertEquals("done", second.phase());
                assertTrue(
                        second.summary().contains(new BundleProgress.Count("objects shipped", 1)),
                        second.summary().toString());
                // keepReports 1: the cancelled job's report is forgotten, the newest kept
                assertEquals(
                        List.of(second.id()),
                        s.jobs().stream().map(BundleProgress::id).toList());
                assertEquals(Optional.empty(), s.await(first.id()));
            }
        }
    }

    @Test
    void pinsOfAnExportThatDiedWithTheProcessAreReleasedAtStart() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            Sha256 x = BundleFixture.put(a, "x", "hello".getBytes());
            a.pin(Exporter.PIN_PREFIX + "20261121T134500Z-1a2b3c4d", x);
            a.pin("mirror-set:keep", x);
            fx.service(a, "a");
            List<String> sets = new java.util.ArrayList<>();
            a.scanPinSets("", sets::add);
            assertEquals(List.of("mirror-set:keep"), sets);
        }
    }

    /** docs/bundles.md, Memory: scratch files of jobs killed with the server are removed when it starts. */
    @Test
    void scratchFilesOfJobsThatDiedWithTheProcessAreRemovedAtStart() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            Path scratch = tmp.resolve("a/data/bundles/scratch");
            Path export = Files.createDirectories(scratch.resolve(Exporter.scratchName("20261121T134500Z-1a2b3c4d")));
            Files.writeString(export.resolve("000001.sst"), "left by a killed export");
            Path imp = Files.createDirectories(scratch.resolve(Importer.scratchName("20261121T134500Z-1a2b3c4e")));
            Files.writeString(imp.resolve("chunks"), "left by a killed import");
            Path sent = Files.writeString(scratch.resolveSibling("20261121T134500Z-1a2b3c4d.sent"), "kept");
            fx.service(a, "a");
            assertFalse(Files.exists(scratch), "scratch left after start");
            assertEquals("kept", Files.readString(sent), "nothing else in the bundles directory is touched");
        }
    }

    /**
     * docs/bundles.md: a full export carries the registered mirror sets, so the far end can register them; a
     * selective export carries only the set it was asked for (none here).
     */
    @Test
    void aFullExportCarriesTheRegisteredMirrorSetsAndASelectiveOneDoesNot() throws Exception {
        String plant = "name: plant\nmodules:\n  - path: example.com/plant\n";
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            RocksContentStore b = fx.store("b");
            BundleFixture.put(a, "x", "hello".getBytes());
            try (BundleService sa = new BundleService(
                            a,
                            tmp.resolve("a-data"),
                            () -> Optional.of(fx.signer),
                            Clock.systemUTC(),
                            5,
                            () -> Map.of("plant", plant));
                    BundleService sb =
                            new BundleService(b, tmp.resolve("b-data"), Optional::empty, Clock.systemUTC(), 5)) {
                BundleProgress full =
                        sa.await(sa.export(request(tmp.resolve("m"))).id()).orElseThrow();
                assertEquals(BundleProgress.State.SUCCEEDED, full.state(), full.error());
                assertTrue(
                        full.summary().contains(new BundleProgress.Count("mirror sets", 1)),
                        full.summary().toString());
                BundleProgress imported = sb.await(sb.importBundle(new ImportRequest(
                                        List.of(Path.of(full.directory())), List.of(fx.signer.verifier())))
                                .id())
                        .orElseThrow();
                assertEquals(BundleProgress.State.SUCCEEDED, imported.state(), imported.error());
                assertEquals(Map.of("plant", plant), sb.importedMirrorSets(full.bundleId()));

                BundleProgress some = sa.await(sa.export(new ExportRequest(
                                        tmp.resolve("m2"),
                                        new Selection(false, Optional.empty(), List.of("example.com/*"), List.of()),
                                        BundleFormat.BUNDLE,
                                        "s2",
                                        Optional.empty(),
                                        Optional.empty(),
                                        ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                                        Map.of()))
                                .id())
                        .orElseThrow();
                assertEquals(BundleProgress.State.SUCCEEDED, some.state(), some.error());
                assertTrue(
                        some.summary().contains(new BundleProgress.Count("mirror sets", 0)),
                        some.summary().toString());
            }
        }
    }

    @Test
    void inventoryListsWhatTheStoreHolds() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore b = fx.store("b");
            Sha256 x = BundleFixture.put(b, "x", "hello".getBytes());
            byte[] bytes = new byte[50_000];
            new java.util.Random(5).nextBytes(bytes);
            Sha256 large = BundleFixture.put(b, "y", bytes);
            b.update(u -> u.putMeta("k", "v".getBytes()));
            BundleService s = fx.service(b, "b");
            Path out = tmp.resolve("inv");
            List<BundleProgress.Count> summary = s.writeInventory(out);
            assertTrue(summary.contains(new BundleProgress.Count("names", 2)), summary.toString());
            Inventory inv;
            try (InputStream in = Files.newInputStream(out)) {
                inv = Inventory.read(in);
            }
            assertTrue(inv.contains(Inventory.objectKey(x.bytes())));
            assertTrue(inv.contains(Inventory.nameKey("x", x.hex())));
            assertTrue(inv.contains(Inventory.metaKey("k", "v".getBytes())));
            assertFalse(inv.contains(Inventory.metaKey("k", "w".getBytes())));
            // chunks kept inline (a store of format 2 keeps "hello" so) are not the site's by digest: not listed
            for (Sha256 o : List.of(x, large)) {
                b.chunksOf(o)
                        .orElseThrow()
                        .forEach(c -> assertEquals(
                                !c.isInline(),
                                inv.contains(Inventory.chunkKey(c.digest().bytes())),
                                c.toString()));
            }
            BundleException e =
                    assertThrows(BundleException.class, () -> s.writeInventory(tmp.resolve("absent/dir/inv")));
            assertEquals(BundleException.Kind.BAD_REQUEST, e.kind());
        }
    }

    @Test
    void partialBundlesOfExportsThatDiedAreRemovedAndNothingElse() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            BundleFixture.put(a, "x", "hello".getBytes());
            Path m = Files.createDirectories(tmp.resolve("m"));
            Path stale = m.resolve(".20261120T000000Z-deadbeef.partial");
            Files.createDirectories(stale.resolve("deeper"));
            Files.write(stale.resolve("vol-0001.fvol"), new byte[4096]);
            Files.write(stale.resolve("deeper/f"), new byte[1]);
            age(stale);
            // Another ferry's export into the same medium, still being written: not this server's, but left alone.
            Path busy = Files.createDirectories(m.resolve(".20261120T000000Z-0000dddd.partial"));
            Files.write(busy.resolve("vol-0001.fvol"), new byte[16]);
            Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
            Files.writeString(elsewhere.resolve("precious"), "mine");
            // Every one of these only resembles a partial bundle, or is no directory: each stays as it is.
            List<Path> kept = List.of(
                    Files.createDirectories(m.resolve("20261120T000000Z-0000aaaa")),
                    Files.createDirectories(m.resolve(".20261120T000000Z-DEADBEEF.partial")),
                    Files.createDirectories(m.resolve(".20261120T000000Z-deadbeef.partial.old")),
                    Files.createDirectories(m.resolve("20261120T000000Z-deadbeef.partial")),
                    Files.createDirectories(m.resolve(".notes.partial")),
                    Files.createDirectories(m.resolve("..20261120T000000Z-deadbeef.partial")),
                    Files.writeString(m.resolve(".20261120T000000Z-0000bbbb.partial"), "a file"),
                    busy,
                    Files.createSymbolicLink(m.resolve(".20261120T000000Z-0000cccc.partial"), elsewhere));
            Files.writeString(kept.getFirst().resolve("bundle.note"), "an earlier bundle");

            BundleService s = fx.service(a, "a");
            BundleProgress done = s.await(s.export(request(m)).id()).orElseThrow();
            assertEquals(BundleProgress.State.SUCCEEDED, done.state(), done.error());
            assertEquals(
                    List.of(
                            "left " + busy + " alone: written to within the last 60 minutes, though no export"
                                    + " of this server writes it",
                            "removed " + stale + ", left by an export of bundle"
                                    + " 20261120T000000Z-deadbeef that did not finish"),
                    done.notes().stream()
                            .filter(n -> n.contains("partial"))
                            .sorted()
                            .toList());
            assertFalse(Files.exists(stale, java.nio.file.LinkOption.NOFOLLOW_LINKS));
            for (Path p : kept) {
                assertTrue(Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS), p + " was removed");
            }
            assertEquals("an earlier bundle", Files.readString(kept.getFirst().resolve("bundle.note")));
            assertEquals("mine", Files.readString(elsewhere.resolve("precious")), "a link was followed");
            assertTrue(Files.isSymbolicLink(kept.getLast()));
            try (var left = Files.list(m)) {
                assertEquals(kept.size() + 1, left.count(), "the new bundle and what was there");
            }
            assertTrue(Files.isRegularFile(Path.of(done.directory()).resolve("bundle.note")));
        }
    }

    @Test
    void thePartialOfAnExportStillRunningStays() throws Exception {
        try (BundleFixture fx = new BundleFixture(tmp)) {
            RocksContentStore a = fx.store("a");
            Path m = Files.createDirectories(tmp.resolve("m"));
            Path running = Files.createDirectories(m.resolve(".20261121T100000Z-0000abcd.partial"));
            Files.write(running.resolve("vol-0001.fvol"), new byte[16]);
            Path dead = Files.createDirectories(m.resolve(".20261121T090000Z-0000dcba.partial"));
            age(dead);
            age(running);
            List<String> notes = new java.util.concurrent.CopyOnWriteArrayList<>();
            BundleProgressSink sink = BundleFixture.notesTo(notes);
            new Exporter(
                            a,
                            Clock.systemUTC(),
                            new java.security.SecureRandom(),
                            id -> id.equals("20261121T100000Z-0000abcd"),
                            tmp.resolve("scratch"))
                    .removeStalePartials(m, sink);
            assertTrue(Files.isRegularFile(running.resolve("vol-0001.fvol")), "a running export's volume was removed");
            assertFalse(Files.exists(dead));
            assertEquals(1, notes.size(), notes.toString());
            assertTrue(notes.getFirst().startsWith("removed " + dead), notes.toString());
        }
    }

    /** Sets every modification time in {@code dir} two hours back: a partial bundle nobody wrote to lately. */
    private static void age(Path dir) throws java.io.IOException {
        java.nio.file.attribute.FileTime old =
                java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(java.time.Duration.ofHours(2)));
        try (var all = Files.walk(dir)) {
            for (Path f : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.setLastModifiedTime(f, old);
            }
        }
    }
}
