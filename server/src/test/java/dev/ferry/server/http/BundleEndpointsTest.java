package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.AuditLog;
import dev.ferry.server.admin.BundleApi;
import dev.ferry.server.admin.FakeBundles;
import dev.ferry.server.admin.MirrorSetRegistry;
import dev.ferry.server.admin.PrewarmService;
import dev.ferry.server.admin.StorePins;
import dev.ferry.server.cli.CliContext;
import dev.ferry.server.cli.FerryMain;
import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.sync.GoPrewarmPlanner;
import dev.ferry.sync.ImagePrewarmPlanner;
import dev.ferry.sync.ItemRunner;
import dev.ferry.sync.MirrorSetPlanner;
import dev.ferry.sync.bundle.BundleException;
import dev.ferry.sync.bundle.BundleFormat;
import dev.ferry.sync.bundle.BundleProgress;
import dev.ferry.sync.bundle.ExportRecord;
import dev.ferry.sync.bundle.ExportRequest;
import dev.ferry.sync.bundle.ImportRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundle endpoints of the admin API over HTTP, against a scripted bundle service, and the CLI against them. */
class BundleEndpointsTest {
    private static final String TOKEN = "s3cret-admin";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private final FakeBundles bundles = new FakeBundles();
    private final List<BundleProgress> imported = new CopyOnWriteArrayList<>();
    private final CountDownLatch importDone = new CountDownLatch(1);
    private Verifier serverKey;
    private RocksContentStore store;
    private AdminHttp admin;
    private PrewarmService prewarm;
    private MirrorSetRegistry sets;
    private AuditLog audit;

    @BeforeEach
    void start() throws Exception {
        store = RocksContentStore.open(tmp.resolve("store"), StoreOptions.defaults());
        ItemRunner runner = item -> {
            throw new AssertionError("no prewarm expected: " + item);
        };
        StorePins pins = new StorePins(store, "docker.io");
        Clock clock = Clock.systemUTC();
        prewarm = new PrewarmService(runner, 1, pins.prewarmSink(), clock, 10);
        GoPrewarmPlanner go = new GoPrewarmPlanner(new TestServer.RecordingMirror(r -> {
            throw new AssertionError("no mirror lookups expected: " + r);
        }));
        ImagePrewarmPlanner images = new ImagePrewarmPlanner(name -> null);
        MirrorSetPlanner setPlanner = new MirrorSetPlanner(go, images, List::of);
        sets = new MirrorSetRegistry(
                tmp.resolve("data").resolve(MirrorSetRegistry.FILE),
                MirrorSetRegistry.runtime(
                        name -> new PrewarmService(runner, 1, pins.mirrorSetSink(name), clock, 1),
                        setPlanner::plan,
                        name -> {}),
                clock);
        serverKey = Signer.generate("site-a").verifier();
        // Paths as operators give them (/media/usb...): every path is under "/", and requests may add keys.
        BundleApi bundleApi = new BundleApi(
                bundles,
                List.of(serverKey),
                List.of(Path.of("/")),
                true,
                p -> {
                    imported.add(p);
                    importDone.countDown();
                },
                BundleApi.Audit.NONE);
        FerryMetrics metrics = new FerryMetrics(store::stats);
        AdminApi api =
                new AdminApi(prewarm, sets, pins, runner, go, images, setPlanner, store::stats, metrics, bundleApi);
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
        {"POST", "/admin/api/exports"}, {"GET", "/admin/api/exports"}, {"GET", "/admin/api/exports/x"},
        {"DELETE", "/admin/api/exports/x"}, {"POST", "/admin/api/imports"}, {"GET", "/admin/api/imports"},
        {"GET", "/admin/api/imports/x"}, {"DELETE", "/admin/api/imports/x"}, {"POST", "/admin/api/inventory"},
        {"GET", "/admin/api/bundles"},
    };

    @Test
    void everyBundleEndpointNeedsTheToken() throws Exception {
        for (String[] e : ENDPOINTS) {
            for (String token : new String[] {null, "wrong"}) {
                HttpResponse<String> r = send(
                        e[0],
                        e[1],
                        token,
                        e[0].equals("GET") ? null : "{\"to\":\"/x\",\"from\":[\"/x\"],\"out\":\"/x\"}");
                assertEquals(401, r.statusCode(), e[0] + " " + e[1]);
            }
        }
        assertTrue(bundles.exports.isEmpty() && bundles.imports.isEmpty() && bundles.inventories.isEmpty());
        assertEquals(ENDPOINTS.length * 2, auditLines().size(), "refusals are audited");
    }

