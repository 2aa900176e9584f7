package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prewarm end to end, through the {@code ferry} CLI as its own process against a running ferry: the fixture app's
 * go.mod, then the upstream stopped, then the real {@code go build} with an empty module cache; a go.mod with a
 * bad line (reported by file:line, the rest still fetched, exit 1); an image prewarmed for one platform from a
 * docker-registry upstream, then the upstream stopped, then {@code skopeo copy} through ferry for that platform
 * (and not for another).
 */
class PrewarmIT {
    private static final String TOKEN = "prewarm-it-admin-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static Cli cli(String... args) throws IOException, InterruptedException {
        return Cli.run(TOKEN, args);
    }

    @Test
    void prewarmedGoModBuildsWithTheUpstreamGoneAndABadLineIsReportedByFileAndLine() throws Exception {
        Path app = Fixtures.copyApp(tmp.resolve("app"));
        String key = Fixtures.sumdbKey();
        String sumdbName = key.split("\\+")[0];
        StaticGoProxy upstream = new StaticGoProxy(Fixtures.goProxyTree());
        try (FerryProcess ferry = FerryProcess.start(
                tmp.resolve("data"),
                tmp.resolve("ferry.log"),
                Map.of("FERRY_ADMIN_TOKEN", TOKEN),
                "--go-upstream",
                upstream.url(),
                "--sumdb",
                key)) {
            // Before any prewarm: a wrong token is refused with a clear message.
            Cli refused = cliWithToken("wrong-token", "storage", "--server", ferry.url());
            assertEquals(1, refused.exit(), refused.output());
            assertTrue(refused.output().contains("refused the admin token (401)"), refused.output());

            Cli prewarm = cli("prewarm", "go", "--gomod", app.resolve("go.mod").toString(), "--server", ferry.url());
            assertEquals(0, prewarm.exit(), prewarm.output());
            assertTrue(prewarm.output().contains("succeeded: "), prewarm.output());
            assertTrue(prewarm.output().contains(" 0 failed"), prewarm.output());
            long zips =
                    upstream.paths().stream().filter(p -> p.endsWith(".zip")).count();
            assertTrue(zips >= 20, "zips fetched from upstream by the prewarm: " + upstream.paths());

            // A rerun does no upstream work for what is stored.
            int before = upstream.requests();
            Cli again = cli("prewarm", "go", "--gomod", app.resolve("go.mod").toString(), "--server", ferry.url());
            assertEquals(0, again.exit(), again.output());
            assertEquals(
                    0,
                    upstream.paths().stream()
                            .skip(before)
                            .filter(p -> p.endsWith(".zip"))
                            .count(),
                    "a rerun fetched zips again: "
                            + upstream.paths().subList(before, upstream.paths().size()));

            // A go.mod with a bad line: the line is reported as FILE:LINE, the rest still runs, exit 1.
            Path bad = tmp.resolve("bad").resolve("go.mod");
            Files.createDirectories(bad.getParent());
            Files.writeString(
                    bad,
                    Files.readString(app.resolve("go.mod"))
                            .replaceFirst("(?m)^go 1\\.19$", "go 1.19\nfrobnicate everything"));
            Cli badRun = cli("prewarm", "go", "--gomod", bad.toString(), "--server", ferry.url());
            assertEquals(1, badRun.exit(), badRun.output());
            assertTrue(badRun.output().contains("plan errors:\n  " + bad + ":4: "), badRun.output());
            assertTrue(
                    badRun.output()
                            .matches("(?s).*failed: \\d{2,} items, \\d{2,} fetched or already stored, 0 failed.*"),
                    "the rest of the go.mod still ran:\n" + badRun.output());

            Cli storage = cli("storage", "--server", ferry.url(), "--json");
            assertEquals(0, storage.exit(), storage.output());
            JsonNode s = JSON.readTree(storage.output());
            assertTrue(s.get("pinned").get("objects").asLong() >= 3 * 20, storage.output());

            upstream.close();
            // A fresh machine: empty module cache, GOSUMDB verified through ferry; the upstream is gone.
            GoTool go = new GoTool(tmp.resolve("go"), ferry.url(), key + " " + ferry.url() + "/sumdb/" + sumdbName);
            Path bin = tmp.resolve("fixtureapp");
            GoTool.Result build = go.run(app, "build", "-o", bin.toString(), ".");
            assertTrue(build.ok(), "go build with the upstream gone, after prewarm:\n" + build.output());
            Process p =
                    new ProcessBuilder(bin.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), out);
            go.makeDeletable();

            List<String> audit = Files.readAllLines(tmp.resolve("data").resolve("audit.log"));
            assertEquals(4, audit.size(), String.join("\n", audit)); // the refusal and three prewarm starts
            assertTrue(audit.get(0).contains("\"who\":\"unauthenticated\""), audit.get(0));
            assertTrue(audit.get(1).contains("\"action\":\"POST /admin/api/prewarm\""), audit.get(1));
        } finally {
            upstream.close();
        }
    }

    static Cli cliWithToken(String token, String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--admin-token", token));
        return cli(all.toArray(String[]::new));
    }

    @Test
    void prewarmedImageIsServedForTheChosenPlatformWithTheUpstreamGone() throws Exception {
        assumeTrue(DockerRegistry.installed(), "docker-registry not installed (apt-get install docker-registry)");
        assumeTrue(Skopeo.installed(), "skopeo not installed (apt-get install skopeo)");
        try (DockerRegistry upstream = new DockerRegistry(tmp.resolve("upstream"), null, null)) {
            OciFixtures.push(upstream.hostPort(), null, tmp.resolve("push-home"));
            try (FerryProcess ferry = FerryProcess.start(
                    tmp.resolve("data"),
                    tmp.resolve("ferry.log"),
                    Map.of("FERRY_ADMIN_TOKEN", TOKEN),
                    "--go-upstream",
                    "off",
                    "--sumdb",
                    "off",
                    "--registry",
                    "docker.io=" + upstream.url(),
                    "--default-registry",
                    "docker.io")) {
                Cli prewarm = cli(
                        "prewarm",
                        "image",
                        "docker.io/library/duo:2.0",
                        "library/tiny:1.0",
                        "--platform",
                        "linux/amd64",
                        "--server",
                        ferry.url());
                assertEquals(0, prewarm.exit(), prewarm.output());
                assertTrue(
                        prewarm.output().contains("succeeded: 2 items, 2 fetched or already stored, 0 failed"),
                        prewarm.output());

                // A reference that does not exist: reported with the reason, exit 1.
                Cli missing = cli("prewarm", "image", "library/nothing-here:1", "--server", ferry.url());
                assertEquals(1, missing.exit(), missing.output());
                assertTrue(missing.output().contains("failures:\n  library/nothing-here:1: "), missing.output());

                upstream.stop();
                String host = ferry.base().getHost() + ":" + ferry.base().getPort();
                Skopeo skopeo = new Skopeo(tmp.resolve("skopeo-home"));
                Skopeo.Result amd64 = copyOne(skopeo, host + "/library/duo:2.0", "amd64", null, tmp.resolve("amd64"));
                assertTrue(amd64.ok(), "the prewarmed platform with the upstream gone: " + amd64);
                Skopeo.Result tiny = copyOne(skopeo, host + "/library/tiny:1.0", "amd64", null, tmp.resolve("tiny"));
                assertTrue(tiny.ok(), tiny.toString());
                assertTrue(OciFixtures.verifyLayoutBlobs(tmp.resolve("amd64")) >= 2);
                // The arm64 manifest of the index was not prewarmed: with the upstream gone it cannot be had.
                Skopeo.Result arm64 = copyOne(skopeo, host + "/library/duo:2.0", "arm64", "v8", tmp.resolve("arm64"));
                assertNotEquals(0, arm64.exit(), "the platform not chosen must not be stored: " + arm64);
            }
        }
    }

    /** {@code skopeo copy} of one platform of {@code ref} from ferry into an OCI layout. */
    private static Skopeo.Result copyOne(Skopeo skopeo, String ref, String arch, String variant, Path dest)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(
                "copy",
                "-q",
                "--retry-times",
                "0",
                "--src-tls-verify=false",
                "--override-os",
                "linux",
                "--override-arch",
                arch));
        if (variant != null) {
            args.addAll(List.of("--override-variant", variant));
        }
        args.addAll(List.of("docker://" + ref, "oci:" + dest + ":x"));
        return skopeo.run(Skopeo.Timeout.COPY, args);
    }
}
