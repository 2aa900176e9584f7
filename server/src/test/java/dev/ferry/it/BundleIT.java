package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offline transfer end to end (issue #7), with the packaged ferry as separate processes and its CLI as a user runs
 * it. Ferry A is online: filled through the real go command from the fixture GOPROXY (checksum database on) and
 * through skopeo and prewarm from a docker-registry upstream. Ferry B and B2 are the disconnected sites: no Go
 * upstream, the same checksum database by name and key but unreachable, the registry name configured off
 * ({@code --registry docker.io=off}: served from the store only). Bundles travel as directories on this disk.
 *
 * <ol>
 *   <li>a full bundle (4 MiB volumes) imported into B: the go command builds the fixture app through B with
 *       GOSUMDB verification, skopeo copies every image with the upstream's digests;</li>
 *   <li>A learns module versions and an image tag: an {@code --inventory} bundle (from B's inventory) and a
 *       {@code --since} bundle carry those and none of the old content; B imports and serves them;</li>
 *   <li>a flipped byte, a missing volume, an untrusted signer, a truncated manifest and a {@code --since} bundle
 *       whose base was never imported are each refused with a clear reason, and B2's store is unchanged;</li>
 *   <li>B2 is SIGKILLed while importing the full bundle; nothing of it is served after the restart, the store
 *       checks clean, and the rerun completes;</li>
 *   <li>{@code --format goproxy}: the go command builds the app from {@code GOPROXY=file://...}, verifying with the
 *       exported checksum-database files served by a plain static server.</li>
 * </ol>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BundleIT {
    private static final String TOKEN = "bundle-it-admin-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VERIFIER_KEY = Pattern.compile("([^\\s+]+\\+[0-9a-f]{8}\\+[A-Za-z0-9+/=]{40,})");
    private static final Pattern BUNDLE_ID = Pattern.compile("\\d{8}T\\d{6}Z-[0-9a-f]{8}");
    /** Unreachable on purpose: the disconnected sites' upstreams (connection refused at once on loopback). */
    private static final String DEAD = "http://127.0.0.1:9";
    /** The image that makes the full bundle large enough to be killed mid-import: random bytes, no dedup. */
    private static final long BIG_SIZE = 32L << 20;

    private static final long VOLUME = 4L << 20;
    /** Module versions the app's build does not use, learned by A after the first bundle. */
    private static final List<String> NEW_VERSIONS =
            List.of("golang.org/x/text@v0.7.0", "github.com/google/uuid@v1.2.0", "gopkg.in/yaml.v3@v3.0.1");
    /** Images A pulls for the first bundle (repository:tag at the upstream). */
    private static final List<String> IMAGES =
            List.of("library/tiny:1.0", "library/duo:2.0", "apps/medium:3", "apps/nested/tags:r01");

    @TempDir
    static Path tmp;

    private DockerRegistry upstream;
    private StaticGoProxy goUpstream;
    private FerryProcess a;
    private FerryProcess b;
    private FerryProcess b2;
    private Skopeo skopeo;
    private String key;
    private String sumdbName;
    private String keyA;
    private String keyOther;
    private OciMirrorIT.BigImage big;
    private Path gocache;
    /** Set by the tests in order: the full bundle, and the two incremental ones. */
    private Bundle full;

    private Bundle byInventory;
    private Bundle bySince;

    // ---- set-up: A online and filled, B offline and empty ----------------------------------------------------

    @BeforeAll
    void start() throws Exception {
        assumeTrue(
                DockerRegistry.installed(),
                "docker-registry not installed (apt-get install docker-registry; .ci/run does)");
        assumeTrue(Skopeo.installed(), "skopeo not installed (apt-get install skopeo; .ci/run does)");
        key = Fixtures.sumdbKey();
        sumdbName = key.split("\\+")[0];
        gocache = tmp.resolve("gocache");
        skopeo = new Skopeo(tmp.resolve("skopeo-home"));

        // A's signing key first: it lives in A's data directory, beside the store.
        Cli generated = cli("keys", "generate", "--data", tmp.resolve("a").toString(), "--name", "bundle-it-site-a");
        assertEquals(0, generated.exit(), generated.output());
        keyA = verifierKey(generated.output());
        assertTrue(Files.isRegularFile(tmp.resolve("a/bundle-signing.key")), "no a/bundle-signing.key");
        Cli again = cli("keys", "public", "--data", tmp.resolve("a").toString());
        assertEquals(0, again.exit(), again.output());
        assertEquals(keyA, verifierKey(again.output()), "ferry keys public prints the generated key");
        Cli other = cli("keys", "generate", "--data", tmp.resolve("other").toString(), "--name", "bundle-it-other");
        assertEquals(0, other.exit(), other.output());
        keyOther = verifierKey(other.output());
        assertNotEquals(keyA, keyOther);

        upstream = new DockerRegistry(tmp.resolve("upstream"), null, null);
        OciFixtures.push(upstream.hostPort(), null, tmp.resolve("push-home"));
        big = OciMirrorIT.BigImage.build(tmp.resolve("big"), BIG_SIZE);
        try (OciHttp up = new OciHttp(upstream.url(), null)) {
            big.push(up, "apps/big", "1");
        }
        goUpstream = new StaticGoProxy(Fixtures.goProxyTree());
        a = FerryProcess.start(
                tmp.resolve("a"),
                tmp.resolve("a.log"),
                Map.of("FERRY_ADMIN_TOKEN", TOKEN),
                "--go-upstream",
                goUpstream.url(),
                "--sumdb",
                key,
                "--registry",
                "docker.io=" + upstream.url(),
                "--default-registry",
                "docker.io",
                "--bundle-root",
                tmp.toString());

        // Go: the real go command builds the app through A (checksum database on), as a connected developer would;
        // A then holds every file and checksum-database answer the same build needs.
        Path app = Fixtures.copyApp(tmp.resolve("app-a"));
        GoTool go = new GoTool(tmp.resolve("go-a"), a.url(), key + " " + a.url() + "/sumdb/" + sumdbName, gocache);
        GoTool.Result build =
                go.run(app, "build", "-o", tmp.resolve("fixtureapp-a").toString(), ".");
        assertTrue(build.ok(), "go build through A:\n" + build.output());
        go.makeDeletable();

        // Images: skopeo pulls through A, and the big one by prewarm.
        String aHost = a.base().getHost() + ":" + a.base().getPort();
        for (String ref : IMAGES) {
            Path dest = Files.createTempDirectory(tmp, "pull-a-");
            Skopeo.Result pull =
                    skopeo.copy("docker://" + aHost + "/" + ref, "dir:" + dest, null, null, "--preserve-digests");
            assertTrue(pull.ok(), "pull through A: " + pull);
            Fixtures.deleteTree(dest);
        }
        Cli prewarm = cli("prewarm", "image", "apps/big:1", "--platform", "linux/amd64", "--server", a.url());
        assertEquals(0, prewarm.exit(), prewarm.output());

        // B: disconnected. The same checksum database by name and key, but nothing to reach it by; the registry
        // name known (so image names mean the same) but off; A's key trusted by configuration.
        b = startOffline(tmp.resolve("b"), tmp.resolve("b.log"), "--trust-key", keyA);
    }

    private static FerryProcess startOffline(Path data, Path log, String... extra) throws IOException {
        return startOffline(data, log, Map.of(), extra);
    }

    private static FerryProcess startOffline(Path data, Path log, Map<String, String> env, String... extra)
            throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--go-upstream",
                "off",
                "--sumdb",
                Fixtures.sumdbKey() + " " + DEAD,
                "--registry",
                "docker.io=off",
                "--default-registry",
                "docker.io",
                // every medium of this test lies in its temporary directory
                "--bundle-root",
                tmp.toString()));
        args.addAll(List.of(extra));
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("FERRY_ADMIN_TOKEN", TOKEN);
        return FerryProcess.start(data, log, all, args.toArray(String[]::new));
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {b2, b, a, upstream, goUpstream}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("BundleIT: closing " + c + ": " + e);
                }
            }
        }
    }

    // ---- 1. full bundle ---------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void fullBundleImportedIntoAnOfflineSiteBuildsTheAppAndServesTheImages() throws Exception {
        // Before: B holds none of it and has nowhere to get it from.
        assertNotEquals(200, get(b, "/golang.org/x/text/@v/v0.6.1.info").statusCode());
        assertFalse(skopeo.inspectRaw(host(b) + "/library/tiny:1.0", null).ok(), "B served an image before any import");
        assertNotEquals(
                200, get(b, "/sumdb/" + sumdbName + "/latest").statusCode(), "B served latest before any import");

        Cli export = cli(
                "export",
                "--to",
                tmp.resolve("out-full").toString(),
                "--site",
                "site-b",
                "--max-volume-size",
                "4MiB",
                "--server",
                a.url());
        assertEquals(0, export.exit(), export.output());
        full = Bundle.only(tmp.resolve("out-full"));
        System.out.println("BundleIT: full bundle " + full.id() + ": "
                + full.volumes().size() + " volumes, " + full.bytes() + " bytes\n" + export.output());
        // 4 MiB, not the 1 MiB minimum: OCI blobs are stored in 1 MiB chunks, and a chunk never spans volumes.
        assertTrue(
                full.volumes().size() > BIG_SIZE / VOLUME, "4 MiB volumes of a bundle over 32 MiB: " + full.volumes());
        for (Path v : full.volumes()) {
            assertTrue(Files.size(v) <= VOLUME, v + " is larger than --max-volume-size");
        }
        String note = full.note();
        assertTrue(note.startsWith("ferry bundle 2\nid " + full.id() + "\nsite site-b\nbase -\n"), note);
        assertTrue(note.contains("\nvolumes " + full.volumes().size() + "\n"), note);
        assertTrue(note.contains("\n\u2014 bundle-it-site-a "), "signed by A's key:\n" + note);

        Manifest m = full.manifest();
        assertEquals(full.volumes().size(), m.volumes());
        for (String name : List.of(
                "go/golang.org/x/text/@v/v0.6.1.zip",
                "go/golang.org/x/text/@v/v0.6.1.mod",
                "go/github.com/!burnt!sushi/toml/@v/v1.2.0.zip",
                "oci/blob/" + big.layerDigest(),
                "oci/blob/" + big.manifestDigest())) {
            assertTrue(m.names().contains(name), "the full bundle lacks " + name);
        }
        // The fixture database has 81 records: its tiles are partial ones, which are metadata, not names.
        assertTrue(
                Stream.concat(m.names().stream(), m.metaKeys().stream())
                        .anyMatch(n -> n.startsWith("sumdb/" + sumdbName + "/tile/")),
                "no sumdb tiles");
        assertTrue(m.metaKeys().contains("sumdb/" + sumdbName + "/lookup/golang.org/x/text@v0.6.1"), "no sumdb lookup");
        // The go build through A never asked for latest: A fetched it for the bundle (issue 20).
        assertTrue(m.metaKeys().contains("sumdb/" + sumdbName + "/latest"), "no sumdb latest");
        assertTrue(m.metaKeys().contains("oci/repo/m/docker.io/library/tiny:tag:1.0"), "no tag record for tiny:1.0");
        assertTrue(m.objects().contains(fixtureZipHex("golang.org/x/text", "v0.6.1")), "x/text v0.6.1's zip object");

        // A's key is trusted by B's configuration (--trust-key): no --trust needed.
        Cli imported = cli("import", full.dir().toString(), "--server", b.url());
        assertEquals(0, imported.exit(), imported.output());
        System.out.println("BundleIT: import into B:\n" + imported.output());

        assertGoBuilds(b, "b");
        HttpResponse<byte[]> latest = get(b, "/sumdb/" + sumdbName + "/latest");
        assertEquals(200, latest.statusCode(), new String(latest.body(), StandardCharsets.UTF_8));
        assertArrayEquals(
                Files.readAllBytes(Fixtures.goProxyTree().resolve("sumdb/" + sumdbName + "/latest")),
                latest.body(),
                "B serves the database's signed latest that came with the bundle");
        for (String ref : IMAGES) {
            assertCopiedWithUpstreamDigests(b, ref);
        }
        assertBigLayerServed(b);
        // Not in the bundle, and B cannot fetch it: the images above really came from the bundle.
        assertFalse(skopeo.inspectRaw(host(b) + "/apps/nested/tags:r12", null).ok(), "B served a tag nobody exported");

        // The history at A.
        Cli history = cli("bundles", "--server", a.url());
        assertEquals(0, history.exit(), history.output());
        assertTrue(history.output().contains(full.id()), history.output());
        assertTrue(
                history.output().lines().anyMatch(l -> l.startsWith(full.id()) && l.endsWith("base for --since")),
                "a later export may be cut --since it: " + history.output());
    }

    // ---- 2. incremental ---------------------------------------------------------------------------------------

    @Test
    @Order(2)
    void inventoryAndSinceBundlesCarryOnlyWhatIsNewAndBServesIt() throws Exception {
        assertNotNull(full, "needs the full bundle of test 1");
        // A learns three module versions and a tag the upstream gained after the first bundle.
        List<String> prewarmArgs = new ArrayList<>(List.of("prewarm", "go"));
        prewarmArgs.addAll(NEW_VERSIONS);
        prewarmArgs.addAll(List.of("--server", a.url()));
        Cli learned = cli(prewarmArgs.toArray(String[]::new));
        assertEquals(0, learned.exit(), learned.output());
        Skopeo.Result pushed = skopeo.copy(
                "oci:" + OciFixtures.layout() + ":tags-r05",
                "docker://" + upstream.hostPort() + "/apps/nested/tags:r13",
                null,
                null,
                "--preserve-digests");
        assertTrue(pushed.ok(), pushed.toString());
        Path pulled = Files.createTempDirectory(tmp, "pull-r13-");
        Skopeo.Result pull = skopeo.copy(
                "docker://" + host(a) + "/apps/nested/tags:r13", "dir:" + pulled, null, null, "--preserve-digests");
        assertTrue(pull.ok(), "r13 through A: " + pull);
        Fixtures.deleteTree(pulled);

        // What B holds, carried back to A as a file.
        Path inventory = tmp.resolve("b.inventory");
        Cli inv = cli("inventory", "--out", inventory.toString(), "--server", b.url());
        assertEquals(0, inv.exit(), inv.output());
        byte[] head = Files.readAllBytes(inventory);
        assertTrue(
                new String(head, 0, Math.min(head.length, 18), StandardCharsets.UTF_8)
                        .startsWith("ferry-inventory 1\n"),
                "inventory header");

        Cli e1 = cli(
                "export",
                "--to",
                tmp.resolve("out-inv").toString(),
                "--inventory",
                inventory.toString(),
                "--site",
                "site-b",
                "--server",
                a.url());
        assertEquals(0, e1.exit(), e1.output());
        byInventory = Bundle.only(tmp.resolve("out-inv"));
        Cli e2 = cli(
                "export",
                "--to",
                tmp.resolve("out-since").toString(),
                "--since",
                full.id(),
                "--site",
                "site-b",
                "--server",
                a.url());
        assertEquals(0, e2.exit(), e2.output());
        bySince = Bundle.only(tmp.resolve("out-since"));
        assertTrue(byInventory.note().contains("\nbase -\n"), byInventory.note());
        assertTrue(bySince.note().contains("\nbase " + full.id() + "\n"), bySince.note());

        String oldZip = fixtureZipHex("golang.org/x/text", "v0.6.1");
        String newZip = fixtureZipHex("golang.org/x/text", "v0.7.0");
        for (Bundle inc : List.of(byInventory, bySince)) {
            System.out.println("BundleIT: incremental bundle " + inc.id() + ": " + inc.bytes() + " bytes (full: "
                    + full.bytes() + ")");
            Manifest m = inc.manifest();
            for (String v : NEW_VERSIONS) {
                String[] mv = v.split("@");
                String name = "go/" + mv[0] + "/@v/" + mv[1] + ".zip";
                assertTrue(m.names().contains(name), inc.id() + " lacks " + name);
            }
            assertTrue(
                    m.metaKeys().contains("oci/repo/m/docker.io/apps/nested/tags:tag:r13"),
                    inc.id() + " lacks tag r13");
            assertTrue(
                    m.metaKeys().contains("sumdb/" + sumdbName + "/lookup/golang.org/x/text@v0.7.0"),
                    inc.id() + " lacks the checksum-database lookup of x/text v0.7.0");
            assertTrue(m.objects().contains(newZip), inc.id() + " lacks x/text v0.7.0's zip object");
            // None of the old content: names, objects, the big layer, an old tag.
            assertFalse(m.names().contains("go/golang.org/x/text/@v/v0.6.1.zip"), inc.id() + " ships an old name");
            assertFalse(m.objects().contains(oldZip), inc.id() + " ships x/text v0.6.1's zip again");
            assertFalse(
                    m.objects().contains(big.layerDigest().substring("sha256:".length())),
                    inc.id() + " ships the big layer again");
            assertFalse(
                    m.metaKeys().contains("oci/repo/m/docker.io/library/tiny:tag:1.0"), inc.id() + " ships an old tag");
            // Shipped whole, the new versions' files would be 8.6 MB (x/text v0.7.0's zip alone 8.5 MB); chunks
            // shared with what B holds (x/text v0.6.1's entries, r01's layer) stay behind: about 0.2 MB in all.
            assertTrue(inc.bytes() < 2 << 20, inc.id() + " is " + inc.bytes() + " bytes (full " + full.bytes() + ")");
        }

        // B gets the inventory bundle; before, it cannot answer for the new versions.
        assertNotEquals(200, get(b, "/golang.org/x/text/@v/v0.7.0.info").statusCode());
        Cli imported = cli("import", byInventory.dir().toString(), "--server", b.url());
        assertEquals(0, imported.exit(), imported.output());
        assertNewContentServed(b, "b-inv");
        // The --since bundle on top: everything in it is already there; it still verifies and succeeds.
        Cli since = cli("import", bySince.dir().toString(), "--server", b.url());
        assertEquals(0, since.exit(), since.output());
        assertGoBuilds(b, "b-after-inc");
    }

    // ---- 3. refusals ------------------------------------------------------------------------------------------

    @Test
    @Order(3)
    void damagedUntrustedOrOutOfOrderBundlesAreRefusedAndChangeNothing() throws Exception {
        assertNotNull(bySince, "needs the bundles of tests 1 and 2");
        // B2 takes keys with the import (ferry import --trust), as a site configured so would.
        b2 = startOffline(tmp.resolve("b2"), tmp.resolve("b2.log"), "--allow-request-trust");
        Map<String, Long> before = storage(b2);

        // A flipped byte in the middle of a volume (inside some chunk's record).
        Path flipped = full.linkedCopy(tmp.resolve("bad-flip"), "vol-0002.fvol");
        Path vol2 = flipped.resolve("vol-0002.fvol");
        try (RandomAccessFile f = new RandomAccessFile(vol2.toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int x = f.read();
            f.seek(at);
            f.write(x ^ 0x40);
        }
        refused(flipped, keyA, before, "vol-0002", "volume 2");

        // A missing volume.
        Path missing = full.linkedCopy(tmp.resolve("bad-missing"));
        Files.delete(missing.resolve("vol-0003.fvol"));
        refused(
                missing,
                keyA,
                before,
                "volume 3 of " + full.volumes().size() + " (vol-0003.fvol) is missing",
                "vol-0003.fvol");

        // Signed by a key B2 does not trust (it trusts another one).
        Cli untrusted = refused(full.dir(), keyOther, before, "does not trust");
        String[] signer = keyA.split("\\+");
        assertTrue(
                untrusted.output().contains(signer[0] + "+" + signer[1]),
                "the refusal names the signer's key: " + untrusted.output());

        // A truncated manifest.
        Path truncated = full.linkedCopy(tmp.resolve("bad-manifest"), "manifest.gz");
        Path manifest = truncated.resolve("manifest.gz");
        byte[] whole = Files.readAllBytes(manifest);
        Files.write(manifest, java.util.Arrays.copyOf(whole, whole.length / 2));
        refused(truncated, keyA, before, "manifest");

        // An incremental bundle before the one it builds on.
        Cli order = refused(bySince.dir(), keyA, before, "builds on");
        assertTrue(order.output().contains(full.id()), "the refusal names the missing base: " + order.output());

        // Nothing of the bundle is served.
        assertNotEquals(200, get(b2, "/golang.org/x/text/@v/v0.6.1.info").statusCode());
        HttpResponse<byte[]> image = get(b2, "/v2/library/tiny/manifests/1.0");
        String body = new String(image.body(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(404, image.statusCode(), "docker.io is off: not stored is a 404, not a 503: " + body);
        assertTrue(body.contains("MANIFEST_UNKNOWN") && body.contains("offline (off)"), body);
    }

    /** Imports {@code dir} into B2 trusting {@code trust}; expects exit 1 naming one of the reasons, B2 unchanged. */
    private Cli refused(Path dir, String trust, Map<String, Long> before, String... reasons) throws Exception {
        Cli r = cli("import", dir.toString(), "--trust", trust, "--server", b2.url());
        System.out.println("BundleIT: refused " + dir.getFileName() + ":\n" + r.output());
        assertEquals(1, r.exit(), r.output());
        assertTrue(
                Stream.of(reasons).anyMatch(r.output()::contains),
                "expected one of " + List.of(reasons) + ":\n" + r.output());
        assertEquals(before, storage(b2), "B2's store changed after a refused import of " + dir);
        return r;
    }

    // ---- 4. kill -9 mid-import, rerun ---------------------------------------------------------------------------

    @Test
    @Order(4)
    void importKilledMidwayLeavesNothingServedAndTheRerunCompletes() throws Exception {
        assertNotNull(b2, "needs B2 of test 3");
        Path data = tmp.resolve("b2");
        // The import stops for good after this many objects are committed (a crash-test switch of the importer),
        // so the kill lands mid-import, inside a commit group, however fast this machine imports.
        int stallAfter = 20;
        assertEquals(0, b2.stop());
        b2 = startOffline(
                data,
                tmp.resolve("b2.log"),
                Map.of("JAVA_TOOL_OPTIONS", "-Dferry.crashTest.stallImportAfterObjects=" + stallAfter),
                "--allow-request-trust");
        JsonNode started = admin(
                b2,
                "POST",
                "/admin/api/imports",
                "{\"from\": [" + JSON.writeValueAsString(full.dir().toString()) + "], \"trust\": ["
                        + JSON.writeValueAsString(keyA) + "]}",
                202);
        String job = started.path("id").asText();
        assertFalse(job.isEmpty(), started.toString());

        b2.awaitOutput(Pattern.compile("import stalled for a crash test"), Duration.ofSeconds(90));
        JsonNode p = admin(b2, "GET", "/admin/api/imports/" + job, null, 200);
        b2.kill();
        System.out.println("BundleIT: killed B2 at " + p);
        assertEquals("RUNNING", p.path("state").asText(), p.toString());
        assertEquals("importing", p.path("phase").asText(), p.toString());
        long done = p.path("itemsDone").asLong();
        assertTrue(
                done >= stallAfter && done < p.path("itemsTotal").asLong(),
                "killed with objects committed and objects left: " + p);

        // The stopped store is consistent (a partial object is reclaimed or not there at all).
        Cli verify = cli("verify", "--data", data.toString(), "--go-upstream", "off", "--sumdb", key + " " + DEAD);
        assertEquals(0, verify.exit(), "ferry verify after kill -9:\n" + verify.output());

        b2 = startOffline(data, tmp.resolve("b2.log"), "--allow-request-trust");
        // Nothing partial is served.
        assertNotEquals(200, get(b2, "/golang.org/x/text/@v/v0.6.1.info").statusCode());
        assertNotEquals(200, get(b2, "/v2/library/tiny/manifests/1.0").statusCode());

        Cli rerun = cli("import", full.dir().toString(), "--trust", keyA, "--server", b2.url());
        assertEquals(0, rerun.exit(), rerun.output());
        System.out.println("BundleIT: rerun into B2:\n" + rerun.output());
        // Now the --since bundle's base is there.
        Cli since = cli("import", bySince.dir().toString(), "--trust", keyA, "--server", b2.url());
        assertEquals(0, since.exit(), since.output());

        assertGoBuilds(b2, "b2");
        assertNewContentServed(b2, "b2-since");
        for (String ref : IMAGES) {
            assertCopiedWithUpstreamDigests(b2, ref);
        }
        assertBigLayerServed(b2);

        assertEquals(0, b2.stop());
        Cli after = cli("verify", "--data", data.toString(), "--go-upstream", "off", "--sumdb", key + " " + DEAD);
        assertEquals(0, after.exit(), "ferry verify after the rerun:\n" + after.output());
        assertTrue(after.output().contains("consistent"), after.output());
        b2 = null;
    }

    // ---- 5. plain GOPROXY tree ----------------------------------------------------------------------------------

    @Test
    @Order(5)
    void goproxyFormatBuildsTheAppFromFileUrlsWithTheExportedChecksumDatabase() throws Exception {
        Path out = tmp.resolve("out-goproxy");
        Cli export = cli("export", "--to", out.toString(), "--format", "goproxy", "--module", "*", "--server", a.url());
        assertEquals(0, export.exit(), export.output());
        // Where the tree's root is under --to (the directory itself or one below it): where this file is.
        String marker = "golang.org/x/text/@v/v0.6.1.zip";
        Path root;
        try (Stream<Path> s = Files.walk(out)) {
            root = s.filter(p -> p.endsWith(Path.of(marker)))
                    .findFirst()
                    .map(p -> p.getRoot()
                            .resolve(p.subpath(
                                    0, p.getNameCount() - Path.of(marker).getNameCount())))
                    .orElseThrow(() -> new AssertionError("no " + marker + " under " + out));
        }
        assertEquals(
                fixtureZipHex("golang.org/x/text", "v0.6.1"),
                OciFixtures.sha256(root.resolve(marker)).substring(7),
                "the exported zip is the upstream's, byte for byte");
        assertTrue(
                Files.isRegularFile(root.resolve("sumdb/" + sumdbName + "/lookup/golang.org/x/text@v0.6.1")),
                "no checksum-database lookup beside the tree");
        // The tree as files; the checksum database's files from a plain static server (the go command reads a
        // GOSUMDB only over HTTP), verification on.
        try (StaticGoProxy files = new StaticGoProxy(root)) {
            GoTool go = new GoTool(
                    tmp.resolve("go-plain"),
                    root.toUri().toString().replaceAll("/$", ""),
                    key + " " + files.url() + "/sumdb/" + sumdbName,
                    gocache);
            Path app = Fixtures.copyApp(tmp.resolve("app-plain"));
            GoTool.Result build =
                    go.run(app, "build", "-o", tmp.resolve("fixtureapp-plain").toString(), ".");
            go.makeDeletable();
            assertTrue(build.ok(), "go build from GOPROXY=file://" + root + ":\n" + build.output());
            assertTrue(
                    files.paths().stream().anyMatch(p -> p.contains("/lookup/")), "no lookup asked: " + files.paths());
        }
    }

    // ---- checks ---------------------------------------------------------------------------------------------

    /** A fresh machine (own GOPATH and module cache, no go.sum) builds and runs the app through {@code site}. */
    private void assertGoBuilds(FerryProcess site, String label) throws Exception {
        Path app = Fixtures.copyApp(tmp.resolve("app-" + label));
        GoTool go = new GoTool(
                tmp.resolve("go-" + label), site.url(), key + " " + site.url() + "/sumdb/" + sumdbName, gocache);
        Path bin = tmp.resolve("fixtureapp-" + label);
        GoTool.Result build = go.run(app, "build", "-o", bin.toString(), ".");
        assertTrue(build.ok(), "go build through " + label + " with GOSUMDB on:\n" + build.output());
        go.makeDeletable();
        Process p = new ProcessBuilder(bin.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("constraint:") && out.contains("xxhash:"), "fixture app output:\n" + out);
    }

    /** The versions and the tag A learned in test 2, downloaded (checksum database on) and copied through {@code site}. */
    private void assertNewContentServed(FerryProcess site, String label) throws Exception {
        Path app = Fixtures.copyApp(tmp.resolve("app-" + label));
        GoTool go = new GoTool(
                tmp.resolve("go-" + label), site.url(), key + " " + site.url() + "/sumdb/" + sumdbName, gocache);
        List<String> args = new ArrayList<>(List.of("mod", "download", "-json"));
        args.addAll(NEW_VERSIONS);
        GoTool.Result download = go.run(app, args.toArray(String[]::new));
        go.makeDeletable();
        assertTrue(download.ok(), "go mod download of the new versions through " + label + ":\n" + download.output());
        assertFalse(download.output().contains("\"Error\""), download.output());
        assertCopiedWithUpstreamDigests(site, "apps/nested/tags:r13");
    }

    /** skopeo copy --all of {@code ref} through {@code site}: the manifest digest is the upstream's; every blob hashes right. */
    private void assertCopiedWithUpstreamDigests(FerryProcess site, String ref) throws Exception {
        Skopeo.Result up = skopeo.inspectRaw(upstream.hostPort() + "/" + ref, null);
        assertTrue(up.ok(), up.toString());
        String expected = OciFixtures.sha256(up.stdout());
        Skopeo.Result inspect = skopeo.inspectRaw(host(site) + "/" + ref, null);
        assertTrue(inspect.ok(), inspect.toString());
        assertEquals(
                expected, OciFixtures.sha256(inspect.stdout()), "manifest digest of " + ref + " through " + site.url());
        Path dest = Files.createTempDirectory(tmp, "copy-");
        Skopeo.Result copy =
                skopeo.copy("docker://" + host(site) + "/" + ref, "dir:" + dest, null, null, "--preserve-digests");
        assertTrue(copy.ok(), copy.toString());
        assertEquals(expected, OciFixtures.sha256(dest.resolve("manifest.json")), "copied manifest of " + ref);
        int blobs = 0;
        try (Stream<Path> s = Files.list(dest)) {
            for (Path f : s.toList()) {
                String name = f.getFileName().toString();
                if (name.matches("[0-9a-f]{64}")) {
                    assertEquals("sha256:" + name, OciFixtures.sha256(f), "blob " + name + " of " + ref);
                    blobs++;
                }
            }
        }
        assertTrue(blobs >= 2, "blobs of " + ref + ": " + blobs);
        Fixtures.deleteTree(dest);
    }

    /** The big layer through {@code site}, hashed as it streams. */
    private void assertBigLayerServed(FerryProcess site) throws Exception {
        assertEquals(
                big.manifestDigest(),
                OciFixtures.sha256(
                        skopeo.inspectRaw(host(site) + "/apps/big:1", null).stdout()));
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<InputStream> r = http.send(
                    HttpRequest.newBuilder(URI.create(site.url() + "/v2/apps/big/blobs/" + big.layerDigest()))
                            .timeout(Duration.ofSeconds(60))
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            try (InputStream in = r.body()) {
                assertEquals(big.layerDigest(), OciFixtures.sha256(in));
            }
        }
    }

    // ---- plumbing ---------------------------------------------------------------------------------------------

    /** A bundle directory {@code OUT/<id>/} as export wrote it. */
    record Bundle(Path dir, String id) {
        /** The one bundle an export wrote into {@code out}. */
        static Bundle only(Path out) throws IOException {
            List<Path> dirs;
            try (Stream<Path> s = Files.list(out)) {
                dirs = s.filter(Files::isDirectory).toList();
            }
            assertEquals(1, dirs.size(), "bundles in " + out + ": " + dirs);
            String id = dirs.get(0).getFileName().toString();
            assertTrue(BUNDLE_ID.matcher(id).matches(), "bundle id " + id);
            assertTrue(Files.isRegularFile(dirs.get(0).resolve("bundle.note")), "no bundle.note in " + dirs.get(0));
            assertTrue(Files.isRegularFile(dirs.get(0).resolve("manifest.gz")), "no manifest.gz in " + dirs.get(0));
            return new Bundle(dirs.get(0), id);
        }

        String note() throws IOException {
            return Files.readString(dir.resolve("bundle.note"), StandardCharsets.UTF_8);
        }

        List<Path> volumes() throws IOException {
            try (Stream<Path> s = Files.list(dir)) {
                return s.filter(p -> p.getFileName().toString().matches("vol-\\d{4}\\.fvol"))
                        .sorted()
                        .toList();
            }
        }

        long bytes() throws IOException {
            long n = 0;
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    n += Files.size(p);
                }
            }
            return n;
        }

        Manifest manifest() throws IOException {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(dir.resolve("manifest.gz")))) {
                return Manifest.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }

        /** A copy of the bundle in {@code to}: files hard-linked (import only reads), those named copied for damage. */
        Path linkedCopy(Path to, String... copied) throws IOException {
            Files.createDirectories(to);
            Set<String> copy = Set.of(copied);
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Path target = to.resolve(p.getFileName().toString());
                    if (copy.contains(p.getFileName().toString())) {
                        Files.copy(p, target);
                    } else {
                        Files.createLink(target, p);
                    }
                }
            }
            return to;
        }
    }

    /** What a manifest.gz lists: object digests (hex), names, meta keys, the volume count; its end line checked. */
    record Manifest(Set<String> objects, Set<String> names, Set<String> metaKeys, int volumes) {
        static Manifest parse(String text) {
            List<String> lines = text.lines().toList();
            assertTrue(lines.get(0).startsWith("ferry-manifest 2 "), lines.get(0));
            String last = lines.get(lines.size() - 1);
            assertEquals("end " + (lines.size() - 1), last, "the manifest's end line");
            Set<String> objects = new HashSet<>();
            Set<String> names = new HashSet<>();
            Set<String> meta = new HashSet<>();
            int volumes = 0;
            for (String line : lines) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "volume" -> volumes++;
                    case "object" -> objects.add(f[1]);
                    case "name" -> names.add(unescape(f[1]));
                    case "meta" -> meta.add(unescape(f[2]));
                    default -> {}
                }
            }
            return new Manifest(objects, names, meta, volumes);
        }

        private static String unescape(String s) {
            return s.replace("%20", " ")
                    .replace("%0A", "\n")
                    .replace("%0a", "\n")
                    .replace("%25", "%");
        }
    }

    /** The sha256 (hex) of a fixture module zip: the object it is stored as. */
    private static String fixtureZipHex(String module, String version) throws IOException {
        String digest = OciFixtures.sha256(Fixtures.goProxyTree().resolve(module + "/@v/" + version + ".zip"));
        return digest.substring("sha256:".length());
    }

    private static String verifierKey(String output) {
        Matcher m = VERIFIER_KEY.matcher(output);
        assertTrue(m.find(), "no verifier key in:\n" + output);
        return m.group(1);
    }

    private static String host(FerryProcess f) {
        return f.base().getHost() + ":" + f.base().getPort();
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

    /** An admin API call with the token; checks the status and returns the JSON body. */
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
            assertEquals(status, r.statusCode(), method + " " + path + ": " + r.body());
            return JSON.readTree(r.body());
        }
    }

    /** The store's counts, to compare before and after a refused import. */
    private static Map<String, Long> storage(FerryProcess f) throws IOException, InterruptedException {
        JsonNode s = admin(f, "GET", "/admin/api/storage", null, 200);
        return Map.of(
                "objects",
                s.path("objects").asLong(-1),
                "chunks",
                s.path("chunks").asLong(-1),
                "chunkBytes",
                s.path("chunkBytes").asLong(-1),
                "pinnedObjects",
                s.path("pinned").path("objects").asLong(-1));
    }

    static Cli cli(String... args) throws IOException, InterruptedException {
        return Cli.run(TOKEN, args);
    }
}
