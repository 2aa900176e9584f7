package dev.ferry.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.config.BundleSync;
import dev.ferry.sync.MirrorSet;
import dev.ferry.sync.Plan;
import dev.ferry.sync.bundle.BundleFormat;
import dev.ferry.sync.bundle.ExportRecord;
import dev.ferry.sync.bundle.ExportRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleSchedulerTest {
    private static final Instant NOW = Instant.parse("2026-11-21T14:00:00Z");

    @TempDir
    Path tmp;

    private final FakeBundles bundles = new FakeBundles();
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    private BundleSync sync(Optional<Path> set) {
        return new BundleSync(
                "plant-7", Path.of("/media/usb"), Duration.ofHours(24), set, 700_000_000L, "ferry.yaml:3");
    }

    private static ExportRecord record(String id, String site, Instant created) {
        return new ExportRecord(id, site, null, false, "/media/usb/" + id, created, 1, 1, 1);
    }

    @Test
    void firstAFullBundleThenWhatWasAddedSinceTheLastOneAndNeverTwoAtOnce() {
        BundleScheduler s = new BundleScheduler(bundles, List.of(), clock);
        BundleSync sync = sync(Optional.empty());
        var first = assertInstanceOf(BundleScheduler.Outcome.Started.class, s.runOnce(sync));
        assertEquals(Optional.empty(), first.since());
        ExportRequest r = bundles.exports.getFirst();
        assertTrue(r.selection().everything());
        assertEquals(BundleFormat.BUNDLE, r.format());
        assertEquals("plant-7", r.site());
        assertEquals(Path.of("/media/usb"), r.to());
        assertEquals(700_000_000L, r.maxVolumeSize());
        assertEquals(Optional.empty(), r.since());

        var skipped = assertInstanceOf(BundleScheduler.Outcome.Skipped.class, s.runOnce(sync));
        assertEquals(first.jobId(), skipped.runningJobId());
        assertEquals(1, bundles.exports.size(), "no second export while the first runs");

        bundles.finish(first.jobId());
        bundles.history.add(record("b-other", "lab", NOW.minusSeconds(30)));
        bundles.history.add(record("b1", "plant-7", NOW.minusSeconds(60)));
        var second = assertInstanceOf(BundleScheduler.Outcome.Started.class, s.runOnce(sync));
        assertEquals(Optional.of("b1"), second.since(), "builds on the site's own last bundle");
        assertEquals(Optional.of("b1"), bundles.exports.get(1).since());
    }

    @Test
    void aSetFileIsReadAtEveryRunAndTravelsWithTheBundle() throws Exception {
        Path set = tmp.resolve("plant.yaml");
        Files.writeString(set, "name: plant\nmodules:\n  - path: example.com/a\n");
        BundleScheduler s = new BundleScheduler(bundles, List.of(), clock);
        assertInstanceOf(BundleScheduler.Outcome.Started.class, s.runOnce(sync(Optional.of(set))));
        ExportRequest r = bundles.exports.getFirst();
        assertFalse(r.selection().everything());
        assertEquals("plant", r.selection().set().orElseThrow().name());
        assertEquals(Map.of("plant", Files.readString(set)), r.mirrorSets());

        bundles.finish(bundles.jobs().getFirst().id());
        Files.writeString(set, "modules: [\n");
        var failed = assertInstanceOf(BundleScheduler.Outcome.Failed.class, s.runOnce(sync(Optional.of(set))));
        assertTrue(failed.reason().contains("has errors"), failed.reason());
        Files.delete(set);
        failed = assertInstanceOf(BundleScheduler.Outcome.Failed.class, s.runOnce(sync(Optional.of(set))));
        assertTrue(failed.reason().contains("cannot read the mirror set"), failed.reason());
        assertEquals(1, bundles.exports.size());
    }

    @Test
    void aRefusedExportIsReportedNotThrown() {
        bundles.refuse = new dev.ferry.sync.bundle.BundleException(
                dev.ferry.sync.bundle.BundleException.Kind.REFUSED, "no signing key: ferry keys generate");
        BundleScheduler s = new BundleScheduler(bundles, List.of(), clock);
        var failed = assertInstanceOf(BundleScheduler.Outcome.Failed.class, s.runOnce(sync(Optional.empty())));
        assertTrue(failed.reason().contains("ferry keys generate"));
        assertInstanceOf(
                BundleScheduler.Outcome.Started.class,
                s.runOnce(sync(Optional.empty())),
                "a failed start does not block the next run");
    }

    @Test
    void theFirstRunWaitsForTheRestOfTheIntervalSinceTheSitesLastBundle() {
        BundleScheduler s = new BundleScheduler(bundles, List.of(), clock);
        BundleSync sync = sync(Optional.empty());
        assertEquals(Duration.ZERO, s.firstDelay(sync), "never exported: now");
        bundles.history.add(record("b1", "plant-7", NOW.minus(Duration.ofHours(20))));
        assertEquals(Duration.ofHours(4), s.firstDelay(sync));
        bundles.history.add(record("b2", "plant-7", NOW.minus(Duration.ofHours(30))));
        assertEquals(Duration.ZERO, s.firstDelay(sync), "overdue: now");
    }

    @Test
    void importedMirrorSetsAreRegisteredWithoutASchedule() throws Exception {
        Path bundlesDir = tmp.resolve("bundles");
        Files.createDirectories(bundlesDir);
        Files.writeString(
                ImportedMirrorSets.file(bundlesDir, "b1"),
                "{\"plant\":\"name: plant\\nrefresh: 6h\\nmodules:\\n  - path: example.com/a\\n\",\"bad\":\"modules: [\\n\"}");
        MirrorSetRegistry.Runtime noRuns = new MirrorSetRegistry.Runtime() {
            @Override
            public PrewarmService service(String setName) {
                return null;
            }

            @Override
            public Plan plan(MirrorSet.Parsed parsed) {
                throw new AssertionError("an imported set is not run");
            }
        };
        Path file = tmp.resolve("data").resolve(MirrorSetRegistry.FILE);
        MirrorSetRegistry registry = new MirrorSetRegistry(file, noRuns, clock);
        try {
            assertEquals(List.of("plant"), ImportedMirrorSets.register(bundlesDir, "b1", registry));
            MirrorSetRegistry.Entry e = registry.get("plant").orElseThrow();
            assertNull(e.registration().refresh(), "no schedule, though the file has refresh: 6h");
            assertNull(e.nextRun());
            assertNull(e.lastRun());
            assertEquals(List.of(), ImportedMirrorSets.register(bundlesDir, "b-none", registry));
            // Every full bundle carries the registered sets again: one already here as it is stays untouched.
            assertEquals(List.of(), ImportedMirrorSets.register(bundlesDir, "b1", registry));
            assertEquals(e.registration(), registry.get("plant").orElseThrow().registration());
        } finally {
            registry.close();
        }
        MirrorSetRegistry reloaded = new MirrorSetRegistry(file, noRuns, clock);
        try {
            reloaded.load();
            assertNull(reloaded.get("plant").orElseThrow().nextRun(), "still unscheduled after a restart");
        } finally {
            reloaded.close();
        }
    }
}
