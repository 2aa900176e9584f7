package dev.ferry.protocols.sumdb.note;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** Rules shared by verifier keys, private keys and signature lines. */
final class Keys {
    /** The only algorithm byte x/mod defines. */
    static final byte ALG_ED25519 = 1;

    private Keys() {}

    /**
     * note's isValidName, plus control characters (which the note text check would refuse anyway): non-empty, no
     * '+', no Unicode whitespace, no control characters.
     */
    static boolean isValidName(String name) {
        if (name == null || name.isEmpty() || name.indexOf('+') >= 0) {
            return false;
        }
        return name.codePoints()
                .noneMatch(c -> Character.isWhitespace(c)
                        || Character.isSpaceChar(c)
                        || Character.isISOControl(c)
                        || c == 0x85
                        || c == 0xfffd
                        || Character.getType(c) == Character.SURROGATE);
    }

    static String checkName(String name) throws FormatException {
        if (!isValidName(name)) {
            throw new FormatException("invalid key name " + quote(name)
                    + ": must be non-empty, without '+', whitespace or control characters");
        }
        return name;
    }

    /** The key hash: the first 4 bytes, big-endian, of SHA-256(name || "\n" || alg || key). */
    static int keyHash(String name, byte[] algAndKey) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        md.update(name.getBytes(StandardCharsets.UTF_8));
        md.update((byte) '\n');
        byte[] d = md.digest(algAndKey);
        return (d[0] & 0xff) << 24 | (d[1] & 0xff) << 16 | (d[2] & 0xff) << 8 | d[3] & 0xff;
    }

    /** Exactly 8 hex digits (either case, as strconv.ParseUint accepts; no sign, no prefix). */
    static int parseHash(String hex, String what) throws FormatException {
        if (hex.length() != 8 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 0x80)) {
            throw new FormatException("invalid " + what + ": key hash " + quote(hex) + " is not 8 hex digits");
        }
        return (int) Long.parseLong(hex, 16);
    }

    static String hex(int hash) {
        return String.format("%08x", hash);
    }

    /**
     * Standard padded base64 in canonical form (what Go's encoder writes). Java's decoder alone would accept missing
     * padding, which Go's StdEncoding refuses; requiring the canonical form also refuses non-zero padding bits and so
     * leaves one spelling per key or signature.
     */
    static byte[] base64(String s, String what) throws FormatException {
        byte[] b = decodeCanonical(s);
        if (b == null) {
            throw new FormatException("invalid " + what + ": bad base64 " + quote(s));
        }
        return b;
    }

    /** The bytes of canonical padded standard base64, or null. */
    static byte[] decodeCanonical(String s) {
        if (s == null || s.length() % 4 != 0) {
            return null;
        }
        try {
            byte[] b = Base64.getDecoder().decode(s);
            return Base64.getEncoder().encodeToString(b).equals(s) ? b : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
