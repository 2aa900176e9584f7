package dev.ferry.protocols.oci;

import java.util.List;

/**
 * A repository name (distribution-spec "Pulling manifests", {@code <name>}): path components matching
 * {@code [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*} separated by single {@code /}, at most 255 characters in all.
 * No empty component, no "." or ".." (they fail the grammar anyway), no leading or trailing slash.
 */
public record RepositoryName(String value) {
    public static final int MAX_LENGTH = 255;

    /** Parses and validates; throws OciFormatException (NAME_INVALID) with the rule broken. STUB. */
    public static RepositoryName parse(String text) {
        throw new UnsupportedOperationException("stub");
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
}
