package dev.ferry.protocols.oci;

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
    /** Parses and validates; throws OciFormatException (DIGEST_INVALID) on anything else. STUB. */
    public static Digest parse(String text) {
        throw new UnsupportedOperationException("stub");
    }

    public static Digest sha256(byte[] hash) {
        throw new UnsupportedOperationException("stub");
    }

    /** The JCA name of the algorithm, for MessageDigest.getInstance. */
    public String jcaAlgorithm() {
        throw new UnsupportedOperationException("stub");
    }

    /** "sha256-<hex>": the tag the referrers tag schema uses for this digest. */
    public String referrersTag() {
        return algorithm + "-" + hex;
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }
}
