package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real go command through ferry whose list is {@code SLOW|GOOD}, SLOW answering every request at once and
 * then sending the body at 64 bytes a second (a congested mirror). Before slowness counted as a failure this took
 * 90 times as long as GOOD alone and SLOW got some 290 requests; now hedging on the whole body and the slow
 * verdict keep SLOW to a handful of requests. The bound is on those requests, not on the time.
 */
class SlowUpstreamIT {
    private static final String TOKEN = "it-admin-token";

    @TempDir
    Path tmp;

    @Test
    void aTricklingFirstUpstreamCostsAHandfulOfRequestsNotAHundred() throws Exception {
        String key = Fixtures.sumdbKey();
        String sumdbName = key.split("\\+")[0];
        try (StaticGoProxy good = new StaticGoProxy(Fixtures.goProxyTree());
                StaticGoProxy slow = StaticGoProxy.slow(64, Fixtures.goProxyTree())) {
            String gosumdb = key + " " + good.url() + "/sumdb/" + sumdbName;
            try (FerryProcess ferry = FerryProcess.start(
                    tmp.resolve("data"),
                    tmp.resolve("ferry.log"),
                    "--go-upstream",
                    slow.url() + "|" + good.url(),
                    "--sumdb",
                    key,
                    "--admin-token",
                    TOKEN)) {
                Path app = Fixtures.copyApp(tmp.resolve("app"));
                GoTool go = new GoTool(tmp.resolve("go"), ferry.url(), gosumdb);
                GoTool.Result download = go.run(app, "mod", "download", "all");
                assertTrue(download.ok(), "go mod download all:\n" + download.output());
                assertTrue(go.run(app, "mod", "verify").ok(), "go mod verify");
                go.makeDeletable();

                List<String> zips =
                        good.paths().stream().filter(p -> p.endsWith(".zip")).toList();
                assertTrue(zips.size() >= 20, "zips from GOOD: " + zips.size());
                int asked = slow.requests();
                System.out.println("SlowUpstreamIT: SLOW asked " + asked + " times, GOOD " + good.requests());
                assertTrue(asked <= 20, "SLOW was asked " + asked + " times: " + slow.paths());

                JsonNode s = upstream(ferry, slow.url());
                assertTrue(s.get("failures").path("slow").asInt() >= 1, s.toPrettyString());
                assertTrue(List.of("open", "half_open", "closed")
                        .contains(s.get("breaker").asText()));
                assertEquals(0, upstream(ferry, good.url()).get("failures").size(), "GOOD never failed");
            }
        }
    }

    private static JsonNode upstream(FerryProcess ferry, String url) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(ferry.url() + "/admin/api/upstreams"))
                .header("Authorization", "Bearer " + TOKEN)
                .GET()
                .build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> res = http.send(r, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, res.statusCode(), res.body());
            for (JsonNode u : new ObjectMapper()
                    .readTree(res.body())
                    .get("pools")
                    .get("go")
                    .get("upstreams")) {
                if (u.get("url").asText().equals(url)) {
                    return u;
                }
            }
        }
        throw new AssertionError("no upstream " + url);
    }
}
