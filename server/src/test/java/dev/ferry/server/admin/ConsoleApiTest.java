package dev.ferry.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.mirror.oci.OciStoreNames.Target;
import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.oci.Tag;
import dev.ferry.protocols.semver.Version;
import dev.ferry.server.admin.api.AuditPage;
import dev.ferry.server.admin.api.ModulePage;
import dev.ferry.server.admin.api.TagPage;
import dev.ferry.server.admin.api.VersionPage;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's paged reads over a real store: pages follow one another without gaps or repeats, searches by
 * prefix and glob find what they should (capitals escaped as in store keys), stale tags are marked, the audit log
 * reads newest first in pages across its read blocks, and bad parameters are 400s.
 */
class ConsoleApiTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    @TempDir
    Path tmp;

    private RocksContentStore store;
    private ConsoleApi api;
    private Path audit;

    @BeforeEach
    void open() throws Exception {
        store = RocksContentStore.open(tmp.resolve("store"), StoreOptions.defaults());
        audit = tmp.resolve("audit.log");
        api = new ConsoleApi(
                store,
                PrivatePatterns.parse("corp.example/*"),
                Duration.ofHours(1),
                List.of("docker.io"),
                false,
                audit,
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private Sha256 object(String text) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (ObjectWriter w = store.newObject(Chunking.FIXED)) {
            w.write(bytes);
            return w.commit(null, b -> {}).digest();
        }
    }

    private void version(String path, String version, Sha256 zip) throws Exception {
        ModulePath m = ModulePath.parse(path);
        Version v = Version.parse(version);
        store.update(b -> {
            b.putName(GoStoreNames.file(m, v, "zip"), zip);
            b.putMeta(
                    GoStoreNames.versionRecord(m, v),
                    GoStoreNames.versionLine("zip", zip.hex(), NOW, "https://proxy.example", "h1:abc="));
        });
    }

    @Test
    void modulePagesFollowOneAnotherAndSearchByPrefixAndGlob() throws Exception {
        Sha256 zip = object("zip bytes");
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            String p = String.format("example.com/m%02d", i);
            paths.add(p);
            version(p, "v1.0.0", zip);
            version(p, "v1.1.0", zip);
            // A nested module sorts between a module's versions and its other keys.
            if (i % 5 == 0) {
                paths.add(p + "/sub");
                version(p + "/sub", "v0.1.0", zip);
            }
        }
        version("github.com/BurntSushi/toml", "v1.2.0", zip);
        version("corp.example/secret", "v1.0.0", zip);

        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            ModulePage page = api.modules("example.com/", after, "7");
            page.modules().forEach(m -> seen.add(m.path()));
            after = page.next();
            pages++;
        } while (after != null);
        assertEquals(paths.stream().sorted().toList(), seen);
        assertEquals(4, pages); // 28 modules, 7 a page: the last page full and without a next
        assertEquals(
                2, api.modules("example.com/m00", null, null).modules().get(0).versions());

        ModulePage capital = api.modules("github.com/Burnt", null, null);
        assertEquals(
                List.of("github.com/BurntSushi/toml"),
                capital.modules().stream().map(ModulePage.Module::path).toList());
        ModulePage glob = api.modules("*/sub", null, null);
        assertEquals(5, glob.modules().size());
        assertTrue(glob.modules().stream().allMatch(m -> m.path().endsWith("/sub")));
        assertTrue(api.modules("corp.example/", null, null).modules().get(0).privateModule());
        assertTrue(api.modules("nothing.example/", null, null).modules().isEmpty());
        assertEquals(
                400,
                assertThrows(ApiException.class, () -> api.modules("", null, "0"))
                        .status());
        assertEquals(
                400,
                assertThrows(ApiException.class, () -> api.modules("", null, "x"))
                        .status());
    }

    @Test
    void versionsShowSizeHashCheckAndFileUrls() throws Exception {
        Sha256 zip = object("the zip of toml");
        for (int i = 0; i < 12; i++) {
            version("github.com/BurntSushi/toml", "v1." + i + ".0", zip);
        }
        store.pin("prewarm:github.com/BurntSushi/toml@v1.0.0", zip);
        List<String> seen = new ArrayList<>();
        String after = null;
        do {
            VersionPage page = api.versions("github.com/BurntSushi/toml", after, "5");
            page.versions().forEach(v -> seen.add(v.version()));
            after = page.next();
        } while (after != null);
        assertEquals(12, seen.size());
        assertEquals(12, seen.stream().distinct().count());
        VersionPage.ModuleVersion v =
                api.versions("github.com/BurntSushi/toml", null, "1").versions().get(0);
        assertEquals("sumdb", v.checkedBy());
        assertEquals("the zip of toml".length(), v.bytes());
        assertEquals(List.of("prewarm:github.com/BurntSushi/toml@v1.0.0"), v.pins());
        assertEquals(
                "/github.com/!burnt!sushi/toml/@v/" + v.version() + ".zip",
                v.files().get(0).url());
        assertEquals("h1:abc=", v.files().get(0).h1());
        assertEquals(
                404,
                assertThrows(ApiException.class, () -> api.versions("example.com/none", null, null))
                        .status());
        assertEquals(
                400,
                assertThrows(ApiException.class, () -> api.versions("Not A Path!", null, null))
                        .status());
    }

    @Test
    void tagsArePagedAndStaleOnesMarked() throws Exception {
        Target target = Target.mirror("docker.io");
        RepositoryName repo = RepositoryName.parse("library/duo");
        Digest d = Digest.parse("sha256:" + "a".repeat(64));
        store.update(b -> {
            b.putMeta(OciStoreNames.repository(target, repo), new byte[0]);
            for (int i = 0; i < 9; i++) {
                Instant resolved = i == 0 ? NOW.minus(Duration.ofHours(2)) : NOW.minus(Duration.ofMinutes(5));
                b.putMeta(
                        OciStoreNames.tag(target, repo, Tag.parse("t" + i)),
                        new OciStoreNames.TagRecord(d, "application/vnd.oci.image.index.v1+json", 10, resolved, "x")
                                .encode());
            }
        });
        TagPage first = api.tags("docker.io", "library/duo", null, null, "4");
        assertEquals(
                List.of("t0", "t1", "t2", "t3"),
                first.tags().stream().map(TagPage.TagEntry::tag).toList());
        assertTrue(first.tags().get(0).stale());
        assertFalse(first.tags().get(1).stale());
        TagPage second = api.tags("docker.io", "library/duo", null, first.next(), "4");
        assertEquals("t4", second.tags().get(0).tag());
        assertEquals(
                "library/duo",
                api.repositories("duo", null, null).repositories().get(0).name());
        assertEquals(
                404,
                assertThrows(ApiException.class, () -> api.tags("quay.io", "x/y", null, null, null))
                        .status());
        assertEquals(
                404,
                assertThrows(ApiException.class, () -> api.manifest("docker.io", "library/duo", d.toString()))
                        .status());
        assertEquals(
                400,
                assertThrows(ApiException.class, () -> api.manifest("docker.io", "library/duo", "sha256:zz"))
                        .status());
    }

    @Test
    void theAuditLogReadsNewestFirstInPagesAcrossBlocksAndFilters() throws Exception {
        // Long targets, so the file spans several read blocks.
        int n = 900;
        for (int i = 0; i < n; i++) {
            Instant at = NOW.minusSeconds(n - i);
            new AuditLog(audit, Clock.fixed(at, ZoneOffset.UTC))
                    .record(
                            i % 3 == 0 ? "unauthenticated" : "token:abc",
                            "10.0.0.1",
                            i % 2 == 0 ? "POST /admin/api/prewarm" : "DELETE /admin/api/pins",
                            "item " + i + " " + "x".repeat(200),
                            i % 3 == 0 ? 401 : 200,
                            "done " + i);
        }
        assertTrue(Files.size(audit) > 2 * AuditReader.AUDIT_BLOCK);
        List<String> results = new ArrayList<>();
        String after = null;
        do {
            AuditPage page = api.audit(null, null, null, null, null, after, "37");
            page.entries().forEach(e -> results.add(e.result()));
            after = page.next();
        } while (after != null);
        assertEquals(n, results.size());
        for (int i = 0; i < n; i++) {
            assertEquals("done " + (n - 1 - i), results.get(i));
        }
        AuditPage refused = api.audit(null, null, "prewarm", "refused", "unauthenticated", null, "500");
        assertEquals(150, refused.entries().size()); // i % 6 == 0
        assertNull(refused.next());
        AuditPage recent = api.audit(NOW.minusSeconds(10).toString(), null, null, null, null, null, "500");
        assertEquals(10, recent.entries().size());
        assertEquals(
                400,
                assertThrows(ApiException.class, () -> api.audit("yesterday", null, null, null, null, null, null))
                        .status());
        assertEquals(
                400,
                assertThrows(ApiException.class, () -> api.audit(null, null, null, "maybe", null, null, null))
                        .status());
    }
}
