package dev.ferry.server.admin.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The records as JSON, byte for byte: the field names, their order and which fields are left out when null are the
 * wire format of docs/admin-api.md (the expected texts are what the server answered before the records), so that
 * reordering or renaming a component fails here.
 */
class AdminJsonTest {
    private static final LineError PLAN_ERROR = new LineError(
            "arguments", 3, "bad path@v1: malformed module path", "arguments:3: bad path@v1: malformed module path");

    private static PrewarmJob job(String location) {
        return new PrewarmJob(
                "6f1c",
                "modules a@v1.0.0",
                "FAILED",
                6,
                6,
                3,
                0,
                48213554,
                List.of("a@v1.0.0.zip"),
                List.of(new PrewarmJob.ItemFailure("b@v1.0.0.zip", "b@v1.0.0.zip: not found")),
                List.of(PLAN_ERROR),
                List.of("a note"),
                "2025-06-01T02:00:00.123Z",
                null,
                location);
    }

    @Test
    void prewarmJobsAsTheApiAnswersThem() {
        String report =
                "{\"id\":\"6f1c\",\"description\":\"modules a@v1.0.0\",\"state\":\"FAILED\",\"total\":6,\"done\":6,"
                        + "\"failed\":3,\"skipped\":0,\"bytes\":48213554,\"current\":[\"a@v1.0.0.zip\"],"
                        + "\"failures\":[{\"item\":\"b@v1.0.0.zip\",\"reason\":\"b@v1.0.0.zip: not found\"}],"
                        + "\"planErrors\":[{\"source\":\"arguments\",\"line\":3,\"message\":\"bad path@v1: malformed module path\","
                        + "\"text\":\"arguments:3: bad path@v1: malformed module path\"}],\"notes\":[\"a note\"],"
                        + "\"started\":\"2025-06-01T02:00:00.123Z\",\"finished\":null";
        assertEquals(report + "}", AdminJson.write(job(null)));
        assertEquals(
                report + ",\"location\":\"/admin/api/prewarm/6f1c\"}",
                AdminJson.write(job(null).at(AdminPaths.prewarmJob("6f1c"))));
        assertEquals("{\"jobs\":[" + report + "}]}", AdminJson.write(new PrewarmJobs(List.of(job(null)))));
        RegisteredSet set =
                new RegisteredSet("farm", "farm.yaml", "6h", "2025-06-01T02:00:00Z", null, null, null, null);
        assertEquals(
                "{\"name\":\"farm\",\"fileName\":\"farm.yaml\",\"refresh\":\"6h\",\"registered\":\"2025-06-01T02:00:00Z\","
                        + "\"lastStarted\":null,\"nextRun\":null,\"lastRun\":null}",
                AdminJson.write(set));
        assertEquals(
                "{\"name\":\"farm\",\"fileName\":\"farm.yaml\",\"refresh\":\"6h\",\"registered\":\"2025-06-01T02:00:00Z\","
                        + "\"lastStarted\":null,\"nextRun\":null,\"lastRun\":" + report
                        + "},\"content\":\"modules: []\\n\"}",
                AdminJson.write(new RegisteredSet(
                        "farm", "farm.yaml", "6h", "2025-06-01T02:00:00Z", null, null, job(null), "modules: []\n")));
    }

    @Test
    void bundleJobsHistoryAndInventory() {
        BundleJob job = new BundleJob(
                "export-1",
                "export",
                "RUNNING",
                "b1",
                "/media/usb",
                "writing",
                1000000,
                -1,
                10,
                20,
                1.25E7,
                List.of(new Count("objects", 20)),
                List.of(),
                null,
                "2026-11-21T13:45:00Z",
                null,
                null);
        String json = "{\"id\":\"export-1\",\"kind\":\"export\",\"state\":\"RUNNING\",\"bundleId\":\"b1\","
                + "\"directory\":\"/media/usb\",\"phase\":\"writing\",\"bytesDone\":1000000,\"bytesTotal\":-1,"
                + "\"itemsDone\":10,\"itemsTotal\":20,\"bytesPerSecond\":1.25E7,\"summary\":[{\"what\":\"objects\","
                + "\"value\":20}],\"notes\":[],\"error\":null,\"started\":\"2026-11-21T13:45:00Z\",\"finished\":null";
        assertEquals(json + "}", AdminJson.write(job));
        assertEquals(
                json + ",\"location\":\"/admin/api/exports/export-1\"}",
                AdminJson.write(job.at(AdminPaths.bundleJob("export", "export-1"))));
        assertEquals(
                "{\"bundles\":[{\"id\":\"b2\",\"site\":\"\",\"base\":null,\"inventory\":true,\"directory\":\"/m/b2\","
                        + "\"created\":null,\"objects\":20,\"chunks\":300,\"bytes\":2000,\"sinceAvailable\":true}]}",
                AdminJson.write(new ExportHistory(List.of(
                        new ExportHistory.Exported("b2", "", null, true, "/m/b2", null, 20, 300, 2000, true)))));
        assertEquals(
                "{\"out\":\"/media/inv\",\"summary\":[{\"what\":\"chunks\",\"value\":1234}]}",
                AdminJson.write(new InventoryWritten("/media/inv", List.of(new Count("chunks", 1234)))));
    }

