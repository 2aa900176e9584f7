package dev.ferry.protocols.oci;

/** A tag: {@code [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}} (distribution-spec). */
public record Tag(String value) {
    /** Parses and validates; throws OciFormatException (TAG_INVALID). STUB. */
    public static Tag parse(String text) {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public String toString() {
        return value;
    }
}
