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

    /** A digest when the text contains ':', else a tag; throws OciFormatException. STUB. */
    static Reference parse(String text) {
        throw new UnsupportedOperationException("stub");
    }
}
