package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.AdminAuth;
import dev.ferry.server.admin.AuditLog;
import dev.ferry.server.admin.MirrorSetRegistry;
import dev.ferry.server.admin.PrewarmService;
import dev.ferry.server.admin.StorePins;
import dev.ferry.server.cli.CliContext;
import dev.ferry.server.cli.FerryMain;
import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.storage.StoredObject;
import dev.ferry.sync.GoPrewarmPlanner;
import dev.ferry.sync.ImagePrewarmPlanner;
import dev.ferry.sync.ItemRunner;
import dev.ferry.sync.MirrorSetPlanner;
import dev.ferry.sync.PrewarmFailure;
import dev.ferry.sync.PrewarmItem;
import dev.ferry.sync.StoredContent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API over HTTP with the real domain classes (prewarm service, mirror-set registry, metadata pins on a
 * real RocksDB store), a fake item runner instead of the mirrors, and the CLI against it.
 */
class AdminEndpointsTest {
    private static final String TOKEN = "s3cret-admin";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    private RocksContentStore store;
    private AdminHttp admin;
    private PrewarmService prewarm;
    private MirrorSetRegistry sets;
    private AuditLog audit;
    private final List<String> ran = java.util.Collections.synchronizedList(new ArrayList<>());
    private StoredObject zip;

    @BeforeEach
    void start() throws Exception {
        store = RocksContentStore.open(tmp.resolve("store"), StoreOptions.defaults());
        ModulePath a = ModulePath.parse("example.com/a");
        try (ObjectWriter w = store.newObject(Chunking.CONTENT_DEFINED)) {
            w.write("zip bytes of example.com/a v1.0.0".getBytes(StandardCharsets.UTF_8));
            zip = w.commit(
                    null,
                    b -> b.putName(
                            GoStoreNames.file(a, Version.parse("v1.0.0"), "zip"),
                            b.committing().orElseThrow().digest()));
        }
        // Items of example.com/bad fail; every other Go item "stores" the one zip above.
        ItemRunner runner = item -> {
            ran.add(item.toString());
            if (item.toString().startsWith("example.com/bad@")) {
                throw new PrewarmFailure(item + ": not found: no such module");
            }
            if (item instanceof PrewarmItem.GoFile f && f.ext() == PrewarmItem.Ext.ZIP) {
                return new ItemRunner.Result(
                        zip.size(),
                        List.of(new StoredContent.GoFile(
                                a, f.version(), f.ext(), zip.digest().hex(), zip.size())));
            }
            return new ItemRunner.Result(1, List.of());
        };
        StorePins pins = new StorePins(store, "docker.io");
        Clock clock = Clock.systemUTC();
        prewarm = new PrewarmService(runner, 2, pins.prewarmSink(), clock, 10);
        GoPrewarmPlanner go = new GoPrewarmPlanner(new TestServer.RecordingMirror(r -> {
            throw new AssertionError("no mirror lookups expected for canonical versions: " + r);
        }));
        ImagePrewarmPlanner images = new ImagePrewarmPlanner(name -> null);
        MirrorSetPlanner setPlanner = new MirrorSetPlanner(go, images, List::of);
        sets = new MirrorSetRegistry(
                tmp.resolve("data").resolve(MirrorSetRegistry.FILE),
                MirrorSetRegistry.runtime(
                        name -> new PrewarmService(runner, 2, pins.mirrorSetSink(name), clock, 1),
                        setPlanner::plan,
                        name -> {
                            try {
                                pins.unpinAll(StorePins.MIRROR_SET + name);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }),
                clock);
        FerryMetrics metrics = new FerryMetrics(store::stats);
        AdminApi api = new AdminApi(prewarm, sets, pins, runner, go, images, setPlanner, store::stats, metrics);
        Files.createDirectories(tmp.resolve("data"));
        audit = new AuditLog(tmp.resolve("data").resolve(AuditLog.FILE), clock);
        admin = new AdminHttp(api, metrics, audit, TOKEN);
    }

    @AfterEach
    void stop() {
        admin.close();
        sets.close();
        prewarm.cancelAll();
        store.close();
    }

    private String url() {
        return admin.url();
    }

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        return admin.send(method, path, token, body);
    }

