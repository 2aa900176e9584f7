package dev.ferry.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PrewarmJobTest {
    static Plan plan(int n) {
        List<PrewarmItem> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add(new PrewarmItem.GoFile(
                    ModulePath.parse("example.com/m" + i), Version.parse("v1.0.0"), PrewarmItem.Ext.ZIP));
        }
        return new Plan(items, List.of());
    }

    @Test
    void runsAtMostConcurrencyItemsAtOnce() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        CountDownLatch threeIn = new CountDownLatch(3);
        CountDownLatch release = new CountDownLatch(1);
        ItemRunner runner = item -> {
            max.accumulateAndGet(running.incrementAndGet(), Math::max);
            threeIn.countDown();
            release.await();
            running.decrementAndGet();
            if (item.toString().startsWith("example.com/m7@")) {
                throw new PrewarmFailure(item + ": not found: no such module");
            }
            return new ItemRunner.Result(10, List.of());
        };
        List<PrewarmItem> pinned = java.util.Collections.synchronizedList(new ArrayList<>());
        PrewarmJob job = new PrewarmJob("j", "test", plan(10), runner, 3, (i, s) -> pinned.add(i), Clock.systemUTC());
        job.start();
        threeIn.await();
        Progress p = job.progress();
        assertEquals(PrewarmJob.State.RUNNING, p.state());
        assertEquals(3, p.current().size(), p.current().toString());
        assertEquals(0, p.done());
        release.countDown();
        Progress r = job.await();
        assertEquals(3, max.get());
        assertEquals(PrewarmJob.State.FAILED, r.state());
        assertEquals(10, r.done());
        assertEquals(1, r.failed());
        assertEquals(90, r.bytes());
        assertEquals(
                List.of(new Progress.ItemFailure(
                        "example.com/m7@v1.0.0.zip", "example.com/m7@v1.0.0.zip: not found: no such module")),
                r.failures());
        assertEquals(9, pinned.size());
        assertTrue(r.current().isEmpty());
        assertTrue(r.hasFailures());
    }

    @Test
    void cancelStopsRunningItemsAndSkipsTheRest() throws Exception {
        CountDownLatch twoIn = new CountDownLatch(2);
        ItemRunner runner = item -> {
            twoIn.countDown();
            new CountDownLatch(1).await(); // until interrupted
            return new ItemRunner.Result(0, List.of());
        };
        PrewarmJob job = new PrewarmJob("c", "test", plan(50), runner, 2, PinSink.NONE, Clock.systemUTC()).start();
        twoIn.await();
        job.cancel();
        Progress r = job.await();
        assertEquals(PrewarmJob.State.CANCELLED, r.state());
        assertEquals(2, r.done());
        assertEquals(2, r.failed());
        assertEquals(48, r.skipped());
        assertEquals("cancelled", r.failures().get(0).reason());
    }

    @Test
    void registryKeepsTheLastReports() throws Exception {
        AtomicInteger n = new AtomicInteger();
        JobRegistry reg = new JobRegistry(
                item -> new ItemRunner.Result(1, List.of()),
                2,
                PinSink.NONE,
                Clock.systemUTC(),
                2,
                () -> "job" + n.incrementAndGet());
        for (int i = 0; i < 4; i++) {
            reg.start("run " + i, plan(3)).await();
        }
        PrewarmJob running = reg.start("blocked", new Plan(List.of(), List.of()));
        running.await();
        assertEquals(
                List.of("job4", "job5"), reg.list().stream().map(Progress::id).toList());
        assertTrue(reg.get("job1").isEmpty());
        assertEquals(
                PrewarmJob.State.SUCCEEDED,
                reg.get("job4").orElseThrow().progress().state());
        assertTrue(reg.cancel("job5"));
        assertTrue(!reg.cancel("nope"));
    }
}