    @Test
    void pinsStorageUpstreamsAndErrors() {
        assertEquals(
                "{\"results\":[{\"item\":\"a@v1.0.0\",\"pinSet\":\"pin:a@v1.0.0\",\"objects\":1,\"bytes\":3},"
                        + "{\"item\":\"b@v1.0.1\",\"pinSet\":\"pin:b@v1.0.1\",\"error\":\"not found\"}],\"failed\":1}",
                AdminJson.write(new PinResults(
                        List.of(
                                PinResults.Result.pinned("a@v1.0.0", "pin:a@v1.0.0", 1, 3),
                                PinResults.Result.failed("b@v1.0.1", "pin:b@v1.0.1", "not found")),
                        1)));
        assertEquals(
                "{\"results\":[{\"item\":\"a@v1.0.0\",\"key\":\"a@v1.0.0\",\"released\":2}]}",
                AdminJson.write(new UnpinResults(List.of(new UnpinResults.Result("a@v1.0.0", "a@v1.0.0", 2)))));
        assertEquals(
                "{\"objects\":1,\"objectBytes\":3,\"chunks\":1,\"chunkBytes\":3,\"diskBytes\":264311,\"sizeBytes\":3,"
                        + "\"quotaBytes\":null,\"quotaUsed\":null,\"evicted\":{\"objects\":0,\"bytes\":0},"
                        + "\"pinned\":{\"sets\":1,\"objects\":1,\"bytes\":3},"
                        + "\"cache\":{\"hits\":0,\"stale\":0,\"misses\":0,\"negativeHits\":0,\"hitRatio\":null}}",
                AdminJson.write(new StorageReport(
                        1,
                        3,
                        1,
                        3,
                        264311,
                        3,
                        null,
                        null,
                        new StorageReport.Evicted(0, 0),
                        new StorageReport.Pinned(1, 1, 3),
                        new StorageReport.Cache(0, 0, 0, 0, null))));
        Map<String, Long> failures = new LinkedHashMap<>();
        failures.put("mismatch", 1L);
        failures.put("status_5xx", 2L);
        UpstreamHealth.Upstream u = new UpstreamHealth.Upstream(
                "https://a",
                "https://a",
                1,
                "none",
                false,
                "open",
                "2025-06-01T02:00:00Z",
                3,
                0,
                0,
                failures,
                null,
                new UpstreamHealth.Speed(null, 12.5, null, 0.5, 0.25),
                1,
                new UpstreamHealth.Quarantine(
                        "2025-06-01T01:00:00Z", "2025-06-01T07:00:00Z", "m@v1.0.0.zip", "mismatch"),
                List.of(new UpstreamHealth.RecentError("2025-06-01T01:00:00Z", "mismatch", "checksum mismatch")));
        assertEquals(
                "{\"pools\":{\"go\":{\"strategy\":\"failover\",\"upstreams\":[{\"name\":\"https://a\",\"url\":\"https://a\","
                        + "\"weight\":1,\"credentials\":\"none\",\"healthy\":false,\"breaker\":\"open\","
                        + "\"openUntil\":\"2025-06-01T02:00:00Z\",\"attempts\":3,\"successes\":0,\"notFound\":0,"
                        + "\"failures\":{\"mismatch\":1,\"status_5xx\":2},\"lastSuccess\":null,\"speed\":{\"firstByteMillis\":null,"
                        + "\"smallBodyMillis\":12.5,\"bytesPerSecond\":null,\"failedShare\":0.5,\"effectiveWeight\":0.25},"
                        + "\"quarantines\":1,\"quarantine\":{\"since\":\"2025-06-01T01:00:00Z\",\"until\":\"2025-06-01T07:00:00Z\","
                        + "\"subject\":\"m@v1.0.0.zip\",\"detail\":\"mismatch\"},\"recentErrors\":[{\"at\":\"2025-06-01T01:00:00Z\","
                        + "\"kind\":\"mismatch\",\"detail\":\"checksum mismatch\"}]}]}}}",
                AdminJson.write(new UpstreamHealth(Map.of("go", new UpstreamHealth.Pool("failover", List.of(u))))));
        assertEquals(
                "{\"upstream\":\"https://a\",\"pools\":[{\"pool\":\"go\",\"released\":\"quarantine for m.zip\","
                        + "\"breaker\":\"closed\"}],\"released\":\"go: quarantine for m.zip\"}",
                AdminJson.write(new UpstreamReleased(
                        "https://a",
                        List.of(new UpstreamReleased.PoolRelease("go", "quarantine for m.zip", "closed")),
                        "go: quarantine for m.zip")));
        assertEquals(
                "{\"error\":\"not_found\",\"message\":\"no prewarm job x\"}",
                AdminJson.write(new ApiError("not_found", "no prewarm job x")));
        assertEquals(
                "{\"error\":\"invalid_mirror_set\",\"message\":\"m\",\"details\":[{\"source\":\"arguments\",\"line\":3,"
                        + "\"message\":\"bad path@v1: malformed module path\",\"text\":\"arguments:3: bad path@v1: malformed module path\"}]}",
                AdminJson.write(new ApiError("invalid_mirror_set", "m", AdminJson.tree(List.of(PLAN_ERROR)))));
        assertEquals("{\"removed\":\"farm\"}", AdminJson.write(new Removed("farm")));
    }

