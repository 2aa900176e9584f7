package dev.ferry.protocols.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.goproxy.ProxyRequestException;
import dev.ferry.protocols.modfile.GoMod;
import dev.ferry.protocols.module.FilePath;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.modzip.ModuleZip;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.GoSumRecord;
import dev.ferry.protocols.sumdb.Lookup;
import dev.ferry.protocols.sumdb.LookupPath;
import dev.ferry.protocols.sumdb.SumdbConfig;
import dev.ferry.protocols.sumdb.SumdbException;
import dev.ferry.protocols.sumdb.SumdbVerifier;
import dev.ferry.protocols.sumdb.note.Note;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.protocols.sumdb.tlog.Tile;
import dev.ferry.protocols.sumdb.tlog.Tree;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What must hold for any input, shared by the seeded mutation test and the Jazzer targets: each parser either
 * returns a value with its round-trip properties or throws FormatException, never anything else. Any other
 * exception escapes and fails the caller.
 */
final class Properties {
    private Properties() {}

    static final ModulePath ZIP_MODULE = ModulePath.parse("example.com/m");
    static final Version ZIP_VERSION = Version.parse("v1.0.0");

    static void proxyRequest(String raw) {
        ProxyRequest r;
        try {
            r = ProxyRequest.parse(raw);
        } catch (ProxyRequestException e) {
            assertNotNull(e.getMessage());
            assertTrue(e.httpStatus() == 400 || e.httpStatus() == 404);
            return;
        }
        assertEquals(r, ProxyRequest.parse("/" + r.upstreamPath()), raw);
        assertTrue(
                r.upstreamPath()
                        .chars()
                        .allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || "-._~!/@+".indexOf(c) >= 0),
                r.upstreamPath());
        if (raw.indexOf('%') < 0) {
            assertEquals(raw.substring(1), r.upstreamPath(), "without percent-encoding, upstream path is the request");
        }
        Version v = switch (r) {
            case ProxyRequest.Info i -> i.version();
            case ProxyRequest.Mod m -> m.version();
            case ProxyRequest.Zip z -> z.version();
            default -> null;
        };
        if (v != null) {
            assertTrue(v.isCanonical(), raw);
            assertTrue(r.module().matchesMajor(v), raw);
        }
    }

    static void modulePath(String s) {
        ModulePath p;
        try {
            p = ModulePath.parse(s);
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
            return;
        }
        String esc = p.escaped();
        assertFalse(esc.chars().anyMatch(c -> c >= 'A' && c <= 'Z'), esc);
        assertEquals(p, ModulePath.unescape(esc));
        FilePath.check(s); // every module path is also a valid file path
        assertEquals(s, p.pathPrefix() + p.pathMajor());
    }

    static void unescapePath(String s) {
        ModulePath p;
        try {
            p = ModulePath.unescape(s);
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
            return;
        }
        assertEquals(s, p.escaped(), "the escaping is one-to-one");
    }

    static void unescapeVersion(String s) {
        String v;
        try {
            v = ModulePath.unescapeVersion(s);
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
            return;
        }
        assertEquals(s, ModulePath.escapeVersion(v));
    }

    static void filePath(String s) {
        try {
            FilePath.check(s);
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
        }
    }

    /** Returns the parsed version, or null if refused, so callers can check order over many. */
    static Version version(String s) {
        Version v;
        try {
            v = Version.parse(s);
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
            assertFalse(Version.isValid(s));
            return null;
        }
        assertTrue(Version.isValid(s));
        assertEquals(s, v.toString());
        assertEquals(v, Version.parse(v.toString()));
        Version c = v.canonical();
        assertTrue(c.isCanonical());
        assertEquals(c, c.canonical());
        assertEquals(c, Version.parseCanonical(c.toString()));
        assertEquals(0, v.compareTo(c));
        assertEquals(v.isCanonical(), v.equals(c));
        if (v.isPseudo()) {
            assertTrue(v.isPrerelease());
            v.pseudoRevision();
            try {
                v.pseudoTime();
                v.pseudoBase();
            } catch (FormatException e) {
                assertNotNull(e.getMessage());
            }
        }
        return v;
    }

    /** semver order is a total preorder whose ties are exactly the versions equal without build metadata. */
    static void order(List<Version> vs) {
        for (Version a : vs) {
            for (Version b : vs) {
                int ab = Integer.signum(a.compareTo(b));
                assertEquals(-ab, Integer.signum(b.compareTo(a)), a + " vs " + b);
                assertEquals(ab == 0, stripBuild(a).equals(stripBuild(b)), a + " vs " + b);
                for (Version c : vs) {
                    if (ab <= 0 && b.compareTo(c) <= 0) {
                        assertTrue(a.compareTo(c) <= 0, a + " <= " + b + " <= " + c);
                    }
                }
            }
        }
    }

    private static String stripBuild(Version v) {
        String c = v.canonical().toString();
        int plus = c.indexOf('+');
        return plus < 0 ? c : c.substring(0, plus);
    }

    static void goMod(byte[] data) {
        for (boolean strict : new boolean[] {false, true}) {
            try {
                GoMod m = GoMod.parse("go.mod", data, strict);
                assertNotNull(m.module());
                m.require().forEach(r -> assertTrue(r.version().isCanonical()));
            } catch (FormatException e) {
                assertNotNull(e.getMessage());
            }
        }
    }

    static void moduleZip(byte[] zip) {
        try {
            ModuleZip.ZipSummary s = ModuleZip.check(new ByteArrayInputStream(zip), ZIP_MODULE, ZIP_VERSION);
            assertTrue(s.files() <= s.entries().size());
            assertEquals(
                    s.uncompressedSize(),
                    s.entries().stream().mapToLong(ModuleZip.Entry::size).sum());
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("a byte array cannot fail to read", e);
        }
    }

    /** The fixture database's key and the x/mod documentation's example key: notes signed by either open. */
    static final Verifier FIXTURE_KEY = Verifier.parse(Seeds.FIXTURE_VKEY);

    static final Verifier PETER_KEY = Verifier.parse(Seeds.PETER_VKEY);
    /** The fixture's only hash tile, so that fuzzed lookups near the seeds reach the inclusion check. */
    private static final byte[] FIXTURE_TILE = fixtureTile();

    private static byte[] fixtureTile() {
        try {
            return java.nio.file.Files.readAllBytes(
                    dev.ferry.protocols.sumdb.Fixture.sumdb().resolve("tile/8/0/000.p/81"));
        } catch (IOException e) {
            return new byte[0]; // without the fixture, verification stops at the tile (MALFORMED), still a property
        }
    }

    /** Note.open and the tree note inside: FormatException (a SumdbException for signature failures) or a note. */
    static void signedNote(byte[] msg) {
        Note n;
        try {
            n = Note.open(msg, List.of(FIXTURE_KEY, PETER_KEY));
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
            if (e instanceof SumdbException s) {
                assertTrue(
                        s.kind() == SumdbException.Kind.BAD_SIGNATURE || s.kind() == SumdbException.Kind.UNKNOWN_KEY);
            }
            return;
        }
        assertTrue(n.text().endsWith("\n"));
        assertFalse(n.signatures().isEmpty());
        try {
            Tree t = Tree.parseNote(n.text());
            assertEquals(n.text(), t.formatNote(), "one spelling per tree");
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
        }
    }

    /**
     * Lookup.parse, GoSumRecord.parse and the whole verification flow against the fixture's key and its one tile:
     * only FormatException (SumdbException from verification) escapes; what parses formats back to the same bytes.
     */
    static void lookup(byte[] body) {
        Lookup l;
        try {
            l = Lookup.parse(body);
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
            return;
        }
        assertEquals(
                new String(body, StandardCharsets.ISO_8859_1), new String(l.format(), StandardCharsets.ISO_8859_1));
        GoSumRecord r;
        try {
            r = GoSumRecord.parse(l.recordText());
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
            return;
        }
        assertEquals(l.recordText(), r.text());
        try {
            SumdbVerifier.Verified v = new SumdbVerifier(FIXTURE_KEY)
                    .verifyLookup(
                            r.path(),
                            r.version(),
                            body,
                            null,
                            t -> t.path().equals("tile/8/0/000.p/81") ? FIXTURE_TILE.clone() : new byte[0]);
            assertEquals(r, v.record());
        } catch (SumdbException e) {
            assertNotNull(e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("the tile reader does no I/O", e);
        }
    }

    static void tilePath(String path) {
        try {
            LookupPath p = LookupPath.parse(path);
            assertEquals(path, p.toString());
            assertEquals(p, LookupPath.parse(Lookup.path(p.path(), p.version())));
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
        }
        Tile t;
        try {
            t = Tile.parsePath(path);
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
            return;
        }
        assertEquals(path, t.path());
        assertEquals(t, Tile.parsePath(t.path()));
    }

    /** SumdbConfig.parse, Verifier.parse and Signer.parse: FormatException or a value that re-encodes to itself. */
    static void gosumdb(String s) {
        try {
            if (SumdbConfig.parse(s) instanceof SumdbConfig.Database d) {
                assertEquals(d.verifier(), Verifier.parse(d.verifier().encoded()));
                assertEquals(d.name(), d.verifier().name());
            }
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
        }
        try {
            Verifier v = Verifier.parse(s);
            assertTrue(v.encoded().equalsIgnoreCase(s), "only the key hash's hex digits may differ in case");
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
        }
        try {
            Signer k = Signer.parse(s);
            assertTrue(k.encodedPrivateKey().equalsIgnoreCase(s));
        } catch (FormatException e) {
            assertNotNull(e.getMessage());
        }
    }
}
