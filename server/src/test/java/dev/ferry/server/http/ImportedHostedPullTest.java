package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.mirror.oci.CachingRegistryMirror;
import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.mirror.oci.OciMirrorSettings;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.server.hosted.HostedInStore;
import dev.ferry.server.hosted.HostedRegistry;
import dev.ferry.server.hosted.HostedSettings;
import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.server.registryauth.RegistryAuth;
import dev.ferry.server.registryauth.RegistryUsers;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.sync.bundle.BundleFormat;
import dev.ferry.sync.bundle.BundleProgress;
import dev.ferry.sync.bundle.BundleService;
import dev.ferry.sync.bundle.ExportRequest;
import dev.ferry.sync.bundle.ImportRequest;
import dev.ferry.sync.bundle.Selection;
import dev.ferry.upstreams.oci.HttpRegistryClient;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.UpstreamEvents;
import io.helidon.webserver.WebServer;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disconnected site (docker.io=off) imported a bundle from a site that hosts team/app. Pulled without
 * {@code --hosted team}, the name goes to the offline docker.io mirror; the answer must say the repository came in
 * that bundle and which flag serves it, and the flag must then serve it.
 */
class ImportedHostedPullTest {
    static final Path LAYOUT = Path.of(System.getProperty("ferry.fixtures", "../../shared/fixtures"))
            .resolve("oci/layout");
    static final RepositoryName APP = RepositoryName.parse("team/app");
    static final String MANIFEST = "b2302881ff0e3e948d5b997559bd2661fad201c00688554156cdb97d3cb2a989";
    static final String[] BLOBS = {
        "c79b438149800995194046570ead4a4cf10997be6b059980aa3fe0a77348e464",
        "189bb3097995183a0df5f087b96d240413b3b146cfcd10fd59c752dfa3205e47"
    };

