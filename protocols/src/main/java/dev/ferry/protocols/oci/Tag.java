package dev.ferry.protocols.oci;

import static dev.ferry.protocols.FormatException.quote;

/** A tag: {@code [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}} (distribution-spec). */
public record Tag(String value) {
    public static final int MAX_LENGTH = 128;

    /** Validates like {@link #parse}: records cannot skip their constructor, so neither can an invalid tag. */
    public Tag {
        if (value == null || value.isEmpty()) {
            throw new OciFormatException(OciErrorCode.TAG_INVALID, "tag is missing");
        }
        if (value.length() > MAX_LENGTH) {
            throw invalid(value, "longer than " + MAX_LENGTH + " characters (" + value.length() + ")");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean word = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
            if (!word && (i == 0 || c != '.' && c != '-')) {
                throw invalid(
                        value,
                        i == 0 && (c == '.' || c == '-')
                                ? "must start with a letter, digit or '_', not " + quote(String.valueOf(c))
                                : "character " + quote(String.valueOf(c)) + " at offset " + i
                                        + " is not allowed (only a-z, A-Z, 0-9, '_', '.' and '-')");
            }
        }
    }

    /**
     * Parses and validates; throws OciFormatException (TAG_INVALID): empty, over 128 characters, a first
     * character other than a letter, digit or '_', or any character outside {@code [a-zA-Z0-9._-]}.
     */
    public static Tag parse(String text) {
        return new Tag(text);
    }

    @Override
    public String toString() {
        return value;
    }

    private static OciFormatException invalid(String tag, String reason) {
        return new OciFormatException(OciErrorCode.TAG_INVALID, "invalid tag " + quote(tag) + ": " + reason);
    }
}