    @Test
    void exportStartsAJobThatCanBeFollowedAndCancelled() throws Exception {
        String set = "name: team\nmodules:\n  - path: example.com/a\n    versions: v1.0.0\n";
        JsonNode started = ok(
                202,
                send(
                        "POST",
                        "/admin/api/exports",
                        TOKEN,
                        JSON.createObjectNode()
                                .put("to", "/media/usb")
                                .put("site", "plant-7")
                                .put("since", "20261120T000000Z-00000000")
                                .put("maxVolumeSize", "700MB")
                                .set(
                                        "set",
                                        JSON.createObjectNode()
                                                .put("name", "team.yaml")
                                                .put("content", set))
                                .toString()));
        String id = started.get("id").asText();
        assertEquals("/admin/api/exports/" + id, started.get("location").asText());
        assertEquals("RUNNING", started.get("state").asText());
        assertEquals("export", started.get("kind").asText());
        ExportRequest r = bundles.exports.getFirst();
        assertEquals(Path.of("/media/usb"), r.to());
        assertEquals(BundleFormat.BUNDLE, r.format());
        assertEquals("plant-7", r.site());
        assertEquals(Optional.of("20261120T000000Z-00000000"), r.since());
        assertEquals(700_000_000L, r.maxVolumeSize());
        assertFalse(r.selection().everything());
        assertEquals("team", r.selection().set().orElseThrow().name());
        assertEquals(Map.of("team", set), r.mirrorSets(), "the set travels with the bundle");

        JsonNode second = ok(
                202,
                send(
                        "POST",
                        "/admin/api/exports",
                        TOKEN,
                        "{\"to\":\"/media/usb\",\"format\":\"goproxy\",\"modules\":[\"golang.org/x/*\"],\"maxVolumeSize\":2097152}"));
        ExportRequest plain = bundles.exports.get(1);
        assertEquals(BundleFormat.GOPROXY, plain.format());
        assertEquals(List.of("golang.org/x/*"), plain.selection().modules());
        assertEquals(2L << 20, plain.maxVolumeSize());
        ok(202, send("POST", "/admin/api/exports", TOKEN, "{\"to\":\"/media/usb\"}"));
        assertTrue(bundles.exports.get(2).selection().everything(), "nothing selected: everything");
        assertEquals(
                ExportRequest.DEFAULT_MAX_VOLUME_SIZE, bundles.exports.get(2).maxVolumeSize());

        JsonNode one = ok(200, send("GET", "/admin/api/exports/" + id, TOKEN, null));
        assertEquals("writing", one.get("phase").asText());
        assertEquals(1_000_000, one.get("bytesDone").asLong());
        assertEquals(
                3,
                ok(200, send("GET", "/admin/api/exports", TOKEN, null))
                        .get("jobs")
                        .size());
        assertEquals(404, send("GET", "/admin/api/imports/" + id, TOKEN, null).statusCode(), "an export is no import");
        assertEquals(404, send("GET", "/admin/api/exports/nope", TOKEN, null).statusCode());
        assertEquals(404, send("DELETE", "/admin/api/exports/nope", TOKEN, null).statusCode());
        JsonNode cancelled =
                ok(200, send("DELETE", "/admin/api/exports/" + second.get("id").asText(), TOKEN, null));
        assertEquals("CANCELLED", cancelled.get("state").asText());
        assertEquals(List.of(second.get("id").asText()), bundles.cancelled);

        List<JsonNode> lines = auditLines();
        assertEquals(
                List.of(
                        "POST /admin/api/exports 202",
                        "POST /admin/api/exports 202",
                        "POST /admin/api/exports 202",
                        "DELETE /admin/api/exports/nope 404",
                        "DELETE /admin/api/exports/" + second.get("id").asText() + " 200"),
                lines.stream()
                        .map(l ->
                                l.get("action").asText() + " " + l.get("status").asInt())
                        .toList());
        assertEquals("/media/usb", lines.getFirst().get("target").asText());
        assertEquals("started " + id, lines.getFirst().get("result").asText());
    }

