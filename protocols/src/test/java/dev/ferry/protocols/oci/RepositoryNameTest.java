package dev.ferry.protocols.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RepositoryNameTest {
    /** The spec's regular expression, as an oracle for short inputs only (it backtracks). */
    private static final Pattern SPEC =
            Pattern.compile("[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*");

    static String refused(String text, String messagePart) {
        OciFormatException e = assertThrows(OciFormatException.class, () -> RepositoryName.parse(text), text);
        assertEquals(OciErrorCode.NAME_INVALID, e.code());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
        assertTrue(e.getMessage().chars().allMatch(c -> c >= 0x20 && c < 0x7f), e.getMessage());
        return e.getMessage();
    }

    @Test
    void validNames() {
        for (String s : List.of(
                "a",
                "library/tiny",
                "apps/nested/tags",
                "a0/b1/c2",
                "a.b",
                "a_b",
                "a__b",
                "a-b",
                "a---b",
                "a.b_c__d-e--f",
                "0",
                "123/456",
                "my-org/my.repo_name/x__y")) {
            RepositoryName n = RepositoryName.parse(s);
            assertEquals(s, n.value());
            assertEquals(s, n.toString());
            assertTrue(SPEC.matcher(s).matches(), s);
        }
    }

    @Test
    void invalidNamesNameTheRule() {
        refused(null, "missing");
        refused("", "missing");
        refused("/a", "leading slash");
        refused("a/", "trailing slash");
        refused("a//b", "empty path component");
        refused("Library/tiny", "upper-case");
        refused("a/.", "starts with \".\"");
        refused("a/..", "starts with");
        refused("a/../b", "starts with");
        refused("-a", "starts with");
        refused("a-", "ends in a separator");
        refused("a./b", "ends in a separator");
        refused("a..b", "follows another separator");
        refused("a___b", "follows another separator");
        refused("a._b", "follows another separator");
        refused("a-_b", "follows another separator");
        refused("a_-b", "follows another separator");
        refused("a b", "not allowed");
        refused("a:b", "not allowed");
        refused("a\u00e9", "\\u00e9");
        refused("a\u0000b", "\\u0000");
        refused("a\nb", "\\u000a");
        refused("a\\b", "not allowed");
        refused("a%2fb", "not allowed");
        refused("a@sha256", "not allowed");
    }

    @Test
    void lengthLimit() {
        String max = "a".repeat(RepositoryName.MAX_LENGTH);
        assertEquals(max, RepositoryName.parse(max).value());
        String over = "a/".repeat(127) + "ab";
        assertEquals(256, over.length());
        refused(over, "longer than 255 characters (256)");
    }

    @Test
    void agreesWithTheSpecRegexOnAllShortStrings() {
        char[] alphabet = {'a', '0', '.', '_', '-', '/', 'A'};
        int checked = 0;
        for (int len = 1; len <= 5; len++) {
            int[] idx = new int[len];
            while (true) {
                char[] cs = new char[len];
                for (int i = 0; i < len; i++) {
                    cs[i] = alphabet[idx[i]];
                }
                String s = new String(cs);
                boolean valid;
                try {
                    RepositoryName.parse(s);
                    valid = true;
                } catch (OciFormatException e) {
                    valid = false;
                }
                assertEquals(SPEC.matcher(s).matches(), valid, s);
                checked++;
                int k = len - 1;
                while (k >= 0 && ++idx[k] == alphabet.length) {
                    idx[k--] = 0;
                }
                if (k < 0) {
                    break;
                }
            }
        }
        assertTrue(checked > 19_000);
    }

    @Test
    void hostileInputIsLinear() {
        // Inputs that make a backtracking matcher of the spec regex explode (time doubling per repetition): long
        // runs of alternatives ending badly. A backtracking matcher would not finish one of them in seconds; the
        // budget is generous because the machine running the build may be busy.
        List<String> hostile = List.of(
                "a-".repeat(5000) + "!",
                "a_".repeat(5000) + "_",
                "a" + "-".repeat(10_000),
                "a__".repeat(3400) + "-",
                "ab/".repeat(3400) + "/",
                "a".repeat(10_000) + "A");
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            for (String s : hostile) {
                assertTrue(s.length() >= 10_000);
                refused(s, "longer than 255");
            }
            // Within the length limit, where the grammar is actually run:
            refused("a-".repeat(127) + "!", "not allowed");
            refused("a" + "_a".repeat(126) + "_", "ends in a separator");
            refused("a" + "-".repeat(253) + "!", "not allowed");
            refused("a0".repeat(127) + "-", "ends in a separator");
        });
    }

    @Test
    void componentsAndPrefixes() {
        RepositoryName n = RepositoryName.parse("apps/nested/tags");
        assertEquals(List.of("apps", "nested", "tags"), n.components());
        assertEquals("apps", n.first());
        assertEquals(RepositoryName.parse("nested/tags"), n.withoutFirst());
        assertNull(RepositoryName.parse("tiny").withoutFirst());
        assertTrue(n.isUnder("apps"));
        assertTrue(n.isUnder("apps/nested/tags"));
        assertTrue(!n.isUnder("app"));
        assertThrows(OciFormatException.class, () -> new RepositoryName("A"));
    }
}
