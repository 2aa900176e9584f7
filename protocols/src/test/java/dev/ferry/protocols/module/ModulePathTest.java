package dev.ferry.protocols.module;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.semver.Version;
import org.junit.jupiter.api.Test;

class ModulePathTest {

    /** Path, valid module path, valid file path (x/mod's CheckPath / CheckFilePath cases). */
    private static final Object[][] PATHS = {
        {"x.y/z", true, true},
        {"x.y", true, true},
        {"", false, false},
        {"x.y/\uD800z", false, false},
        {"/x.y/z", false, false},
        {"x./z", false, false},
        {".x/z", false, true},
        {"-x/z", false, true},
        {"x..y/z", true, true},
        {"x.y/z/../../w", false, false},
        {"x.y//z", false, false},
        {"x.y/z//w", false, false},
        {"x.y/z/", false, false},
        {"x.y/z/v0", false, true},
        {"x.y/z/v1", false, true},
        {"x.y/z/v2", true, true},
        {"x.y/z/v2.0", false, true},
        {"x.y/z/v02", false, true},
        {"X.y/z", false, true},
        {"!x.y/z", false, true},
        {"_x.y/z", false, true},
        {"x.y!/z", false, true},
        {"x.y\"/z", false, false},
        {"x.y#/z", false, true},
        {"x.y$/z", false, true},
        {"x.y%/z", false, true},
        {"x.y&/z", false, true},
        {"x.y'/z", false, false},
        {"x.y(/z", false, true},
        {"x.y)/z", false, true},
        {"x.y*/z", false, false},
        {"x.y+/z", false, true},
        {"x.y,/z", false, true},
        {"x.y-/z", true, true},
        {"x.y./zt", false, false},
        {"x.y:/z", false, false},
        {"x.y;/z", false, false},
        {"x.y</z", false, false},
        {"x.y=/z", false, true},
        {"x.y>/z", false, false},
        {"x.y?/z", false, false},
        {"x.y@/z", false, true},
        {"x.y[/z", false, true},
        {"x.y\\/z", false, false},
        {"x.y]/z", false, true},
        {"x.y^/z", false, true},
        {"x.y_/z", false, true},
        {"x.y`/z", false, false},
        {"x.y{/z", false, true},
        {"x.y}/z", false, true},
        {"x.y~/z", false, true},
        {"x.y/z!", false, true},
        {"x.y/z\"", false, false},
        {"x.y/z#", false, true},
        {"x.y/z$", false, true},
        {"x.y/z%", false, true},
        {"x.y/z&", false, true},
        {"x.y/z'", false, false},
        {"x.y/z(", false, true},
        {"x.y/z)", false, true},
        {"x.y/z*", false, false},
        {"x.y/z++", false, true},
        {"x.y/z,", false, true},
        {"x.y/z-", true, true},
        {"x.y/z.t", true, true},
        {"x.y/z/t", true, true},
        {"x.y/z:", false, false},
        {"x.y/z;", false, false},
        {"x.y/z<", false, false},
        {"x.y/z=", false, true},
        {"x.y/z>", false, false},
        {"x.y/z?", false, false},
        {"x.y/z@", false, true},
        {"x.y/z[", false, true},
        {"x.y/z\\", false, false},
        {"x.y/z]", false, true},
        {"x.y/z^", false, true},
        {"x.y/z_", true, true},
        {"x.y/z`", false, false},
        {"x.y/z{", false, true},
        {"x.y/z}", false, true},
        {"x.y/z~", true, true},
        {"x.y/x.foo", true, true},
        {"x.y/aux.foo", false, false},
        {"x.y/prn", false, false},
        {"x.y/PRN", false, false},
        {"x.y/Lpt9.tar.gz", false, false},
        {"x.y/prn2", true, true},
        {"x.y/com", true, true},
        {"x.y/com1", false, false},
        {"x.y/com1.txt", false, false},
        {"x.y/calm1", true, true},
        {"x.y/z~0", false, true},
        {"x.y/z~09", false, true},
        {"x.y/z09", true, true},
        {"x.y/z09~", true, true},
        {"x.y/z09~09z", true, true},
        {"x.y/z09~09z~09", false, true},
        {"x.y/z~1.txt", false, true},
        {"github.com/!123/logrus", false, true},
        {"github.com/user/unicode/испытание", false, true},
        {"../x", false, false},
        {"./y", false, false},
        {"x:y", false, false},
        {"\\temp\\foo", false, false},
        {".gitignore", false, true},
        {".github/ISSUE_TEMPLATE", false, true},
        {"x☺y", false, false},
        {"github.com/BurntSushi/toml", true, true},
        {"example.com/a b", false, true},
        {"example.com/a\u0000b", false, false},
        {"a.B/c", false, true},
        {"gopkg.in/yaml.v3", true, true},
        {"gopkg.in/check.v1", true, true},
        {"gopkg.in/yaml.v0", true, true},
        {"gopkg.in/yaml.v01", false, true},
        {"gopkg.in/yaml", false, true},
        {"gopkg.in/yaml.v1-unstable", true, true},
        {"gopkg.in/yaml.v", false, true},
        {"gopkg.in/user/yaml.v2", true, true},
        {"example.com/m/v10", true, true},
        {"example.com/v2", true, true},
        {"example.com/v1x", true, true},
        {"example.com/x/v", true, true},
    };

