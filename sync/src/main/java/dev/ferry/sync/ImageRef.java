package dev.ferry.sync;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.oci.Tag;

/**
 * An image reference as docker and skopeo write it: {@code [registry/]repository[:tag|@digest]}. The first
 * component is a registry when it contains a '.' or a ':' or is {@code localhost} (docker's rule); the reference
 * defaults to the tag {@code latest}.
 *
 * @param registry   the registry host[:port], or null for the default target
 * @param repository the repository name within it
 * @param reference  the tag or digest
 */
public record ImageRef(String registry, RepositoryName repository, Reference reference) {

    /** Parses; throws FormatException (or its OciFormatException subclass) with the rule broken. */
    public static ImageRef parse(String text) {
        if (text == null || text.isBlank()) {
            throw new FormatException("empty image reference");
        }
        String s = text.strip();
        Reference reference = null;
        int at = s.indexOf('@');
        if (at >= 0) {
            reference = new Reference.ByDigest(Digest.parse(s.substring(at + 1)));
            s = s.substring(0, at);
        }
        String registry = null;
        int slash = s.indexOf('/');
        if (slash > 0) {
            String first = s.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = first;
                s = s.substring(slash + 1);
            }
        }
        int colon = s.lastIndexOf(':');
        if (colon >= 0) {
            Tag tag = Tag.parse(s.substring(colon + 1));
            if (reference == null) {
                reference = new Reference.ByTag(tag);
            }
            s = s.substring(0, colon);
        }
        if (reference == null) {
            reference = new Reference.ByTag(new Tag("latest"));
        }
        return new ImageRef(registry, RepositoryName.parse(s), reference);
    }

    @Override
    public String toString() {
        String ref = reference instanceof Reference.ByDigest ? "@" + reference : ":" + reference;
        return (registry == null ? "" : registry + "/") + repository + ref;
    }
}
