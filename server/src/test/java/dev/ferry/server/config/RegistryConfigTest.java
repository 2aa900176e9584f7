package dev.ferry.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.Upstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The registry settings from flags, environment and YAML, and every way they can be wrong. */
class RegistryConfigTest {
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

    static List<String> urls(RegistryConfig r) {
        return r.endpoints().stream().map(u -> u.base().toString()).toList();
    }

    @Test
    void defaultsHaveNoRegistry() throws Exception {
        OciConfig oci = ConfigLoader.load(Map.of(), Map.of(), null).oci();
        assertEquals(List.of(), oci.registries());
        assertNull(oci.defaultRegistry());
        assertEquals(List.of(), oci.hosted());
        assertEquals(Duration.ofMinutes(5), oci.tagTtl());
        assertEquals(10L << 30, oci.maxUploadSize());
        assertEquals(Duration.ofHours(24), oci.uploadExpiry());
        assertFalse(oci.deleteEnabled());
        assertFalse(oci.anonymousPull());
        assertTrue(oci.users().isEmpty());
    }

    @Test
    void flagsInFailoverOrderAndDockerIoBecomesTheDefault() throws Exception {
        OciConfig oci = ConfigLoader.load(
                        flags(
                                Setting.OCI_REGISTRIES,
                                        "docker.io=https://mirror.gcr.io,https://registry-1.docker.io/ ghcr.io=https://ghcr.io",
                                Setting.OCI_HOSTED, "team,ci/cache",
                                Setting.OCI_MAX_UPLOAD_SIZE, "512MiB",
                                Setting.OCI_DELETE, "true"),
                        Map.of(),
                        null)
                .oci();
        assertEquals(
                List.of("docker.io", "ghcr.io"),
                oci.registries().stream().map(RegistryConfig::name).toList());
        assertEquals(
                List.of("https://mirror.gcr.io", "https://registry-1.docker.io"),
                urls(oci.registries().get(0)));
        assertEquals("docker.io", oci.defaultRegistry());
        assertEquals(List.of("team", "ci/cache"), oci.hosted());
        assertEquals(512L << 20, oci.maxUploadSize());
        assertTrue(oci.deleteEnabled());
        for (Upstream u : oci.registries().get(0).endpoints()) {
            assertEquals(Credentials.NONE, u.credentials());
        }
    }

    @Test
    void noDefaultWithoutDockerIoUnlessNamed() throws Exception {
        assertNull(ConfigLoader.load(flags(Setting.OCI_REGISTRIES, "ghcr.io=https://ghcr.io"), Map.of(), null)
                .oci()
                .defaultRegistry());
        assertEquals(
                "ghcr.io",
                ConfigLoader.load(
                                flags(
                                        Setting.OCI_REGISTRIES,
                                        "ghcr.io=https://ghcr.io",
                                        Setting.OCI_DEFAULT_REGISTRY,
                                        "ghcr.io"),
                                Map.of(),
                                null)
                        .oci()
                        .defaultRegistry());
    }

    @Test
    void yamlWithCredentialsFromTheEnvironment() throws Exception {
        Path file = yaml("""
                oci:
                  registries:
                    docker.io:
                      endpoints: [https://mirror.gcr.io, https://registry-1.docker.io]
                      username: ci
                      password: ${HUB_PASSWORD}
                    quay.io:
                      endpoints: https://quay.io
                  hosted: [team]
                  tagTtl: 1m
                  anonymousPull: true
                """);
        OciConfig oci = ConfigLoader.load(
                        Map.of(), Map.of("HUB_PASSWORD", "s3cret", "FERRY_REGISTRY_QUAY_IO_TOKEN", "tok"), file)
                .oci();
        assertEquals(
                new Credentials.Basic("ci", "s3cret"),
                oci.registries().get(0).endpoints().get(1).credentials());
        assertEquals(
                new Credentials.Bearer("tok"),
                oci.registries().get(1).endpoints().get(0).credentials());
        assertEquals(List.of("team"), oci.hosted());
        assertEquals(Duration.ofMinutes(1), oci.tagTtl());
        assertTrue(oci.anonymousPull());
        assertFalse(oci.toString().contains("s3cret"), oci.toString());
    }

    @Test
    void flagEndpointsReplaceTheFilesAndKeepItsCredentials() throws Exception {
        Path file = yaml("""
                oci:
                  registries:
                    docker.io:
                      endpoints: [https://registry-1.docker.io]
                      username: ci
                      password: pw
                """);
        OciConfig oci = ConfigLoader.load(
                        flags(Setting.OCI_REGISTRIES, "docker.io=http://127.0.0.1:5000"), Map.of(), file)
                .oci();
        assertEquals(List.of("http://127.0.0.1:5000"), urls(oci.registries().getFirst()));
        assertEquals(
                new Credentials.Basic("ci", "pw"),
                oci.registries().getFirst().endpoints().getFirst().credentials());
        // the environment's credentials win over the file's
        OciConfig env = ConfigLoader.load(
                        Map.of(),
                        Map.of(
                                "FERRY_REGISTRY_DOCKER_IO_USERNAME",
                                "u",
                                "FERRY_REGISTRY_DOCKER_IO_PASSWORD",
                                "p",
                                "FERRY_REGISTRY",
                                "docker.io=https://a.example"),
                        file)
                .oci();
        assertEquals(List.of("https://a.example"), urls(env.registries().getFirst()));
        assertEquals(
                new Credentials.Basic("u", "p"),
                env.registries().getFirst().endpoints().getFirst().credentials());
    }