    private JsonNode ok(int status, HttpResponse<String> r) throws Exception {
        return AdminHttp.ok(status, r);
    }

    private List<JsonNode> auditLines() throws Exception {
        return admin.auditLines();
    }

    private static final String[][] ENDPOINTS = {
        {"GET", "/admin/api/upstreams"}, {"GET", "/admin/api/prewarm"}, {"POST", "/admin/api/prewarm"},
        {"GET", "/admin/api/prewarm/x"}, {"DELETE", "/admin/api/prewarm/x"}, {"GET", "/admin/api/mirror-sets"},
        {"POST", "/admin/api/mirror-sets"}, {"GET", "/admin/api/mirror-sets/x"}, {"DELETE", "/admin/api/mirror-sets/x"},
        {"POST", "/admin/api/mirror-sets/x/run"}, {"GET", "/admin/api/pins"}, {"POST", "/admin/api/pins"},
        {"DELETE", "/admin/api/pins"}, {"GET", "/admin/api/storage"}, {"HEAD", "/admin/api/storage"},
    };

    @Test
    void everyEndpointRefusesAMissingOrWrongTokenAndTheAuditLogSaysSo() throws Exception {
        for (String[] e : ENDPOINTS) {
            for (String token : new String[] {null, "wrong", TOKEN + "x", ""}) {
                HttpResponse<String> r = send(
                        e[0],
                        e[1],
                        token,
                        e[0].equals("POST") || e[0].equals("DELETE")
                                ? "{\"kind\":\"modules\",\"items\":[\"example.com/a@v1.0.0\"]}"
                                : null);
                assertEquals(401, r.statusCode(), e[0] + " " + e[1] + " with token " + token);
                assertEquals(
                        "Bearer realm=\"ferry admin\"",
                        r.headers().firstValue("WWW-Authenticate").orElse(""));
            }
        }
        assertTrue(ran.isEmpty(), "nothing ran: " + ran);
        List<JsonNode> lines = auditLines();
        assertEquals(ENDPOINTS.length * 4, lines.size());
        for (JsonNode l : lines) {
            assertEquals("unauthenticated", l.get("who").asText());
            assertEquals(401, l.get("status").asInt());
            assertEquals("127.0.0.1", l.get("from").asText());
            assertNotNull(l.get("time").asText());
        }
    }

