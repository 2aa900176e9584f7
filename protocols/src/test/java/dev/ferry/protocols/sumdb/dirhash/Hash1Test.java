package dev.ferry.protocols.sumdb.dirhash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.modzip.ModuleZip;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.Fixture;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class Hash1Test {

    @Test
    void everyFixtureZipAndGoModHashesAsRecorded() throws Exception {
        Path root = Fixture.root();
        List<Fixture.Module> modules = Fixture.modules();
        assertEquals(81, modules.size());
        for (Fixture.Module m : modules) {
            ModulePath path = ModulePath.parse(m.path());
            Version version = Version.parseCanonical(m.version());
            Path dir = root.resolve(path.escaped()).resolve("@v");
            String base = ModulePath.escapeVersion(m.version());
            ModuleZip.ZipSummary summary;
            try (InputStream in = Files.newInputStream(dir.resolve(base + ".zip"))) {
                summary = ModuleZip.check(in, path, version);
            }
            assertEquals(m.zipHash(), Hash1.ofZip(summary), m.path() + "@" + m.version() + " zip");
            assertEquals(
                    m.goModHash(),
                    Hash1.ofGoMod(Files.readAllBytes(dir.resolve(base + ".mod"))),
                    m.path() + "@" + m.version() + " go.mod");
        }
    }

    @Test
    void summaryLinesSortedByUtf8Bytes() throws Exception {
        String a = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest("a".getBytes()));
        String b = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest("b".getBytes()));
        // Java's String order puts U+1F600 (surrogates D83D DE00) before U+FF21; Go's sort.Strings compares UTF-8
        // bytes, F0 9F 98 80 after EF BC A1, so U+FF21 comes first.
        String wide = "m@v1.0.0/\uFF21";
        String astral = "m@v1.0.0/\uD83D\uDE00";
        String summary = a + "  " + wide + "\n" + b + "  " + astral + "\n";
        String want = "h1:"
                + Base64.getEncoder()
                        .encodeToString(
                                MessageDigest.getInstance("SHA-256").digest(summary.getBytes(StandardCharsets.UTF_8)));
        assertEquals(want, Hash1.of(List.of(new Hash1.File(astral, b), new Hash1.File(wide, a))));
        assertEquals(want, Hash1.of(List.of(new Hash1.File(wide, a), new Hash1.File(astral, b))));
        assertNotEquals(want, Hash1.of(List.of(new Hash1.File(wide, b), new Hash1.File(astral, a))));
    }

    @Test
    void goModIsHashedUnderTheNameGoMod() throws Exception {
        byte[] mod = "module example.com/m\n".getBytes();
        String sum =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(mod));
        assertEquals(Hash1.of(List.of(new Hash1.File("go.mod", sum))), Hash1.ofGoMod(mod));
        assertNotEquals(Hash1.of(List.of(new Hash1.File("example.com/m@v1.0.0/go.mod", sum))), Hash1.ofGoMod(mod));
    }

    @Test
    void refusals() {
        String h = "0".repeat(64);
        assertThrows(FormatException.class, () -> Hash1.of(List.of(new Hash1.File("a\nb", h))));
        assertThrows(FormatException.class, () -> Hash1.of(List.of(new Hash1.File("a", h.toUpperCase() + "A"))));
        assertThrows(FormatException.class, () -> Hash1.of(List.of(new Hash1.File("a", "AB".repeat(32)))));
        Hash1.check("h1:Yvzst7fvtmw9iSKZOiu8ivoAt34KlOhGPNHUOv40GEA=");
        for (String bad : new String[] {
            "h1:",
            "h2:Yvzst7fvtmw9iSKZOiu8ivoAt34KlOhGPNHUOv40GEA=",
            "h1:Yvzst7fvtmw9iSKZOiu8ivoAt34KlOhGPNHUOv40GEB=",
            "h1:Yvzst7fvtmw9iSKZOiu8ivoAt34KlOhGPNHUOv40GEA",
            "h1:Yvzst7fvtmw9iSKZOiu8ivoAt34KlOhGPNHUOv40GE==",
            "h1:Yvzst7fvtmw9iSKZOiu8ivoAt34KlOhGPNHUOv40G-A="
        }) {
            assertThrows(FormatException.class, () -> Hash1.check(bad), bad);
        }
    }
}
