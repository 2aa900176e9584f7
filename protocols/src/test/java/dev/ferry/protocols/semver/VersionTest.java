package dev.ferry.protocols.semver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.FormatException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VersionTest {

    /** Input, canonical form ("" = invalid); valid rows are in ascending semver order. */
    private static final String[][] CANONICAL = {
        {"bad", ""},
        {"v1-alpha.beta.gamma", ""},
        {"v1-pre", ""},
        {"v1+meta", ""},
        {"v1-pre+meta", ""},
        {"v1.2-pre", ""},
        {"v1.2+meta", ""},
        {"v1.2-pre+meta", ""},
        {"v1.0.0-alpha", "v1.0.0-alpha"},
        {"v1.0.0-alpha.1", "v1.0.0-alpha.1"},
        {"v1.0.0-alpha.beta", "v1.0.0-alpha.beta"},
        {"v1.0.0-beta", "v1.0.0-beta"},
        {"v1.0.0-beta.2", "v1.0.0-beta.2"},
        {"v1.0.0-beta.11", "v1.0.0-beta.11"},
        {"v1.0.0-rc.1", "v1.0.0-rc.1"},
        {"v1", "v1.0.0"},
        {"v1.0", "v1.0.0"},
        {"v1.0.0", "v1.0.0"},
        {"v1.2", "v1.2.0"},
        {"v1.2.0", "v1.2.0"},
        {"v1.2.3-456", "v1.2.3-456"},
        {"v1.2.3-456.789", "v1.2.3-456.789"},
        {"v1.2.3-456-789", "v1.2.3-456-789"},
        {"v1.2.3-456a", "v1.2.3-456a"},
        {"v1.2.3-pre", "v1.2.3-pre"},
        {"v1.2.3-pre+meta", "v1.2.3-pre"},
        {"v1.2.3-pre.1", "v1.2.3-pre.1"},
        {"v1.2.3-zzz", "v1.2.3-zzz"},
        {"v1.2.3", "v1.2.3"},
        {"v1.2.3+meta", "v1.2.3"},
        {"v1.2.3+meta-pre", "v1.2.3"},
        {"v1.2.3+meta-pre.sha.256a", "v1.2.3"},
    };

    @Test
    void canonicalAndValidity() {
        for (String[] row : CANONICAL) {
            if (row[1].isEmpty()) {
                assertFalse(Version.isValid(row[0]), row[0]);
                assertThrows(FormatException.class, () -> Version.parse(row[0]), row[0]);
            } else {
                Version v = Version.parse(row[0]);
                assertEquals(row[0], v.toString());
                assertEquals(row[1], v.canonical().toString(), row[0]);
                assertEquals(row[0].equals(row[1]), v.isCanonical(), row[0]);
                assertTrue(v.canonical().isCanonical());
            }
        }
    }

    @Test
    void compareFollowsTableOrder() {
        List<Version> valid = new ArrayList<>();
        for (String[] row : CANONICAL) {
            if (!row[1].isEmpty()) {
                valid.add(Version.parse(row[0]));
            }
        }
        for (int i = 0; i < valid.size(); i++) {
            for (int j = 0; j < valid.size(); j++) {
                Version a = valid.get(i);
                Version b = valid.get(j);
                int want = Integer.compare(i, j);
                // Rows that share a canonical form (v1, v1.0, v1.0.0; +meta) compare equal.
                if (a.canonical()
                        .toString()
                        .replaceAll("\\+.*", "")
                        .equals(b.canonical().toString().replaceAll("\\+.*", ""))) {
                    want = 0;
                }
                assertEquals(want, Integer.signum(a.compareTo(b)), a + " vs " + b);
            }
        }
    }

    @Test
    void grammarEdges() {
        for (String bad : new String[] {
            "",
            "v",
            "1.2.3",
            "V1.2.3",
            "v01.2.3",
            "v1.02.3",
            "v1.2.03",
            "v1.2.3-",
            "v1.2.3-01",
            "v1.2.3-pre..1",
            "v1.2.3-.pre",
            "v1.2.3+",
            "v1.2.3+a..b",
            "v1.2.3-pre_1",
            "v1.2.3.4",
            "v1.2.3 ",
            " v1.2.3",
            "v-1",
            "v1.",
            "v1.2.",
            "v1.2.3-é",
            "v1.2.3+incompatible+x",
            "v١"
        }) {
            assertFalse(Version.isValid(bad), bad);
            FormatException e = assertThrows(FormatException.class, () -> Version.parse(bad));
            assertTrue(e.getMessage().contains("version"), e.getMessage());
        }
        for (String good : new String[] {
            "v0.0.0",
            "v1.2.3-0",
            "v1.2.3-0a",
            "v1.2.3+01",
            "v1.2.3-x-y-z.--",
            "v99999999999999999999.0.0",
            "v1.2.3-0.0.0"
        }) {
            assertTrue(Version.isValid(good), good);
        }
        assertThrows(FormatException.class, () -> Version.parse(null));
        assertThrows(FormatException.class, () -> Version.parse("v1.0.0-" + "a".repeat(300)));
    }

    @Test
    void bigNumbersCompareNumerically() {
        assertTrue(Version.parse("v10.0.0").compareTo(Version.parse("v9.0.0")) > 0);
        assertTrue(Version.parse("v1.0.0-10").compareTo(Version.parse("v1.0.0-9")) > 0);
        assertTrue(Version.parse("v1.0.0-9").compareTo(Version.parse("v1.0.0-a")) < 0);
        assertTrue(
                Version.parse("v123456789012345678901.0.0").compareTo(Version.parse("v123456789012345678900.0.0")) > 0);
        assertEquals(0, Version.parse("v2.0.0+incompatible").compareTo(Version.parse("v2.0.0")));
    }

    @Test
    void parseCanonical() {
        assertEquals("v1.2.3", Version.parseCanonical("v1.2.3").toString());
        assertEquals(
                "v2.0.0+incompatible",
                Version.parseCanonical("v2.0.0+incompatible").toString());
        FormatException e = assertThrows(FormatException.class, () -> Version.parseCanonical("v1.2"));
        assertTrue(e.getMessage().contains("\"v1.2.0\""), e.getMessage());
        assertThrows(FormatException.class, () -> Version.parseCanonical("v1.2.3+meta"));
        assertThrows(FormatException.class, () -> Version.parseCanonical("v1.2.3+incompatible.x"));
    }

    @Test
    void canonicalKeepsIncompatibleOnly() {
        assertEquals(
                "v2.0.0+incompatible",
                Version.parse("v2.0.0+incompatible").canonical().toString());
        assertEquals(
                "v2.0.0", Version.parse("v2.0.0+incompatible.1").canonical().toString());
        Version c = Version.parse("v1.0.0");
        assertSame(c, c.canonical());
    }

    @Test
    void accessors() {
        Version v = Version.parse("v2.3.4-rc.1+incompatible");
        assertEquals("v2", v.major());
        assertEquals("v2.3", v.majorMinor());
        assertEquals("-rc.1", v.prerelease());
        assertEquals("+incompatible", v.build());
        assertTrue(v.isPrerelease());
        assertTrue(v.isIncompatible());
        assertEquals("v2", Version.parse("v2").major());
        assertEquals("v2.0", Version.parse("v2").majorMinor());
        assertFalse(Version.parse("v2.0.0").isPrerelease());
        assertFalse(Version.parse("v2.0.0+incompatiblex").isIncompatible());
    }

    /** {base, pseudo-version}: PseudoVersion(base, 2006-01-02T15:04:05Z, "hash"); base "" means no base. */
    private static final String[][] PSEUDO = {
        {"", "v0.0.0-20060102150405-hash"},
        {"", "v1.0.0-20060102150405-hash"},
        {"", "v2.0.0-20060102150405-hash"},
        {"v0.0.0", "v0.0.1-0.20060102150405-hash"},
        {"v1.2.3", "v1.2.4-0.20060102150405-hash"},
        {"v1.2.99999999999999999", "v1.2.100000000000000000-0.20060102150405-hash"},
        {"v1.2.3-pre", "v1.2.3-pre.0.20060102150405-hash"},
        {"v1.3.0-pre", "v1.3.0-pre.0.20060102150405-hash"},
        {"v0.0.0--", "v0.0.0--.0.20060102150405-hash"},
        {"v1.0.0+metadata", "v1.0.1-0.20060102150405-hash+metadata"},
        {"v2.0.0+incompatible", "v2.0.1-0.20060102150405-hash+incompatible"},
        {"v2.3.0-pre+incompatible", "v2.3.0-pre.0.20060102150405-hash+incompatible"},
    };

    @Test
    void pseudoVersions() {
        Instant t = Instant.parse("2006-01-02T15:04:05Z");
        for (String[] row : PSEUDO) {
            Version v = Version.parse(row[1]);
            assertTrue(v.isPseudo(), row[1]);
            assertEquals("hash", v.pseudoRevision());
            assertEquals(t, v.pseudoTime());
            assertEquals(
                    row[0].isEmpty() ? Optional.empty() : Optional.of(Version.parse(row[0])), v.pseudoBase(), row[1]);
            if (!row[0].isEmpty()) {
                Version base = Version.parse(row[0]);
                assertFalse(base.isPseudo(), row[0]);
                assertThrows(FormatException.class, base::pseudoRevision);
                assertThrows(FormatException.class, base::pseudoTime);
            }
        }
    }

    @Test
    void invalidPseudoVersions() {
        for (String s : new String[] {
            "v0.0.0-0.20060102150405-hash",
            "v0.1.0-0.20060102150405-hash",
            "v1.0.0-0.20060102150405-hash",
            "v0.0.0-20060102150405-hash+incompatible",
            "v0.0.0-20060102150405-hash+metadata"
        }) {
            Version v = Version.parse(s);
            assertTrue(v.isPseudo(), s);
            assertThrows(FormatException.class, v::pseudoBase, s);
        }
        for (String s : new String[] {
            "v1.2.3",
            "v1.2.3-pre",
            "v1.0.0-2006010215040-hash",
            "v1.2.3-0.20060102150405",
            "v1.2.4-1.20060102150405-hash",
            "v1.2.3-20060102150405-hash",
            "v1.0.0-200601021504050-hash"
        }) {
            assertFalse(Version.parse(s).isPseudo(), s);
        }
        assertThrows(
                FormatException.class,
                () -> Version.parse("v0.0.0-20061302150405-hash").pseudoTime());
        assertTrue(Version.parse("v3.0.1-0.20171022190953-9aa498375809+incompatible")
                .isPseudo());
    }

    @Test
    void equalityIsTextual() {
        assertEquals(Version.parse("v1.0.0"), Version.parse("v1.0.0"));
        assertEquals(Version.parse("v1.0.0").hashCode(), Version.parse("v1.0.0").hashCode());
        assertFalse(Version.parse("v1").equals(Version.parse("v1.0.0")));
        assertEquals(Version.parse("v1").canonical(), Version.parse("v1.0.0"));
    }
}
