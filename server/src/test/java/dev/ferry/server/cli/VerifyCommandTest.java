package dev.ferry.server.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ferry.mirror.go.CachingGoModuleMirror;
import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.go.GoMirrorSettings;
import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.oci.CachingRegistryMirror;
import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.mirror.oci.OciMirrorSettings;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.semver.Version;
import dev.ferry.storage.ChunkDamagedException;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreDamage;
import dev.ferry.storage.StoreOptions;
import dev.ferry.testing.LoopbackWireMock;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.goproxy.HttpGoProxyClient;
import dev.ferry.upstreams.oci.HttpRegistryClient;
import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamEvents;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry verify} on a store filled through the mirrors (Go modules, and an image pulled through a registry
 * mirror from the shared OCI layout), intact, damaged, repaired, and in use.
 */
class VerifyCommandTest {
    static final Path PROXY = Path.of(System.getProperty("ferry.fixtures", "../../shared/fixtures"))
            .resolve("gocorpus/proxy");
    static final String EWMA = "github.com/!vivid!cortex/ewma/@v/";
    static final ModulePath EWMA_PATH = ModulePath.parse("github.com/VividCortex/ewma");

    static final Path OCI_LAYOUT = PROXY.getParent().getParent().resolve("oci/layout");
    static final RepositoryName TINY = RepositoryName.parse("library/tiny");
    static final Digest TINY_MANIFEST =
            Digest.parse("sha256:b2302881ff0e3e948d5b997559bd2661fad201c00688554156cdb97d3cb2a989");
    static final Digest TINY_CONFIG =
            Digest.parse("sha256:c79b438149800995194046570ead4a4cf10997be6b059980aa3fe0a77348e464");
    static final Digest TINY_LAYER =
            Digest.parse("sha256:189bb3097995183a0df5f087b96d240413b3b146cfcd10fd59c752dfa3205e47");

    @TempDir
    Path tmp;

    final WireMockServer up = LoopbackWireMock.server();
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void fill() throws Exception {
        up.start();
        for (String v : new String[] {"v1.1.0", "v1.1.1"}) {
            for (String ext : new String[] {"info", "mod", "zip"}) {
                up.stubFor(get(urlEqualTo("/" + EWMA + v + "." + ext))
                        .willReturn(aResponse()
                                .withStatus(200)
                                .withBody(Files.readAllBytes(PROXY.resolve(EWMA + v + "." + ext)))));
            }
        }
        try (RocksContentStore store = RocksContentStore.open(tmp.resolve("data/store"), StoreOptions.defaults())) {
            CachingGoModuleMirror mirror = new CachingGoModuleMirror(
                    store,
                    new HttpGoProxyClient(
                            GoProxyList.parse(up.baseUrl()), UpstreamTimeouts.defaults(), UpstreamEvents.NONE),
                    new GoMirrorSettings(Duration.ofMinutes(5), Duration.ofMinutes(1))
                            .withSpoolDir(tmp.resolve("spool")),
                    Clock.systemUTC());
            for (String v : new String[] {"v1.1.0", "v1.1.1"}) {
                for (String ext : new String[] {"info", "mod", "zip"}) {
                    GoAnswer.Content c =
                            (GoAnswer.Content) mirror.answer(ProxyRequest.parse("/" + EWMA + v + "." + ext));
                    c.body().writeTo(OutputStream.nullOutputStream());
                }
            }
        }
    }

    @AfterEach
    void stop() {
        up.stop();
    }

    /** Pulls library/tiny by digest (manifest, config, layer) through a docker.io mirror of {@code registry}. */
    void pullTiny(StaticOciRegistry registry) throws Exception {
        Upstream endpoint = new Upstream(
                URI.create(registry.url()),
                registry.url(),
                AfterFailure.MOVE_ON,
                1,
                Credentials.NONE,
                UpstreamTimeouts.defaults());
        try (RocksContentStore store = RocksContentStore.open(tmp.resolve("data/store"), StoreOptions.defaults());
                HttpRegistryClient client = new HttpRegistryClient(
                        "docker.io",
                        List.of(endpoint),
                        PoolSettings.defaults(),
                        UpstreamEvents.NONE,
                        Clock.systemUTC())) {
            CachingRegistryMirror mirror = new CachingRegistryMirror(
                    store,
                    client,
                    new OciMirrorSettings(Duration.ofMinutes(5), tmp.resolve("spool"), 1 << 20),
                    Clock.systemUTC());
            drain(mirror.manifest(TINY, new Reference.ByDigest(TINY_MANIFEST), false));
            drain(mirror.blob(TINY, TINY_CONFIG, false, null));
            drain(mirror.blob(TINY, TINY_LAYER, false, null));
        }
    }

    static void drain(OciAnswer answer) throws Exception {
        ((OciAnswer.Content) answer).body().writeTo(OutputStream.nullOutputStream());
    }

    /** Flips a bit in the first chunk stored for {@code digest}, beneath RocksDB, as a failing disk would. */
    void damage(Digest digest) throws Exception {
        try (RocksContentStore store = RocksContentStore.open(tmp.resolve("data/store"), StoreOptions.defaults())) {
            var object = store.resolve(OciStoreNames.blob(digest)).orElseThrow();
            StoreDamage.flipBit(
                    store,
                    store.chunksOf(object.digest()).orElseThrow().getFirst().digest(),
                    10);
        }
    }

