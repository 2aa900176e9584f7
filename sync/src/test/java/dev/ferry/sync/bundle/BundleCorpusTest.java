package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixture corpus (Go modules, checksum database, OCI images) through the real selector, A to B. */
class BundleCorpusTest {
    @TempDir
    Path tmp;

    @Test
    void everythingSelectedArrivesAtTheOtherSite() throws Exception {
        assumeTrue(Files.isDirectory(StoreFixtures.GOCORPUS.resolve("proxy")), "no gocorpus fixture");
        assumeTrue(Files.isDirectory(StoreFixtures.OCI.resolve("layout")), "no oci fixture");
        Signer signer = Signer.generate("ferry-a.example");
        try (RocksContentStore a = RocksContentStore.open(tmp.resolve("a"), StoreOptions.defaults());
                RocksContentStore b = RocksContentStore.open(tmp.resolve("b"), StoreOptions.defaults());
                BundleService sa = new BundleService(
                        a,
                        tmp.resolve("a-data"),
                        () -> Optional.of(signer),
                        Clock.systemUTC(),
                        5,
                        Map::of,
                        StoreFixtures.sumdb());
                BundleService sb = new BundleService(
                        b,
                        tmp.resolve("b-data"),
                        Optional::empty,
                        Clock.systemUTC(),
                        5,
                        Map::of,
                        StoreFixtures.sumdb())) {
            StoreFixtures.fillGo(a);
            StoreFixtures.fillSumdb(a);
            StoreFixtures.fillOci(a, "registry.fixture.example");
            SelectedContent selected = new BundleSelector(a).select(Selection.all());
            assertFalse(selected.names().isEmpty());

            BundleProgress exported =
                    BundleFixture.exportAll(sa, tmp.resolve("medium"), "b", ExportRequest.DEFAULT_MAX_VOLUME_SIZE);
            BundleProgress imported = sb.await(sb.importBundle(new ImportRequest(
                                    List.of(tmp.resolve("medium").resolve(exported.bundleId())),
                                    List.of(signer.verifier())))
                            .id())
                    .orElseThrow();
            assertEquals(BundleProgress.State.SUCCEEDED, imported.state(), imported.error());

            for (SelectedContent.NameEntry n : selected.names()) {
                assertEquals(Optional.of(n.object()), b.resolve(n.name()).map(o -> o.digest()), n.name());
                assertEquals(BundleFixture.contentDigest(a, n.object()), BundleFixture.contentDigest(b, n.object()));
            }
            for (SelectedContent.MetaEntry m : selected.meta()) {
                assertArrayEquals(m.value(), b.meta(m.key()).orElseThrow(), m.key());
            }
        }
    }
}
