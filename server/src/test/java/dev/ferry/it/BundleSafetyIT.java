package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocols.bundle.BundleNote;
import dev.ferry.protocols.sumdb.note.Note;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.server.admin.SigningKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, findings 1 to 3, where an operator or an attacker with the admin token meets them: the real server over
 * its HTTP admin API. Paths outside the bundle roots, through links, or onto files ferry did not write are refused
 * with a 400 and touch nothing; a signed bundle whose names would become paths outside an export is refused with
 * its manifest line and changes nothing; a request's own trust key and a REPLACE of a version record are refused,
 * and a tag-like replacement (a module's list) is reported and audited.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BundleSafetyIT {
    private static final String TOKEN = "bundle-safety-it-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEAD = "http://127.0.0.1:9";
    private static final Pattern VERIFIER_KEY = Pattern.compile("([^\\s+]+\\+[0-9a-f]{8}\\+[A-Za-z0-9+/=]{40,})");
    private static final String MODULE = "/github.com/!burnt!sushi/toml/@v/";

    @TempDir
    static Path tmp;

    private Path media;
    private Path outside;
    private String key;
    private String sumdbName;
    private String keyA;
    private StaticGoProxy goUpstream;
    private FerryProcess a;
    private FerryProcess b;
    private Path bundle;

    @BeforeAll
    void start() throws Exception {
        key = Fixtures.sumdbKey();
        sumdbName = key.split("\\+")[0];
        media = Files.createDirectories(tmp.resolve("media"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Cli generated =
                Cli.run(TOKEN, "keys", "generate", "--data", tmp.resolve("a").toString(), "--name", "safe-a");
        assertEquals(0, generated.exit(), generated.output());
        Matcher m = VERIFIER_KEY.matcher(generated.output());
        assertTrue(m.find(), generated.output());
        keyA = m.group(1);
        goUpstream = new StaticGoProxy(Fixtures.goProxyTree());
        a = FerryProcess.start(
                tmp.resolve("a"),
                tmp.resolve("a.log"),
                Map.of("FERRY_ADMIN_TOKEN", TOKEN),
                "--go-upstream",
                goUpstream.url(),
                "--sumdb",
                key,
                "--bundle-root",
                media.toString());
        for (String f : List.of("list", "v1.2.0.info", "v1.2.0.mod", "v1.2.0.zip")) {
            assertEquals(200, get(a, MODULE + f).statusCode(), f);
        }
        JsonNode started = admin(a, "POST", "/admin/api/exports", "{\"to\": " + quote(media.resolve("out")) + "}", 202);
        JsonNode done = await(a, "exports", started.path("id").asText());
        assertEquals("SUCCEEDED", done.path("state").asText(), done.toString());
        bundle = Path.of(done.path("directory").asText());
        b = FerryProcess.start(
                tmp.resolve("b"),
                tmp.resolve("b.log"),
                Map.of("FERRY_ADMIN_TOKEN", TOKEN),
                "--go-upstream",
                "off",
                "--sumdb",
                key + " " + DEAD,
                "--trust-key",
                keyA,
                "--bundle-root",
                media.toString());
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {b, a, goUpstream}) {
            if (c != null) {
                c.close();
            }
        }
    }

    // ---- finding 1 ------------------------------------------------------------------------------------------------

    @Test
    void pathsOutsideTheRootsThroughLinksOrOntoOtherFilesAreRefusedAndTouchNothing() throws Exception {
        JsonNode chain =
                admin(a, "POST", "/admin/api/exports", "{\"to\": " + quote(outside.resolve("x/y/z")) + "}", 400);
        assertTrue(
                chain.path("message").asText().contains("outside the bundle roots [" + media + "]"), chain.toString());
        assertFalse(Files.exists(outside.resolve("x")), "a refused export created directories");

        // /dev/null stays a device; the answer is the one any path outside the roots gets
        JsonNode devNull = admin(a, "POST", "/admin/api/inventory", "{\"out\": \"/dev/null\"}", 400);
        assertTrue(devNull.path("message").asText().contains("outside the bundle roots"), devNull.toString());
        assertFalse(Files.isRegularFile(Path.of("/dev/null")), "/dev/null became a regular file");

        // whether a path outside exists is not told
        Files.writeString(outside.resolve("exists"), "x");
        String there = admin(
                        b, "POST", "/admin/api/imports", "{\"from\": " + quote(outside.resolve("exists")) + "}", 400)
                .path("message")
                .asText();
        String absent = admin(
                        b, "POST", "/admin/api/imports", "{\"from\": " + quote(outside.resolve("absent")) + "}", 400)
                .path("message")
                .asText();
        assertEquals(there.replace("exists", "P"), absent.replace("absent", "P"));

        // a link planted under the root leads nowhere
        Files.createSymbolicLink(media.resolve("planted"), outside);
        JsonNode link = admin(
                a,
                "POST",
                "/admin/api/exports",
                "{\"to\": " + quote(media.resolve("planted/tree")) + ", \"format\": \"goproxy\"}",
                400);
        assertTrue(link.path("message").asText().contains("symbolic link"), link.toString());
        assertFalse(Files.exists(outside.resolve("tree")));

        // an inventory replaces only an inventory
        Path conf = Files.writeString(media.resolve("site.conf"), "operator's file");
        admin(a, "POST", "/admin/api/inventory", "{\"out\": " + quote(conf) + "}", 400);
        assertEquals("operator's file", Files.readString(conf));
        Path inv = media.resolve("a.inv");
        admin(a, "POST", "/admin/api/inventory", "{\"out\": " + quote(inv) + "}", 200);
        admin(a, "POST", "/admin/api/inventory", "{\"out\": " + quote(inv) + "}", 200);

        // a plain export does not write over a directory of someone else's files
        Path foreign = Files.createDirectories(media.resolve("foreign"));
        Files.writeString(foreign.resolve("readme"), "mine");
        JsonNode over = admin(
                a, "POST", "/admin/api/exports", "{\"to\": " + quote(foreign) + ", \"format\": \"goproxy\"}", 400);
        assertTrue(over.path("message").asText().contains("replaces only its own"), over.toString());

        // the CLI, as an operator runs it: exit 2 with the server's reason
        Cli cli = Cli.run(TOKEN, "export", "--to", outside.toString(), "--server", a.url());
        assertEquals(2, cli.exit(), cli.output());
        assertTrue(cli.output().contains("outside the bundle roots"), cli.output());
    }

    // ---- finding 2 ------------------------------------------------------------------------------------------------

    @Test
    void aSignedBundleWithAnAbsoluteDatabaseNameIsRefusedAndNothingIsWrittenOutside() throws Exception {
        Path abs = outside.resolve("abs");
        Path dir = crafted("abs", t -> {
            assertTrue(t.contains(" sumdb/" + sumdbName + "/"), "the bundle carries no sumdb entries:\n" + t);
            return t.replace(" sumdb/" + sumdbName + "/", " sumdb/" + abs + "/");
        });
        Map<String, Long> before = storage(b);
        JsonNode failed = importInto(dir);
        assertEquals("FAILED", failed.path("state").asText(), failed.toString());
        String error = failed.path("error").asText();
        assertTrue(error.contains("manifest line ") && error.contains(abs.toString()), error);
        assertEquals(before, storage(b), "B's store changed");

        JsonNode plain = admin(
                b,
                "POST",
                "/admin/api/exports",
                "{\"to\": " + quote(media.resolve("b-plain")) + ", \"format\": \"goproxy\"}",
                202);
        await(b, "exports", plain.path("id").asText());
        assertFalse(Files.exists(abs), "written outside the export");
        try (Stream<Path> s = Files.list(outside)) {
            assertTrue(
                    s.allMatch(p ->
                            List.of("exists", "absent").contains(p.getFileName().toString())),
                    "something appeared outside the roots");
        }
    }

    // ---- finding 3 ------------------------------------------------------------------------------------------------

    @Test
    void trustComesFromTheServerAndOnlyMutableEntriesAreReplaced() throws Exception {
        Cli other = Cli.run(
                TOKEN, "keys", "generate", "--data", tmp.resolve("other").toString(), "--name", "other");
        Matcher m = VERIFIER_KEY.matcher(other.output());
        assertTrue(m.find(), other.output());
        JsonNode refused = admin(
                b,
                "POST",
                "/admin/api/imports",
                "{\"from\": " + quote(bundle) + ", \"trust\": [" + JSON.writeValueAsString(m.group(1)) + "]}",
                400);
        assertTrue(refused.path("message").asText().contains("--allow-request-trust"), refused.toString());

        String record = "go/github.com/!burnt!sushi/toml/@v/v1.2.0";
        Path replaceRecord = crafted("replace-record", t -> {
            assertTrue(t.contains("\nmeta KEEP " + record + " "), t);
            return t.replace("\nmeta KEEP " + record + " ", "\nmeta REPLACE " + record + " ");
        });
        JsonNode failed = importInto(replaceRecord);
        assertEquals("FAILED", failed.path("state").asText(), failed.toString());
        assertTrue(failed.path("error").asText().contains("REPLACE is allowed only"), failed.toString());

        JsonNode ok = importInto(bundle);
        assertEquals("SUCCEEDED", ok.path("state").asText(), ok.toString());
        String list = "go/github.com/!burnt!sushi/toml/list";
        Path newerList = crafted(
                "newer-list",
                t -> t.replaceAll(
                        "\nmeta REPLACE " + Pattern.quote(list) + " [^\n]+\n", "\nmeta REPLACE " + list + " xyz\n"));
        JsonNode replaced = importInto(newerList);
        assertEquals("SUCCEEDED", replaced.path("state").asText(), replaced.toString());
        assertTrue(replaced.path("notes").toString().contains("replaced metadata " + list), replaced.toString());
        String audit = Files.readString(tmp.resolve("b").resolve("audit.log"));
        assertTrue(audit.contains("\"action\":\"REPLACE metadata\",\"target\":\"" + list + "\""), audit);
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private JsonNode importInto(Path dir) throws Exception {
        JsonNode started = admin(b, "POST", "/admin/api/imports", "{\"from\": " + quote(dir) + "}", 202);
        return await(b, "imports", started.path("id").asText());
    }

    /** A copy of A's bundle under the root whose manifest was edited and signed again with A's own key. */
    private Path crafted(String name, UnaryOperator<String> edit) throws Exception {
        Path dir = Files.createDirectories(media.resolve("crafted-" + name).resolve(bundle.getFileName()));
        try (Stream<Path> s = Files.list(bundle)) {
            for (Path p : s.toList()) {
                Files.copy(p, dir.resolve(p.getFileName().toString()));
            }
        }
        String text;
        try (var in = new GZIPInputStream(Files.newInputStream(dir.resolve("manifest.gz")))) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String edited = edit.apply(text);
        assertFalse(edited.equals(text), "the edit changed nothing");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(edited.getBytes(StandardCharsets.UTF_8));
        }
        byte[] manifest = gz.toByteArray();
        Files.write(dir.resolve("manifest.gz"), manifest);
        Signer signer =
                SigningKey.read(tmp.resolve("a").resolve("bundle-signing.key")).orElseThrow();
        BundleNote old =
                BundleNote.parse(Note.open(Files.readAllBytes(dir.resolve("bundle.note")), List.of(signer.verifier()))
                        .text());
        BundleNote note = new BundleNote(
                old.id(),
                old.site(),
                old.base(),
                old.created(),
                old.volumes(),
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(manifest)),
                manifest.length);
        Files.write(dir.resolve("bundle.note"), Note.sign(note.text(), signer));
        return dir;
    }

    private static JsonNode await(FerryProcess f, String kind, String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            JsonNode p = admin(f, "GET", "/admin/api/" + kind + "/" + id, null, 200);
            if (!p.path("state").asText().equals("RUNNING")) {
                return p;
            }
            if (System.nanoTime() > deadline) {
                fail("job " + id + " did not end within 60s: " + p);
            }
            Thread.sleep(20); // polling interval, bounded by the deadline
        }
    }

    private static String quote(Path p) throws IOException {
        return JSON.writeValueAsString(p.toString());
    }

    private static HttpResponse<byte[]> get(FerryProcess f, String path) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                    HttpRequest.newBuilder(URI.create(f.url() + path))
                            .timeout(Duration.ofSeconds(30))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        }
    }

    private static JsonNode admin(FerryProcess f, String method, String path, String body, int status)
            throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(f.url() + path))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + TOKEN)
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) {
                req.header("Content-Type", "application/json");
            }
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(status, r.statusCode(), method + " " + path + " " + body + ": " + r.body());
            return JSON.readTree(r.body());
        }
    }

    private static Map<String, Long> storage(FerryProcess f) throws IOException, InterruptedException {
        JsonNode s = admin(f, "GET", "/admin/api/storage", null, 200);
        return Map.of(
                "objects", s.path("objects").asLong(-1),
                "chunks", s.path("chunks").asLong(-1),
                "pinnedObjects", s.path("pinned").path("objects").asLong(-1));
    }
}
