package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tampered upstream, with the real go command: one module zip rewritten and one go.mod changed (as
 * gocorpus/check.sh does), served in front of the genuine fixture and its checksum database. ferry must refuse both,
 * store neither, and tell the client which module version and which hashes.
 */
class ChecksumIT {
    static final String COBRA_ZIP = "github.com/spf13/cobra/@v/v1.6.1.zip";
    static final String UUID_MOD = "github.com/google/uuid/@v/v1.3.0.mod";

    @TempDir
    Path tmp;

    @Test
    void aTamperedUpstreamIsRefusedAndNothingOfItIsStored() throws Exception {
        Path overlay = tmp.resolve("tampered");
        Files.createDirectories(overlay.resolve(COBRA_ZIP).getParent());
        Files.write(
                overlay.resolve(COBRA_ZIP),
                rewriteOneGoFile(Files.readAllBytes(Fixtures.goProxyTree().resolve(COBRA_ZIP))));
        Files.createDirectories(overlay.resolve(UUID_MOD).getParent());
        Files.writeString(
                overlay.resolve(UUID_MOD),
                Files.readString(Fixtures.goProxyTree().resolve(UUID_MOD)) + "// tampered\n");
        String key = Fixtures.sumdbKey();
        String name = key.split("\\+")[0];
        Path app = Fixtures.copyApp(tmp.resolve("app"));

        try (StaticGoProxy upstream = new StaticGoProxy(overlay, Fixtures.goProxyTree());
                FerryProcess ferry = FerryProcess.start(
                        tmp.resolve("data"),
                        tmp.resolve("ferry.log"),
                        "--go-upstream",
                        upstream.url(),
                        "--sumdb",
                        key)) {
            GoTool go = new GoTool(tmp.resolve("go"), ferry.url(), key + " " + ferry.url() + "/sumdb/" + name);
            GoTool.Result r = go.run(app, "mod", "download", "all");
            go.makeDeletable();
            assertFalse(r.ok(), "the go command must fail:\n" + r.output());
            assertTrue(
                    r.output().contains("github.com/spf13/cobra@v1.6.1.zip")
                            && r.output().contains("checksum mismatch"),
                    r.output());
            assertTrue(r.output().contains("github.com/google/uuid@v1.3.0.mod"), r.output());
            assertTrue(r.output().contains("h1:"), "both hashes are named:\n" + r.output());

            HttpClient http = HttpClient.newHttpClient();
            for (String path : new String[] {COBRA_ZIP, UUID_MOD}) {
                HttpResponse<String> again = http.send(
                        HttpRequest.newBuilder(URI.create(ferry.url() + "/" + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(502, again.statusCode(), path + " was stored or served: " + again.body());
                assertTrue(
                        again.body().contains("checksum mismatch")
                                && again.body().matches("(?s).*h1:.*h1:.*"),
                        again.body());
            }
            String metrics = http.send(
                            HttpRequest.newBuilder(URI.create(ferry.url() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertTrue(metrics.contains("ferry_sumdb_verifications_total{result=\"mismatch\"}"), metrics);
            assertFalse(metrics.contains("ferry_sumdb_verifications_total{result=\"mismatch\"} 0"), metrics);
            String log = Files.readString(tmp.resolve("ferry.log"));
            assertTrue(log.contains("WARN") && log.contains("checksum mismatch"), "logged at warning level");
        }
    }

    static byte[] rewriteOneGoFile(byte[] zip) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean done = false;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip));
                ZipOutputStream z = new ZipOutputStream(out)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] data = in.readAllBytes();
                if (!done && e.getName().endsWith(".go") && !e.getName().endsWith("_test.go")) {
                    data = (new String(data, StandardCharsets.UTF_8) + "\n// tampered\n")
                            .getBytes(StandardCharsets.UTF_8);
                    done = true;
                }
                z.putNextEntry(new ZipEntry(e.getName()));
                z.write(data);
                z.closeEntry();
            }
        }
        return out.toByteArray();
    }
}
