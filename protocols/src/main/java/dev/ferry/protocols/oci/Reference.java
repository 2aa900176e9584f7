package dev.ferry.protocols.oci;

/** The {@code <reference>} of a manifest URL: a tag or a digest (a digest is recognised by its ':'). */
public sealed interface Reference {
    record ByTag(Tag tag) implements Reference {
        @Override
        public String toString() {
            return tag.value();
        }
    }

    record ByDigest(Digest digest) implements Reference {
        @Override
        public String toString() {
            return digest.toString();
        }
    }

    /**
     * A digest when the text contains ':' (tags cannot), else a tag; throws OciFormatException with
     * DIGEST_INVALID or TAG_INVALID as {@link Digest#parse} and {@link Tag#parse} do.
     */
    static Reference parse(String text) {
        if (text != null && text.indexOf(':') >= 0) {
            return new ByDigest(Digest.parse(text));
        }
        return new ByTag(Tag.parse(text));
    }
}
