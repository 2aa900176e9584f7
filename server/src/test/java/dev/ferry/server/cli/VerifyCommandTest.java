package dev.ferry.server.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ferry.mirror.go.CachingGoModuleMirror;
import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.go.GoMirrorSettings;
import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.upstreams.GoProxyList;
import dev.ferry.upstreams.HttpGoProxyClient;
import dev.ferry.upstreams.UpstreamEvents;
import dev.ferry.upstreams.UpstreamTimeouts;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry verify} on a store filled through the mirror, intact, damaged, repaired, and in use. */
class VerifyCommandTest {
    static final Path PROXY = Path.of(System.getProperty("ferry.fixtures", "../../shared/fixtures")).resolve("gocorpus/proxy");
    static final String EWMA = "github.com/!vivid!cortex/ewma/@v/";
    static final ModulePath EWMA_PATH = ModulePath.parse("github.com/VividCortex/ewma");

    @TempDir
    Path tmp;

    final WireMockServer up = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void fill() throws Exception {
        up.start();
        for (String v : new String[] {"v1.1.0", "v1.1.1"}) {
            for (String ext : new String[] {"info", "mod", "zip"}) {
                up.stubFor(get(urlEqualTo("/" + EWMA + v + "." + ext)).willReturn(aResponse().withStatus(200)
                        .withBody(Files.readAllBytes(PROXY.resolve(EWMA + v + "." + ext)))));
            }
        }
        try (RocksContentStore store = RocksContentStore.open(tmp.resolve("data/store"), StoreOptions.defaults())) {
            CachingGoModuleMirror mirror = new CachingGoModuleMirror(store, new HttpGoProxyClient(GoProxyList.parse(up.baseUrl()),
                    UpstreamTimeouts.defaults(), UpstreamEvents.NONE), new GoMirrorSettings(Duration.ofMinutes(5), Duration.ofMinutes(1))
                    .withSpoolDir(tmp.resolve("spool")), Clock.systemUTC());
            for (String v : new String[] {"v1.1.0", "v1.1.1"}) {
                for (String ext : new String[] {"info", "mod", "zip"}) {
                    GoAnswer.Content c = (GoAnswer.Content) mirror.answer(ProxyRequest.parse("/" + EWMA + v + "." + ext));
                    c.body().writeTo(OutputStream.nullOutputStream());
                }
            }
        }
    }

    @AfterEach
    void stop() {
        up.stop();
    }

    int verify(String... extra) {
        String[] args = new String[4 + extra.length];
        args[0] = "verify";
        args[1] = "--data";
        args[2] = tmp.resolve("data").toString();
        args[3] = "--sumdb=off";
        System.arraycopy(extra, 0, args, 4, extra.length);
        return FerryMain.run(args, Map.of(), ServeCommand.Launcher.PRODUCTION, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    /** Points v1.1.1's .zip name at v1.1.0's zip: the bytes are intact, but not the ones recorded. */
    void swapZip() throws Exception {
        try (RocksContentStore store = RocksContentStore.open(tmp.resolve("data/store"), StoreOptions.defaults())) {
            var other = store.resolve(GoStoreNames.file(EWMA_PATH, Version.parseCanonical("v1.1.0"), "zip")).orElseThrow();
            store.update(b -> b.putName(GoStoreNames.file(EWMA_PATH, Version.parseCanonical("v1.1.1"), "zip"), other.digest()));
        }
    }

    @Test
    void anIntactStorePasses() {
        assertEquals(0, verify(), out + "\n" + err);
        assertTrue(out.toString().contains("6 module files checked, 0 corrupt"), out.toString());
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