    @Test
    void checkPathTable() {
        for (Object[] row : PATHS) {
            String p = (String) row[0];
            if ((Boolean) row[1]) {
                assertEquals(p, assertDoesNotThrow(() -> ModulePath.parse(p), p).value());
            } else {
                FormatException e = assertThrows(FormatException.class, () -> ModulePath.parse(p), p);
                assertTrue(e.getMessage().startsWith("malformed module path"), e.getMessage());
            }
            if ((Boolean) row[2]) {
                assertDoesNotThrow(() -> FilePath.check(p), p);
            } else {
                FormatException e = assertThrows(FormatException.class, () -> FilePath.check(p), p);
                assertTrue(e.getMessage().startsWith("malformed file path"), e.getMessage());
            }
        }
    }

    @Test
    void messagesNameTheRule() {
        assertMessage("x.y/z/v1", "invalid version");
        assertMessage("xy/z", "missing dot in first path element");
        assertMessage("-x.y/z", "leading dash");
        assertMessage("x.Y/z", "in first path element");
        assertMessage("x.y/aux", "disallowed as path element component on Windows");
        assertMessage("x.y/z~1", "trailing tilde and digits");
        assertMessage("x.y/.z", "leading dot");
        assertMessage("x.y/z/", "trailing slash");
        assertMessage("x.y/" + "a".repeat(1100), "longer than 1024");
    }

