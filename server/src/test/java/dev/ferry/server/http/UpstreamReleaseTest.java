package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.admin.AuditLog;
import dev.ferry.server.cli.CliContext;
import dev.ferry.server.cli.FerryMain;
import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.AttemptOutcome;
import dev.ferry.upstreams.pool.BreakerState;
import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.FailureKind;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamPool;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A quarantined upstream as the admin API shows it, and its release by an admin: token-protected and audited. */
class UpstreamReleaseTest {
    private static final String TOKEN = "adm1n";
    private static final String LIAR = "https://liar.example";

    @TempDir
    Path tmp;

    private final FerryMetrics metrics = new FerryMetrics(null);
    private UpstreamPool pool;
    private AdminHttp admin;

    @BeforeEach
    void start() {
        List<Upstream> ups = List.of(
                new Upstream(
                        URI.create(LIAR), LIAR, AfterFailure.MOVE_ON, 1, Credentials.NONE, UpstreamTimeouts.defaults()),
                new Upstream(
                        URI.create("https://good.example"),
                        "https://good.example",
                        AfterFailure.MOVE_ON,
                        1,
                        Credentials.NONE,
                        UpstreamTimeouts.defaults()));
        pool = new UpstreamPool(ups, PoolSettings.defaults(), Clock.systemUTC(), metrics);
        metrics.watch(pool);
        UpstreamPool.Member liar = pool.member(LIAR);
        liar.tryAcquire();
        liar.record(new AttemptOutcome.Failure(
                FailureKind.MISMATCH,
                "SECURITY ERROR: example.com/m@v1.0.0.zip: checksum mismatch",
                null,
                "example.com/m@v1.0.0.zip"));
        admin = new AdminHttp(
                null, metrics, new AuditLog(tmp.resolve("audit.log"), Clock.systemUTC()), TOKEN, Map.of("go", pool));
    }

    @AfterEach
    void stop() {
        admin.close();
    }

    @Test
    void aQuarantineIsShownWithWhatFailedAndCountedInMetrics() throws Exception {
        JsonNode u = AdminHttp.ok(200, admin.send("GET", "/admin/api/upstreams", TOKEN, null))
                .get("pools")
                .get("go")
                .get("upstreams")
                .get(0);
        assertEquals(LIAR, u.get("name").asText());
        assertEquals("open", u.get("breaker").asText());
        assertEquals(
                "example.com/m@v1.0.0.zip", u.get("quarantine").get("subject").asText());
        assertTrue(u.get("quarantine").get("detail").asText().contains("checksum mismatch"));
        assertEquals(1, u.get("quarantines").asInt());
        assertEquals(1, u.get("failures").get("mismatch").asInt());
        assertTrue(u.get("speed").has("effectiveWeight"));
        String text = admin.send("GET", "/metrics", null, null).body();
        assertTrue(text.contains("ferry_upstream_quarantines_total{upstream=\"" + LIAR + "\"} 1"), text);
    }

    @Test
    void releaseNeedsTheTokenClosesTheBreakerAndIsAudited() throws Exception {
        String path = "/admin/api/upstreams/" + URLEncoder.encode(LIAR, StandardCharsets.UTF_8) + "/release";
        HttpResponse<String> refused = admin.send("POST", path, "wrong", null);
        assertEquals(401, refused.statusCode());
        assertEquals(BreakerState.OPEN, pool.member(LIAR).breaker().state());
        assertEquals(405, admin.send("GET", path, TOKEN, null).statusCode());

        JsonNode released = AdminHttp.ok(200, admin.send("POST", path, TOKEN, null));
        assertEquals(LIAR, released.get("upstream").asText());
        assertEquals("go", released.get("pools").get(0).get("pool").asText());
        assertEquals("closed", released.get("pools").get(0).get("breaker").asText());
        assertTrue(released.get("released").asText().contains("example.com/m@v1.0.0.zip"), released.toString());
        assertEquals(BreakerState.CLOSED, pool.member(LIAR).breaker().state());
        JsonNode u = AdminHttp.ok(200, admin.send("GET", "/admin/api/upstreams", TOKEN, null))
                .get("pools")
                .get("go")
                .get("upstreams")
                .get(0);
        assertTrue(u.get("quarantine").isNull());

        assertEquals(
                404,
                admin.send("POST", "/admin/api/upstreams/https%3A%2F%2Fnone.example/release", TOKEN, null)
                        .statusCode());

        List<JsonNode> audit = admin.auditLines();
        assertEquals("unauthenticated", audit.get(0).get("who").asText());
        JsonNode done = audit.stream()
                .filter(l -> l.get("status").asInt() == 200)
                .findFirst()
                .orElseThrow();
        assertEquals(LIAR, done.get("target").asText());
        assertTrue(done.get("result").asText().startsWith("released"), done.toString());
    }

    @Test
    void theCliListsTheQuarantineAndReleasesIt() {
        String[] out = new String[2];
        int listed = cli(out, "upstreams", "list", "--server", admin.url());
        assertEquals(0, listed, out[1]);
        assertTrue(out[0].startsWith("go (failover)\n"), out[0]);
        assertTrue(out[0].contains("  " + LIAR + "  open until "), out[0]);
        assertTrue(out[0].contains("QUARANTINED after serving example.com/m@v1.0.0.zip that failed its check"), out[0]);
        assertTrue(out[0].contains("failures: mismatch 1"), out[0]);

        int released = cli(out, "upstreams", "release", "--server", admin.url(), LIAR);
        assertEquals(0, released, out[1]);
        assertEquals("released " + LIAR + ": go: quarantine for example.com/m@v1.0.0.zip\n", out[0]);
        assertEquals(BreakerState.CLOSED, pool.member(LIAR).breaker().state());

        int unknown = cli(out, "upstreams", "release", "--server", admin.url(), "https://none.example");
        assertEquals(1, unknown, out[0]);
        assertTrue(out[1].contains("no upstream named https://none.example"), out[1]);
        assertEquals(2, cli(out, "upstreams", "--server", admin.url()));
    }

    private static int cli(String[] outErr, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = FerryMain.run(
                args,
                new CliContext(Map.of("FERRY_ADMIN_TOKEN", TOKEN), false, Duration.ofMillis(20)),
                (c, o, e) -> {
                    throw new AssertionError("no serve");
                },
                new PrintWriter(out, true),
                new PrintWriter(err, true));
        outErr[0] = out.toString();
        outErr[1] = err.toString();
        return exit;
    }
}
