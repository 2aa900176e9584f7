package dev.ferry.protocols.oci;

import static dev.ferry.protocols.FormatException.quote;

import java.util.HexFormat;

/**
 * A content digest, {@code algorithm ":" encoded} (image-spec descriptor.md, "Digests"). The grammar is
 * {@code algorithm ::= component (separator component)*}, {@code component ::= [a-z0-9]+},
 * {@code separator ::= [+._-]}, {@code encoded ::= [a-zA-Z0-9=_-]+}. Of the algorithms, sha256 (64 lowercase hex)
 * and sha512 (128 lowercase hex) are supported; a digest that fits the grammar with another algorithm is
 * refused as unsupported (DIGEST_INVALID with a message saying so), never looked up.
 *
 * @param algorithm "sha256" or "sha512"
 * @param hex lowercase hex of the hash, 64 or 128 characters
 */
public record Digest(String algorithm, String hex) {
    public static final String SHA256 = "sha256";
    public static final String SHA512 = "sha512";

    /**
     * Validates like {@link #parse}, so no instance holds an unsupported algorithm or a hex string another
     * spelling of the same hash could also match (uppercase hex would make two store keys for one blob).
     */
    public Digest {
        String reason = hexProblem(algorithm, hex);
        if (reason != null) {
            throw new OciFormatException(
                    OciErrorCode.DIGEST_INVALID, "invalid digest " + quote(algorithm + ":" + hex) + ": " + reason);
        }
    }

    /**
     * Parses and validates; throws OciFormatException (DIGEST_INVALID) on anything else: text outside the
     * grammar, an algorithm other than sha256 and sha512 ("unsupported"), or an encoded part that is not exactly
     * 64 (sha256) or 128 (sha512) lowercase hex digits.
     */
    public static Digest parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new OciFormatException(OciErrorCode.DIGEST_INVALID, "digest is missing");
        }
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw invalid(text, "expected algorithm:encoded, as in sha256:<64 hex digits>");
        }
        String algorithm = text.substring(0, colon);
        String encoded = text.substring(colon + 1);
        String reason = algorithmGrammar(algorithm);
        if (reason == null) {
            reason = encodedGrammar(encoded);
        }
        if (reason != null) {
            throw invalid(text, reason);
        }
        if (!algorithm.equals(SHA256) && !algorithm.equals(SHA512)) {
            throw invalid(text, "unsupported digest algorithm " + quote(algorithm) + " (supported: sha256, sha512)");
        }
        reason = hexProblem(algorithm, encoded);
        if (reason != null) {
            throw invalid(text, reason);
        }
        return new Digest(algorithm, encoded);
    }

    /** The sha256 digest of a 32-byte hash, as MessageDigest("SHA-256").digest() returns it. */
    public static Digest sha256(byte[] hash) {
        if (hash == null || hash.length != 32) {
            throw new IllegalArgumentException(
                    "a sha256 hash has 32 bytes, not " + (hash == null ? "null" : hash.length));
        }
        return new Digest(SHA256, HexFormat.of().formatHex(hash));
    }

    /** The JCA name of the algorithm, for MessageDigest.getInstance. */
    public String jcaAlgorithm() {
        return algorithm.equals(SHA256) ? "SHA-256" : "SHA-512";
    }

    /** The hash as bytes (32 or 64 of them). */
    public byte[] bytes() {
        return HexFormat.of().parseHex(hex);
    }

    /** "sha256-<hex>": the tag the referrers tag schema uses for this digest. */
    public String referrersTag() {
        return algorithm + "-" + hex;
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    private static OciFormatException invalid(String text, String reason) {
        return new OciFormatException(OciErrorCode.DIGEST_INVALID, "invalid digest " + quote(text) + ": " + reason);
    }

    /** {@code [a-z0-9]+ ([+._-] [a-z0-9]+)*}, or why not. */
    private static String algorithmGrammar(String a) {
        if (a.isEmpty()) {
            return "the algorithm before ':' is empty";
        }
        boolean afterSeparator = true;
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
                afterSeparator = false;
            } else if ("+._-".indexOf(c) >= 0) {
                if (afterSeparator) {
                    return "the algorithm " + quote(a) + " has a separator where a letter or digit must be";
                }
                afterSeparator = true;
            } else {
                return "the algorithm " + quote(a) + " may contain only a-z, 0-9 and the separators + . _ -";
            }
        }
        return afterSeparator ? "the algorithm " + quote(a) + " ends in a separator" : null;
    }

    /** {@code [a-zA-Z0-9=_-]+}, or why not. */
    private static String encodedGrammar(String e) {
        if (e.isEmpty()) {
            return "the encoded part after ':' is empty";
        }
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (!(c >= 'a' && c <= 'z'
                    || c >= 'A' && c <= 'Z'
                    || c >= '0' && c <= '9'
                    || c == '='
                    || c == '_'
                    || c == '-')) {
                return "the encoded part may contain only a-z, A-Z, 0-9, '=', '_' and '-', not "
                        + quote(String.valueOf(c));
            }
        }
        return null;
    }

    /** Why {@code hex} is not the lowercase hex of a hash of the supported {@code algorithm}, or null. */
    private static String hexProblem(String algorithm, String hex) {
        int want;
        if (SHA256.equals(algorithm)) {
            want = 64;
        } else if (SHA512.equals(algorithm)) {
            want = 128;
        } else {
            return "unsupported digest algorithm " + quote(algorithm) + " (supported: sha256, sha512)";
        }
        if (hex == null || hex.length() != want) {
            return algorithm + " needs " + want + " hex digits, not " + (hex == null ? 0 : hex.length());
        }
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return algorithm + " needs lowercase hex digits (0-9, a-f), not " + quote(String.valueOf(c));
            }
        }
        return null;
    }
}