    @Test
    void prewarmRunsReportsFailuresAndPlanErrorsAndIsAudited() throws Exception {
        JsonNode started = ok(
                202,
                send(
                        "POST",
                        "/admin/api/prewarm",
                        TOKEN,
                        "{\"kind\":\"modules\",\"items\":[\"example.com/a@v1.0.0\",\"example.com/bad@v1.0.0\",\"Not A Path@v1\"]}"));
        String id = started.get("id").asText();
        assertTrue(prewarm.await(id, WAIT));
        JsonNode report = ok(200, send("GET", "/admin/api/prewarm/" + id, TOKEN, null));
        assertEquals("FAILED", report.get("state").asText());
        assertEquals(6, report.get("total").asInt());
        assertEquals(6, report.get("done").asInt());
        assertEquals(3, report.get("failed").asInt());
        assertTrue(report.get("failures").get(0).get("reason").asText().contains("no such module"), report.toString());
        assertEquals(
                "arguments:3",
                report.get("planErrors").get(0).get("text").asText().substring(0, 11));
        JsonNode list = ok(200, send("GET", "/admin/api/prewarm", TOKEN, null));
        assertEquals(id, list.get("jobs").get(0).get("id").asText());

        // What the good item stored is pinned under prewarm:MODULE@VERSION; storage shows it.
        JsonNode pins = ok(200, send("GET", "/admin/api/pins", TOKEN, null));
        assertEquals(
                "prewarm:example.com/a@v1.0.0",
                pins.get("pinSets").get(0).get("name").asText());
        JsonNode storage = ok(200, send("GET", "/admin/api/storage", TOKEN, null));
        assertEquals(1, storage.get("objects").asLong());
        assertEquals(1, storage.get("pinned").get("objects").asLong());
        assertEquals(zip.size(), storage.get("pinned").get("bytes").asLong());
        assertTrue(storage.get("quotaBytes").isNull());
        assertTrue(storage.get("cache").has("hitRatio"));

        assertEquals(404, send("GET", "/admin/api/prewarm/nope", TOKEN, null).statusCode());
        assertEquals(404, send("DELETE", "/admin/api/prewarm/nope", TOKEN, null).statusCode());
        ok(200, send("DELETE", "/admin/api/prewarm/" + id, TOKEN, null));

        List<JsonNode> lines = auditLines();
        assertEquals(3, lines.size(), lines.toString()); // POST, DELETE of nope (404), DELETE of the job; GETs not
        JsonNode post = lines.get(0);
        assertEquals(AdminAuth.of(TOKEN).fingerprint(), post.get("who").asText());
        assertTrue(post.get("who").asText().matches("token:[0-9a-f]{12}"));
        assertFalse(Files.readString(audit.file()).contains(TOKEN), "the token never goes into the audit log");
        assertEquals("POST /admin/api/prewarm", post.get("action").asText());
        assertEquals(202, post.get("status").asInt());
        assertEquals("started " + id, post.get("result").asText());
        assertEquals(404, lines.get(1).get("status").asInt());
        assertEquals(
                "DELETE /admin/api/prewarm/" + id, lines.get(2).get("action").asText());
    }