    @Test
    void badExportAndImportBodiesAre400WithAReadableMessage() throws Exception {
        String[][] cases = {
            {"/admin/api/exports", "", "JSON object body"},
            {"/admin/api/exports", "{}", "missing field \"to\""},
            {"/admin/api/exports", "{\"to\":\"usb\"}", "absolute path"},
            {"/admin/api/exports", "{\"to\":\"/u\",\"format\":\"zip\"}", "unknown format"},
            {"/admin/api/exports", "{\"to\":\"/u\",\"inventory\":\"/i\",\"since\":\"b1\"}", "not both"},
            {"/admin/api/exports", "{\"to\":\"/u\",\"format\":\"goproxy\",\"since\":\"b1\"}", "format bundle only"},
            {"/admin/api/exports", "{\"to\":\"/u\",\"maxVolumeSize\":\"4 parsecs\"}", "maxVolumeSize"},
            {"/admin/api/exports", "{\"to\":\"/u\",\"maxVolumeSize\":\"1KiB\"}", "at least 2 MiB"},
            {"/admin/api/exports", "{\"to\":\"/u\",\"maxVolumeSize\":true}", "maxVolumeSize"},
            {"/admin/api/exports", "{\"to\":\"/u\",\"everything\":true,\"modules\":[\"a\"]}", "everything excludes"},
            {"/admin/api/exports", "{\"to\":\"/u\",\"modules\":\"a\"}", "array of strings"},
            {"/admin/api/exports", "{\"to\":\"/u\",\"set\":\"x.yaml\"}", "\"set\" must be an object"},
            {"/admin/api/exports", "{\"to\":\"/u\",\"set\":{\"content\":\"modules: [\"}}", "has errors"},
            {"/admin/api/exports", "{\"to\":\"/u\",\"bogus\":1}", "unknown field \"bogus\""},
            {"/admin/api/imports", "{}", "missing field \"from\""},
            {"/admin/api/imports", "{\"from\":[]}", "non-empty array"},
            {"/admin/api/imports", "{\"from\":[\"rel/dir\"]}", "absolute path"},
            {"/admin/api/imports", "{\"from\":\"/b\",\"trust\":[\"not-a-key+1+x\"]}", "trust:"},
            {"/admin/api/inventory", "{}", "missing field \"out\""},
            {"/admin/api/inventory", "{\"out\":\"inv.ferry\"}", "absolute path"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = send("POST", c[0], TOKEN, c[1]);
            JsonNode body = ok(400, r);
            assertTrue(body.get("message").asText().contains(c[2]), c[1] + " -> " + r.body());
        }
        assertTrue(bundles.exports.isEmpty() && bundles.imports.isEmpty() && bundles.inventories.isEmpty());
        assertEquals(405, send("PUT", "/admin/api/exports", TOKEN, "{}").statusCode());
        assertEquals(405, send("GET", "/admin/api/inventory", TOKEN, null).statusCode());
        assertEquals(cases.length + 1, auditLines().size(), "refused changes are audited (the PUT too)");
    }

    @Test
    void serviceRefusalsMapTo400And404AndItsOwnFailuresTo500() throws Exception {
        bundles.refuse = new BundleException(BundleException.Kind.NOT_FOUND, "no bundle b9 was exported to this site");
        JsonNode nf = ok(404, send("POST", "/admin/api/exports", TOKEN, "{\"to\":\"/u\",\"since\":\"b9\"}"));
        assertEquals("no bundle b9 was exported to this site", nf.get("message").asText());
        bundles.refuse = new BundleException(BundleException.Kind.BAD_REQUEST, "/u is not writable");
        assertEquals(
                "bad_request",
                ok(400, send("POST", "/admin/api/exports", TOKEN, "{\"to\":\"/u\"}"))
                        .get("error")
                        .asText());
        bundles.refuse = new BundleException(BundleException.Kind.REFUSED, "no signing key: ferry keys generate");
        JsonNode refused = ok(400, send("POST", "/admin/api/exports", TOKEN, "{\"to\":\"/u\"}"));
        assertEquals("refused", refused.get("error").asText());
        assertTrue(refused.get("message").asText().contains("ferry keys generate"));
        // This server's own disk failed under the request (a large site's keys into the scratch space): not the
        // request's fault, so not 400.
        bundles.refuse = new BundleException(
                BundleException.Kind.FAILED,
                "could not keep the inventory's keys on this server's disk (no space left on device); nothing was"
                        + " exported");
        JsonNode failed = ok(500, send("POST", "/admin/api/exports", TOKEN, "{\"to\":\"/u\"}"));
        assertEquals("io_error", failed.get("error").asText());
        assertTrue(failed.get("message").asText().contains("no space left on device"), failed.toString());
        bundles.refuse = new BundleException(BundleException.Kind.NOT_FOUND, "no bundle.note in /b");
        assertEquals(
                404,
                send("POST", "/admin/api/imports", TOKEN, "{\"from\":\"/b\"}").statusCode());
        bundles.refuse = new BundleException(BundleException.Kind.BAD_REQUEST, "cannot write /x");
        assertEquals(
                400,
                send("POST", "/admin/api/inventory", TOKEN, "{\"out\":\"/x\"}").statusCode());
        bundles.inventoryFailure = new IOException("disk full");
        JsonNode io = ok(500, send("POST", "/admin/api/inventory", TOKEN, "{\"out\":\"/x\"}"));
        assertTrue(io.get("message").asText().contains("disk full"), io.toString());
        // Issue 16, finding 6: a path the client chose that cannot be written is the request's fault, not the
        // server's. (/proc/self itself is refused before any write: a symbolic link under a bundle root.)
        for (IOException pathFailure : List.of(
                new java.nio.file.AccessDeniedException("/unwritable/x"),
                new java.nio.file.NoSuchFileException("/unwritable/x"),
                new java.nio.file.FileSystemException("/unwritable/x", null, "Operation not permitted"))) {
            bundles.inventoryFailure = pathFailure;
            JsonNode path = ok(400, send("POST", "/admin/api/inventory", TOKEN, "{\"out\":\"/unwritable/x\"}"));
            assertEquals("bad_request", path.get("error").asText(), path.toString());
            assertTrue(path.get("message").asText().contains("/unwritable/x"), path.toString());
        }
        JsonNode proc = ok(400, send("POST", "/admin/api/inventory", TOKEN, "{\"out\":\"/proc/self/x\"}"));
        assertEquals("bad_request", proc.get("error").asText(), proc.toString());
        assertTrue(bundles.exports.isEmpty() && bundles.imports.isEmpty());
    }

    @Test
    void importTrustsTheServersKeysAndTheRequestsAndReportsSuccess() throws Exception {
        Verifier extra = Signer.generate("site-b").verifier();
        JsonNode started = ok(
                202,
                send(
                        "POST",
                        "/admin/api/imports",
                        TOKEN,
                        JSON.createObjectNode()
                                .<com.fasterxml.jackson.databind.node.ObjectNode>set(
                                        "from",
                                        JSON.createArrayNode().add("/media/a").add("/media/b"))
                                .set("trust", JSON.createArrayNode().add(extra.encoded()))
                                .toString()));
        String id = started.get("id").asText();
        assertEquals("/admin/api/imports/" + id, started.get("location").asText());
        ImportRequest r = bundles.imports.getFirst();
        assertEquals(List.of(Path.of("/media/a"), Path.of("/media/b")), r.from());
        assertEquals(List.of(serverKey, extra), r.trusted());
        assertEquals(1, importDone.getCount(), "nothing reported while the job runs");
        bundles.finish(id);
        assertTrue(importDone.await(10, TimeUnit.SECONDS));
        assertEquals(id, imported.getFirst().id());
        JsonNode report = ok(200, send("GET", "/admin/api/imports/" + id, TOKEN, null));
        assertEquals("SUCCEEDED", report.get("state").asText());
        assertEquals("objects", report.get("summary").get(0).get("what").asText());
        assertEquals(
                1,
                ok(200, send("GET", "/admin/api/imports", TOKEN, null))
                        .get("jobs")
                        .size());
        assertEquals(
                0,
                ok(200, send("GET", "/admin/api/exports", TOKEN, null))
                        .get("jobs")
                        .size());
    }

    @Test
    void inventoryAndHistory() throws Exception {
        JsonNode inv = ok(200, send("POST", "/admin/api/inventory", TOKEN, "{\"out\":\"/media/usb/site.inv\"}"));
        assertEquals("/media/usb/site.inv", inv.get("out").asText());
        assertEquals(1234, inv.get("summary").get(0).get("value").asLong());
        assertEquals(List.of(Path.of("/media/usb/site.inv")), bundles.inventories);
        bundles.history.add(new ExportRecord(
                "20261121T134500Z-1a2b3c4d",
                "plant-7",
                null,
                true,
                "/media/usb/x",
                Instant.parse("2026-11-21T13:45:00Z"),
                20,
                300,
                2_000_000));
        bundles.history.add(new ExportRecord(
                "20261122T134500Z-2b3c4d5e",
                "plant-7",
                "20261121T134500Z-1a2b3c4d",
                false,
                "/media/usb/y",
                Instant.parse("2026-11-22T13:45:00Z"),
                2,
                30,
                20_000));
        bundles.keptSent.add("20261122T134500Z-2b3c4d5e");
        JsonNode all = ok(200, send("GET", "/admin/api/bundles", TOKEN, null)).get("bundles");
        JsonNode h = all.get(0);
        assertEquals("plant-7", h.get("site").asText());
        assertTrue(h.get("base").isNull());
        assertTrue(h.get("inventory").asBoolean());
        assertEquals(2_000_000, h.get("bytes").asLong());
        assertFalse(h.get("sinceAvailable").asBoolean(), "its record of what the site holds is gone");
        assertEquals("20261121T134500Z-1a2b3c4d", all.get(1).get("base").asText());
        assertTrue(all.get(1).get("sinceAvailable").asBoolean());
        assertEquals(
                "POST /admin/api/inventory",
                auditLines().getFirst().get("action").asText());
    }

    // ---- the CLI against this server ----------------------------------------------------------------------------

    private record Cli(int exit, String out, String err) {}

    private Cli cli(boolean terminal, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = FerryMain.run(
                args,
                new CliContext(
                        Map.of("FERRY_ADMIN_TOKEN", TOKEN, "FERRY_SERVER", url()), terminal, Duration.ofMillis(5)),
                (c, o, e) -> {
                    throw new AssertionError("no serve");
                },
                new PrintWriter(out, true),
                new PrintWriter(err, true));
        return new Cli(exit, out.toString(), err.toString());
    }

    @Test
    void cliExportFollowsTheJobWithPlainLinesAndASummary() throws Exception {
        bundles.runningReads = 2;
        Path set = tmp.resolve("team.yaml");
        Files.writeString(set, "name: team\nmodules:\n  - path: example.com/a\n");
        Cli ok = cli(
                false,
                "export",
                "--to",
                "usb",
                "--set",
                set.toString(),
                "--site",
                "plant-7",
                "--max-volume-size",
                "4GiB");
        assertEquals(0, ok.exit, ok.out + ok.err);
        ExportRequest r = bundles.exports.getFirst();
        assertEquals(Path.of("usb").toAbsolutePath().normalize(), r.to(), "a relative --to is made absolute here");
        assertEquals(4L << 30, r.maxVolumeSize());
        assertTrue(r.mirrorSets().get("team").contains("example.com/a"), "--set is read here and sent");
        assertTrue(ok.out.contains("writing: 976.6 KiB of 1.9 MiB, 10/20 items, 12.5 MB/s"), ok.out);
        assertTrue(ok.out.contains("succeeded: export of bundle 20261121T134500Z-1a2b3c4d"), ok.out);
        assertTrue(ok.out.contains("12.5 MB/s on average"), ok.out);
        assertTrue(ok.out.contains("  chunks shipped: 300"), ok.out);
        assertTrue(ok.out.contains("note: 2 images skipped: not stored"), ok.out);

        bundles.outcome = BundleProgress.State.FAILED;
        Cli failed = cli(true, "import", "/media/usb/b1", "--trust", serverKey.encoded());
        assertEquals(1, failed.exit, failed.out + failed.err);
        assertTrue(failed.out.contains("\r["), "a bar on a terminal: " + failed.out);
        assertTrue(failed.out.contains("error: volume 3 of 5 (vol-0003.fvol) is missing"), failed.out);
        assertEquals(List.of(serverKey), bundles.imports.getFirst().trusted(), "the same key once");
    }

    @Test
    void cliImportReadsTrustFilesHereAndDetachPrintsTheId() throws Exception {
        Verifier other = Signer.generate("site-c").verifier();
        Path keys = tmp.resolve("trusted.keys");
        Files.writeString(keys, "# the plant's exporter\n" + other.encoded() + "  # since 2026\n\n");
        Cli detached = cli(false, "import", "--detach", "--trust", keys.toString(), "b1", "/media/disc2");
        assertEquals(0, detached.exit, detached.out + detached.err);
        assertEquals("import-1\n", detached.out);
        ImportRequest r = bundles.imports.getFirst();
        assertEquals(List.of(Path.of("b1").toAbsolutePath().normalize(), Path.of("/media/disc2")), r.from());
        assertEquals(List.of(serverKey, other), r.trusted());

        Cli badTrust = cli(false, "import", "--trust", tmp.resolve("nope").toString(), "/b");
        assertEquals(2, badTrust.exit);
        assertTrue(badTrust.err.contains("neither a verifier key"), badTrust.err);
    }

    @Test
    void cliInventoryBundlesAndUsageErrors() throws Exception {
        Cli inv = cli(false, "inventory", "--out", "/media/usb/site.inv");
        assertEquals(0, inv.exit, inv.err);
        assertTrue(inv.out.startsWith("wrote /media/usb/site.inv\n  chunks: 1234\n"), inv.out);
        assertEquals("no bundles exported yet\n", cli(false, "bundles").out);
        bundles.history.add(new ExportRecord(
                "b2",
                "plant-7",
                "b1",
                false,
                "/media/usb/b2",
                Instant.parse("2026-11-21T13:45:00Z"),
                20,
                300,
                2_000_000));
        Cli list = cli(false, "bundles");
        assertTrue(list.out.startsWith("b2  site plant-7  since b1  20 objects, 300 chunks, 1.9 MiB"), list.out);
        assertFalse(list.out.contains("base for --since"), list.out);
        bundles.keptSent.add("b2");
        assertTrue(cli(false, "bundles").out.endsWith("  /media/usb/b2  base for --since\n"), list.out);

        String[][] usage = {
            {"export"},
            {"export", "--to", "/u", "--set", "s.yaml", "--module", "a"},
            {"export", "--to", "/u", "--inventory", "i", "--since", "b1"},
            {"export", "--to", "/u", "--format", "zip"},
            {"export", "--to", "/u", "--format", "oci-layout", "--since", "b1"},
            {"export", "--to", "/u", "--max-volume-size", "12 parsecs"},
            {"export", "--to", "/u", "--max-volume-size", "100KiB"},
            {"import"},
            {"inventory"},
        };
        for (String[] args : usage) {
            Cli c = cli(false, args);
            assertEquals(2, c.exit, String.join(" ", args) + ": " + c.out + c.err);
        }
        Cli missingSet = cli(
                false, "export", "--to", "/u", "--set", tmp.resolve("nope.yaml").toString());
        assertEquals(2, missingSet.exit);
        assertTrue(missingSet.err.contains("cannot read"), missingSet.err);
        bundles.refuse = new BundleException(BundleException.Kind.REFUSED, "no signing key: run ferry keys generate");
        Cli refused = cli(false, "export", "--to", "/u");
        assertEquals(2, refused.exit, "a 400 is the request's fault");
        assertTrue(refused.err.contains("ferry keys generate"), refused.err);
        assertTrue(bundles.exports.isEmpty());
    }

    @Test
    void cliStatusListAndCancelOfExports() throws Exception {
        assertEquals("no export jobs\n", cli(false, "export", "list").out);
        Cli detached = cli(false, "export", "--to", "/media/usb", "--detach");
        assertEquals("export-1\n", detached.out, detached.err);

        Cli running = cli(false, "export", "status", "export-1");
        assertEquals(0, running.exit, running.err);
        assertEquals(
                "export export-1: /media/usb\nwriting: 976.6 KiB of 1.9 MiB, 10/20 items, 12.5 MB/s\n", running.out);
        Cli list = cli(false, "export", "list");
        assertEquals(
                "export-1  RUNNING  writing: 976.6 KiB of 1.9 MiB, 10/20 items, 12.5 MB/s  /media/usb"
                        + "  started 2026-11-21T13:45:00Z\n",
                list.out);
        assertEquals("no import jobs\n", cli(false, "import", "list").out, "exports are not imports");

        Cli cancel = cli(false, "export", "cancel", "export-1");
        assertEquals(0, cancel.exit, cancel.err);
        assertEquals(List.of("export-1"), bundles.cancelled);
        assertTrue(
                cancel.out.startsWith("cancelled: export of bundle 20261121T134500Z-1a2b3c4d (/media/usb)"),
                cancel.out);
        assertTrue(cancel.out.contains("  chunks shipped: 300\n"), "the watcher's summary: " + cancel.out);
        Cli after = cli(false, "export", "status", "export-1");
        assertEquals(1, after.exit, "a cancelled export did not write its bundle");
        assertEquals(cancel.out, after.out);
        assertTrue(cli(false, "export", "list")
                .out
                .startsWith("export-1  CANCELLED  bundle 20261121T134500Z-1a2b3c4d" + "  /media/usb  started "));

        Cli unknown = cli(false, "export", "status", "export-9");
        assertEquals(1, unknown.exit);
        assertTrue(unknown.err.contains("no export job export-9"), unknown.err);
        Cli wrongKind = cli(false, "import", "cancel", "export-1");
        assertEquals(1, wrongKind.exit);
        assertTrue(wrongKind.err.contains("no import job export-1"), wrongKind.err);
        assertEquals(List.of("export-1"), bundles.cancelled, "an export is not cancelled as an import");
        for (String[] args : new String[][] {
            {"export", "status"},
            {"export", "cancel"},
            {"import", "status", "a", "b"},
            {"export", "status", "../exports"},
            {"import", "cancel", "a b"},
            {"export", "list", "x"}
        }) {
            Cli c = cli(false, args);
            assertEquals(2, c.exit, String.join(" ", args) + ": " + c.out + c.err);
        }
    }

    @Test
    void cliStatusAndCancelOfImportsThatEnded() throws Exception {
        assertEquals(0, cli(false, "import", "/media/a", "--detach").exit);
        bundles.finish("import-1");
        Cli done = cli(false, "import", "status", "import-1");
        assertEquals(0, done.exit, done.err);
        assertTrue(
                done.out.startsWith("succeeded: import of bundle 20261121T134500Z-1a2b3c4d (/media/a), 12.5 MB/s on"
                        + " average\n  objects:        20\n"),
                done.out);
        Cli late = cli(false, "import", "cancel", "import-1");
        assertEquals(0, late.exit, "cancelling a job that succeeded leaves it succeeded");
        assertEquals("import import-1 had already ended\n" + done.out, late.out);
        assertEquals(
                1,
                cli(false, "import", "list")
                        .out
                        .lines()
                        .filter(l -> l.startsWith("import-1  SUCCEEDED  bundle "))
                        .count());

        bundles.outcome = BundleProgress.State.FAILED;
        assertEquals(0, cli(false, "import", "/media/b", "--detach").exit);
        bundles.finish("import-2");
        Cli failed = cli(false, "import", "status", "import-2");
        assertEquals(1, failed.exit);
        assertTrue(failed.out.startsWith("failed: import"), failed.out);
        assertTrue(failed.out.contains("error: volume 3 of 5 (vol-0003.fvol) is missing"), failed.out);
        assertEquals(1, cli(false, "import", "cancel", "import-2").exit, "it had failed");
        Cli list = cli(false, "import", "list");
        assertEquals(2, list.out.lines().count(), list.out);
        assertTrue(list.out.lines().toList().get(1).startsWith("import-2  FAILED  "), list.out);
    }

    @Test
    void helpListsTheBundleCommands() {
        Cli help = cli(false, "--help");
        for (String c : List.of("export", "import", "inventory", "bundles", "keys")) {
            assertTrue(help.out.contains("\n  " + c + " "), help.out);
        }
        Cli export = cli(false, "export", "--help");
        assertTrue(export.out.contains("made absolute"), export.out);
        for (String kind : List.of("export", "import")) {
            Cli h = cli(false, kind, "--help");
            for (String c : List.of("status", "cancel", "list")) {
                assertTrue(h.out.contains("\n  " + c + " "), h.out);
            }
        }
        assertTrue(help.out.contains("status ID"), help.out);
    }
}