    private static void assertMessage(String path, String fragment) {
        FormatException e = assertThrows(FormatException.class, () -> ModulePath.parse(path));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void constructorValidatesToo() {
        assertThrows(FormatException.class, () -> new ModulePath("nodot/x"));
        assertThrows(FormatException.class, () -> new ModulePath(null));
    }

    /** Path, escaped form. */
    private static final String[][] ESCAPES = {
        {"ascii.com/abcdefghijklmnopqrstuvwxyz.-/~_0123456789", "ascii.com/abcdefghijklmnopqrstuvwxyz.-/~_0123456789"},
        {"github.com/GoogleCloudPlatform/omega", "github.com/!google!cloud!platform/omega"},
        {"github.com/BurntSushi/toml", "github.com/!burnt!sushi/toml"},
    };

    @Test
    void escapeRoundTrip() {
        for (String[] row : ESCAPES) {
            ModulePath p = ModulePath.parse(row[0]);
            assertEquals(row[1], p.escaped());
            assertEquals(p, ModulePath.unescape(row[1]));
        }
    }

    @Test
    void unescapeIsStrict() {
        for (String bad : new String[] {
            "github.com/GoogleCloudPlatform/omega",
            "github.com/!!google/x",
            "github.com/!0/x",
            "github.com/x!",
            "github.com/!Google/x",
            "github.com/ü/x",
            "",
            "!github.com/x",
            "github.com/!x!/y"
        }) {
            assertThrows(FormatException.class, () -> ModulePath.unescape(bad), bad);
        }
        FormatException e = assertThrows(FormatException.class, () -> ModulePath.unescape("nodot/x"));
        assertTrue(e.getMessage().contains("missing dot"), e.getMessage());
    }

    @Test
    void versionEscaping() {
        assertEquals("v1.0.0-!r!c1", ModulePath.escapeVersion("v1.0.0-RC1"));
        assertEquals("v1.0.0-RC1", ModulePath.unescapeVersion("v1.0.0-!r!c1"));
        assertEquals("master", ModulePath.unescapeVersion("master"));
        assertEquals("!master", ModulePath.escapeVersion("Master"));
        for (String bad : new String[] {"v1!", "", "a/b", "..", "con", "v1.0.0.", "Ü"}) {
            assertThrows(FormatException.class, () -> ModulePath.escapeVersion(bad), bad);
        }
        for (String bad : new String[] {"V1.0.0", "v1!", "!", "a/b", "..", "con", "x.", "ü"}) {
            assertThrows(FormatException.class, () -> ModulePath.unescapeVersion(bad), bad);
        }
    }

    /** Path, version, whether CheckPathMajor accepts them. */
    private static final Object[][] MAJORS = {
        {"example.com/m", "v0.1.0", true},
        {"example.com/m", "v1.9.0", true},
        {"example.com/m", "v2.0.0", false},
        {"example.com/m", "v2.0.0+incompatible", true},
        {"example.com/m", "v3.0.1-0.20171022190953-9aa498375809+incompatible", true},
        {"example.com/m/v2", "v2.0.0", true},
        {"example.com/m/v2", "v2.0.0+incompatible", true},
        {"example.com/m/v2", "v1.0.0", false},
        {"example.com/m/v2", "v3.0.0", false},
        {"gopkg.in/yaml.v3", "v3.0.1", true},
        {"gopkg.in/yaml.v3", "v2.0.0", false},
        {"gopkg.in/check.v1", "v1.0.0-20200902225931-038fdea065d6", true},
        {"gopkg.in/check.v1", "v0.0.0-20161208181325-20d25e280405", true},
        {"gopkg.in/check.v1", "v0.1.0", false},
        {"gopkg.in/yaml.v1-unstable", "v1.2.0", true},
        {"gopkg.in/yaml.v0", "v0.3.0", true},
    };

    @Test
    void checkMajor() {
        for (Object[] row : MAJORS) {
            ModulePath p = ModulePath.parse((String) row[0]);
            Version v = Version.parse((String) row[1]);
            assertEquals(row[2], p.matchesMajor(v), p + "@" + v);
            if ((Boolean) row[2]) {
                assertDoesNotThrow(() -> p.checkMajor(v));
            } else {
                FormatException e = assertThrows(FormatException.class, () -> p.checkMajor(v));
                assertTrue(e.getMessage().contains("should be"), e.getMessage());
            }
        }
        FormatException e = assertThrows(
                FormatException.class, () -> ModulePath.parse("example.com/m").checkMajor(Version.parse("v2.0.0")));
        assertEquals("example.com/m@v2.0.0: invalid version: should be v0 or v1, not v2", e.getMessage());
    }

    @Test
    void splitPathVersion() {
        assertEquals("/v2", ModulePath.parse("example.com/m/v2").pathMajor());
        assertEquals("example.com/m", ModulePath.parse("example.com/m/v2").pathPrefix());
        assertEquals(".v3", ModulePath.parse("gopkg.in/yaml.v3").pathMajor());
        assertEquals("gopkg.in/yaml", ModulePath.parse("gopkg.in/yaml.v3").pathPrefix());
        assertEquals(
                ".v1-unstable", ModulePath.parse("gopkg.in/yaml.v1-unstable").pathMajor());
        assertEquals("", ModulePath.parse("example.com/m").pathMajor());
        assertFalse(ModulePath.parse("example.com/m").pathMajor().startsWith("/"));
    }
}
