package dev.ferry.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.Strategy;
import dev.ferry.upstreams.pool.Upstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The upstream pool settings and the YAML upstreams list. */
class UpstreamConfigTest {
    @TempDir
    Path tmp;

    private Path yaml(String text) throws Exception {
        Path f = tmp.resolve("ferry.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void perUpstreamDetailsAreJoinedByUrlWithSecretsFromTheEnvironment() throws Exception {
        Path file = yaml("""
                go:
                  upstream: https://a.example|https://b.example/|https://c.example
                upstream:
                  firstByteTimeout: 20s
                  strategy: weighted
                  breaker: {failures: 7, coolDown: 10s}
                  retry:
                    attempts: 2
                    budget: 15s
                  stallFloor: 4KiB
                upstreams:
                  - url: https://b.example
                    weight: 3
                    bearerToken: ${B_TOKEN}
                    firstByteTimeout: 2s
                  - url: https://c.example/
                    username: ci
                    password: pre-${C_PASSWORD}
                """);
        FerryConfig c = ConfigLoader.load(Map.of(), Map.of("B_TOKEN", "tok", "C_PASSWORD", "pw"), file);
        Upstream a = c.goUpstreams().get(0);
        Upstream b = c.goUpstreams().get(1);
        Upstream cc = c.goUpstreams().get(2);
        assertEquals(1, a.weight());
        assertEquals(Duration.ofSeconds(20), a.timeouts().firstByte());
        assertEquals(3, b.weight());
        assertEquals(new Credentials.Bearer("tok"), b.credentials());
        assertEquals(Duration.ofSeconds(2), b.timeouts().firstByte());
        assertEquals(Duration.ofSeconds(30), b.timeouts().stall(), "unset details keep the common value");
        assertEquals(new Credentials.Basic("ci", "pre-pw"), cc.credentials());
        PoolSettings pool = c.upstreamPool();
        assertEquals(Strategy.WEIGHTED, pool.strategy());
        assertEquals(7, pool.breaker().consecutiveFailures());
        assertEquals(Duration.ofSeconds(10), pool.breaker().coolDown());
        assertEquals(2, pool.retry().attempts());
        assertEquals(Duration.ofSeconds(15), pool.retry().budget());
        assertEquals(4096, pool.stallFloorBytesPerSecond());
        assertFalse(c.toString().contains("tok") || c.toString().contains("pw"), c.toString());
    }

    @Test
    void flagsAndEnvironmentOverrideTheFile() throws Exception {
        Path file = yaml("upstream:\n  breaker:\n    failures: 7\n");
        FerryConfig c = ConfigLoader.load(
                Map.of(Setting.UPSTREAM_BREAKER_FAILURES, "9"),
                Map.of("FERRY_UPSTREAM_STRATEGY", "weighted", "FERRY_ADMIN_TOKEN", "t"),
                file);
        assertEquals(9, c.upstreamPool().breaker().consecutiveFailures());
        assertEquals(Strategy.WEIGHTED, c.upstreamPool().strategy());
        assertEquals("t", c.adminToken());
        FerryConfig defaults = ConfigLoader.load(Map.of(), Map.of(), null);
        assertEquals(null, defaults.adminToken());
        assertEquals(PoolSettings.defaults().breaker(), defaults.upstreamPool().breaker());
        assertEquals(Duration.ofSeconds(10), defaults.upstreamPool().notFoundMemory());
    }

    @Test
    void mistakesAreRefusedWithFileAndLine() throws Exception {
        String list = "go:\n  upstream: https://a.example|https://b.example\n";
        String[][] cases = {
            {
                list + "upstreams:\n  - url: https://x.example\n",
                ":4: upstreams url https://x.example is not in go.upstream"
            },
            {
                list + "upstreams:\n  - url: https://a.example\n    bearerToken: ${NOPE}\n",
                "refers to ${NOPE}, which is not set"
            },
            {list + "upstreams:\n  - url: https://a.example\n    weight: 0\n", "invalid weight"},
            {list + "upstreams:\n  - url: https://a.example\n    colour: red\n", "unknown upstreams setting \"colour\""
            },
            {list + "upstreams:\n  - url: https://a.example\n    username: u\n", "needs both username and password"},
            {
                list + "upstreams:\n  - url: https://a.example\n    bearerToken: t\n    username: u\n    password: p\n",
                "use one"
            },
            {list + "upstreams:\n  - url: https://a.example\n  - url: https://a.example/\n", "twice"},
            {
                list + "upstreams:\n  - url: https://a.example\n    firstByteTimeout: 0\n",
                "invalid upstreams firstByteTimeout"
            },
            {"upstream:\n  strategy: random\n", "expected failover or weighted"},
            {"upstream:\n  breaker:\n    errorRate: 1.5\n", "at most 1"},
            {"upstream:\n  breaker:\n    coolDown: 10m\n", "upstream.breaker.maxCoolDown"},
            {"upstream:\n  stallFloor: 1 furlong\n", "unknown unit"},
            {"upstream:\n  retry:\n    attempts: 0\n", "at least 1"},
        };
        for (String[] c : cases) {
            ConfigException e =
                    assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of(), Map.of(), yaml(c[0])), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void byteRates() {
        assertEquals(1024, ByteRates.parse("1KiB"));
        assertEquals(2_000_000, ByteRates.parse("2MB"));
        assertEquals(512, ByteRates.parse("512"));
        assertEquals(0, ByteRates.parse("0"));
        assertEquals(1 << 20, ByteRates.parse("1MiB/s"));
    }
}
