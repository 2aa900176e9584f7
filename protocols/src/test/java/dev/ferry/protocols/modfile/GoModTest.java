package dev.ferry.protocols.modfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class GoModTest {

    private static GoMod lax(String s) {
        return GoMod.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    private static GoMod strict(String s) {
        return GoMod.parseStrict(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertLaxError(String src, String message) {
        FormatException e = assertThrows(FormatException.class, () -> lax(src), src);
        assertEquals(message, e.getMessage());
    }

    private static void assertStrictError(String src, String fragment) {
        FormatException e = assertThrows(FormatException.class, () -> strict(src), src);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    private static ModulePath p(String s) {
        return ModulePath.parse(s);
    }

    private static Version v(String s) {
        return Version.parse(s);
    }

    @Test
    void fullFile() {
        GoMod m = strict("""
                // Deprecated: use example.com/new instead.
                module example.com/m

                go 1.21
                toolchain go1.21.3

                require (
                	github.com/BurntSushi/toml v1.2.0
                	"golang.org/x/sys" v0.2 // indirect
                	gopkg.in/yaml.v3 v3.0.1 // indirect; for tests
                	example.com/other/v2 v2.0.0+incompatible //indirectly
                )

                require example.com/single v1.0.0-rc.1

                exclude example.com/single v0.9.0

                replace (
                	example.com/a v1.0.0 => example.com/fork v1.0.1
                	example.com/b => ../b
                	example.com/c v1.2.3 => "/tmp/my dir"
                )
                replace example.com/d => example.com/d2 v1.0.0

                // Published by mistake.
                retract v1.0.1

                retract [v1.1.0, v1.2.0] // broken build

                retract (
                	// two lines
                	// of rationale
                	v0.1.0
                	v0.2.0 // only suffix
                )
                """);
        assertEquals(p("example.com/m"), m.module());
        assertEquals("use example.com/new instead.", m.deprecated());
        assertEquals("1.21", m.go());
        assertEquals("go1.21.3", m.toolchain());
        assertEquals(
                List.of(
                        new GoMod.Require(p("github.com/BurntSushi/toml"), v("v1.2.0"), false),
                        new GoMod.Require(p("golang.org/x/sys"), v("v0.2.0"), true),
                        new GoMod.Require(p("gopkg.in/yaml.v3"), v("v3.0.1"), true),
                        new GoMod.Require(p("example.com/other/v2"), v("v2.0.0+incompatible"), false),
                        new GoMod.Require(p("example.com/single"), v("v1.0.0-rc.1"), false)),
                m.require());
        assertEquals(List.of(new GoMod.Exclude(p("example.com/single"), v("v0.9.0"))), m.exclude());
        assertEquals(
                List.of(
                        new GoMod.Replace(p("example.com/a"), v("v1.0.0"), "example.com/fork", v("v1.0.1")),
                        new GoMod.Replace(p("example.com/b"), null, "../b", null),
                        new GoMod.Replace(p("example.com/c"), v("v1.2.3"), "/tmp/my dir", null),
                        new GoMod.Replace(p("example.com/d"), null, "example.com/d2", v("v1.0.0"))),
                m.replace());
        assertTrue(m.replace().get(1).isLocal());
        assertFalse(m.replace().get(3).isLocal());
        assertEquals(
                List.of(
                        new GoMod.Retract(v("v1.0.1"), v("v1.0.1"), "Published by mistake."),
                        new GoMod.Retract(v("v1.1.0"), v("v1.2.0"), "broken build"),
                        new GoMod.Retract(v("v0.1.0"), v("v0.1.0"), "two lines\nof rationale"),
                        new GoMod.Retract(v("v0.2.0"), v("v0.2.0"), "only suffix")),
                m.retract());
        assertTrue(m.retract().get(1).contains(v("v1.1.5")));
        assertFalse(m.retract().get(1).contains(v("v1.2.1")));

        // Laxly, the main-module-only directives are not even looked at.
        GoMod l = GoMod.parse(("module example.com/m\ntoolchain inconceivable!\nexclude x\nreplace <-!!!\n"
                        + "require example.com/a v1.0.0\n")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals("", l.toolchain());
        assertTrue(l.exclude().isEmpty());
        assertTrue(l.replace().isEmpty());
        assertEquals(1, l.require().size());
    }

    @Test
    void laxIgnoresWhatDependenciesDoNotUse() {
        GoMod m = lax("""
                module example.com/m
                		surprise attack
                		x y (
                			z
                		)
                		exclude v1.2.3
                		replace <-!!!
                		retract v1.2.3 v1.2.4
                		retract (v1.2.3, v1.2.4]
                		retract v1.2.3 (
                			key1 value1
                			key2 value2
                		)
                		require example.com/good v1.0.0
                """);
        assertEquals(p("example.com/m"), m.module());
        assertEquals(List.of(new GoMod.Require(p("example.com/good"), v("v1.0.0"), false)), m.require());
        assertEquals(List.of(new GoMod.Retract(v("v1.2.3"), v("v1.2.3"), "")), m.retract());
        assertThrows(FormatException.class, () -> strict("module example.com/m\nsurprise attack\n"));
    }

    @Test
    void goVersions() {
        String[][] cases = {
            // input, strict ok, lax result ("" = error)
            {"", "n", ""}, {"1", "n", ""}, {"1.22", "y", "1.22"}, {"1.22.333", "y", "1.22.333"},
            {"1.2rc1", "y", "1.2rc1"}, {"1.2 3.4", "n", ""}, {"1.2.3", "y", "1.2.3"}, {"1.2beta1", "y", "1.2beta1"},
            {"1.2.beta1", "n", "1.2"}, {"v1.2.3", "n", "1.2"}, {"v1.2rc1", "n", "1.2"}, {"v1.2beta1", "n", "1.2"},
            {"v1.2.beta1", "n", "1.2"}, {"v1.2", "n", ""}, {"01.2", "n", ""},
        };
        for (String[] c : cases) {
            String src = "module example.com/m\ngo " + c[0] + "\n";
            if (c[1].equals("y")) {
                assertEquals(c[0], strict(src).go(), src);
            } else {
                assertThrows(FormatException.class, () -> strict(src), src);
            }
            if (c[2].isEmpty()) {
                assertThrows(FormatException.class, () -> lax(src), src);
            } else {
                assertEquals(c[2], lax(src).go(), src);
            }
        }
        assertLaxError("module example.com/m\ngo 1.20\ngo 1.21\n", "go.mod:3: repeated go statement");
    }

    @Test
    void toolchains() {
        for (String ok : new String[] {"go1.2", "go1.2.3", "go1.2rc1", "go1.2rc1-gccgo", "default", "go1"}) {
            assertEquals(
                    ok, strict("module example.com/m\ntoolchain " + ok + "\n").toolchain());
        }
        assertStrictError("module example.com/m\ntoolchain inconceivable!\n", "invalid toolchain version");
        assertStrictError("module example.com/m\ntoolchain go2\n", "invalid toolchain version");
    }

    @Test
    void errorsNameTheLine() {
        assertLaxError(
                "module example.com/m\n\nrequire example.com/x v1.x\n",
                "go.mod:3: require example.com/x: version \"v1.x\" invalid: must be of the form v1.2.3");
        assertLaxError(
                "module example.com/m\nrequire (\n\texample.com/x/v2 v1.0.0\n)\n",
                "go.mod:3:2: require example.com/x/v2: example.com/x/v2@v1.0.0: invalid version: should be v2, not v1");
        assertLaxError("module example.com/m\nrequire example.com/x\n", "go.mod:2: usage: require module/path v1.2.3");
        assertLaxError(
                "module example.com/m\nrequire (\nexample.com/x v1.0.0\n",
                "go.mod:4: syntax error (unterminated block started at go.mod:2:1)");
        assertLaxError(
                "module example.com/m\nrequire (\n) x\n",
                "go.mod:3:4: syntax error (expected newline after closing paren)");
        assertLaxError(
                "module example.com/m /* c */\n", "go.mod:1:22: mod files must use // comments (not /* */ comments)");
        assertLaxError("module \"example.com/m\n", "go.mod:1:22: unexpected newline in string");
        assertLaxError("module \"example.com/m", "go.mod:1:8: unexpected EOF in string");
        assertLaxError("module example.com/m\nmodule example.com/n\n", "go.mod:2: repeated module statement");
        assertLaxError(
                "module nodot\n",
                "go.mod:1: module \"nodot\": malformed module path \"nodot\": " + "missing dot in first path element");
        assertLaxError(
                "module `example.com/m`\n", "go.mod:1: invalid quoted string: unquoted string cannot contain quote");
        assertLaxError(
                "module example.com/m'\n", "go.mod:1: invalid quoted string: unquoted string cannot contain quote");
        assertLaxError("module \"example.com/\\q\"\n", "go.mod:1: invalid quoted string: invalid syntax");
        assertLaxError("go 1.21\n", "go.mod: no module directive");
        assertLaxError(
                "module example.com/m\nrequire example.com/x v1.0.0\u0001\n",
                "go.mod:2:29: unexpected input character \"\\u0001\"");
        assertStrictError("module example.com/m\nfrobnicate x\n", "go.mod:2: unknown directive: frobnicate");
        assertStrictError("module example.com/m\ngo (\n1.21\n)\n", "go.mod:2: unknown block type: go");
        assertStrictError(
                "module example.com/m\nreplace example.com/x => example.com/y\n",
                "replacement module without version must be directory path");
        assertStrictError(
                "module example.com/m\nreplace example.com/x => example.com/y@v1.0.0\n", "not 'path@version'");
        assertStrictError("module example.com/m\nreplace example.com/x => ./y v1.0.0\n", "cannot have version");
        assertStrictError("module example.com/m\nreplace example.com/x => .\\y\n", "Windows path");
        assertStrictError("module example.com/m\nretract v1.0.0 extra\n", "unexpected token after version");
        assertStrictError("module example.com/m\nretract [v1.0.0 v1.1.0]\n", "expected ',' after version");
        assertStrictError("module example.com/m\nretract [v1.0.0,\n", "expected version after ','");
        assertStrictError("module example.com/m\nretract (v1.0.0, v1.1.0]\n", "expected '[' or version");
        assertStrictError("module example.com/m\nexclude example.com/x/v2 v3.0.0\n", "should be v2, not v3");
        assertStrictError("module example.com/m\ngodebug x\n", "usage: godebug key=value");
    }

    @Test
    void quotingAndPunctuation() {
        GoMod m = lax("module \"example.com/\\x6d\"\nrequire \"example.com/\\u0061\" \"v1.0.0\"\n");
        assertEquals(p("example.com/m"), m.module());
        assertEquals(p("example.com/a"), m.require().get(0).path());
        assertEquals("a", GoMod.unquote("\"\\141\""));
        assertThrows(FormatException.class, () -> GoMod.unquote("\"\\400\""));
        assertThrows(FormatException.class, () -> GoMod.unquote("\"\\'\""));
        assertThrows(FormatException.class, () -> GoMod.unquote("\"\\uD800\""));
        // Empty blocks and '(' in the middle of a line.
        GoMod e = lax("module example.com/m\nrequire ()\nrequire (\n)\n");
        assertTrue(e.require().isEmpty());
        assertLaxError(
                "module example.com/m\nrequire example.com/x ( v1.0.0\n",
                "go.mod:2: usage: require module/path v1.2.3");
    }

    @Test
    void commentsAndLineEndings() {
        GoMod m = lax("// a\r\nmodule example.com/m // c\r\n\r\n// d\r\nrequire example.com/x v1.0.0 // indirect\r\n");
        assertEquals(p("example.com/m"), m.module());
        assertTrue(m.require().get(0).indirect());
        GoMod d = lax("// Deprecated: no\n\nmodule example.com/m\n");
        assertEquals("", d.deprecated(), "a blank line detaches the comment");
        GoMod d2 = lax("// Intro.\n//\n// Deprecated: gone.\n// Really.\nmodule example.com/m\n");
        assertEquals("gone.\nReally.", d2.deprecated());
        GoMod d3 = lax("module example.com/m // Deprecated: use v2\n");
        assertEquals("use v2", d3.deprecated());
    }

    @Test
    void tooLargeIsRefused() {
        byte[] big = new byte[GoMod.MAX_SIZE + 1];
        FormatException e = assertThrows(FormatException.class, () -> GoMod.parse(big));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
    }

    @Test
    void moduleOnlyConstructor() {
        GoMod m = new GoMod(p("example.com/m"));
        assertEquals(p("example.com/m"), m.module());
        assertEquals("", m.go());
        assertTrue(m.require().isEmpty() && m.replace().isEmpty() && m.retract().isEmpty());
        assertEquals(m, lax("module example.com/m\n"));
    }

    /** Every .mod in the fixture proxy parses laxly, and names the module it is served for. */
    @Test
    void fixtureModFilesParse() throws IOException {
        Path root = Path.of("/work/shared/fixtures/gocorpus/proxy");
        if (!Files.isDirectory(root)) {
            root = Path.of(System.getProperty("ferry.fixtures", "../../shared/fixtures"), "gocorpus", "proxy");
        }
        int n = 0;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".mod"))::iterator) {
                String rel = root.relativize(f.getParent().getParent()).toString();
                GoMod m = GoMod.parse(rel + "/go.mod", Files.readAllBytes(f), false);
                assertEquals(ModulePath.unescape(rel), m.module(), f.toString());
                n++;
            }
        }
        assertEquals(81, n);
    }
}
