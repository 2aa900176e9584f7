package dev.ferry.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.server.admin.api.StartExport;
import dev.ferry.server.admin.api.StartImport;
import dev.ferry.server.admin.api.WriteInventory;
import dev.ferry.sync.bundle.BundleProgress;
import dev.ferry.sync.bundle.BundleService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, findings 1 and 3 at the admin API's bundle edge: request paths only under the configured roots, never
 * through a link, refused before anything is looked at or created; request trust only where configured, audited.
 */
class BundleApiPathsTest {
    @TempDir
    Path tmp;

    Path root;
    Path outside;
    FakeBundles bundles;
    Verifier serverKey;
    final List<String> audited = new CopyOnWriteArrayList<>();
    final CountDownLatch succeeded = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectories(tmp.resolve("bundles"));
        outside = Files.createDirectories(tmp.resolve("elsewhere"));
        bundles = new FakeBundles();
        serverKey = Signer.generate("site-a").verifier();
    }

    BundleApi api(boolean requestTrust) {
        return new BundleApi(
                bundles,
                List.of(serverKey),
                List.of(root),
                requestTrust,
                p -> succeeded.countDown(),
                (who, action, target, result) -> audited.add(who + "|" + action + "|" + target + "|" + result));
    }

    static StartExport export(String to, String inventory) {
        return new StartExport(to, null, null, null, null, null, null, inventory, null, null);
    }

    @Test
    void pathsOutsideTheRootsAreRefusedNamingTheRootsAndNothingIsCreated() {
        BundleApi api = api(false);
        Path chain = outside.resolve("a/b/c");
        ApiException e = assertThrows(ApiException.class, () -> api.startExport(export(chain.toString(), null)));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("outside the bundle roots [" + root + "]"), e.getMessage());
        assertFalse(Files.exists(outside.resolve("a")), "a refused export created directories");
        // climbing out with .. is outside too
        ApiException up =
                assertThrows(ApiException.class, () -> api.startExport(export(root + "/../elsewhere/x", null)));
        assertTrue(up.getMessage().contains("outside the bundle roots"), up.getMessage());
        assertEquals(List.of(), bundles.exports);
    }

    @Test
    void inventoryAndFromOutsideTheRootsSayNothingOfWhatExists() throws Exception {
        BundleApi api = api(false);
        Path existing = Files.writeString(outside.resolve("secret"), "x");
        Path missing = outside.resolve("missing");
        List<List<String>> messages = new java.util.ArrayList<>();
        for (Path p : List.of(existing, missing)) {
            String m1 = assertThrows(ApiException.class, () -> api.inventory(new WriteInventory(p.toString())))
                    .getMessage();
            String m2 = assertThrows(
                            ApiException.class, () -> api.startImport(new StartImport(List.of(p.toString()), null)))
                    .getMessage();
            String m3 = assertThrows(ApiException.class, () -> api.startExport(export(root.toString(), p.toString())))
                    .getMessage();
            messages.add(List.of(m1, m2, m3).stream()
                    .peek(m -> assertTrue(m.contains("outside the bundle roots"), m))
                    .map(m -> m.replace(p.toString(), "PATH"))
                    .toList());
        }
        assertEquals(messages.get(0), messages.get(1), "the answers differ for a path that exists");
        assertEquals(List.of(), bundles.inventories);
        assertEquals(List.of(), bundles.imports);
        assertEquals("x", Files.readString(existing));
    }

    @Test
    void aSymbolicLinkBelowARootIsRefused() throws Exception {
        BundleApi api = api(false);
        Files.createSymbolicLink(root.resolve("usb"), outside);
        Files.createSymbolicLink(root.resolve("null.inv"), Path.of("/dev/null"));
        ApiException e = assertThrows(
                ApiException.class,
                () -> api.startExport(export(root.resolve("usb/x").toString(), null)));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains(root.resolve("usb") + " is a symbolic link"), e.getMessage());
        assertThrows(
                ApiException.class,
                () -> api.inventory(new WriteInventory(root.resolve("null.inv").toString())));
        assertThrows(
                ApiException.class,
                () -> api.startImport(
                        new StartImport(List.of(root.resolve("usb").toString()), null)));
        assertEquals(List.of(), bundles.exports);
        assertEquals(List.of(), bundles.inventories);
        assertFalse(Files.exists(outside.resolve("x")));
    }

    @Test
    void pathsUnderARootGoThrough() {
        BundleApi api = api(false);
        api.startExport(export(root.resolve("usb").toString(), null));
        assertEquals(root.resolve("usb"), bundles.exports.getFirst().to());
        api.inventory(new WriteInventory(root.resolve("site.inv").toString()));
        assertEquals(List.of(root.resolve("site.inv")), bundles.inventories);
    }

    @Test
    void aRootThatIsItselfALinkIsTheOperatorsChoice() throws Exception {
        Path mount = Files.createSymbolicLink(tmp.resolve("media"), root);
        BundleApi api =
                new BundleApi(bundles, List.of(serverKey), List.of(mount), false, p -> {}, BundleApi.Audit.NONE);
        api.startExport(export(mount.toString(), null));
        api.startImport(new StartImport(List.of(mount.resolve("b1").toString()), null));
        assertEquals(mount, bundles.exports.getFirst().to());
    }

    @Test
    void aRequestsTrustIsRefusedUnlessConfigured() throws Exception {
        String own = Signer.generate("whoever").verifier().encoded();
        ApiException e = assertThrows(
                ApiException.class,
                () -> api(false).startImport(new StartImport(List.of(root.toString()), List.of(own))));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("--allow-request-trust"), e.getMessage());
        assertEquals(List.of(), bundles.imports);

        api(true).startImport(new StartImport(List.of(root.toString()), List.of(own)));
        assertEquals(
                List.of(serverKey, Verifier.parse(own)),
                bundles.imports.getFirst().trusted());
    }

    @Test
    void replacementsAnImportReportsAreAudited() throws Exception {
        bundles.notes = List.of(BundleService.REPLACED + "oci/repo/m/docker.io/library/app:tag:1", "another note");
        BundleApi api = api(false);
        String id =
                api.startImport(new StartImport(List.of(root.toString()), null)).id();
        bundles.finish(id);
        // the audit entries are written before the success is handed on
        assertTrue(succeeded.await(10, TimeUnit.SECONDS), "the import never ended");
        assertEquals(
                List.of("bundle 20261121T134500Z-1a2b3c4d|REPLACE metadata|oci/repo/m/docker.io/library/app:tag:1"
                        + "|replaced by import " + id + " of bundle 20261121T134500Z-1a2b3c4d"),
                audited);
        assertEquals(
                BundleProgress.State.SUCCEEDED, bundles.job(id).orElseThrow().state());
    }
}