    int verify(String... extra) {
        String[] args = new String[4 + extra.length];
        args[0] = "verify";
        args[1] = "--data";
        args[2] = tmp.resolve("data").toString();
        args[3] = "--sumdb=off";
        System.arraycopy(extra, 0, args, 4, extra.length);
        return FerryMain.run(
                args,
                Map.of(),
                ServeCommand.Launcher.PRODUCTION,
                new PrintWriter(out, true),
                new PrintWriter(err, true));
    }

    /** Points v1.1.1's .zip name at v1.1.0's zip: the bytes are intact, but not the ones recorded. */
    void swapZip() throws Exception {
        try (RocksContentStore store = RocksContentStore.open(tmp.resolve("data/store"), StoreOptions.defaults())) {
            var other = store.resolve(GoStoreNames.file(EWMA_PATH, Version.parseCanonical("v1.1.0"), "zip"))
                    .orElseThrow();
            store.update(b ->
                    b.putName(GoStoreNames.file(EWMA_PATH, Version.parseCanonical("v1.1.1"), "zip"), other.digest()));
        }
    }

    @Test
    void anIntactStorePasses() {
        assertEquals(0, verify(), out + "\n" + err);
        assertTrue(out.toString().contains("checked 6 module files (0 corrupt, 0 repaired)"), out.toString());
    }

    @Test
    void ociManifestsAndBlobsAreCountedPerKind() throws Exception {
        try (StaticOciRegistry registry = new StaticOciRegistry(OCI_LAYOUT)) {
            pullTiny(registry);
        }
        assertEquals(0, verify(), out + "\n" + err);
        assertTrue(
                out.toString().contains("1 OCI manifests (0 corrupt, 0 repaired), 2 OCI blobs (0 corrupt, 0 repaired)"),
                out.toString());
    }

    @Test
    void aDamagedBlobIsReportedAndRepairedThroughItsRegistry() throws Exception {
        try (StaticOciRegistry registry = new StaticOciRegistry(OCI_LAYOUT)) {
            pullTiny(registry);
            damage(TINY_LAYER);
            registry.asked.clear();
            assertThrows(ChunkDamagedException.class, () -> pullTiny(registry), "the mirror never serves the damage");
            assertTrue(registry.asked.isEmpty(), "served from the store: " + registry.asked);

            assertEquals(1, verify(), out.toString());
            assertTrue(out.toString().contains("CORRUPT OCI blob " + TINY_LAYER + ": corrupt"), out.toString());
            // caught by the chunk's recorded CRC32C on read, before any hash of the whole blob
            assertTrue(out.toString().contains("(damaged on disk)"), out.toString());
            assertTrue(out.toString().contains("2 OCI blobs (1 corrupt, 0 repaired)"), out.toString());

            out.getBuffer().setLength(0);
            registry.asked.clear();
            assertEquals(0, verify("--repair", "--registry", "docker.io=" + registry.url()), out + "\n" + err);
            assertTrue(out.toString().contains("REPAIRED OCI blob " + TINY_LAYER), out.toString());
            assertTrue(out.toString().contains("2 OCI blobs (1 corrupt, 1 repaired)"), out.toString());
            assertTrue(registry.asked.contains("GET /v2/library/tiny/blobs/" + TINY_LAYER), registry.asked.toString());
        }
        out.getBuffer().setLength(0);
        assertEquals(0, verify(), out.toString());
        assertTrue(out.toString().contains("2 OCI blobs (0 corrupt, 0 repaired)"), out.toString());
    }

    @Test
    void aDamagedManifestWithoutItsRegistryIsNotRepairedAndSaysWhichFlagWouldDoIt() throws Exception {
        try (StaticOciRegistry registry = new StaticOciRegistry(OCI_LAYOUT)) {
            pullTiny(registry);
        }
        damage(TINY_MANIFEST);
        assertEquals(1, verify("--repair"), out.toString());
        assertTrue(out.toString().contains("CORRUPT OCI manifest " + TINY_MANIFEST), out.toString());
        assertTrue(
                out.toString()
                        .contains("NOT REPAIRED OCI manifest " + TINY_MANIFEST
                                + ": it came from registry docker.io (library/tiny): give --registry docker.io=URL"),
                out.toString());
        assertTrue(out.toString().contains("1 OCI manifests (1 corrupt, 0 repaired)"), out.toString());
        assertFalse(out.toString().contains("REPAIRED OCI blob"), out.toString());
    }

    @Test
    void aFileThatIsNotWhatWasRecordedIsReportedAndRepaired() throws Exception {
        swapZip();
        assertEquals(1, verify(), out.toString());
        assertTrue(out.toString().contains("CORRUPT github.com/VividCortex/ewma@v1.1.1.zip"), out.toString());

        out.getBuffer().setLength(0);
        assertEquals(0, verify("--repair", "--go-upstream", up.baseUrl()), out + "\n" + err);
        assertTrue(out.toString().contains("REPAIRED github.com/VividCortex/ewma@v1.1.1.zip"), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, verify(), out.toString());
    }

    @Test
    void aRunningServersDirectoryIsRefused() throws Exception {
        try (RocksContentStore running = RocksContentStore.open(tmp.resolve("data/store"), StoreOptions.defaults())) {
            assertEquals(1, verify());
            assertTrue(err.toString().contains("stop ferry first"), err.toString());
        }
    }
}