    /** What the web console's scripts read: field names are its contract (admin-ui/.../js). */
    @Test
    void consoleReads() {
        assertEquals(
                "{\"who\":\"token:3f9a0c12d4e5\",\"role\":\"admin\",\"csrf\":\"c\",\"expires\":\"2026-12-01T12:30:00Z\"}",
                AdminJson.write(new ConsoleSession("token:3f9a0c12d4e5", "admin", "c", "2026-12-01T12:30:00Z")));
        assertEquals(
                "{\"quotaBytes\":null,\"minutes\":[{\"at\":\"2026-12-01T12:00:00Z\",\"requests\":5,\"bytes\":10,"
                        + "\"hits\":3,\"misses\":1,\"storeBytes\":99}]}",
                AdminJson.write(new MetricsHistory(
                        null, List.of(new MetricsHistory.Minute("2026-12-01T12:00:00Z", 5, 10, 3, 1, 99)))));
        assertEquals(
                "{\"query\":\"github.com/*/toml\",\"modules\":[{\"path\":\"github.com/BurntSushi/toml\","
                        + "\"versions\":2,\"privateModule\":false}],\"next\":null}",
                AdminJson.write(new ModulePage(
                        "github.com/*/toml",
                        List.of(new ModulePage.Module("github.com/BurntSushi/toml", 2, false)),
                        null)));
        assertEquals(
                "{\"module\":\"m.example/a\",\"privateModule\":false,\"versions\":[{\"version\":\"v1.0.0\","
                        + "\"stored\":\"2026-12-01T12:00:00Z\",\"upstream\":\"https://p\",\"checkedBy\":\"sumdb\","
                        + "\"bytes\":3,\"lastUsed\":null,\"pins\":[\"pin:m.example/a@v1.0.0\"],\"files\":[{\"ext\":\"zip\","
                        + "\"digest\":\"sha256:ab\",\"size\":3,\"h1\":\"h1:x=\",\"url\":\"/m.example/a/@v/v1.0.0.zip\"}]}],"
                        + "\"next\":\"v1.0.0\"}",
                AdminJson.write(new VersionPage(
                        "m.example/a",
                        false,
                        List.of(new VersionPage.ModuleVersion(
                                "v1.0.0",
                                "2026-12-01T12:00:00Z",
                                "https://p",
                                "sumdb",
                                3,
                                null,
                                List.of("pin:m.example/a@v1.0.0"),
                                List.of(new VersionPage.ModuleFile(
                                        "zip", "sha256:ab", 3, "h1:x=", "/m.example/a/@v/v1.0.0.zip")))),
                        "v1.0.0")));
        assertEquals(
                "{\"registry\":\"docker.io\",\"repository\":\"library/duo\",\"tags\":[{\"tag\":\"2.0\","
                        + "\"digest\":\"sha256:ab\",\"mediaType\":\"i\",\"size\":1,\"resolved\":\"t\",\"source\":\"s\","
                        + "\"stale\":true}],\"next\":null}",
                AdminJson.write(new TagPage(
                        "docker.io",
                        "library/duo",
                        List.of(new TagPage.TagEntry("2.0", "sha256:ab", "i", 1, "t", "s", true)),
                        null)));
        assertEquals(
                "{\"entries\":[{\"time\":\"t\",\"who\":\"w\",\"from\":\"f\",\"action\":\"a\",\"target\":\"\","
                        + "\"status\":403,\"result\":\"r\"}],\"next\":\"120\"}",
                AdminJson.write(new AuditPage(List.of(new AuditPage.Entry("t", "w", "f", "a", "", 403, "r")), "120")));
        assertEquals(
                "{\"known\":true,\"settings\":[{\"key\":\"admin.token\",\"value\":\"(set: hidden)\","
                        + "\"source\":\"env FERRY_ADMIN_TOKEN\",\"flag\":\"--admin-token\",\"env\":\"FERRY_ADMIN_TOKEN\","
                        + "\"secret\":true}]}",
                AdminJson.write(new EffectiveSettings(
                        true,
                        List.of(new EffectiveSettings.Value(
                                "admin.token",
                                "(set: hidden)",
                                "env FERRY_ADMIN_TOKEN",
                                "--admin-token",
                                "FERRY_ADMIN_TOKEN",
                                true)))));
    }

