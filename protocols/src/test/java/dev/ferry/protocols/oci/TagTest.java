package dev.ferry.protocols.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Tag and Reference. */
class TagTest {
    static OciFormatException refusedTag(String text, String messagePart) {
        OciFormatException e = assertThrows(OciFormatException.class, () -> Tag.parse(text), text);
        assertEquals(OciErrorCode.TAG_INVALID, e.code());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
        return e;
    }

    @Test
    void validTags() {
        for (String s : List.of(
                "latest",
                "1.0",
                "_",
                "_x",
                "A",
                "v1.2.3-rc.1",
                "r01",
                "sha256-" + DigestTest.HEX64,
                "a".repeat(128),
                "9",
                "x..--__")) {
            assertEquals(s, Tag.parse(s).value());
            assertEquals(s, Tag.parse(s).toString());
        }
    }

    @Test
    void invalidTags() {
        refusedTag(null, "missing");
        refusedTag("", "missing");
        refusedTag(".x", "must start with");
        refusedTag("-x", "must start with");
        refusedTag("a".repeat(129), "longer than 128 characters (129)");
        refusedTag("a b", "\" \"");
        refusedTag("a/b", "\"/\"");
        refusedTag("a+b", "not allowed");
        refusedTag("a\u00e9", "\\u00e9");
        refusedTag("a\u0000", "\\u0000");
        refusedTag("a\r\n", "\\u000d");
        refusedTag("\ud83d\ude00", "not allowed");
        OciFormatException e = refusedTag("x".repeat(100_000), "longer than");
        assertTrue(e.getMessage().length() < 400);
    }

    @Test
    void referenceIsDigestWhenItHasAColon() {
        Reference d = Reference.parse("sha256:" + DigestTest.HEX64);
        assertEquals(
                Digest.parse("sha256:" + DigestTest.HEX64),
                assertInstanceOf(Reference.ByDigest.class, d).digest());
        assertEquals("sha256:" + DigestTest.HEX64, d.toString());
        Reference t = Reference.parse("1.0");
        assertEquals(new Tag("1.0"), assertInstanceOf(Reference.ByTag.class, t).tag());
        assertEquals("1.0", t.toString());
        assertEquals(
                OciErrorCode.DIGEST_INVALID,
                assertThrows(OciFormatException.class, () -> Reference.parse("latest:"))
                        .code());
        assertEquals(
                OciErrorCode.DIGEST_INVALID,
                assertThrows(OciFormatException.class, () -> Reference.parse("md5:abc"))
                        .code());
        assertEquals(
                OciErrorCode.TAG_INVALID,
                assertThrows(OciFormatException.class, () -> Reference.parse("-latest"))
                        .code());
        assertEquals(
                OciErrorCode.TAG_INVALID,
                assertThrows(OciFormatException.class, () -> Reference.parse(null))
                        .code());
        assertEquals(
                OciErrorCode.TAG_INVALID,
                assertThrows(OciFormatException.class, () -> Reference.parse(""))
                        .code());
    }
}