    @Test
    void htpasswdWithBcryptLoadsAndOtherHashesAreRefused() throws Exception {
        Path good = tmp.resolve("users");
        Files.writeString(good, "# pushers\nalice:$2y$04$/bTlFK1R8VW4an/u4ZphauFFhUrVAyi7TpbcUVWsM4ws5XQHGtpke\n");
        OciConfig oci = ConfigLoader.load(flags(Setting.OCI_USERS, good.toString()), Map.of(), null)
                .oci();
        assertTrue(oci.users().check("alice", "secret"));
        assertFalse(oci.users().check("alice", "Secret"));
        assertFalse(oci.users().check("bob", "secret"));

        Path md5 = tmp.resolve("md5");
        Files.writeString(md5, "carol:$apr1$gTNRY.6A$k0ELA8IlFHUEPs/AHgmND1\n");
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(flags(Setting.OCI_USERS, md5.toString()), Map.of(), null));
        assertTrue(e.getMessage().contains(md5 + ":1: user carol has no bcrypt hash"), e.getMessage());
        assertTrue(e.getMessage().contains("htpasswd -B"), e.getMessage());
        assertFalse(e.getMessage().contains("apr1"), "never the hash: " + e.getMessage());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "OCI_REGISTRIES|docker.io                         |expected NAME=URL",
                "OCI_REGISTRIES|Docker.io=https://x.example       |may only hold a-z",
                "OCI_REGISTRIES|a/b=https://x.example             |no '/' or ':'",
                "OCI_REGISTRIES|a:5000=https://x.example          |no '/' or ':'",
                "OCI_REGISTRIES|=https://x.example                |needs a name",
                "OCI_REGISTRIES|docker.io=ftp://x.example         |invalid oci.registries endpoint \"ftp://x.example\"",
                "OCI_REGISTRIES|docker.io=https://u:p@x.example   |invalid oci.registries endpoint",
                "OCI_REGISTRIES|docker.io=                        |invalid oci.registries endpoint",
                "OCI_REGISTRIES|..=off                            |must not be only dots",
                "OCI_REGISTRIES|a=https://x.example a=https://y.example|configured twice",
                "OCI_REGISTRIES|a=https://x.example,https://x.example/|twice",
                "OCI_DEFAULT_REGISTRY|quay.io                     |no registry is configured",
                "OCI_HOSTED|Team                                  |not a repository-name prefix",
                "OCI_HOSTED|a//b                                  |not a repository-name prefix",
                "OCI_TAG_TTL|5 minutes                            |invalid oci.tagTtl",
                "OCI_MAX_UPLOAD_SIZE|10 GiBs                      |unknown unit",
                "OCI_MAX_UPLOAD_SIZE|0                            |must be more than 0",
                "OCI_UPLOAD_EXPIRY|0s                             |must be more than 0",
                "OCI_DELETE|maybe                                 |expected true or false",
                "OCI_ANONYMOUS_PULL|2                             |expected true or false",
                "OCI_USERS|/no/such/htpasswd                      |not found",
            })
    void badValuesNameTheSettingAndTheSource(Setting setting, String value, String message) {
        ConfigException e =
                assertThrows(ConfigException.class, () -> ConfigLoader.load(flags(setting, value), Map.of(), null));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(
                e.getMessage().contains("flag " + setting.flag())
                        || e.getMessage().contains("(from flag"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void hostedPrefixUnderARegistryNameIsRefused() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(
                        flags(Setting.OCI_REGISTRIES, "ghcr.io=https://ghcr.io", Setting.OCI_HOSTED, "ghcr.io/me"),
                        Map.of(),
                        null));
        assertTrue(e.getMessage().contains("starts with the name of the mirrored registry ghcr.io"), e.getMessage());
    }

    @Test
    void yamlMistakesNameFileAndLine() throws Exception {
        record Case(String yaml, String message) {}
        for (Case c : List.of(
                new Case(
                        "oci:\n  registries:\n    docker.io:\n      endpoint: [https://x.example]\n",
                        "ferry.yaml:4: unknown oci.registries setting \"endpoint\""),
                new Case(
                        "oci:\n  registries:\n    docker.io: https://x.example\n",
                        "ferry.yaml:3: oci.registries docker.io must be a mapping"),
                new Case(
                        "oci:\n  registries: docker.io=https://x.example\n",
                        "ferry.yaml:2: oci.registries must be a mapping"),
                new Case(
                        "oci:\n  registries:\n    docker.io:\n      endpoints: [https://x.example]\n      password: ${NOPE}\n      username: u\n",
                        "refers to ${NOPE}"),
                new Case(
                        "oci:\n  registries:\n    docker.io:\n      username: u\n      password: p\n",
                        "docker.io has no endpoints"),
                new Case(
                        "oci:\n  registries:\n    docker.io:\n      endpoints: [https://x.example]\n      username: u\n",
                        "needs both username and password"),
                new Case("oci:\n  hosted: [team, [x]]\n", "oci.hosted must be a list"),
                new Case("oci:\n  bogus: 1\n", "unknown setting \"oci.bogus\""))) {
            ConfigException e = assertThrows(
                    ConfigException.class, () -> ConfigLoader.load(Map.of(), Map.of(), yaml(c.yaml())), c.yaml());
            assertTrue(e.getMessage().contains(c.message()), c.yaml() + " -> " + e.getMessage());
        }
    }

    @Test
    void credentialsForAnUnconfiguredRegistryAreAnError() throws Exception {
        Path file = yaml("oci:\n  registries:\n    quay.io:\n      username: u\n      password: p\n");
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(flags(Setting.OCI_REGISTRIES, "docker.io=https://x.example"), Map.of(), file));
        assertTrue(e.getMessage().contains("quay.io has credentials but is not a configured registry"), e.getMessage());
    }

    @Test
    void offFromFlagEnvAndYamlHasNoEndpoints() throws Exception {
        OciConfig flag = ConfigLoader.load(
                        flags(Setting.OCI_REGISTRIES, "docker.io=off ghcr.io=https://ghcr.io"), Map.of(), null)
                .oci();
        assertTrue(flag.registries().get(0).offline());
        assertEquals(List.of(), flag.registries().get(0).endpoints());
        assertFalse(flag.registries().get(1).offline());
        assertEquals("docker.io", flag.defaultRegistry());
        assertTrue(flag.toString().contains("docker.io=off"), flag.toString());

        OciConfig env = ConfigLoader.load(Map.of(), Map.of("FERRY_REGISTRY", "docker.io=off"), null)
                .oci();
        assertTrue(env.registries().getFirst().offline());

        for (String endpoints : List.of("off", "[off]", "\"off\"")) {
            Path file = yaml("oci:\n  registries:\n    docker.io:\n      endpoints: " + endpoints + "\n");
            OciConfig yaml = ConfigLoader.load(Map.of(), Map.of(), file).oci();
            assertEquals("docker.io", yaml.registries().getFirst().name(), endpoints);
            assertTrue(yaml.registries().getFirst().offline(), endpoints);
        }
        // The flag's off replaces the file's endpoints; the file's credentials would then be unused: an error.
        Path withCreds = yaml("oci:\n  registries:\n    docker.io:\n      endpoints: [https://x.example]\n"
                + "      username: u\n      password: p\n");
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(flags(Setting.OCI_REGISTRIES, "docker.io=off"), Map.of(), withCreds));
        assertTrue(
                e.getMessage().contains("ferry.yaml:3: oci.registries docker.io has credentials but is off"),
                e.getMessage());
    }

    @Test
    void offMixedWithUrlsOrWithCredentialsIsRefused() throws Exception {
        for (String value : List.of("docker.io=off,https://x.example", "docker.io=https://x.example,off")) {
            ConfigException e = assertThrows(
                    ConfigException.class,
                    () -> ConfigLoader.load(flags(Setting.OCI_REGISTRIES, value), Map.of(), null));
            assertTrue(
                    e.getMessage().contains("lists off with endpoints")
                            && e.getMessage().contains("docker.io=off"),
                    e.getMessage());
        }
        Path mixed = yaml("oci:\n  registries:\n    docker.io:\n      endpoints: [off, https://x.example]\n");
        ConfigException y = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of(), Map.of(), mixed));
        assertTrue(y.getMessage().contains("lists off with endpoints"), y.getMessage());

        Path creds = yaml("oci:\n  registries:\n    docker.io:\n      endpoints: off\n      bearerToken: t\n");
        ConfigException c = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of(), Map.of(), creds));
        assertTrue(c.getMessage().contains("docker.io has credentials but is off"), c.getMessage());

        ConfigException env = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(
                        flags(Setting.OCI_REGISTRIES, "docker.io=off"),
                        Map.of("FERRY_REGISTRY_DOCKER_IO_TOKEN", "t"),
                        null));
        assertTrue(
                env.getMessage()
                        .contains(
                                "env FERRY_REGISTRY_DOCKER_IO_*: oci.registries docker.io has credentials but is off"),
                env.getMessage());
    }

    @Test
    void envPrefixes() {
        assertEquals("FERRY_REGISTRY_DOCKER_IO_", RegistryEntries.envPrefix("docker.io"));
        assertEquals("FERRY_REGISTRY_MY_REG_1_", RegistryEntries.envPrefix("my-reg_1"));
    }
}