    @TempDir
    Path tmp;

    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aPullOfAnImportedHostedRepositoryNamesTheBundleAndTheFlag() throws Exception {
        Signer signer = Signer.generate("ferry-a.example");
        String bundleId;
        try (RocksContentStore a = RocksContentStore.open(tmp.resolve("a/store"), StoreOptions.defaults());
                BundleService sa =
                        new BundleService(a, tmp.resolve("a"), () -> Optional.of(signer), Clock.systemUTC(), 5)) {
            push(a);
            BundleProgress exported = sa.await(sa.export(new ExportRequest(
                                    tmp.resolve("medium"),
                                    Selection.all(),
                                    BundleFormat.BUNDLE,
                                    "b",
                                    Optional.empty(),
                                    Optional.empty(),
                                    ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                                    Map.of()))
                            .id())
                    .orElseThrow();
            assertEquals(BundleProgress.State.SUCCEEDED, exported.state(), exported.error());
            bundleId = exported.bundleId();
            try (RocksContentStore b = RocksContentStore.open(tmp.resolve("b/store"), StoreOptions.defaults());
                    BundleService sb = new BundleService(b, tmp.resolve("b"), Optional::empty, Clock.systemUTC(), 5);
                    HttpRegistryClient none = new HttpRegistryClient(
                            "docker.io", List.of(), PoolSettings.defaults(), UpstreamEvents.NONE, Clock.systemUTC())) {
                BundleProgress imported = sb.await(sb.importBundle(new ImportRequest(
                                        List.of(Path.of(exported.directory())), List.of(signer.verifier())))
                                .id())
                        .orElseThrow();
                assertEquals(BundleProgress.State.SUCCEEDED, imported.state(), imported.error());
                CachingRegistryMirror offline = new CachingRegistryMirror(
                        b,
                        none,
                        new OciMirrorSettings(Duration.ofMinutes(5), tmp.resolve("b/spool"), 1 << 20).withOffline(true),
                        Clock.systemUTC());

                // Without --hosted team: routed to docker.io, which is offline.
                WebServer server = serve(new OciRouting(
                        Map.of("docker.io", offline),
                        null,
                        List.of(),
                        "docker.io",
                        new RegistryAuth(RegistryUsers.NONE, true, Clock.systemUTC()),
                        1 << 20,
                        new HostedInStore(b)));
                try {
                    for (String path :
                            new String[] {"/v2/team/app/manifests/1.0", "/v2/team/app/blobs/sha256:" + BLOBS[1]}) {
                        HttpResponse<String> r = get(server, path);
                        assertEquals(404, r.statusCode(), r.body());
                        JsonNode error = new ObjectMapper()
                                .readTree(r.body())
                                .get("errors")
                                .get(0);
                        assertEquals("NAME_UNKNOWN", error.get("code").asText(), r.body());
                        String message = error.get("message").asText();
                        assertTrue(
                                message.startsWith(
                                        "repository team/app came in bundle " + bundleId
                                                + " as a hosted repository, which this ferry does not host; serve it with --hosted team"),
                                message);
                    }
                    // A name the store does not hold as hosted keeps the mirror's own answer.
                    HttpResponse<String> other = get(server, "/v2/team/other/manifests/1.0");
                    assertEquals(404, other.statusCode(), other.body());
                    assertFalse(other.body().contains("came in"), other.body());
                } finally {
                    server.stop();
                }

                // With --hosted team, as the message says: served.
                HostedRegistry hosted = new HostedRegistry(
                        b,
                        new HostedSettings(
                                Files.createDirectories(tmp.resolve("b/uploads")), 1 << 20, Duration.ofHours(1), false),
                        Clock.systemUTC());
                server = serve(new OciRouting(
                        Map.of("docker.io", offline),
                        hosted,
                        List.of("team"),
                        "docker.io",
                        new RegistryAuth(RegistryUsers.NONE, true, Clock.systemUTC()),
                        1 << 20,
                        new HostedInStore(b)));
                try {
                    HttpResponse<String> r = get(server, "/v2/team/app/manifests/1.0");
                    assertEquals(200, r.statusCode(), r.body());
                    assertEquals(
                            "sha256:" + MANIFEST,
                            r.headers().firstValue("Docker-Content-Digest").orElse(""));
                } finally {
                    server.stop();
                }
            }
        }
    }

    /** Pushes the fixture's tiny image as team/app:1.0 into a hosted registry on {@code store}. */
    void push(RocksContentStore store) throws Exception {
        HostedRegistry hosted = new HostedRegistry(
                store,
                new HostedSettings(
                        Files.createDirectories(tmp.resolve("a/uploads")), 1 << 20, Duration.ofHours(1), false),
                Clock.systemUTC());
        for (String blob : BLOBS) {
            byte[] bytes = Files.readAllBytes(LAYOUT.resolve("blobs/sha256/" + blob));
            assertTrue(
                    hosted.startUpload(
                                    APP, Digest.parse("sha256:" + blob), new ByteArrayInputStream(bytes), bytes.length)
                            instanceof OciAnswer.Created);
        }
        byte[] manifest = Files.readAllBytes(LAYOUT.resolve("blobs/sha256/" + MANIFEST));
        OciAnswer put = hosted.putManifest(
                APP,
                Reference.parse("1.0"),
                "application/vnd.oci.image.manifest.v1+json",
                new ByteArrayInputStream(manifest),
                manifest.length);
        assertTrue(put instanceof OciAnswer.Created, put.toString());
    }

    WebServer serve(OciRouting routing) {
        FerryRoutes routes = new FerryRoutes(
                r -> {
                    throw new AssertionError("a /v2/ request reached the Go mirror: " + r);
                },
                List.of(),
                new FerryMetrics(null),
                () -> true,
                dev.ferry.protocols.goproxy.ProxyRequest::parse,
                null,
                routing.handler());
        return FerryHttpServer.create("127.0.0.1", 0, routes, Duration.ofSeconds(1), FerryHttpServer.UNLIMITED)
                .start();
    }

    HttpResponse<String> get(WebServer server, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