    /** What the CLI sends: absent fields left out, a prewarm's kind first. */
    @Test
    void requestsAsTheCliSendsThem() {
        assertEquals(
                "{\"kind\":\"modules\",\"items\":[\"a@v1.0.0\"],\"allVersions\":false}",
                AdminJson.write(new StartPrewarm.Modules(List.of("a@v1.0.0"), false)));
        assertEquals(
                "{\"kind\":\"gomod\",\"name\":\"go.mod\",\"content\":\"module a\\n\"}",
                AdminJson.write(StartPrewarm.GoMod.file("go.mod", "module a\n")));
        assertEquals(
                "{\"kind\":\"gomod\",\"name\":\"app\",\"gowork\":\"go 1.21\\n\",\"workspace\":{\"a\":\"module a\\n\"},"
                        + "\"imports\":[\"a/b\"]}",
                AdminJson.write(new StartPrewarm.GoMod(
                        "app", null, "go 1.21\n", Map.of("a", "module a\n"), null, List.of("a/b"))));
        assertEquals(
                "{\"kind\":\"images\",\"items\":[\"alpine\"],\"platforms\":\"all\"}",
                AdminJson.write(new StartPrewarm.Images(List.of("alpine"), "all")));
        assertEquals(
                "{\"kind\":\"toolchains\",\"versions\":[\"go1.22.4\"],\"platforms\":\"linux/amd64,linux/arm64\"}",
                AdminJson.write(new StartPrewarm.Toolchains(List.of("go1.22.4"), "linux/amd64,linux/arm64")));
        assertEquals(
                "{\"kind\":\"mirrorset\",\"name\":\"s.yaml\",\"content\":\"x\"}",
                AdminJson.write(new StartPrewarm.MirrorSetFile("s.yaml", "x")));
        assertEquals(
                "{\"kind\":\"gosum\",\"name\":\"go.sum\",\"content\":\"x\"}",
                AdminJson.write(new StartPrewarm.GoSum("go.sum", "x")));
        assertEquals(
                "{\"content\":\"x\",\"fileName\":\"s.yaml\"}",
                AdminJson.write(new RegisterMirrorSet("x", "s.yaml", null, null)));
        assertEquals(
                "{\"items\":[\"a@v1.0.0\"],\"platforms\":\"linux/amd64\"}",
                AdminJson.write(new PinItems(List.of("a@v1.0.0"), "linux/amd64")));
        assertEquals(
                "{\"to\":\"/u\",\"format\":\"bundle\",\"everything\":true,\"maxVolumeSize\":4294967296}",
                AdminJson.write(new StartExport("/u", "bundle", null, true, null, null, null, null, null, 4L << 30)));
        assertEquals(
                "{\"to\":\"/u\",\"format\":\"bundle\",\"set\":{\"name\":\"s.yaml\",\"content\":\"x\"}}",
                AdminJson.write(new StartExport(
                        "/u",
                        "bundle",
                        null,
                        null,
                        new StartExport.SetFile("s.yaml", "x"),
                        null,
                        null,
                        null,
                        null,
                        null)));
        assertEquals("{\"from\":[\"/media/a\"]}", AdminJson.write(new StartImport(List.of("/media/a"), null)));
        assertEquals("{\"out\":\"/i\"}", AdminJson.write(new WriteInventory("/i")));
    }

    /** The CLI reads what a newer server adds without failing, and a prewarm request by its kind. */
    @Test
    void readingSkipsUnknownFields() throws Exception {
        PrewarmJob j = AdminJson.read(
                AdminJson.parse(("{\"id\":\"x\",\"state\":\"RUNNING\",\"total\":2,\"eta\":\"soon\"}").getBytes()),
                PrewarmJob.class);
        assertEquals(2, j.total());
        assertNull(j.location());
        StartPrewarm p = AdminJson.read(
                AdminJson.parse("{\"kind\":\"images\",\"items\":[\"alpine\"]}".getBytes()), StartPrewarm.class);
        assertInstanceOf(StartPrewarm.Images.class, p);
        assertNull(((StartPrewarm.Images) p).platforms());
    }
}