    @Test
    void badBodiesAre400WithAReadableMessage() throws Exception {
        String[][] cases = {
            {"/admin/api/prewarm", "", "JSON object body"},
            {"/admin/api/prewarm", "{not json", "not valid JSON"},
            {"/admin/api/prewarm", "[1,2]", "must be a JSON object"},
            {"/admin/api/prewarm", "{}", "missing field \"kind\""},
            {"/admin/api/prewarm", "{\"kind\":\"rpm\"}", "unknown kind"},
            {"/admin/api/prewarm", "{\"kind\":\"gomod\"}", "missing field \"content\""},
            {"/admin/api/prewarm", "{\"kind\":\"gomod\",\"content\":42}", "must be a string"},
            {"/admin/api/prewarm", "{\"kind\":\"modules\",\"items\":\"a\"}", "non-empty array"},
            {"/admin/api/prewarm", "{\"kind\":\"modules\",\"items\":[]}", "non-empty array"},
            {
                "/admin/api/prewarm",
                "{\"kind\":\"modules\",\"items\":[\"a@v1.0.0\"],\"allVersions\":\"yes\"}",
                "true or false"
            },
            {
                "/admin/api/prewarm",
                "{\"kind\":\"modules\",\"items\":[\"a@v1.0.0\"],\"platforms\":\"all\"}",
                "unknown field \"platforms\""
            },
            {
                "/admin/api/prewarm",
                "{\"kind\":\"images\",\"items\":[\"alpine\"],\"platforms\":\"linux\"}",
                "invalid platform"
            },
            {"/admin/api/mirror-sets", "{\"content\":\"modules: [\"}", "has errors"},
            {
                "/admin/api/mirror-sets",
                "{\"content\":\"name: s\\nmodules:\\n  - path: example.com/a\\n\"}",
                "refresh interval"
            },
            {"/admin/api/mirror-sets", "{\"content\":\"name: s\\nrefresh: 1s\\n\"}", "shorter than"},
            {"/admin/api/mirror-sets", "{\"content\":\"refresh: 1h\\n\",\"name\":\"../x\"}", "invalid mirror set name"},
            {"/admin/api/mirror-sets", "{\"content\":\"refresh: 1h\\n\",\"refresh\":\"soon\"}", "refresh:"},
            {"/admin/api/pins", "{\"items\":[\"example.com/a@latest\"]}", "canonical version"},
            {"/admin/api/pins", "{\"items\":[\"UPPER:case:x\"]}", "invalid items"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = send("POST", c[0], TOKEN, c[1]);
            JsonNode body = ok(400, r);
            assertEquals(
                    "bad_request".equals(body.get("error").asText())
                            || "invalid_mirror_set".equals(body.get("error").asText()),
                    true,
                    r.body());
            assertTrue(body.get("message").asText().contains(c[2]), c[1] + " -> " + r.body());
        }
        JsonNode yaml = JSON.readTree(send(
                        "POST",
                        "/admin/api/mirror-sets",
                        TOKEN,
                        "{\"content\":\"refresh: 1h\\nmodules:\\n  - path: example.com/a\\n    versions: v1.0.0\\n  - pth: x\\n\"}")
                .body());
        assertTrue(yaml.get("details").get(0).get("text").asText().startsWith("mirror-set.yaml:5:"), yaml.toString());
        assertEquals(405, send("PUT", "/admin/api/prewarm", TOKEN, "{}").statusCode());
        assertEquals(404, send("GET", "/admin/api/nothing", TOKEN, null).statusCode());
        assertTrue(ran.isEmpty(), "nothing ran: " + ran);
        assertEquals(cases.length + 2, auditLines().size(), "refused changes are audited too");
    }

    @Test
    void mirrorSetsRegisterRunPersistAndGo() throws Exception {
        String yaml = "name: team\nrefresh: 6h\nmodules:\n  - path: example.com/a\n    versions: v1.0.0\n";
        JsonNode set = ok(
                201,
                send(
                        "POST",
                        "/admin/api/mirror-sets",
                        TOKEN,
                        JSON.createObjectNode()
                                .put("content", yaml)
                                .put("fileName", "team.yaml")
                                .toString()));
        assertEquals("team", set.get("name").asText());
        assertEquals("6h", set.get("refresh").asText());
        MirrorSetRegistry.Entry e = sets.get("team").orElseThrow();
        assertNotNull(e.lastRun(), "registering runs the set at once");
        assertTrue(e.lastRun().await(WAIT));
        JsonNode listed = ok(200, send("GET", "/admin/api/mirror-sets", TOKEN, null))
                .get("mirrorSets")
                .get(0);
        assertEquals("SUCCEEDED", listed.get("lastRun").get("state").asText(), listed.toString());
        assertEquals(3, listed.get("lastRun").get("total").asInt());
        assertTrue(Files.readString(tmp.resolve("data").resolve(MirrorSetRegistry.FILE))
                .contains("example.com/a"));
        JsonNode pins = ok(200, send("GET", "/admin/api/pins", TOKEN, null));
        assertEquals("mirror-set:team", pins.get("pinSets").get(0).get("name").asText());

        JsonNode run = ok(202, send("POST", "/admin/api/mirror-sets/team/run", TOKEN, null));
        assertTrue(sets.get("team").orElseThrow().lastRun().await(WAIT));
        assertEquals(
                run.get("id").asText(), sets.get("team").orElseThrow().lastRun().id());

        ok(200, send("DELETE", "/admin/api/mirror-sets/team", TOKEN, null));
        assertEquals(
                404, send("GET", "/admin/api/mirror-sets/team", TOKEN, null).statusCode());
        assertEquals(
                0,
                ok(200, send("GET", "/admin/api/pins", TOKEN, null))
                        .get("pinSets")
                        .size(),
                "removing a set drops its pins");
        assertFalse(Files.readString(tmp.resolve("data").resolve(MirrorSetRegistry.FILE))
                .contains("example.com/a"));
        List<String> actions = auditLines().stream()
                .map(l -> l.get("action").asText() + " " + l.get("status").asInt())
                .toList();
        assertEquals(
                List.of(
                        "POST /admin/api/mirror-sets 201",
                        "POST /admin/api/mirror-sets/team/run 202",
                        "DELETE /admin/api/mirror-sets/team 200"),
                actions);
    }

    @Test
    void pinAndUnpin() throws Exception {
        JsonNode r = ok(
                200,
                send(
                        "POST",
                        "/admin/api/pins",
                        TOKEN,
                        "{\"items\":[\"example.com/a@v1.0.0\",\"example.com/bad@v1.0.1\"]}"));
        assertEquals(1, r.get("failed").asInt());
        assertEquals(1, r.get("results").get(0).get("objects").asInt());
        assertTrue(r.get("results").get(1).get("error").asText().contains("no such module"));
        assertEquals(
                "pin:example.com/a@v1.0.0",
                ok(200, send("GET", "/admin/api/pins", TOKEN, null))
                        .get("pinSets")
                        .get(0)
                        .get("name")
                        .asText());
        JsonNode u = ok(200, send("DELETE", "/admin/api/pins", TOKEN, "{\"items\":[\"example.com/a@v1.0.0\"]}"));
        assertEquals(1, u.get("results").get(0).get("released").asInt());
        assertEquals(
                0,
                ok(200, send("GET", "/admin/api/storage", TOKEN, null))
                        .get("pinned")
                        .get("objects")
                        .asInt());
        List<JsonNode> lines = auditLines();
        assertEquals(2, lines.size());
        assertEquals("1 failed", lines.get(0).get("result").asText());
        assertEquals("[\"example.com/a@v1.0.0\"]", lines.get(1).get("target").asText());
    }

    // ---- the CLI against this server ----------------------------------------------------------------------------

    private record Cli(int exit, String out, String err) {}

    private Cli cli(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = FerryMain.run(
                args,
                new CliContext(env, false, Duration.ofMillis(20)),
                (c, o, e) -> {
                    throw new AssertionError("no serve");
                },
                new PrintWriter(out, true),
                new PrintWriter(err, true));
        return new Cli(exit, out.toString(), err.toString());
    }

    @Test
    void cliPrewarmFollowsTheJobAndSummarisesFailuresAndPlanErrors() throws Exception {
        Path gomod = tmp.resolve("go.mod");
        Files.writeString(gomod, "module example.com/app\n\ngo 1.21\n");
        Cli ok = cli(Map.of("FERRY_ADMIN_TOKEN", TOKEN), "prewarm", "go", "--server", url(), "example.com/a@v1.0.0");
        assertEquals(0, ok.exit, ok.out + ok.err);
        assertTrue(ok.out.contains("succeeded: 3 items, 3 fetched or already stored, 0 failed"), ok.out);

        Cli bad = cli(
                Map.of(),
                "prewarm",
                "go",
                "--server",
                url(),
                "--admin-token",
                TOKEN,
                "example.com/a@v1.0.0",
                "example.com/bad@v1.0.0",
                "bad path@v1");
        assertEquals(1, bad.exit, bad.out + bad.err);
        assertTrue(bad.out.contains("failures:\n  example.com/bad@v1.0.0."), bad.out);
        assertTrue(bad.out.contains("plan errors:\n  arguments:3: bad path@v1:"), bad.out);

        // The token from --data DIR/admin-token
        Path data = tmp.resolve("cli-data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("admin-token"), TOKEN + "\n");
        Cli storage = cli(Map.of(), "storage", "--server", url(), "--data", data.toString());
        assertEquals(0, storage.exit, storage.err);
        assertTrue(storage.out.contains("objects:    1"), storage.out);
        assertTrue(storage.out.contains("quota:      none"), storage.out);

        Cli pin = cli(Map.of("FERRY_ADMIN_TOKEN", TOKEN), "pin", "--server", url(), "example.com/a@v1.0.0");
        assertEquals(0, pin.exit, pin.out + pin.err);
        Cli unpin = cli(Map.of("FERRY_ADMIN_TOKEN", TOKEN), "unpin", "--server", url(), "example.com/a@v1.0.0");
        assertEquals(0, unpin.exit, unpin.out + unpin.err);
        assertTrue(unpin.out.contains("unpinned example.com/a@v1.0.0: 2 pins released"), unpin.out);

        Path set = tmp.resolve("set.yaml");
        Files.writeString(set, "name: s1\nrefresh: 1h\nmodules:\n  - path: example.com/a\n    versions: v1.0.0\n");
        Cli add = cli(Map.of("FERRY_ADMIN_TOKEN", TOKEN), "mirror-set", "add", "--server", url(), set.toString());
        assertEquals(0, add.exit, add.out + add.err);
        assertTrue(sets.get("s1").orElseThrow().lastRun().await(WAIT));
        Cli list = cli(Map.of("FERRY_ADMIN_TOKEN", TOKEN), "mirror-set", "list", "--server", url());
        assertTrue(
                list.out.startsWith("s1  every 1h  last run succeeded (3/3 items, 0 failed, 0 plan errors)"), list.out);
        Cli remove = cli(Map.of("FERRY_ADMIN_TOKEN", TOKEN), "mirror-set", "remove", "--server", url(), "s1");
        assertEquals(0, remove.exit, remove.err);
    }

    @Test
    void cliUsageErrorsExit2AndServerProblemsSayWhat() {
        Cli none = cli(Map.of("FERRY_ADMIN_TOKEN", TOKEN), "prewarm", "--server", url());
        assertEquals(2, none.exit);
        assertTrue(none.err.contains("give --file"), none.err);
        Cli both = cli(Map.of("FERRY_ADMIN_TOKEN", TOKEN), "prewarm", "go", "--gomod", "a", "--gosum", "b");
        assertEquals(2, both.exit);
        Cli allVersions = cli(Map.of("FERRY_ADMIN_TOKEN", TOKEN), "prewarm", "go", "--gomod", "a", "--all-versions");
        assertEquals(2, allVersions.exit);
        Cli platform = cli(Map.of("FERRY_ADMIN_TOKEN", TOKEN), "prewarm", "image", "alpine", "--platform", "linux");
        assertEquals(2, platform.exit);
        assertTrue(platform.err.contains("invalid platform"), platform.err);
        Cli pinPlatform = cli(Map.of("FERRY_ADMIN_TOKEN", TOKEN), "pin", "alpine", "--platform", "linux/");
        assertEquals(2, pinPlatform.exit);
        assertTrue(pinPlatform.err.contains("--platform: invalid platform"), pinPlatform.err);
        Cli missingFile = cli(
                Map.of("FERRY_ADMIN_TOKEN", TOKEN),
                "prewarm",
                "go",
                "--server",
                url(),
                "--gomod",
                tmp.resolve("nope.mod").toString());
        assertEquals(2, missingFile.exit);
        assertTrue(missingFile.err.contains("cannot read"), missingFile.err);
        Cli noToken = cli(Map.of("FERRY_DATA", tmp.resolve("nothing").toString()), "storage", "--server", url());
        assertEquals(2, noToken.exit);
        assertTrue(noToken.err.contains("no admin token"), noToken.err);

        Cli wrong = cli(Map.of("FERRY_ADMIN_TOKEN", "wrong"), "storage", "--server", url());
        assertEquals(1, wrong.exit);
        assertTrue(wrong.err.contains("refused the admin token (401)"), wrong.err);
        Cli down = cli(Map.of("FERRY_ADMIN_TOKEN", TOKEN), "storage", "--server", "http://127.0.0.1:9");
        assertEquals(1, down.exit);
        assertTrue(down.err.contains("cannot reach ferry at http://127.0.0.1:9"), down.err);
        Cli badRequest = cli(Map.of("FERRY_ADMIN_TOKEN", TOKEN), "pin", "--server", url(), "example.com/a@latest");
        assertEquals(2, badRequest.exit);
        assertTrue(badRequest.err.contains("canonical version"), badRequest.err);
        assertTrue(ran.isEmpty());
    }

    @Test
    void helpListsTheAdminCommands() {
        Cli help = cli(Map.of(), "--help");
        for (String c : List.of("prewarm", "pin", "unpin", "mirror-set", "storage")) {
            assertTrue(help.out.contains("\n  " + c + " "), help.out);
        }
    }
}
