package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.RocksContentStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A signed bundle whose names or metadata keys do not follow the store's key grammar (issue 16, finding 2), or
 * that asks to replace immutable metadata (finding 3), is refused with the manifest line, and the importing store
 * stays as it was; a plain export never writes outside its target.
 */
class BundleKeysTest {
    static final String DB = "sum.golang.org";
    static final String TILE = "sumdb/" + DB + "/tile/8/0/000";
    static final String MOD = "go/example.com/a/@v/v1.0.0.mod";
    static final String RECORD = "go/example.com/a/@v/v1.0.0";
    static final String TAG = "oci/repo/m/docker.io/library/app:tag:1";

    @TempDir
    Path tmp;

    BundleFixture fx;
    RocksContentStore a;
    RocksContentStore b;
    BundleService sb;
    Path bundle;
    String id;
    int copies;

    @BeforeEach
    void setUp() throws Exception {
        fx = new BundleFixture(tmp);
        a = fx.store("a");
        b = fx.store("b");
        BundleService sa = fx.service(a, "a");
        BundleFixture.put(a, TILE, "tile bytes, chosen by whoever signed the bundle".getBytes());
        BundleFixture.put(a, MOD, "module example.com/a\n".getBytes());
        a.update(x -> {
            x.putMeta(RECORD, "mod 00 2026-01-01T00:00:00Z https://proxy.golang.org\n".getBytes());
            x.putMeta(TAG, "sha256:1".getBytes());
        });
        BundleProgress p =
                BundleFixture.exportAll(sa, tmp.resolve("medium"), "plant", ExportRequest.DEFAULT_MAX_VOLUME_SIZE);
        id = p.bundleId();
        bundle = tmp.resolve("medium").resolve(id);
        // B as the server builds it: the real selector and the store's key grammar
        sb = new BundleService(b, tmp.resolve("b/data"), Optional::empty, Clock.systemUTC(), 50);
    }

    @AfterEach
    void tearDown() {
        sb.close();
        fx.close();
    }

    @Test
    void theUntamperedBundleImports() throws Exception {
        BundleProgress p = importInto(bundle);
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        assertTrue(b.resolve(TILE).isPresent());
    }

    @Test
    void anAbsoluteChecksumDatabaseNameIsRefusedAndNothingIsWrittenOutside() throws Exception {
        Path outside = tmp.resolve("outside");
        Path dir = crafted(t -> t.replace("sumdb/" + DB + "/", "sumdb/" + outside + "/"));
        refused(dir, "sumdb/" + outside + "/tile/8/0/000");
        // the plain export the attack relied on writes only under its target
        goproxyExport(tmp.resolve("plain"));
        assertFalse(Files.exists(outside), "written outside the export: " + outside);
        assertNothingOutside(tmp.resolve("plain"));
    }

    @Test
    void aDotDotChecksumDatabaseNameIsRefused() throws Exception {
        refused(crafted(t -> t.replace("sumdb/" + DB + "/", "sumdb/../../../escaped/")), "sumdb/../../../escaped/");
        refused(crafted(t -> t.replace("sumdb/" + DB + "/", "sumdb/" + DB + "/../x/")), "/../x/");
        assertFalse(Files.exists(tmp.resolve("escaped")));
    }

    @Test
    void badModulePathsVersionsAndTilePathsAreRefused() throws Exception {
        refused(crafted(t -> t.replace(MOD, "go/../../x/@v/v1.0.0.mod")), "go/../../x/@v/v1.0.0.mod");
        refused(crafted(t -> t.replace(MOD, "go/example.com/a/@v/v1.0.0/../../../x.mod")), "../x.mod");
        refused(crafted(t -> t.replace(MOD, "go/example.com/a/@v/1.0.mod")), "go/example.com/a/@v/1.0.mod");
        refused(crafted(t -> t.replace(TILE, "sumdb/" + DB + "/tile/8/0/../../../../x")), "/tile/8/0/../../../../x");
        refused(crafted(t -> t.replace(RECORD + " ", "go/Example.com/a/@v/v1.0.0 ")), "go/Example.com/a/@v/v1.0.0");
    }

    @Test
    void unknownKeysAndTrustStateAreRefused() throws Exception {
        refused(crafted(t -> t.replace(RECORD + " ", "sumdb/" + DB + "/trusted ")), "sumdb/" + DB + "/trusted");
        refused(crafted(t -> t.replace(RECORD + " ", "anything/else ")), "anything/else");
        refused(crafted(t -> t.replace(TAG, "oci/repo/m/docker.io/Library/..:tag:1")), "oci/repo/m/docker.io/Library");
        refused(crafted(t -> t.replace(TAG, "oci/repo/m/../library/app:tag:1")), "oci/repo/m/../library/app:tag:1");
    }

    @Test
    void replaceIsRefusedForAVersionRecord() throws Exception {
        refused(crafted(t -> t.replace("meta KEEP " + RECORD + " ", "meta REPLACE " + RECORD + " ")), RECORD);
    }

    @Test
    void replacingATagIsReportedInTheImport() throws Exception {
        b.update(x -> x.putMeta(TAG, "sha256:0".getBytes()));
        BundleProgress p = importInto(bundle);
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        assertEquals("sha256:1", new String(b.meta(TAG).orElseThrow(), StandardCharsets.UTF_8));
        assertTrue(
                p.notes().stream().anyMatch(n -> n.contains("replaced") && n.contains(TAG)),
                p.notes().toString());
        assertTrue(
                p.summary().stream().anyMatch(c -> c.what().equals("metadata entries replaced") && c.value() == 1),
                p.summary().toString());
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    BundleProgress importInto(Path dir) throws Exception {
        return sb.await(sb.importBundle(new ImportRequest(List.of(dir), List.of(fx.signer.verifier())))
                        .id())
                .orElseThrow();
    }

    /** Expects a refusal naming the manifest line and {@code want}, with B unchanged. */
    void refused(Path dir, String want) throws Exception {
        Map<String, String> before = BundleFixture.dump(b);
        BundleProgress p = importInto(dir);
        assertEquals(BundleProgress.State.FAILED, p.state(), "imported: " + want);
        assertTrue(p.error().contains("line "), p.error());
        assertTrue(p.error().contains(want), p.error());
        assertEquals(before, BundleFixture.dump(b));
    }

    /** A copy of the bundle whose manifest text was edited and signed again with the exporter's own key. */
    Path crafted(UnaryOperator<String> edit) throws IOException {
        Path dir = tmp.resolve("crafted" + copies++).resolve(id);
        Files.createDirectories(dir.getParent());
        BundleFixture.copyTree(bundle, dir);
        fx.resign(dir, edit);
        return dir;
    }

    void goproxyExport(Path to) throws Exception {
        sb.await(sb.export(new ExportRequest(
                                to,
                                Selection.all(),
                                BundleFormat.GOPROXY,
                                "",
                                Optional.empty(),
                                Optional.empty(),
                                ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                                Map.of()))
                        .id())
                .orElseThrow();
    }

    /** Every file written since set-up lies under {@code to}, the medium, a crafted copy or a store. */
    void assertNothingOutside(Path to) throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                assertTrue(
                        p.equals(to) || n.equals("a") || n.equals("b") || n.equals("medium") || n.startsWith("crafted"),
                        "unexpected " + p);
            }
        }
    }
}
