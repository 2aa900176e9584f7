package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.mirror.oci.OciStoreNames.Target;
import dev.ferry.mirror.sumdb.SumdbStoreNames;
import dev.ferry.protocols.bundle.MetaPolicy;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.semver.Version;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.storage.StoredObject;
import dev.ferry.sync.MirrorSet;
import dev.ferry.sync.bundle.SelectedContent.GoVersion;
import dev.ferry.sync.bundle.SelectedContent.ImageRepository;
import dev.ferry.sync.bundle.SelectedContent.MetaEntry;
import dev.ferry.sync.bundle.SelectedContent.NameEntry;
import dev.ferry.sync.bundle.StoreFixtures.FixtureTag;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Selections resolved against a RocksDB store filled as the mirrors fill it from the fixtures. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BundleSelectorTest {
    static final String REGISTRY = "registry.example";
    static final Target MIRROR = Target.mirror(REGISTRY);

    RocksContentStore store;
    BundleSelector selector;
    Map<String, FixtureTag> tags;
    Digest referrer;
    String fullTile = "sumdb/" + StoreFixtures.DB + "/tile/8/1/000";

    @BeforeAll
    void fill(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(StoreFixtures.GOCORPUS.resolve("proxy")), "no gocorpus fixture");
        assumeTrue(Files.isDirectory(StoreFixtures.OCI.resolve("layout")), "no oci fixture");
        store = RocksContentStore.open(tmp.resolve("store"), StoreOptions.defaults());
        selector = new BundleSelector(store);
        StoreFixtures.fillGo(store);
        StoreFixtures.fillSumdb(store);
        StoreFixtures.put(store, new byte[8192], Chunking.CONTENT_DEFINED, fullTile);
        StoreFixtures.fillOci(store, REGISTRY);
        tags = StoreFixtures.fixtureTags().stream().collect(Collectors.toMap(FixtureTag::ref, t -> t));
        // A signature of tiny:1.0, as the referrers API lists it (hosted key spelling).
        RepositoryName tiny = RepositoryName.parse("library/tiny");
        FixtureTag t = tags.get("tiny-1.0");
        byte[] sig = "signature".getBytes(StandardCharsets.UTF_8);
        Digest sigDigest = Digest.parse("sha256:" + OciLayoutsTest.sha256(sig));
        StoreFixtures.putBlob(store, MIRROR, tiny, sigDigest, sig);
        byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
        Digest emptyDigest = Digest.parse("sha256:" + OciLayoutsTest.sha256(empty));
        StoreFixtures.putBlob(store, MIRROR, tiny, emptyDigest, empty);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
                + "\"artifactType\":\"application/example.sig\",\"config\":{\"mediaType\":\"" + MediaTypes.OCI_EMPTY
                + "\",\"digest\":\"" + emptyDigest + "\",\"size\":2},\"layers\":[{\"mediaType\":\"application/"
                + "example.sig\",\"digest\":\"" + sigDigest + "\",\"size\":" + sig.length + "}],\"subject\":{"
                + "\"mediaType\":\"" + t.mediaType() + "\",\"digest\":\"" + t.digest() + "\",\"size\":" + t.size()
                + "}}";
        byte[] mb = manifest.getBytes(StandardCharsets.UTF_8);
        referrer = Digest.parse("sha256:" + OciLayoutsTest.sha256(mb));
        StoreFixtures.putBlob(store, MIRROR, tiny, referrer, mb);
        StoreFixtures.putMeta(
                store, OciStoreNames.manifestType(referrer), MediaTypes.OCI_MANIFEST.getBytes(StandardCharsets.UTF_8));
        StoreFixtures.putMeta(
                store,
                OciStoreNames.referrer(MIRROR, tiny, t.digest(), referrer),
                ("{\"digest\":\"" + referrer + "\"}").getBytes(StandardCharsets.UTF_8));
        StoredObject tinyObject = store.resolve(OciStoreNames.blob(t.digest())).orElseThrow();
        store.pin("prewarm:images", tinyObject.digest());
        StoredObject cobraZip = store.resolve(
                        GoStoreNames.file(ModulePath.parse("github.com/spf13/cobra"), Version.parse("v1.6.1"), "zip"))
                .orElseThrow();
        store.pin("set:tools", cobraZip.digest());
    }

    @AfterAll
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private SelectedContent select(List<String> modules, List<String> images) {
        return selector.select(new Selection(false, Optional.empty(), modules, images));
    }

    private static Set<String> versions(SelectedContent c) {
        return c.goVersions().stream().map(v -> v.module() + "@" + v.version()).collect(Collectors.toSet());
    }

    private static Map<String, MetaPolicy> meta(SelectedContent c) {
        Map<String, MetaPolicy> m = new TreeMap<>();
        for (MetaEntry e : c.meta()) {
            m.put(e.key(), e.policy());
        }
        return m;
    }

    private static Set<String> names(SelectedContent c) {
        return c.names().stream().map(NameEntry::name).collect(Collectors.toSet());
    }

    @Test
    void oneModuleVersionCarriesItsFilesRecordsLookupAndTheDatabase() {
        SelectedContent c = select(List.of("github.com/spf13/cobra@v1.6.1"), List.of());
        assertEquals(List.of(), c.notes());
        ModulePath cobra = ModulePath.parse("github.com/spf13/cobra");
        Version v = Version.parse("v1.6.1");
        assertEquals(
                List.of(new GoVersion(
                        cobra,
                        v,
                        Map.of(
                                "info",
                                GoStoreNames.file(cobra, v, "info"),
                                "mod",
                                GoStoreNames.file(cobra, v, "mod"),
                                "zip",
                                GoStoreNames.file(cobra, v, "zip")))),
                c.goVersions());
        assertEquals(
                Set.of(
                        GoStoreNames.file(cobra, v, "info"),
                        GoStoreNames.file(cobra, v, "mod"),
                        GoStoreNames.file(cobra, v, "zip"),
                        fullTile),
                names(c));
        String db = "sumdb/" + StoreFixtures.DB + "/";
        Map<String, MetaPolicy> m = meta(c);
        Map<String, MetaPolicy> notTiles = new TreeMap<>(m);
        notTiles.keySet().removeIf(k -> k.startsWith(db + "tile/"));
        assertEquals(
                Map.of(
                        GoStoreNames.versionRecord(cobra, v),
                        MetaPolicy.KEEP_EXISTING,
                        GoStoreNames.list(cobra),
                        MetaPolicy.REPLACE,
                        GoStoreNames.latest(cobra),
                        MetaPolicy.REPLACE,
                        db + "lookup/github.com/spf13/cobra@v1.6.1",
                        MetaPolicy.KEEP_EXISTING,
                        db + "latest",
                        MetaPolicy.REPLACE),
                notTiles);
        // Every partial tile the mirror kept (widths 1..81 of the level-0 and data tiles), to keep.
        Set<MetaPolicy> tilePolicies = m.entrySet().stream()
                .filter(e -> e.getKey().startsWith(db + "tile/"))
                .map(Map.Entry::getValue)
                .collect(Collectors.toSet());
        assertEquals(Set.of(MetaPolicy.KEEP_EXISTING), tilePolicies);
        assertEquals(162, m.size() - notTiles.size());
        assertTrue(m.containsKey(db + "tile/8/0/000.p/81") && m.containsKey(db + "tile/8/data/000.p/81"));
        assertEquals(1, c.sumdbs().size());
        var sumdb = c.sumdbs().get(0);
        assertEquals(StoreFixtures.DB, sumdb.name());
        assertEquals(List.of(db + "lookup/github.com/spf13/cobra@v1.6.1"), sumdb.lookups());
        assertEquals(163, sumdb.tiles().size());
        assertTrue(sumdb.tiles().containsAll(List.of(db + "tile/8/0/000.p/81", fullTile, db + "tile/8/data/000.p/81")));
        assertEquals(db + "latest", sumdb.latest());
        assertEquals(
                List.of(new SelectedContent.PinEntry(
                        "set:tools",
                        c.names().stream()
                                .filter(n -> n.name().endsWith(".zip"))
                                .findFirst()
                                .orElseThrow()
                                .object())),
                c.pins());
        assertTrue(c.images().isEmpty());
    }

    @Test
    void modulePatternsFollowGoprivateSyntaxAndVersionQueries() {
        assertEquals(
                Set.of(
                        "github.com/spf13/pflag@v1.0.4",
                        "github.com/spf13/pflag@v1.0.5",
                        "github.com/spf13/pflag@v1.0.6-0.20210604130154-d5e0c0615ace",
                        "github.com/spf13/cobra@v1.5.1",
                        "github.com/spf13/cobra@v1.6.0",
                        "github.com/spf13/cobra@v1.6.1",
                        "github.com/spf13/cobra@v1.6.2-0.20211004234425-4dc73628ef8e"),
                versions(select(List.of("github.com/spf13"), List.of())));
        // latest: the mirror's @latest answer (x/term's skips its -rc); vX.Y: the highest such release.
        assertEquals(
                Set.of("golang.org/x/sys@v0.3.0", "golang.org/x/term@v0.3.0", "golang.org/x/text@v0.7.0"),
                versions(select(List.of("golang.org/x/*@latest"), List.of())));
        assertEquals(
                Set.of("github.com/mattn/go-isatty@v0.0.17"),
                versions(select(List.of("github.com/mattn/go-isatty@v0.0"), List.of())));
        assertEquals(
                Set.of("github.com/mattn/go-isatty@v0.0.17", "github.com/mattn/go-isatty@v0.1.0-rc.1"),
                versions(select(List.of("github.com/mattn/go-isatty@>=v0.0.17"), List.of())));
        assertEquals(
                Set.of("github.com/BurntSushi/toml@v1.2.0"),
                versions(select(List.of("github.com/BurntSushi/toml@v1.2.0"), List.of())));
        SelectedContent none = select(List.of("example.com/nothing", "github.com/spf13/cobra@v9.0.0"), List.of());
        assertTrue(none.goVersions().isEmpty());
        assertEquals(
                List.of(
                        "example.com/nothing: matches no stored module",
                        "github.com/spf13/cobra@v9.0.0: no stored version of github.com/spf13/cobra matches v9.0.0"),
                none.notes());
        assertTrue(none.sumdbs().isEmpty());
    }

    @Test
    void aTagCarriesAnIndexItsChildrenBlobsAndLinks() {
        SelectedContent c = select(List.of(), List.of("library/duo:2.0"));
        assertEquals(List.of(), c.notes());
        assertEquals(1, c.images().size());
        ImageRepository duo = c.images().get(0);
        assertEquals("m/" + REGISTRY, duo.target());
        FixtureTag t = tags.get("duo-2.0");
        assertEquals(Map.of("2.0", t.digest()), duo.tags());
        assertEquals(3, duo.manifests().size());
        assertEquals(MediaTypes.OCI_INDEX, duo.manifests().get(t.digest()));
        assertEquals(6, duo.blobs().size(), duo.blobs().toString()); // two platforms, a config and two layers each
        RepositoryName repo = RepositoryName.parse("library/duo");
        Map<String, MetaPolicy> m = meta(c);
        assertEquals(
                MetaPolicy.REPLACE, m.get(OciStoreNames.tag(MIRROR, repo, dev.ferry.protocols.oci.Tag.parse("2.0"))));
        assertEquals(MetaPolicy.KEEP_EXISTING, m.get(OciStoreNames.repository(MIRROR, repo)));
        for (Digest d : duo.manifests().keySet()) {
            assertTrue(names(c).contains(OciStoreNames.blob(d)));
            assertEquals(MetaPolicy.KEEP_EXISTING, m.get(OciStoreNames.manifestType(d)));
            assertEquals(MetaPolicy.KEEP_EXISTING, m.get(OciStoreNames.link(MIRROR, repo, d)));
        }
        for (Digest d : duo.blobs()) {
            assertTrue(names(c).contains(OciStoreNames.blob(d)));
            assertEquals(MetaPolicy.KEEP_EXISTING, m.get(OciStoreNames.link(MIRROR, repo, d)));
        }
        assertEquals(9, c.names().size());
        assertTrue(c.goVersions().isEmpty());
        assertTrue(c.sumdbs().isEmpty());
    }

    @Test
    void referrersAndPinsTravelWithTheirSubject() {
        SelectedContent c = select(List.of(), List.of(REGISTRY + "/library/tiny:1.0"));
        assertEquals(List.of(), c.notes());
        ImageRepository tiny = c.images().get(0);
        assertEquals(Set.of("1.0"), tiny.tags().keySet());
        assertTrue(tiny.manifests().containsKey(referrer));
        assertEquals(4, tiny.blobs().size()); // config + layer, the signature's empty config + its layer
        FixtureTag t = tags.get("tiny-1.0");
        assertEquals(
                MetaPolicy.KEEP_EXISTING,
                meta(c).get(OciStoreNames.referrer(
                        MIRROR, RepositoryName.parse("library/tiny"), t.digest(), referrer)));
        Digest hex = t.digest();
        assertTrue(c.pins().stream()
                .anyMatch(p ->
                        p.pinSet().equals("prewarm:images") && p.object().hex().equals(hex.hex())));
    }

    @Test
    void imageGlobsTagsAndWhatIsNotStored() throws Exception {
        SelectedContent c = select(
                List.of(), List.of("apps/*/tags:r03", "apps/**", "other.example/library/tiny", "library/nothing"));
        Map<String, ImageRepository> byRepo =
                c.images().stream().collect(Collectors.toMap(r -> r.repository().value(), r -> r));
        assertEquals(Set.of("apps/medium", "apps/nested/tags"), byRepo.keySet());
        assertEquals(12, byRepo.get("apps/nested/tags").tags().size());
        assertEquals(
                List.of(
                        "other.example/library/tiny: matches no stored repository",
                        "library/nothing: matches no stored repository"),
                c.notes());

        // A platform of the index evicted: a note, the rest still selected.
        FixtureTag duo = tags.get("duo-2.0");
        var index = dev.ferry.protocols.oci.Manifest.parse(StoreFixtures.blobBytes(duo.digest()), duo.mediaType());
        Digest child = index.manifests().get(1).digest();
        assertTrue(store.delete(
                store.resolve(OciStoreNames.blob(child)).orElseThrow().digest(), true));
        try {
            SelectedContent d = select(List.of(), List.of("library/duo"));
            assertEquals(List.of("registry.example/library/duo:2.0: manifest " + child + " is not stored"), d.notes());
            assertEquals(2, d.images().get(0).manifests().size());
        } finally {
            StoreFixtures.putManifest(
                    store,
                    MIRROR,
                    RepositoryName.parse("library/duo"),
                    child,
                    index.manifests().get(1).mediaType());
        }
    }

    @Test
    void mirrorSetRulesApplyToWhatIsStored() {
        String yaml = """
                name: tools
                modules:
                  - path: github.com/spf13/cobra
                    versions: ">=v1.6.0"
                  - path: "gopkg.in/*"
                    versions: latest
                images:
                  - repository: registry.example/apps/nested/tags
                    tags: "r0[1-3]"
                  - repository: library/tiny
                  - repository: library/duo
                    semver: ">=2"
                    platforms: linux/amd64
                """;
        MirrorSet.Parsed parsed = MirrorSet.parse("tools.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(), parsed.errors());
        SelectedContent c = selector.select(new Selection(false, Optional.of(parsed.set()), List.of(), List.of()));
        assertEquals(
                Set.of(
                        "github.com/spf13/cobra@v1.6.0",
                        "github.com/spf13/cobra@v1.6.1",
                        "github.com/spf13/cobra@v1.6.2-0.20211004234425-4dc73628ef8e",
                        "gopkg.in/check.v1@v1.0.0-20200902225931-038fdea065d6",
                        "gopkg.in/yaml.v3@v3.0.1"),
                versions(c));
        Map<String, Set<String>> imageTags = c.images().stream()
                .collect(Collectors.toMap(
                        r -> r.repository().value(), r -> r.tags().keySet()));
        assertEquals(
                Map.of(
                        "apps/nested/tags",
                        Set.of("r01", "r02", "r03"),
                        "library/tiny",
                        Set.of("latest"),
                        "library/duo",
                        Set.of("2.0")),
                imageTags);
        assertEquals(List.of(), c.notes());
    }

    @Test
    void everythingSkipsOnlyChecksumTrustState() {
        SelectedContent c = selector.select(Selection.all());
        assertEquals(81, c.goVersions().size());
        assertEquals(4, c.images().size()); // tiny, duo, medium, nested/tags, as mirrored
        Map<String, MetaPolicy> m = meta(c);
        assertFalse(m.containsKey(SumdbStoreNames.trusted(StoreFixtures.DB)));
        assertTrue(m.keySet().stream().noneMatch(k -> k.contains("/evidence/")));
        assertEquals(81, c.sumdbs().get(0).lookups().size());
        Set<String> all = names(c);
        store.scanNames("", (name, object) -> {
            assertTrue(all.contains(name), name);
            return true;
        });
        store.scanMeta("oci/", (key, value) -> {
            assertTrue(m.containsKey(key), key);
            return true;
        });
        store.scanMeta("go/", (key, value) -> {
            assertTrue(m.containsKey(key), key);
            return true;
        });
    }

    @Test
    void badPatternsAreRefusedWithTheirText() {
        for (String bad : List.of("github.com/x@notaversion", "")) {
            BundleException e = assertThrows(
                    BundleException.class,
                    () -> BundleSelector.check(new Selection(false, Optional.empty(), List.of(bad), List.of())));
            assertEquals(BundleException.Kind.BAD_REQUEST, e.kind());
        }
        for (String bad : List.of("Library/Tiny", "library/tiny:1.0@sha256:00", "library/tiny:bad tag")) {
            BundleException e = assertThrows(
                    BundleException.class,
                    () -> BundleSelector.check(new Selection(false, Optional.empty(), List.of(), List.of(bad))));
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> select(List.of("a@b"), List.of()));
    }
}
