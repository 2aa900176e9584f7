package dev.ferry.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.mirror.go.CachingGoModuleMirror;
import dev.ferry.mirror.go.GoMirrorSettings;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.upstreams.goproxy.GoProxyClient;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.ContentRejected;
import dev.ferry.upstreams.pool.FetchResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prewarm of the gocorpus fixture app's go.mod through the real mirror (CachingGoModuleMirror on RocksDB) with the
 * fixture proxy as upstream: the plan is what the real {@code go mod download all} fetches, the job stores it all,
 * and a rerun asks the upstream for nothing.
 */
class GoModPrewarmFixtureTest {
    static final Path CORPUS = Path.of(System.getProperty("ferry.fixtures", "../../shared/fixtures"))
            .resolve("gocorpus");

    /** Serves the fixture proxy directory and records every path asked. */
    static final class CountingUpstream implements GoProxyClient {
        final ConcurrentLinkedQueue<String> asked = new ConcurrentLinkedQueue<>();

        @Override
        public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
            asked.add(path);
            Path f = CORPUS.resolve("proxy").resolve(path);
            if (!Files.isRegularFile(f)) {
                return new FetchResult.NotFound<>(404, "not found: " + path);
            }
            try (InputStream in = Files.newInputStream(f)) {
                return new FetchResult.Fetched<>(handler.handle(in, Files.size(f), "fixture"), "fixture");
            } catch (IOException | ContentRejected e) {
                return new FetchResult.Failed<>(List.of(new FetchResult.Attempt("fixture", e.toString())));
            }
        }
    }

    /** What go1.19 {@code go mod download all} leaves in its download cache for the app (checked by hand). */
    static final int BUILD_LIST = 26;

    static final Set<String> EXTRA_MODS = Set.of(
            "github.com/davecgh/go-spew@v1.1.1.mod",
            "github.com/pmezard/go-difflib@v1.0.0.mod",
            "github.com/stretchr/testify@v1.8.1-0.20211004154019-4d58480560bd.mod",
            "golang.org/x/sys@v0.1.1.mod");

    @Test
    void prewarmsWhatGoModDownloadAllNeedsAndARerunFetchesNothing(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(CORPUS.resolve("proxy")), "no gocorpus fixture at " + CORPUS);
        CountingUpstream upstream = new CountingUpstream();
        try (ContentStore store = RocksContentStore.open(tmp.resolve("store"), StoreOptions.defaults())) {
            CachingGoModuleMirror mirror = new CachingGoModuleMirror(
                    store, upstream, GoMirrorSettings.defaults().withSpoolDir(tmp.resolve("spool")), Clock.systemUTC());
            GoPrewarmPlanner planner = new GoPrewarmPlanner(mirror);
            byte[] gomod = Files.readAllBytes(CORPUS.resolve("app/go.mod"));

            Plan plan = planner.planGoMod("go.mod", gomod);
            assertEquals(List.of(), plan.errors());
            Set<String> zips = names(plan, PrewarmItem.Ext.ZIP);
            Set<String> infos = names(plan, PrewarmItem.Ext.INFO);
            Set<String> mods = names(plan, PrewarmItem.Ext.MOD);
            assertEquals(BUILD_LIST, zips.size(), zips.toString());
            assertEquals(BUILD_LIST, infos.size());
            assertEquals(BUILD_LIST + EXTRA_MODS.size(), mods.size(), mods.toString());
            assertTrue(mods.containsAll(EXTRA_MODS), mods.toString());
            assertTrue(zips.contains("golang.org/x/sys@v0.2.0.zip"));
            assertTrue(
                    zips.contains("github.com/Knetic/govaluate@v3.0.1-0.20171022190953-9aa498375809+incompatible.zip"));

            List<PrewarmItem> pinned = new java.util.concurrent.CopyOnWriteArrayList<>();
            PrewarmJob first = new PrewarmJob(
                            "first",
                            "go.mod",
                            plan,
                            new MirrorItemRunner(mirror, null),
                            4,
                            (item, stored) -> pinned.add(item),
                            Clock.systemUTC())
                    .start();
            Progress report = first.await();
            assertEquals(
                    PrewarmJob.State.SUCCEEDED,
                    report.state(),
                    report.failures().toString());
            assertEquals(plan.items().size(), report.done());
            assertEquals(0, report.failed());
            assertEquals(plan.items().size(), pinned.size());
            assertTrue(report.bytes() > 5_000_000, "bytes " + report.bytes());
            // A stored .mod also fetches its version's .info (docs/goproxy.md), so the four versions whose .mod
            // alone is in the plan bring their .info too. Asking those now joins that fetch or hits the store, and
            // settles it before the counts below.
            MirrorItemRunner runner = new MirrorItemRunner(mirror, null);
            List<PrewarmItem.GoFile> extraInfos = plan.items().stream()
                    .filter(i -> i instanceof PrewarmItem.GoFile f && EXTRA_MODS.contains(f.toString()))
                    .map(i -> (PrewarmItem.GoFile) i)
                    .map(f -> new PrewarmItem.GoFile(f.module(), f.version(), PrewarmItem.Ext.INFO))
                    .toList();
            assertEquals(EXTRA_MODS.size(), extraInfos.size());
            for (PrewarmItem.GoFile info : extraInfos) {
                assertTrue(runner.run(info).bytes() > 0, info.toString());
            }
            List<String> fileFetches = upstream.asked.stream()
                    .filter(p -> !p.endsWith("/list") && !p.endsWith("@latest"))
                    .toList();
            assertEquals(
                    fileFetches.size(),
                    Set.copyOf(fileFetches).size(),
                    "each file fetched from upstream exactly once: " + fileFetches);
            assertEquals(plan.items().size() + extraInfos.size(), fileFetches.size(), fileFetches.toString());
            assertTrue(
                    fileFetches.stream().filter(p -> p.endsWith(".info")).count() == BUILD_LIST + EXTRA_MODS.size(),
                    fileFetches.toString());

            upstream.asked.clear();
            Plan again = planner.planGoMod("go.mod", gomod);
            assertEquals(plan.items(), again.items());
            Progress second = new PrewarmJob(
                            "second",
                            "go.mod",
                            again,
                            new MirrorItemRunner(mirror, null),
                            4,
                            PinSink.NONE,
                            Clock.systemUTC())
                    .start()
                    .await();
            assertEquals(PrewarmJob.State.SUCCEEDED, second.state());
            assertEquals(report.bytes(), second.bytes());
            assertEquals(List.of(), List.copyOf(upstream.asked), "a rerun asks the upstream for nothing");
        }
    }

    private static Set<String> names(Plan plan, PrewarmItem.Ext ext) {
        return plan.items().stream()
                .filter(i -> i instanceof PrewarmItem.GoFile f && f.ext() == ext)
                .map(Object::toString)
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
