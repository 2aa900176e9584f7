package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The foundation's promise, checked with the real go command: {@code GOPROXY=ferry go build} works, every
 * module version is fetched from upstream once, and everything keeps working from the store after the upstream
 * is gone and ferry has restarted.
 */
class GoCommandIT {

    @TempDir
    Path tmp;

    @Test
    void goBuildsTheFixtureAppThroughFerryAndAgainFromTheStoreWithTheUpstreamGone() throws Exception {
        Path data = tmp.resolve("data");
        Path log = tmp.resolve("ferry.log");
        Path app = Fixtures.copyApp(tmp.resolve("app"));
        String key = Fixtures.sumdbKey();
        String sumdbName = key.split("\\+")[0];

        try (StaticGoProxy upstream = new StaticGoProxy(Fixtures.goProxyTree())) {
            // ferry verifies every download against the fixture's checksum database (through the upstream's
            // /sumdb/), and the go command verifies again through ferry's /sumdb/.
            try (FerryProcess ferry = FerryProcess.start(data, log, "--go-upstream", upstream.url(), "--sumdb", key)) {
                String gosumdb = key + " " + ferry.url() + "/sumdb/" + sumdbName;
                GoTool go = new GoTool(tmp.resolve("go1"), ferry.url(), gosumdb);
                GoTool.Result download = go.run(app, "mod", "download", "all");
                assertTrue(download.ok(), "go mod download all through ferry:\n" + download.output());
                GoTool.Result build =
                        go.run(app, "build", "-o", tmp.resolve("fixtureapp").toString(), ".");
                assertTrue(build.ok(), "go build through ferry:\n" + build.output());
                assertAppRuns(tmp.resolve("fixtureapp"));
                assertTrue(go.run(app, "mod", "verify").ok(), "go mod verify");
                go.makeDeletable();

                List<String> zips = upstream.paths().stream()
                        .filter(p -> p.endsWith(".zip"))
                        .toList();
                assertTrue(zips.size() >= 20, "zips fetched from upstream: " + zips);
                for (String zip : zips) {
                    assertEquals(1, upstream.requestsFor(zip), "fetched from upstream more than once: " + zip);
                }
                List<String> tiles = upstream.paths().stream()
                        .filter(p -> p.contains("/sumdb/") && p.contains("/tile/"))
                        .toList();
                assertEquals(tiles.stream().distinct().count(), tiles.size(), "a tile was fetched twice: " + tiles);

                // A second machine with an empty module cache and GOSUMDB naming only the key: the go command
                // asks ferry's /sumdb/NAME/supported and verifies through ferry; every file comes from the store.
                int before = upstream.requests();
                GoTool second = new GoTool(tmp.resolve("go2"), ferry.url(), key);
                GoTool.Result again = second.run(app, "mod", "download", "all");
                assertTrue(again.ok(), "second go mod download all:\n" + again.output());
                second.makeDeletable();
                long zipRequestsAfter = upstream.paths().stream()
                        .skip(before)
                        .filter(p -> p.endsWith(".zip"))
                        .count();
                assertEquals(0, zipRequestsAfter, "a stored module version was fetched from upstream again");
                assertEquals(0, ferry.stop(), "clean exit on SIGTERM");
            }
        }

        // The upstream is gone for good; ferry restarts on the same data directory. A fresh machine without
        // go.sum still verifies every module through ferry's /sumdb/, answered from ferry's store.
        Files.delete(app.resolve("go.sum"));
        try (FerryProcess ferry =
                FerryProcess.start(data, log, "--go-upstream", "http://127.0.0.1:9", "--sumdb", key)) {
            GoTool offline =
                    new GoTool(tmp.resolve("go3"), ferry.url(), key + " " + ferry.url() + "/sumdb/" + sumdbName);
            GoTool.Result download = offline.run(app, "mod", "download", "all");
            assertTrue(download.ok(), "go mod download all with the upstream gone:\n" + download.output());
            Path bin = tmp.resolve("fixtureapp-offline");
            GoTool.Result build = offline.run(app, "build", "-o", bin.toString(), ".");
            assertTrue(build.ok(), "go build with the upstream gone:\n" + build.output());
            assertAppRuns(bin);
            assertTrue(offline.run(app, "mod", "verify").ok(), "go mod verify against go.sum");
            offline.makeDeletable();
        }
    }

    /**
     * Go commands on several machines with empty module caches download the same module set through a cold ferry
     * at once (issue 18; bench/cold/concurrency.sh runs 100 by hand): every file is fetched from the upstream once,
     * and every go command checks every module it got against the checksum database.
     */
    @Test
    void goCommandsDownloadingOneModuleSetAtOnceFetchEachFileOnceAndAllVerify() throws Exception {
        int clients = 4;
        String key = Fixtures.sumdbKey();
        String sumdbName = key.split("\\+")[0];
        try (StaticGoProxy upstream = new StaticGoProxy(Fixtures.goProxyTree());
                FerryProcess ferry = FerryProcess.start(
                        tmp.resolve("data"),
                        tmp.resolve("ferry.log"),
                        "--go-upstream",
                        upstream.url(),
                        "--sumdb",
                        key);
                ExecutorService threads = Executors.newFixedThreadPool(clients)) {
            String gosumdb = key + " " + ferry.url() + "/sumdb/" + sumdbName;
            CountDownLatch go = new CountDownLatch(1);
            List<GoTool> tools = new ArrayList<>();
            List<Future<GoTool.Result>> downloads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                Path app = Fixtures.copyApp(tmp.resolve("app" + i));
                GoTool tool = new GoTool(tmp.resolve("go" + i), ferry.url(), gosumdb);
                tools.add(tool);
                downloads.add(threads.submit(() -> {
                    go.await();
                    return tool.run(app, "mod", "download", "all");
                }));
            }
            go.countDown();
            for (int i = 0; i < clients; i++) {
                GoTool.Result download = downloads.get(i).get(10, TimeUnit.MINUTES);
                assertTrue(download.ok(), "go mod download all of client " + i + ":\n" + download.output());
                tools.get(i).makeDeletable();
            }
            List<String> files = upstream.paths().stream()
                    .filter(p -> p.contains("/@v/"))
                    .distinct()
                    .toList();
            assertTrue(
                    files.stream().filter(p -> p.endsWith(".zip")).count() >= 20,
                    "zips fetched from upstream: " + files);
            for (String file : files) {
                assertEquals(1, upstream.requestsFor(file), "fetched from upstream more than once: " + file);
            }
        }
    }

    private static void assertAppRuns(Path bin) throws Exception {
        Process p = new ProcessBuilder(bin.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "fixture app output:\n" + out);
        assertTrue(out.contains("constraint:") && out.contains("xxhash:"), "fixture app output:\n" + out);
    }
}
