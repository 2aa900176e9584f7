package dev.ferry.protocols.toolchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.semver.Version;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolchainTest {

    @Test
    void releasesAsTheGoCommandNamesThem() {
        for (String ok : List.of("go1.22.4", "go1.21.0", "go1.20", "go1.9", "go1.22rc1", "go1.21rc2", "go1.20beta1")) {
            assertEquals(ok, GoRelease.parse(ok).toString());
        }
    }

    @Test
    void badReleasesAreRefusedWithTheRuleNamed() {
        for (String bad : List.of(
                "",
                "1.22.4",
                "go1.22.4.1",
                "go2.0.0",
                "go1.022.4",
                "go1.22.04",
                "go1.22rc",
                "go1.22rc0",
                "go1.22-rc1",
                "go1.22.4 ",
                "GO1.22.4",
                "go1.22.4/linux",
                "go1.22.4.linux-amd64",
                "go")) {
            FormatException e = assertThrows(FormatException.class, () -> GoRelease.parse(bad), bad);
            assertTrue(e.getMessage().contains("go1."), e.getMessage());
        }
        assertTrue(assertThrows(FormatException.class, () -> GoRelease.parse("1.22.4"))
                .getMessage()
                .contains("did you mean go1.22.4?"));
        // Since 1.21, go1.N is the language version; its first release is go1.N.0.
        assertEquals(
                "go1.22 is a language version, not a release (did you mean go1.22.0?)",
                assertThrows(FormatException.class, () -> GoRelease.parse("go1.22"))
                        .getMessage());
    }

    @Test
    void platformsAreKnownGoosGoarchPairs() {
        assertEquals(
                List.of(new GoPlatform("linux", "amd64"), new GoPlatform("linux", "arm64")),
                GoPlatform.parseList("linux/amd64, linux/arm64,linux/amd64"));
        assertEquals("darwin/arm64", GoPlatform.parse("darwin/arm64").toString());
        for (String bad : List.of("linux", "linux/amd64/v2", "linux/x86_64", "macos/arm64", "/amd64", "linux/", "")) {
            FormatException e = assertThrows(FormatException.class, () -> GoPlatform.parse(bad), bad);
            assertTrue(e.getMessage().contains("linux/amd64"), e.getMessage());
        }
        assertThrows(FormatException.class, () -> GoPlatform.parseList(""));
        assertThrows(FormatException.class, () -> GoPlatform.parseList("linux/amd64,"));
    }

    @Test
    void aToolchainIsTheModuleVersionTheGoCommandAsksFor() {
        Toolchain t = new Toolchain(GoRelease.parse("go1.22.4"), GoPlatform.parse("linux/amd64"));
        assertEquals("golang.org/toolchain@v0.0.1-go1.22.4.linux-amd64", t.toString());
        assertTrue(t.version().isCanonical());
        assertTrue(t.version().isPrerelease());
        assertEquals(t, Toolchain.ofVersion(Version.parse("v0.0.1-go1.22.4.linux-amd64")));
        Toolchain rc = new Toolchain(GoRelease.parse("go1.23rc1"), GoPlatform.parse("windows/arm64"));
        assertEquals("v0.0.1-go1.23rc1.windows-arm64", rc.version().toString());
        assertEquals(rc, Toolchain.ofVersion(rc.version()));
        assertThrows(FormatException.class, () -> Toolchain.ofVersion(Version.parse("v0.0.1")));
        assertThrows(FormatException.class, () -> Toolchain.ofVersion(Version.parse("v0.0.1-go1.22.4.linux-x86")));
    }

    /** A zip in dl2mod's layout: thousands of entries, binaries, nested go.mod files renamed _go.mod. */
    private static byte[] toolchainZip(String version, String nestedGoMod) throws java.io.IOException {
        String prefix = "golang.org/toolchain@" + version + "/";
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(bytes)) {
            z.setLevel(java.util.zip.Deflater.BEST_COMPRESSION);
            java.util.Random r = new java.util.Random(1);
            List<String> names = new java.util.ArrayList<>(List.of(
                    "VERSION", "go.env", "bin/go", "bin/gofmt", "pkg/tool/linux_amd64/compile", "src/" + nestedGoMod));
            for (int i = 0; i < 3000; i++) {
                names.add("src/pkg" + i / 10 + "/file" + i + ".go");
            }
            for (String n : names) {
                java.util.zip.ZipEntry e = new java.util.zip.ZipEntry(prefix + n);
                e.setLastModifiedTime(java.nio.file.attribute.FileTime.fromMillis(1_717_097_167_000L));
                z.putNextEntry(e);
                byte[] data = new byte[n.startsWith("bin/") || n.startsWith("pkg/") ? 4096 : 200];
                r.nextBytes(data);
                z.write(data);
                z.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void theModuleZipCheckTakesAToolchainsLayoutAndRefusesANestedGoMod() throws Exception {
        String v = "v0.0.1-go1.22.4.linux-amd64";
        dev.ferry.protocols.modzip.ModuleZip.ZipSummary s = dev.ferry.protocols.modzip.ModuleZip.check(
                new java.io.ByteArrayInputStream(toolchainZip(v, "_go.mod")), Toolchain.MODULE, Version.parse(v));
        assertEquals(3006, s.files());
        assertTrue(!s.hasGoMod(), "a toolchain has no go.mod at its root");
        FormatException e = assertThrows(
                FormatException.class,
                () -> dev.ferry.protocols.modzip.ModuleZip.check(
                        new java.io.ByteArrayInputStream(toolchainZip(v, "go.mod")),
                        Toolchain.MODULE,
                        Version.parse(v)));
        assertTrue(e.getMessage().contains("go.mod file not in module root directory"), e.getMessage());
    }
}
