package dev.ferry.protocols.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BundleNoteTest {
    static final String SHA = "ab".repeat(32);

    static BundleNote sample() {
        return new BundleNote(
                "20261121T134500Z-1a2b3c4d",
                "plant 7%",
                Optional.of("20261120T100000Z-00000000"),
                Instant.parse("2026-11-21T13:45:00Z"),
                3,
                SHA,
                1234);
    }

    @Test
    void textRoundTrips() {
        BundleNote n = sample();
        assertEquals("""
                ferry bundle 2
                id 20261121T134500Z-1a2b3c4d
                site plant%207%25
                base 20261120T100000Z-00000000
                created 2026-11-21T13:45:00Z
                volumes 3
                manifest sha256:SHA 1234
                """.replace("SHA", SHA), n.text());
        assertEquals(n, BundleNote.parse(n.text()));
        BundleNote full = new BundleNote(
                "20261121T134500Z-1a2b3c4d",
                "",
                Optional.empty(),
                Instant.parse("2026-11-21T13:45:00.123Z"),
                0,
                SHA,
                0);
        assertTrue(full.text().contains("site -\nbase -\n"));
        assertEquals(full, BundleNote.parse(full.text()));
        BundleNote older = new BundleNote(BundleNote.FORMAT_1, n.id(), n.site(), n.base(), n.created(), 3, SHA, 1234);
        assertEquals(n.text().replace("ferry bundle 2\n", "ferry bundle 1\n"), older.text());
        assertEquals(older, BundleNote.parse(older.text()), "format 1 notes are still read");
    }

    @Test
    void aFormatThisFerryDoesNotReadIsNamed() {
        String later = sample().text().replace("ferry bundle 2\n", "ferry bundle 3\n");
        BundleFormatException e = assertThrows(BundleFormatException.class, () -> BundleNote.parse(later));
        assertEquals(
                "not a ferry bundle note, or a version this ferry does not read: first line \"ferry bundle 3\", want"
                        + " \"ferry bundle 1\" or \"ferry bundle 2\"",
                e.getMessage());
    }

    @Test
    void idsHaveTheGrammar() {
        String id = BundleId.create(Instant.parse("2026-11-21T13:45:00.5Z"), new Random(1));
        assertTrue(id.startsWith("20261121T134500Z-"), id);
        assertTrue(BundleId.isValid(id));
        assertThrows(BundleFormatException.class, () -> BundleId.check("../../etc"));
        assertThrows(BundleFormatException.class, () -> BundleId.check("20261121T134500Z-1A2B3C4D"));
    }

    @Test
    void parseIsStrict() {
        String good = sample().text();
        String[] bad = {
            good.replace("ferry bundle 2", "ferry bundle 3"),
            good.replace("ferry bundle 2", "ferry bundle 02"),
            good.replace("id 2026", "id  2026"),
            good.replace("volumes 3\n", ""),
            good.replace("volumes 3\n", "volumes 3\nvolumes 3\n"),
            good + "extra 1\n",
            good.replace("volumes 3", "volumes 03"),
            good.replace("volumes 3", "volumes -3"),
            good.replace("1234\n", "1234"),
            good.replace("sha256:ab", "sha256:AB"),
            good.replace("created 2026-11-21T13:45:00Z", "created 2026-11-21T13:45:00.000Z"),
            good.replace("site plant%207%25", "site plant%2"),
            good.replace("site plant%207%25", "site plant%41"),
            good.replace("base 20261120T100000Z-00000000", "base x"),
            good.replace(
                    "id 20261121T134500Z-1a2b3c4d\nsite plant%207%25",
                    "site plant%207%25\nid 20261121T134500Z-1a2b3c4d"),
            good.replace("volumes 3", "volumes 100000"),
        };
        for (String b : bad) {
            assertThrows(BundleFormatException.class, () -> BundleNote.parse(b), b);
        }
    }
}
