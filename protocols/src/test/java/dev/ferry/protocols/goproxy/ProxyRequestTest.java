package dev.ferry.protocols.goproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.goproxy.ProxyRequestException.Kind;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ProxyRequestTest {

    @Test
    void parsesEachEndpoint() {
        ModulePath toml = ModulePath.parse("github.com/BurntSushi/toml");
        assertEquals(new ProxyRequest.List(toml), ProxyRequest.parse("/github.com/!burnt!sushi/toml/@v/list"));
        assertEquals(new ProxyRequest.Latest(toml), ProxyRequest.parse("/github.com/!burnt!sushi/toml/@latest"));
        Version v = Version.parse("v1.2.0");
        assertEquals(
                new ProxyRequest.Info(toml, v), ProxyRequest.parse("/github.com/!burnt!sushi/toml/@v/v1.2.0.info"));
        assertEquals(new ProxyRequest.Mod(toml, v), ProxyRequest.parse("/github.com/!burnt!sushi/toml/@v/v1.2.0.mod"));
        assertEquals(new ProxyRequest.Zip(toml, v), ProxyRequest.parse("/github.com/!burnt!sushi/toml/@v/v1.2.0.zip"));
    }

    /** The go command writes the '!' of the case-encoding as %21 (url.PathEscape); both spellings are one request. */
    @Test
    void percentEncodingAsTheGoCommandSendsIt() {
        ModulePath toml = ModulePath.parse("github.com/BurntSushi/toml");
        assertEquals(new ProxyRequest.List(toml), ProxyRequest.parse("/github.com/%21burnt%21sushi/toml/@v/list"));
        ProxyRequest zip = ProxyRequest.parse("/github.com/%21burnt%21sushi/toml/@v/v1.2.0.zip");
        assertEquals(new ProxyRequest.Zip(toml, Version.parse("v1.2.0")), zip);
        assertEquals("github.com/!burnt!sushi/toml/@v/v1.2.0.zip", zip.upstreamPath());
        assertEquals(
                new ProxyRequest.Info(ModulePath.parse("example.com/m"), Version.parse("v1.0.0-RC1")),
                ProxyRequest.parse("/example.com/m/@v/v1.0.0-%21r%21c1.info"));
        assertEquals(
                new ProxyRequest.Latest(ModulePath.parse("example.com/m")),
                ProxyRequest.parse("/example.com/%6d/%40latest"));
        assertRefused("/example.com/m/@v/feature%23x.info", Kind.NON_CANONICAL_QUERY, "feature#x");
    }

    @Test
    void upstreamPathRoundTrips() {
        for (String p : List.of(
                "/github.com/!burnt!sushi/toml/@v/list",
                "/github.com/!burnt!sushi/toml/@latest",
                "/github.com/!burnt!sushi/toml/@v/v1.2.0.zip",
                "/gopkg.in/yaml.v3/@v/v3.0.1.mod",
                "/example.com/m/@v/v1.0.0-!r!c1.info",
                "/github.com/!knetic/govaluate/@v/" + "v3.0.1-0.20171022190953-9aa498375809+incompatible.zip")) {
            assertEquals(p.substring(1), ProxyRequest.parse(p).upstreamPath());
        }
        assertEquals(
                "v1.0.0-RC1",
                ((ProxyRequest.Info) ProxyRequest.parse("/example.com/m/@v/v1.0.0-!r!c1.info"))
                        .version()
                        .toString());
    }

    /** Every file of the fixture proxy that the protocol names parses, and maps back to its own path. */
    @Test
    void fixtureTreeParses() throws IOException {
        Path root = Path.of(System.getProperty("ferry.fixtures", "../../shared/fixtures"), "gocorpus", "proxy");
        if (!Files.isDirectory(root)) {
            root = Path.of("/work/shared/fixtures/gocorpus/proxy");
        }
        int n = 0;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String rel = root.relativize(f).toString();
                if (rel.startsWith("_meta") || rel.startsWith("sumdb")) {
                    continue;
                }
                ProxyRequest r = ProxyRequest.parse("/" + rel);
                assertEquals(rel, r.upstreamPath());
                n++;
            }
        }
        assertTrue(n > 200, "fixture files seen: " + n);
    }

    private static void assertRefused(String path, Kind kind, String fragment) {
        ProxyRequestException e = assertThrows(ProxyRequestException.class, () -> ProxyRequest.parse(path), path);
        assertEquals(kind, e.kind(), path + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), path + ": " + e.getMessage());
        assertEquals(kind == Kind.MALFORMED ? 400 : 404, e.httpStatus());
    }

    @Test
    void malformedIs400() {
        assertRefused("", Kind.MALFORMED, "empty");
        assertRefused(null, Kind.MALFORMED, "empty");
        assertRefused("example.com/m/@v/list", Kind.MALFORMED, "start with '/'");
        assertRefused("/example.com%2fm/@v/list", Kind.MALFORMED, "encoded \"/\"");
        assertRefused("/example.com%2Fm/@v/list", Kind.MALFORMED, "encoded \"/\"");
        assertRefused("/example.com/m/%2e%2e/@v/list", Kind.MALFORMED, "\"..\" element");
        assertRefused("/example.com/m/%2E/@v/list", Kind.MALFORMED, "\".\" element");
        assertRefused("/example.com/m/@v/%252e.info", Kind.MALFORMED, "encoded \"%\"");
        assertRefused("/example.com/m/@v/v1.0.0.info%", Kind.MALFORMED, "malformed percent-encoding");
        assertRefused("/example.com/m/@v/v1.0.0.info%2", Kind.MALFORMED, "malformed percent-encoding");
        assertRefused("/example.com/m/@v/v1.0.0.info%zz", Kind.MALFORMED, "malformed percent-encoding");
        assertRefused("/example.com/m%00/@v/list", Kind.MALFORMED, "control");
        assertRefused("/example.com/m%5c/@v/list", Kind.MALFORMED, "percent-encoded");
        assertRefused("/example.com/m/@v/a%3fb.info", Kind.MALFORMED, "invalid escaped version");
        assertRefused("/example.com/m%23/@v/list", Kind.MALFORMED, "invalid escaped module path");
        assertRefused("/example.com/%C3%A9/@v/list", Kind.MALFORMED, "non-ASCII");
        assertRefused("/example.com/m/../n/@v/list", Kind.MALFORMED, "\"..\" element");
        assertRefused("/example.com/./m/@v/list", Kind.MALFORMED, "\".\" element");
        assertRefused("/example.com//m/@v/list", Kind.MALFORMED, "empty element");
        assertRefused("//example.com/m/@v/list", Kind.MALFORMED, "empty element");
        assertRefused("/example.com/m/@v/list/", Kind.MALFORMED, "empty element");
        assertRefused("/example.com\\m/@v/list", Kind.MALFORMED, "contains");
        assertRefused("/example.com/m/@v/list?x=1", Kind.MALFORMED, "contains");
        assertRefused("/example.com/m\n/@v/list", Kind.MALFORMED, "control");
        assertRefused("/example.com/m\u0000/@v/list", Kind.MALFORMED, "control");
        assertRefused("/example.com/é/@v/list", Kind.MALFORMED, "non-ASCII");
        assertRefused("/example.com/" + "a/".repeat(1100) + "@v/list", Kind.MALFORMED, "longer than 2048");
        assertRefused("/github.com/BurntSushi/toml/@v/list", Kind.MALFORMED, "invalid escaped module path");
        assertRefused("/github.com/!!x/toml/@v/list", Kind.MALFORMED, "invalid escaped module path");
        assertRefused("/nodot/m/@v/list", Kind.MALFORMED, "missing dot");
        assertRefused("/example.com/m/v1/@v/list", Kind.MALFORMED, "invalid version");
        assertRefused("/example.com/m/@v/v1.0.0.tar", Kind.MALFORMED, "unknown module proxy file");
        assertRefused("/example.com/m/@v/info", Kind.MALFORMED, "unknown module proxy file");
        assertRefused("/example.com/m/@v/.info", Kind.MALFORMED, "invalid escaped version");
        assertRefused("/example.com/m/@v/V1.0.0.info", Kind.MALFORMED, "invalid escaped version");
        assertRefused("/example.com/m/@v/con.info", Kind.MALFORMED, "invalid escaped version");
    }

    @Test
    void cannotExistIs404() {
        assertRefused("/", Kind.NOT_FOUND, "not a module proxy path");
        assertRefused("/sumdb/sum.golang.org/supported", Kind.NOT_FOUND, "not a module proxy path");
        assertRefused("/example.com/m/@v/list/x", Kind.NOT_FOUND, "not a module proxy path");
        assertRefused("/example.com/m", Kind.NOT_FOUND, "not a module proxy path");
        assertRefused("/example.com/m/@v/v1.2.mod", Kind.NOT_FOUND, "did you mean v1.2.0");
        assertRefused("/example.com/m/@v/v1.2.3+meta.zip", Kind.NOT_FOUND, "canonical");
        assertRefused("/example.com/m/@v/master.zip", Kind.NOT_FOUND, "canonical");
        assertRefused("/example.com/m/@v/v2.0.0.zip", Kind.NOT_FOUND, "should be v0 or v1, not v2");
        assertRefused("/example.com/m/v2/@v/v1.0.0.info", Kind.NOT_FOUND, "should be v2, not v1");
        assertRefused("/gopkg.in/yaml.v3/@v/v2.0.0.mod", Kind.NOT_FOUND, "should be v3");
    }

    @Test
    void queriesOnInfoAre404WithTheirOwnKind() {
        assertRefused("/example.com/m/@v/master.info", Kind.NON_CANONICAL_QUERY, "canonical versions");
        assertRefused("/example.com/m/@v/v1.2.info", Kind.NON_CANONICAL_QUERY, "example.com/m@v1.2");
        assertRefused("/example.com/m/@v/!my!branch.info", Kind.NON_CANONICAL_QUERY, "MyBranch");
        assertRefused("/example.com/m/@v/v1.2.3+build.info", Kind.NON_CANONICAL_QUERY, "canonical");
    }

    @Test
    void incompatibleAndGopkgIn() {
        assertEquals(
                new ProxyRequest.Zip(
                        ModulePath.parse("github.com/dgrijalva/jwt-go"), Version.parse("v3.2.0+incompatible")),
                ProxyRequest.parse("/github.com/dgrijalva/jwt-go/@v/v3.2.0+incompatible.zip"));
        assertEquals(
                new ProxyRequest.Info(
                        ModulePath.parse("gopkg.in/check.v1"), Version.parse("v0.0.0-20161208181325-20d25e280405")),
                ProxyRequest.parse("/gopkg.in/check.v1/@v/v0.0.0-20161208181325-20d25e280405.info"));
    }
}
