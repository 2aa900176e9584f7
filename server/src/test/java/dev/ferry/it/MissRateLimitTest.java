package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.module.ModulePath;
import dev.ferry.server.Ferry;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.Setting;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * limits.missRate under a burst (docs/access.md#rate-limits): one client address firing many misses at once gets
 * exactly its burst through to the upstream and 429 with Retry-After for the rest, while what it already has is
 * still served from the store and a second address is not affected. The rate is tiny so that no token comes back
 * during the test: the outcome does not depend on timing.
 */
class MissRateLimitTest {
    private static final int BURST = 8;
    private static final int FIRED = 30;

    @TempDir
    Path tmp;

    private StaticGoProxy upstream;
    private Ferry ferry;

    @BeforeEach
    void start() throws Exception {
        upstream = new StaticGoProxy(Fixtures.goProxyTree());
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        flags.put(Setting.LISTEN, "127.0.0.1:0");
        flags.put(Setting.DATA, tmp.resolve("data").toString());
        flags.put(Setting.GO_UPSTREAM, upstream.url());
        flags.put(Setting.GO_SUMDB, "off");
        flags.put(Setting.LIMITS_MISS_RATE, "0.0001");
        flags.put(Setting.LIMITS_MISS_BURST, Integer.toString(BURST));
        flags.put(Setting.ACCESS_LOG, "false");
        ferry = Ferry.start(ConfigLoader.load(flags, Map.of(), null));
    }

    @AfterEach
    void stop() {
        if (ferry != null) {
            ferry.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void aBurstOfMissesGetsItsBurstThroughAndThenTooManyRequestsWhileHitsAndOtherClientsGoOn() throws Exception {
        List<String> paths = infoPaths();
        assertTrue(paths.size() >= FIRED + 5, "fixture versions: " + paths.size());
        HttpClient first = client("127.0.0.1");
        HttpClient second = client("127.0.0.2");

        List<HttpResponse<String>> burst = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(10)) {
            List<Future<HttpResponse<String>>> sent = new ArrayList<>();
            for (String path : paths.subList(0, FIRED)) {
                sent.add(pool.submit(() -> get(first, path)));
            }
            for (Future<HttpResponse<String>> f : sent) {
                burst.add(f.get());
            }
        }
        List<String> served = new ArrayList<>();
        int refused = 0;
        for (HttpResponse<String> r : burst) {
            if (r.statusCode() == 200) {
                served.add(r.uri().getRawPath());
            } else {
                assertEquals(429, r.statusCode(), r.uri() + ": " + r.body());
                long retryAfter =
                        Long.parseLong(r.headers().firstValue("Retry-After").orElse("0"));
                assertTrue(retryAfter >= 1, "Retry-After in whole seconds: " + retryAfter);
                refused++;
            }
        }
        assertEquals(BURST, served.size(), "misses let through: " + served);
        assertEquals(FIRED - BURST, refused);
        long upstreamInfos =
                upstream.paths().stream().filter(p -> p.endsWith(".info")).count();
        assertEquals(BURST, upstreamInfos, "requests that reached the upstream: " + upstream.paths());

        // Hits are never limited: everything the client got is served again, from the store.
        for (String path : served) {
            HttpResponse<String> again = get(first, path);
            assertEquals(200, again.statusCode(), path);
        }
        // Nor is a refused miss of this client a reason to refuse another: a second address has its own bucket.
        for (String path : paths.subList(FIRED, FIRED + 5)) {
            assertEquals(200, get(second, path).statusCode(), "second client " + path);
        }
        assertEquals(
                429,
                get(first, paths.get(FIRED + 5 < paths.size() ? FIRED + 5 : 0)).statusCode());
        assertEquals(
                BURST + 5,
                upstream.paths().stream().filter(p -> p.endsWith(".info")).count());
    }

    private static List<String> infoPaths() throws Exception {
        List<String> out = new ArrayList<>();
        for (String line :
                Files.readAllLines(Fixtures.goProxyTree().resolve("_meta").resolve("modules.txt"))) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] f = line.split(" ");
            out.add("/" + ModulePath.parse(f[0]).escaped() + "/@v/" + ModulePath.escapeVersion(f[1]) + ".info");
        }
        return out;
    }

    private static HttpClient client(String address) throws Exception {
        return HttpClient.newBuilder()
                .localAddress(InetAddress.getByName(address))
                .build();
    }

    private HttpResponse<String> get(HttpClient client, String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create(ferry.url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
