package dev.ferry.protocols.oci;

import static dev.ferry.protocols.FormatException.quote;

import java.util.List;

/**
 * A repository name (distribution-spec "Pulling manifests", {@code <name>}): path components matching
 * {@code [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*} separated by single {@code /}, at most 255 characters in all.
 * No empty component, no "." or ".." (they fail the grammar anyway), no leading or trailing slash.
 */
public record RepositoryName(String value) {
    public static final int MAX_LENGTH = 255;

    /** Validates like {@link #parse}: records cannot skip their constructor, so neither can an invalid name. */
    public RepositoryName {
        if (value == null || value.isEmpty()) {
            throw new OciFormatException(OciErrorCode.NAME_INVALID, "repository name is missing");
        }
        if (value.length() > MAX_LENGTH) {
            throw invalid(value, "longer than " + MAX_LENGTH + " characters (" + value.length() + ")");
        }
        String reason = grammarProblem(value);
        if (reason != null) {
            throw invalid(value, reason);
        }
    }

    /**
     * Parses and validates; throws OciFormatException (NAME_INVALID) with the rule broken. The check is one
     * left-to-right pass (no regular expression), so hostile input costs time linear in its length, and the
     * length limit is checked before anything else.
     */
    public static RepositoryName parse(String text) {
        return new RepositoryName(text);
    }

    public List<String> components() {
        return List.of(value.split("/"));
    }

    /** The first path component. */
    public String first() {
        int slash = value.indexOf('/');
        return slash < 0 ? value : value.substring(0, slash);
    }

    /** The name without its first component, or null when it has only one. */
    public RepositoryName withoutFirst() {
        int slash = value.indexOf('/');
        return slash < 0 ? null : new RepositoryName(value.substring(slash + 1));
    }

    /** Whether the name is {@code prefix} or lies under it ({@code prefix/...}). */
    public boolean isUnder(String prefix) {
        return value.equals(prefix) || value.startsWith(prefix + "/");
    }

    @Override
    public String toString() {
        return value;
    }

    private static OciFormatException invalid(String name, String reason) {
        return new OciFormatException(
                OciErrorCode.NAME_INVALID, "invalid repository name " + quote(name) + ": " + reason);
    }

    /** Where the scan is: what the previous character allows next. */
    private enum State {
        COMPONENT_START,
        ALNUM,
        DOT,
        UNDERSCORE,
        DOUBLE_UNDERSCORE,
        DASHES
    }

    /**
     * Why {@code name} fails the grammar, or null. A separator ({@code .}, {@code _}, {@code __} or a run of
     * {@code -}) must sit between two letters or digits of the same component.
     */
    private static String grammarProblem(String name) {
        State s = State.COMPONENT_START;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
                s = State.ALNUM;
            } else if (c == '/') {
                if (s == State.COMPONENT_START) {
                    return i == 0 ? "leading slash" : "empty path component (\"//\") at offset " + i;
                }
                if (s != State.ALNUM) {
                    return "path component ends in a separator at offset " + i;
                }
                s = State.COMPONENT_START;
            } else if (c == '.' || c == '_' || c == '-') {
                State next = switch (s) {
                    case ALNUM -> c == '.' ? State.DOT : c == '_' ? State.UNDERSCORE : State.DASHES;
                    case UNDERSCORE -> c == '_' ? State.DOUBLE_UNDERSCORE : null;
                    case DASHES -> c == '-' ? State.DASHES : null;
                    default -> null;
                };
                if (next == null) {
                    return s == State.COMPONENT_START
                            ? "path component starts with " + quote(String.valueOf(c)) + " at offset " + i
                                    + " (it must start with a-z or 0-9)"
                            : "separator " + quote(String.valueOf(c)) + " at offset " + i + " follows another "
                                    + "separator (allowed between letters or digits: '.', '_', '__' or dashes)";
                }
                s = next;
            } else if (c >= 'A' && c <= 'Z') {
                return "upper-case letter " + quote(String.valueOf(c)) + " at offset " + i
                        + " (repository names are lower-case)";
            } else {
                return "character " + quote(String.valueOf(c)) + " at offset " + i
                        + " is not allowed (only a-z, 0-9, '.', '_', '-' and '/')";
            }
        }
        return switch (s) {
            case ALNUM -> null;
            case COMPONENT_START -> "trailing slash";
            default -> "ends in a separator";
        };
    }
}
