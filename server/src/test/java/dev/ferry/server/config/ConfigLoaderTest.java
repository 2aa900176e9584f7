package dev.ferry.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Precedence (flag > env > file > default) and bad values, resolved without GoProxyList (see FerryConfigTest). */
class ConfigLoaderTest {
    @TempDir
    Path tmp;

    Path yaml(String text) throws Exception {
        Path f = tmp.resolve("ferry.yaml");
        Files.writeString(f, text);
        return f;
    }

    static Map<Setting, String> flags(Object... kv) {
        Map<Setting, String> m = new EnumMap<>(Setting.class);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((Setting) kv[i], (String) kv[i + 1]);
        }
        return m;
    }

    @Test
    void flagBeatsEnvBeatsFileBeatsDefault() throws Exception {
        Path file = yaml("""
                listen: 127.0.0.1:7000
                data: /from/file
                logLevel: debug
                go:
                  listTtl: 7m
                  notFoundTtl: 2m
                upstream:
                  stallTimeout: 45s
                """);
        Map<String, String> env =
                Map.of("FERRY_LISTEN", "127.0.0.1:8000", "FERRY_DATA", "/from/env", "FERRY_GO_LIST_TTL", "9m");
        var raw = ConfigLoader.resolve(flags(Setting.LISTEN, "127.0.0.1:9000"), env, file);
        assertEquals(new ConfigLoader.Sourced("127.0.0.1:9000", "flag --listen"), raw.get(Setting.LISTEN));
        assertEquals(new ConfigLoader.Sourced("/from/env", "env FERRY_DATA"), raw.get(Setting.DATA));
        assertEquals("9m", raw.get(Setting.GO_LIST_TTL).value());
        assertEquals(new ConfigLoader.Sourced("2m", file + ":6"), raw.get(Setting.GO_NOT_FOUND_TTL));
        assertEquals("45s", raw.get(Setting.UPSTREAM_STALL_TIMEOUT).value());
        assertEquals("debug", raw.get(Setting.LOG_LEVEL).value());
        assertEquals(new ConfigLoader.Sourced("10s", "default"), raw.get(Setting.UPSTREAM_CONNECT_TIMEOUT));
        assertEquals(new ConfigLoader.Sourced("true", "default"), raw.get(Setting.ACCESS_LOG));
    }

    @Test
    void theListenersHeadTimeoutAndConnectionCapComeFromFileFlagOrDefault() throws Exception {
        FerryConfig defaults = ConfigLoader.build(ConfigLoader.resolve(Map.of(), Map.of(), null));
        assertEquals(ListenerSettings.defaults(), defaults.listener());
        Path file = yaml("server:\n  headTimeout: 10s\n  maxConnectionsPerClient: 0\n");
        FerryConfig fromFile = ConfigLoader.build(ConfigLoader.resolve(Map.of(), Map.of(), file));
        assertEquals(java.time.Duration.ofSeconds(10), fromFile.listener().headTimeout());
        assertEquals(0, fromFile.listener().maxConnectionsPerClient());
        FerryConfig fromFlag = ConfigLoader.build(ConfigLoader.resolve(
                Map.of(Setting.HEAD_TIMEOUT, "0", Setting.MAX_CONNECTIONS_PER_CLIENT, "8"), Map.of(), file));
        assertEquals(java.time.Duration.ZERO, fromFlag.listener().headTimeout());
        assertEquals(8, fromFlag.listener().maxConnectionsPerClient());
        FerryConfig named = ConfigLoader.build(
                ConfigLoader.resolve(
                        Map.of(),
                        Map.of(),
                        yaml(
                                "server:\n  publicUrl: https://ferry.corp.example/\n  hostNames: [a.example, 'b.example:5000']\n")));
        assertEquals(
                java.net.URI.create("https://ferry.corp.example/"),
                named.listener().publicUrl());
        assertEquals(List.of("a.example", "b.example:5000"), named.listener().hostNames());
        for (var bad : List.of(
                Map.of(Setting.HEAD_TIMEOUT, "soon"),
                Map.of(Setting.MAX_CONNECTIONS_PER_CLIENT, "-1"),
                Map.of(Setting.PUBLIC_URL, "ftp://x"),
                Map.of(Setting.PUBLIC_URL, "https://x/prefix"),
                Map.of(Setting.PUBLIC_URL, "https://user:pw@x"),
                Map.of(Setting.HOST_NAMES, "evil\"/,x"))) {
            ConfigException e = assertThrows(
                    ConfigException.class, () -> ConfigLoader.build(ConfigLoader.resolve(bad, Map.of(), null)));
            assertTrue(e.getMessage().contains(bad.keySet().iterator().next().flag()), e.getMessage());
        }
    }

    @Test
    void configFileCanComeFromTheEnvironment() throws Exception {
        Path file = yaml("accessLog: false\n");
        var raw = ConfigLoader.resolve(Map.of(), Map.of("FERRY_CONFIG", file.toString()), null);
        assertEquals("false", raw.get(Setting.ACCESS_LOG).value());
    }

    @Test
    void defaultsWhenNothingIsGiven() throws Exception {
        var raw = ConfigLoader.resolve(Map.of(), Map.of(), null);
        for (Setting s : Setting.values()) {
            assertEquals(new ConfigLoader.Sourced(s.defaultValue(), "default"), raw.get(s));
        }
    }

    @Test
    void unknownYamlKeysNameTheFileAndLine() throws Exception {
        Path file = yaml("listen: :8080\ngo:\n  upstrem: https://x\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.resolve(Map.of(), Map.of(), file));
        assertTrue(e.getMessage().startsWith(file + ":3: unknown setting \"go.upstrem\""), e.getMessage());
        ConfigException top = assertThrows(
                ConfigException.class, () -> ConfigLoader.resolve(Map.of(), Map.of(), yaml("lissen: :8080\n")));
        assertTrue(top.getMessage().contains(":1: unknown setting \"lissen\""), top.getMessage());
    }

    @Test
    void brokenYamlListsAndDuplicatesAreRefused() throws Exception {
        for (String text : new String[] {
            "listen: [a, b]\n", "listen: :1\nlisten: :2\n", "listen: :1\n  bad: : :\n", "- a\n- b\n", "go: 5\n"
        }) {
            ConfigException e = assertThrows(
                    ConfigException.class, () -> ConfigLoader.resolve(Map.of(), Map.of(), yaml(text)), text);
            assertTrue(e.getMessage().startsWith(tmp.resolve("ferry.yaml").toString()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        ConfigException missing = assertThrows(
                ConfigException.class, () -> ConfigLoader.resolve(Map.of(), Map.of(), tmp.resolve("nope.yaml")));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
    }

    @Test
    void wrongShapesNameTheKeyAndLine() throws Exception {
        String[][] cases = {
            {"listen: [a, b]\n", ":1: listen takes a single value"},
            {"data: /d\ngo: 5\n", ":2: go must be a mapping of settings"},
            {"- a\n- b\n", ":1: expected a mapping of settings"},
            {"oci:\n  hosted: {a: b}\n", ":2: oci.hosted must be a list"},
            {"upstream:\n  breaker:\n    failures: [1]\n", ":3: upstream.breaker.failures takes a single value"},
            {
                "upstreams:\n  - url: https://a.example\n  - https://b.example\n",
                ":3: each item of upstreams must be a mapping"
            },
            {"listen: :1\ndata: /d\nlisten: :2\n", ":3: invalid YAML: "},
            {"upstream:\n  retry:\n    attempts: 2\n    atempts: 3\n", ":4: unknown setting \"upstream.retry.atempts\""
            },
        };
        for (String[] c : cases) {
            Path file = yaml(c[0]);
            ConfigException e =
                    assertThrows(ConfigException.class, () -> ConfigLoader.resolve(Map.of(), Map.of(), file), c[0]);
            assertTrue(e.getMessage().startsWith(file + c[1]), c[0] + " -> " + e.getMessage());
        }
        ConfigException twice = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.resolve(Map.of(), Map.of(), yaml("go:\n  listTtl: 1m\n  listTtl: 2m\n")));
        assertTrue(twice.getMessage().contains(":3: ") && twice.getMessage().contains("listTtl"), twice.getMessage());
    }

    @Test
    void nullValuesAndANullDocumentLeaveTheDefaults() throws Exception {
        var raw = ConfigLoader.resolve(Map.of(), Map.of(), yaml("listen: ~\ngo:\n  listTtl: ~\n  notFoundTtl: 2m\n"));
        assertEquals("default", raw.get(Setting.LISTEN).source());
        assertEquals("default", raw.get(Setting.GO_LIST_TTL).source());
        assertEquals("2m", raw.get(Setting.GO_NOT_FOUND_TTL).value());
        assertEquals(
                "default",
                ConfigLoader.resolve(Map.of(), Map.of(), yaml("~\n"))
                        .get(Setting.LISTEN)
                        .source());
    }

    @Test
    void listSettingsTakeAListOrOneCommaSeparatedValue() throws Exception {
        for (String hosted : new String[] {"[team, ci/cache]", "team, ci/cache", "\"team,ci/cache\""}) {
            Path file = yaml("oci:\n  hosted: " + hosted + "\n");
            assertEquals(
                    java.util.List.of("team", "ci/cache"),
                    ConfigLoader.load(Map.of(), Map.of(), file).oci().hosted(),
                    hosted);
            assertEquals(
                    file + ":2",
                    ConfigLoader.resolve(Map.of(), Map.of(), file)
                            .get(Setting.OCI_HOSTED)
                            .source());
        }
    }

    @Test
    void emptyFileIsFine() throws Exception {
        var raw = ConfigLoader.resolve(Map.of(), Map.of(), yaml(""));
        assertEquals("default", raw.get(Setting.LISTEN).source());
    }

    @Test
    void durations() {
        assertEquals(Duration.ofSeconds(30), Durations.parse("30s"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofDays(2), Durations.parse("2d"));
        assertEquals(Duration.ZERO, Durations.parse("0"));
        for (String bad : new String[] {"", "30", "5x", "m", "1.5s", "-1s", "s30"}) {
            assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
        }
        assertEquals("90m", Durations.format(Duration.ofMinutes(90)));
    }

    @Test
    void listenAddresses() {
        assertEquals(new ListenAddress("0.0.0.0", 8080), ListenAddress.parse("0.0.0.0:8080"));
        assertEquals(new ListenAddress("0.0.0.0", 8080), ListenAddress.parse(":8080"));
        assertEquals(new ListenAddress("::1", 8080), ListenAddress.parse("[::1]:8080"));
        assertEquals("[::1]:8080", ListenAddress.parse("[::1]:8080").toString());
        assertEquals(new ListenAddress("localhost", 0), ListenAddress.parse("localhost:0"));
        for (String bad :
                new String[] {"8080", "::1:8080", "host:", "host:99999", "host:-1", "[::1]", "ho st:80", "[zz]:80"}) {
            assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(bad), bad);
        }
    }

    @Test
    void badValuesNameTheSettingAndSource() throws Exception {
        Path file = yaml("go:\n  listTtl: 5 minutes\n");
        ConfigException fromFile =
                assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of(), Map.of(), file));
        assertTrue(
                fromFile.getMessage().startsWith("invalid go.listTtl \"5 minutes\" (from " + file + ":2)"),
                fromFile.getMessage());

        ConfigException fromEnv = assertThrows(
                ConfigException.class, () -> ConfigLoader.load(Map.of(), Map.of("FERRY_LISTEN", "nonsense"), null));
        assertTrue(
                fromEnv.getMessage().startsWith("invalid listen \"nonsense\" (from env FERRY_LISTEN)"),
                fromEnv.getMessage());

        ConfigException fromFlag = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(flags(Setting.UPSTREAM_STALL_TIMEOUT, "0"), Map.of(), null));
        assertTrue(
                fromFlag.getMessage()
                        .startsWith("invalid upstream.stallTimeout \"0\" (from flag --upstream-stall-timeout)"),
                fromFlag.getMessage());

        ConfigException level = assertThrows(
                ConfigException.class, () -> ConfigLoader.load(flags(Setting.LOG_LEVEL, "loud"), Map.of(), null));
        assertTrue(level.getMessage().contains("--log-level"), level.getMessage());
    }

    @Test
    void levelsAndBooleans() {
        assertEquals(Level.FINE, ConfigLoader.level("DEBUG"));
        assertEquals(Level.WARNING, ConfigLoader.level("warn"));
        assertTrue(ConfigLoader.bool("yes"));
        assertFalse(ConfigLoader.bool("off"));
        assertThrows(IllegalArgumentException.class, () -> ConfigLoader.bool("maybe"));
    }

    /** The sample in docs/configuration.md is a valid config, and it lists every setting. */
    @Test
    void theDocumentedSampleLoads() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "configuration.md"));
        int start = doc.indexOf("```yaml\n") + "```yaml\n".length();
        String sample = doc.substring(start, doc.indexOf("```", start));
        FerryConfig c = ConfigLoader.load(Map.of(), Map.of("GIT_CORP_TOKEN", "t0ken"), yaml(sample));
        assertEquals(new ListenAddress("0.0.0.0", 8080), c.listen());
        assertEquals("t0ken", c.goSources().credentials().getFirst().password());
        assertEquals(
                "https://athens.corp.example,direct",
                c.goSources().routes().getFirst().upstream().toString());
        assertEquals(Path.of("/var/lib/ferry"), c.data());
        assertEquals(2, c.goUpstream().entries().size());
        var raw = ConfigLoader.resolve(Map.of(), Map.of(), yaml(sample));
        for (Setting s : Setting.values()) {
            assertFalse(raw.get(s).source().equals("default"), s.key() + " missing from the documented sample");
            assertTrue(doc.contains(s.flag()) && doc.contains(s.env()) && doc.contains("`" + s.key() + "`"), s.key());
        }
    }

    /** Private routes' patterns are private modules; direct's hosts default to the hosts all of them name. */
    @Test
    void privateRoutesArePrivateAndNameDirectsDefaultHosts() throws Exception {
        FerryConfig c = ConfigLoader.load(Map.of(), Map.of(), yaml("""
                go:
                  upstream: https://proxy.golang.org,direct
                  private: "*.corp.example"
                  privateRoutes:
                    - pattern: github.com/acme
                      upstream: https://athens.corp.example
                """));
        assertTrue(c.privates().matches(dev.ferry.protocols.module.ModulePath.parse("github.com/acme/tool")));
        assertTrue(c.privates().matches(dev.ferry.protocols.module.ModulePath.parse("git.corp.example/x")));
        var hosts = c.goSources().allowedHosts(c.privates());
        assertTrue(hosts.matches("git.corp.example") && hosts.matches("github.com"), hosts.toString());
        assertFalse(hosts.matches("gitlab.com"), hosts.toString());
        assertTrue(c.goUpstream().direct());
        assertEquals("direct", c.goSources().privateUpstream().toString());

        ConfigException bad =
                assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of(), Map.of(), yaml("""
                go:
                  direct:
                    credentials:
                      - host: git.corp.example
                        username: ci
                        password: "has a space"
                """)));
        assertTrue(
                bad.getMessage().contains("printable ASCII")
                        && !bad.getMessage().contains("has a space"),
                bad.getMessage());
        ConfigException unknownHost = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(Map.of(Setting.GO_DIRECT_HOSTS, "https://git.corp.example"), Map.of(), null));
        assertTrue(unknownHost.getMessage().contains("not a host name glob"), unknownHost.getMessage());
    }

    /** A site proxy for private modules takes its credentials from the upstreams list like go.upstream's. */
    @Test
    void privateListsTakeTheirUpstreamsDetails() throws Exception {
        FerryConfig c = ConfigLoader.load(Map.of(), Map.of("ATHENS_PW", "s3"), yaml("""
                go:
                  private: "git.corp.example"
                  privateUpstream: https://athens.corp.example,direct
                  privateRoutes:
                    - pattern: github.com/acme
                      upstream: https://acme-proxy.corp.example
                upstreams:
                  - url: https://athens.corp.example
                    username: ferry
                    password: "${ATHENS_PW}"
                  - url: https://acme-proxy.corp.example
                    weight: 3
                """));
        var athens = c.goSources().privateUpstreams().getFirst();
        assertEquals("https://athens.corp.example", athens.name());
        assertTrue(athens.credentials().authorization().isPresent());
        assertEquals(3, c.goSources().routes().getFirst().upstreams().getFirst().weight());

        ConfigException typo =
                assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of(), Map.of(), yaml("""
                go:
                  private: "git.corp.example"
                upstreams:
                  - url: https://athnes.corp.example
                    weight: 2
                """)));
        assertTrue(
                typo.getMessage().contains("is not in go.upstream")
                        && typo.getMessage().contains("go.privateUpstream"),
                typo.getMessage());
    }

    /** Pull access control's settings: a prefix that protects nothing is a typo; private content is protected. */
    @Test
    void accessSettingsAreCheckedAndPrivateContentIsProtectedUnlessAnonymousPrivate() throws Exception {
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        flags.put(Setting.OCI_REGISTRIES, "docker.io=off");
        flags.put(Setting.OCI_HOSTED, "team");
        flags.put(Setting.GO_PRIVATE, "*.corp.example");
        flags.put(Setting.ACCESS_IMAGES, "ghcr.io/acme");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(flags, Map.of(), null));
        assertTrue(
                e.getMessage().contains("access.images") && e.getMessage().contains("protect nothing"), e.getMessage());
        flags.put(Setting.ACCESS_IMAGES, "docker.io/acme,team/secret,*");
        flags.put(Setting.LIMITS_MISS_RATE, "-1");
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(flags, Map.of(), null));
        assertTrue(e.getMessage().contains("limits.missRate"), e.getMessage());
        flags.remove(Setting.LIMITS_MISS_RATE);

        FerryConfig c = ConfigLoader.load(flags, Map.of(), null);
        assertEquals(
                java.util.List.of("docker.io/acme", "team/secret", "*"),
                c.access().images());
        var protect = ProtectedContentConfig.of(c);
        assertTrue(protect.module(dev.ferry.protocols.module.ModulePath.parse("git.corp.example/x")), "go.private");
        flags.put(Setting.ACCESS_ANONYMOUS_PRIVATE, "true");
        assertFalse(ProtectedContentConfig.of(ConfigLoader.load(flags, Map.of(), null))
                .module(dev.ferry.protocols.module.ModulePath.parse("git.corp.example/x")));
    }
}
