package dev.ferry.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.server.cli.FerryMain;
import dev.ferry.sync.bundle.ExportRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundlesConfigTest {
    @TempDir
    Path tmp;

    private final Verifier a = key("site-a");
    private final Verifier b = key("site-b");
    private final Verifier c = key("site-c");

    private static Verifier key(String name) {
        try {
            return Signer.generate(name).verifier();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private Path yaml(String text) throws Exception {
        Path f = tmp.resolve("ferry.yaml");
        Files.writeString(f, text);
        return f;
    }

    private static Map<Setting, String> flags(Setting s, String v) {
        Map<Setting, String> m = new EnumMap<>(Setting.class);
        m.put(s, v);
        return m;
    }

    @Test
    void trustedKeysFromTheFileTheEnvironmentAndTheFlagWithKeyFiles() throws Exception {
        Path keys = tmp.resolve("trusted.keys");
        Files.writeString(keys, "# exporters\n" + b.encoded() + "\n\n" + c.encoded() + " # the lab\n");
        Path file = yaml("bundles:\n  trust:\n    - " + a.encoded() + "\n    - " + keys + "\n");
        assertEquals(
                List.of(a, b, c),
                ConfigLoader.load(Map.of(), Map.of(), file).bundles().trusted());
        assertEquals(
                List.of(a),
                ConfigLoader.load(Map.of(), Map.of(), yaml("bundles:\n  trust: " + a.encoded() + "\n"))
                        .bundles()
                        .trusted(),
                "a single value is fine too");
        assertEquals(
                List.of(b, a),
                ConfigLoader.load(Map.of(), Map.of("FERRY_TRUST_KEYS", b.encoded() + ", " + a.encoded()), file)
                        .bundles()
                        .trusted(),
                "the environment beats the file");
        assertEquals(
                List.of(b, c),
                ConfigLoader.load(flags(Setting.BUNDLES_TRUST, keys.toString()), Map.of(), file)
                        .bundles()
                        .trusted());
        assertEquals(
                List.of(), ConfigLoader.load(Map.of(), Map.of(), null).bundles().trusted());
    }

    @Test
    void badTrustedKeysNameTheSettingAndSource() throws Exception {
        ConfigException e = assertThrows(
                ConfigException.class, () -> ConfigLoader.load(Map.of(), Map.of("FERRY_TRUST_KEYS", "nonsense"), null));
        assertTrue(
                e.getMessage().startsWith("invalid bundles.trust \"nonsense\" (from env FERRY_TRUST_KEYS): "),
                e.getMessage());
        assertTrue(e.getMessage().contains("neither a verifier key"), e.getMessage());
        String broken = a.encoded().substring(0, a.encoded().length() - 4) + "AAAA";
        e = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(flags(Setting.BUNDLES_TRUST, "x+1234abcd+AQID"), Map.of(), null));
        assertTrue(e.getMessage().contains("(from flag --trust-key)"), e.getMessage());
        Path keys = tmp.resolve("bad.keys");
        Files.writeString(keys, a.encoded() + "\nnot a key\n");
        e = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(Map.of(), Map.of(), yaml("bundles:\n  trust: [" + keys + "]\n")));
        assertTrue(e.getMessage().contains(keys + ":2: "), e.getMessage());
        Files.writeString(keys, "# nothing\n");
        e = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(Map.of(), Map.of(), yaml("bundles:\n  trust: [" + keys + "]\n")));
        assertTrue(e.getMessage().contains("holds no key"), e.getMessage());
        e = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(Map.of(), Map.of(), yaml("bundles:\n  trust: [" + broken + "]\n")));
        assertTrue(e.getMessage().startsWith("invalid bundles.trust"), e.getMessage());
    }

    @Test
    void bundleRootsAndRequestTrustFromTheFileTheEnvironmentAndTheFlag() throws Exception {
        BundlesConfig none = ConfigLoader.load(Map.of(), Map.of(), null).bundles();
        assertEquals(List.of(), none.roots(), "empty: the server uses DATA/bundles");
        assertEquals(false, none.allowRequestTrust());
        BundlesConfig file = ConfigLoader.load(
                        Map.of(),
                        Map.of(),
                        yaml("bundles:\n  roots: [/media/usb, /srv/x/../transfer]\n  allowRequestTrust: true\n"))
                .bundles();
        assertEquals(List.of(Path.of("/media/usb"), Path.of("/srv/transfer")), file.roots());
        assertEquals(true, file.allowRequestTrust());
        assertEquals(
                List.of(Path.of("/a"), Path.of("/b")),
                ConfigLoader.load(Map.of(), Map.of("FERRY_BUNDLE_ROOTS", "/a,/b"), null)
                        .bundles()
                        .roots());
        assertEquals(
                List.of(Path.of("/media")),
                ConfigLoader.load(flags(Setting.BUNDLES_ROOTS, "/media"), Map.of(), null)
                        .bundles()
                        .roots());
        ConfigException relative = assertThrows(
                ConfigException.class, () -> ConfigLoader.load(flags(Setting.BUNDLES_ROOTS, "media"), Map.of(), null));
        assertTrue(relative.getMessage().contains("bundles.roots"), relative.getMessage());
        assertTrue(relative.getMessage().contains("absolute"), relative.getMessage());
    }

    @Test
    void scheduledExportsAreReadWithPathsAgainstTheFilesDirectory() throws Exception {
        Path set = tmp.resolve("plant.yaml");
        Files.writeString(set, "name: plant\nmodules:\n  - path: example.com/a\n");
        FerryConfig cfg = ConfigLoader.load(Map.of(), Map.of(), yaml("""
                bundles:
                  sync:
                    - site: plant-7
                      to: /media/usb
                      every: 24h
                      set: plant.yaml
                      max-volume-size: 700MB
                    - site: lab
                      to: outbox/lab
                      every: 1h30m
                """));
        List<BundleSync> sync = cfg.bundles().sync();
        assertEquals(2, sync.size());
        BundleSync p = sync.get(0);
        assertEquals("plant-7", p.site());
        assertEquals(Path.of("/media/usb"), p.to());
        assertEquals(Duration.ofHours(24), p.every());
        assertEquals(Optional.of(set.toAbsolutePath()), p.set());
        assertEquals(700_000_000L, p.maxVolumeSize());
        assertTrue(p.source().endsWith("ferry.yaml:3"), p.source());
        BundleSync l = sync.get(1);
        assertEquals(tmp.toAbsolutePath().resolve("outbox/lab"), l.to());
        assertEquals(Optional.empty(), l.set());
        assertEquals(ExportRequest.DEFAULT_MAX_VOLUME_SIZE, l.maxVolumeSize());
        assertEquals(Duration.ofMinutes(90), l.every());
    }

    @Test
    void badScheduledExportsAreRefusedWithFileAndLine() throws Exception {
        Path broken = tmp.resolve("broken.yaml");
        Files.writeString(broken, "modules: [\n");
        String[][] cases = {
            {"bundles:\n  sync: daily\n", "must be a list"},
            {"bundles:\n  sync:\n    - to: /u\n      every: 1h\n", "without site"},
            {"bundles:\n  sync:\n    - site: s\n      every: 1h\n", "without to"},
            {"bundles:\n  sync:\n    - site: s\n      to: /u\n", "without every"},
            {
                "bundles:\n  sync:\n    - site: s\n      to: /u\n      every: daily\n",
                "invalid bundles.sync every \"daily\""
            },
            {"bundles:\n  sync:\n    - site: s\n      to: /u\n      every: 10s\n", "at least 1m"},
            {
                "bundles:\n  sync:\n    - site: s\n      to: /u\n      every: 1h\n      max-volume-size: big\n",
                "max-volume-size \"big\""
            },
            {
                "bundles:\n  sync:\n    - site: s\n      to: /u\n      every: 1h\n      max-volume-size: 1KiB\n",
                "at least 2MiB"
            },
            {
                "bundles:\n  sync:\n    - site: s\n      to: /u\n      every: 1h\n      when: nightly\n",
                "unknown bundles.sync setting \"when\""
            },
            {
                "bundles:\n  sync:\n    - site: s\n      to: /u\n      every: 1h\n    - site: s\n      to: /v\n      every: 2h\n",
                "site \"s\" twice"
            },
            {"bundles:\n  sync:\n    - site: a b\n      to: /u\n      every: 1h\n", "invalid bundles.sync site"},
            {
                "bundles:\n  sync:\n    - site: s\n      to: /u\n      every: 1h\n      set: nope.yaml\n",
                "cannot read bundles.sync set"
            },
            {"bundles:\n  sync:\n    - site: s\n      to: /u\n      every: 1h\n      set: broken.yaml\n", "has errors"},
            {"bundles:\n  sync:\n    - site: s\n      to: [/u]\n      every: 1h\n", "takes a single value"},
            {"bundles:\n  schedule: []\n", "unknown setting \"bundles.schedule\""},
        };
        for (String[] c : cases) {
            Path f = yaml(c[0]);
            ConfigException e =
                    assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of(), Map.of(), f), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
            assertTrue(e.getMessage().startsWith(f.toString()), "names the file: " + e.getMessage());
        }
    }

    @Test
    void serveExitsWith2OnABadBundleSettingAndItsHelpNamesThem() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicReference<FerryConfig> launched = new AtomicReference<>();
        Path f = yaml("bundles:\n  sync:\n    - site: s\n      to: /u\n      every: soon\n");
        int code = FerryMain.run(
                new String[] {"serve", "--config", f.toString()},
                Map.of(),
                (cfg, o, e2) -> {
                    launched.set(cfg);
                    return 0;
                },
                new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertEquals(2, code);
        assertTrue(err.toString().startsWith("ferry: " + f + ":3: invalid bundles.sync every"), err.toString());
        assertFalse(err.toString().contains("\tat "));
        assertNull(launched.get());

        code = FerryMain.run(
                new String[] {"serve", "--trust-key", a.encoded(), "--trust-key", b.encoded()},
                Map.of(),
                (cfg, o, e2) -> {
                    launched.set(cfg);
                    return 0;
                },
                new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        assertEquals(List.of(a, b), launched.get().bundles().trusted());
        assertEquals(
                2,
                FerryMain.run(
                        new String[] {"serve", "--trust-key", "garbage"},
                        Map.of(),
                        (cfg, o, e2) -> 0,
                        new PrintWriter(out, true),
                        new PrintWriter(err, true)));
        assertTrue(
                err.toString().contains("ferry: invalid bundles.trust \"garbage\" (from flag --trust-key)"),
                err.toString());
    }
}
