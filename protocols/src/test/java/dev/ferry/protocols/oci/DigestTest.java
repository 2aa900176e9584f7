package dev.ferry.protocols.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class DigestTest {
    static final String HEX64 = "b2302881ff0e3e948d5b997559bd2661fad201c00688554156cdb97d3cb2a989";
    static final String HEX128 = HEX64 + HEX64;

    static OciFormatException refused(String text) {
        OciFormatException e = assertThrows(OciFormatException.class, () -> Digest.parse(text), text);
        assertEquals(OciErrorCode.DIGEST_INVALID, e.code());
        assertTrue(e.getMessage().chars().allMatch(c -> c >= 0x20 && c < 0x7f), e.getMessage());
        return e;
    }

    @Test
    void parsesSha256AndSha512() {
        Digest d = Digest.parse("sha256:" + HEX64);
        assertEquals("sha256", d.algorithm());
        assertEquals(HEX64, d.hex());
        assertEquals("sha256:" + HEX64, d.toString());
        assertEquals("SHA-256", d.jcaAlgorithm());
        assertEquals("sha256-" + HEX64, d.referrersTag());
        Digest e = Digest.parse("sha512:" + HEX128);
        assertEquals("SHA-512", e.jcaAlgorithm());
        assertEquals(64, e.bytes().length);
        assertEquals(d, Digest.parse(d.toString()));
    }

    @Test
    void sha256OfHashBytesMatchesMessageDigest() throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest("hello".getBytes(StandardCharsets.UTF_8));
        Digest d = Digest.sha256(hash);
        assertEquals("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", d.toString());
        assertArrayEquals(hash, d.bytes());
        assertThrows(IllegalArgumentException.class, () -> Digest.sha256(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> Digest.sha256(null));
    }

    @Test
    void unsupportedAlgorithmsThatFitTheGrammarSaySo() {
        for (String s : new String[] {
            "md5:d41d8cd98f00b204e9800998ecf8427e",
            "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
            "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
            "sha384:" + HEX64,
            "blake3:" + HEX64,
            "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709"
        }) {
            assertTrue(refused(s).getMessage().contains("unsupported digest algorithm"), s);
        }
    }

    @Test
    void grammarViolations() {
        assertEquals("digest is missing", refused(null).getMessage());
        refused("");
        assertTrue(refused(HEX64).getMessage().contains("algorithm:encoded"));
        assertTrue(refused(":" + HEX64).getMessage().contains("algorithm before ':' is empty"));
        assertTrue(refused("sha256:").getMessage().contains("encoded part after ':' is empty"));
        for (String s : new String[] {
            "SHA256:" + HEX64,
            "sha256 :" + HEX64,
            "+sha256:" + HEX64,
            "sha256+:" + HEX64,
            "sha..256:" + HEX64,
            "sha256:" + HEX64 + ":",
            "sha256:" + HEX64 + " ",
            " sha256:" + HEX64,
            "sha256:" + HEX64.substring(1) + "/",
            "sha256:" + HEX64.substring(1) + "\u00e9",
            "sha256:" + HEX64.substring(1) + "\n",
            "sh\u0000a256:" + HEX64
        }) {
            refused(s);
        }
    }

    @Test
    void hexMustBeLowercaseAndExactLength() {
        assertTrue(refused("sha256:" + HEX64.toUpperCase()).getMessage().contains("lowercase hex"));
        assertTrue(refused("sha256:" + HEX64.substring(1)).getMessage().contains("64 hex digits, not 63"));
        assertTrue(refused("sha256:" + HEX64 + "0").getMessage().contains("not 65"));
        assertTrue(refused("sha512:" + HEX64).getMessage().contains("128 hex digits"));
        refused("sha256:" + HEX64.substring(1) + "g");
        refused("sha256:" + HEX64.substring(1) + "=");
    }

    @Test
    void constructorValidatesToo() {
        assertThrows(OciFormatException.class, () -> new Digest("md5", HEX64));
        assertThrows(OciFormatException.class, () -> new Digest("sha256", HEX64.toUpperCase()));
        assertThrows(OciFormatException.class, () -> new Digest(null, null));
    }

    @Test
    void hostileInputIsQuotedShortAndFast() {
        String huge = "sha256:" + "a".repeat(1_000_000);
        OciFormatException e = refused(huge);
        assertTrue(e.getMessage().length() < 400, "the message elides the input");
        refused("a+".repeat(100_000) + ":x");
    }
}
