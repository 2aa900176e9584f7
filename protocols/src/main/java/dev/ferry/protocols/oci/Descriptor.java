package dev.ferry.protocols.oci;

import java.util.Map;

/**
 * A content descriptor (image-spec descriptor.md): what a manifest or index says about content it points at.
 * {@code artifactType} and {@code platform} may be null; annotations are never null.
 */
public record Descriptor(
        String mediaType,
        Digest digest,
        long size,
        String artifactType,
        Map<String, String> annotations,
        Platform platform) {

    /** The platform of an index entry. {@code variant} and {@code osVersion} may be null. */
    public record Platform(String os, String architecture, String variant, String osVersion) {
        /** "os/arch[/variant]", the form --platform and skopeo's --override-* speak. */
        @Override
        public String toString() {
            return os + "/" + architecture + (variant == null ? "" : "/" + variant);
        }
    }
}
