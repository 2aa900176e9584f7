package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, findings 1 and 2 in the bundle service: plain exports build paths from parsed values and stay under
 * their target, never write through a link or over files they did not write; inventories replace only inventories;
 * a refused export creates nothing.
 */
class ExportPathsTest {
    static final String TILE = "sumdb/sum.golang.org/tile/8/0/000";

    @TempDir
    Path tmp;

    RocksContentStore store;
    BundleService service;
    Path outside;

    @BeforeEach
    void setUp() throws Exception {
        store = RocksContentStore.open(tmp.resolve("store"), StoreOptions.defaults());
        service = new BundleService(
                store, tmp.resolve("data"), () -> Optional.of(Signer.generate("site")), Clock.systemUTC(), 5);
        outside = Files.createDirectories(tmp.resolve("outside"));
        BundleFixture.put(store, TILE, "a tile".getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() {
        service.close();
        store.close();
    }

    BundleProgress goproxy(Path to) throws Exception {
        return service.await(service.export(request(to, BundleFormat.GOPROXY, Optional.empty()))
                        .id())
                .orElseThrow();
    }

    static ExportRequest request(Path to, BundleFormat format, Optional<String> since) {
        return new ExportRequest(
                to,
                Selection.all(),
                format,
                "",
                Optional.empty(),
                since,
                ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                Map.of());
    }

    /**
     * What an export cuts against comes from the request: a {@code --since} id that climbs out or is absolute, and
     * an inventory that is a link to a real one, are refused with nothing created, no scratch table among them.
     */
    @Test
    void aHostileCutIsRefusedBeforeAnythingIsCreated() throws Exception {
        for (String since : new String[] {"../../outside/x", "/etc/passwd", "20261207T000000Z-00000000/../../x"}) {
            Path to = tmp.resolve("since-" + Math.abs(since.hashCode()));
            BundleException e = assertThrows(
                    BundleException.class, () -> service.export(request(to, BundleFormat.BUNDLE, Optional.of(since))));
            assertEquals(BundleException.Kind.NOT_FOUND, e.kind(), e.getMessage());
            assertFalse(Files.exists(to), since);
        }
        Path real = tmp.resolve("real.inv");
        SiteInventory.write(store, real, tmp.resolve("inventory-scratch"));
        Path link = Files.createSymbolicLink(tmp.resolve("link-to-real.inv"), real);
        Path to = tmp.resolve("by-link");
        BundleException e = assertThrows(
                BundleException.class,
                () -> service.export(new ExportRequest(
                        to,
                        Selection.all(),
                        BundleFormat.BUNDLE,
                        "",
                        Optional.of(link),
                        Optional.empty(),
                        ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                        Map.of())));
        assertEquals(BundleException.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("is not a regular file"), e.getMessage());
        assertFalse(Files.exists(to));
        Path scratch = tmp.resolve("data/bundles").resolve(BundleService.SCRATCH);
        try (java.util.stream.Stream<Path> left =
                Files.exists(scratch) ? Files.list(scratch) : java.util.stream.Stream.empty()) {
            assertEquals(java.util.List.of(), left.toList(), "no scratch table left");
        }
    }

    @Test
    void namesAlreadyInTheStoreThatClimbOutAreNotWrittenOutside() throws Exception {
        // as an import before the key grammar could have left them
        Path abs = outside.resolve("abs");
        BundleFixture.put(store, "sumdb/" + abs + "/tile/8/0/000", "chosen bytes".getBytes(StandardCharsets.UTF_8));
        // ../../../ from the target's sumdb/ is the temporary directory's parent: a name only this run uses
        String climbed = "climbed-" + tmp.getFileName();
        BundleFixture.put(
                store, "sumdb/../../../" + climbed + "/tile/8/0/000", "chosen".getBytes(StandardCharsets.UTF_8));
        Path to = tmp.resolve("plain");
        BundleProgress p = goproxy(to);
        assertEquals(BundleProgress.State.SUCCEEDED, p.state(), p.error());
        assertFalse(Files.exists(abs), "wrote an absolute database name");
        assertFalse(Files.exists(tmp.getParent().resolve(climbed)), "wrote a .. database name");
        assertTrue(Files.isRegularFile(to.resolve(TILE)), "the good database is written");
        assertTrue(
                p.notes().stream().anyMatch(n -> n.contains("not written")),
                p.notes().toString());
    }

    @Test
    void aSymbolicLinkInTheTargetTreeRefusesThePlainExport() throws Exception {
        Path to = Files.createDirectories(tmp.resolve("plain"));
        Files.writeString(to.resolve(".ferry-export"), "");
        Files.createSymbolicLink(to.resolve("sumdb"), outside);
        BundleException e = assertThrows(
                BundleException.class, () -> service.export(request(to, BundleFormat.GOPROXY, Optional.empty())));
        assertEquals(BundleException.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        try (var s = Files.list(outside)) {
            assertEquals(0, s.count(), "written through the link");
        }
    }

    @Test
    void aPlainExportReplacesOnlyWhatAPlainExportWrote() throws Exception {
        Path to = Files.createDirectories(tmp.resolve("someone-elses"));
        Files.writeString(to.resolve("notes.txt"), "mine");
        BundleException e = assertThrows(
                BundleException.class, () -> service.export(request(to, BundleFormat.GOPROXY, Optional.empty())));
        assertEquals(BundleException.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("ferry replaces only its own"), e.getMessage());
        assertEquals("mine", Files.readString(to.resolve("notes.txt")));

        Path ours = tmp.resolve("ours");
        assertEquals(BundleProgress.State.SUCCEEDED, goproxy(ours).state());
        assertTrue(Files.isRegularFile(ours.resolve(".ferry-export")));
        BundleProgress again = goproxy(ours);
        assertEquals(BundleProgress.State.SUCCEEDED, again.state(), again.error());
    }

    @Test
    void anInventoryReplacesOnlyAnInventory() throws Exception {
        Path other = Files.writeString(tmp.resolve("important.conf"), "keep me");
        BundleException e = assertThrows(BundleException.class, () -> service.writeInventory(other));
        assertEquals(BundleException.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("not an inventory ferry wrote"), e.getMessage());
        assertEquals("keep me", Files.readString(other));

        Path link = Files.createSymbolicLink(tmp.resolve("link.inv"), other);
        assertThrows(BundleException.class, () -> service.writeInventory(link));
        assertEquals("keep me", Files.readString(other));

        Path inv = tmp.resolve("site.inv");
        service.writeInventory(inv);
        byte[] first = Files.readAllBytes(inv);
        BundleFixture.put(store, "oci/blob/sha256:" + "ab".repeat(32), "more".getBytes(StandardCharsets.UTF_8));
        service.writeInventory(inv);
        assertFalse(java.util.Arrays.equals(first, Files.readAllBytes(inv)), "the inventory was not replaced");
        assertArrayEquals(
                "ferry-inventory 1\n".getBytes(StandardCharsets.US_ASCII),
                java.util.Arrays.copyOf(Files.readAllBytes(inv), 18));
    }

    @Test
    void aRefusedExportCreatesNoDirectories() {
        Path chain = tmp.resolve("x/y/z");
        BundleException e = assertThrows(
                BundleException.class,
                () -> service.export(request(chain, BundleFormat.BUNDLE, Optional.of("20261121T134500Z-1a2b3c4d"))));
        assertEquals(BundleException.Kind.NOT_FOUND, e.kind());
        assertFalse(Files.exists(tmp.resolve("x")), "a refused export created " + tmp.resolve("x"));
    }
}
