package dev.ferry.protocols.oci;

import java.util.List;
import java.util.Map;

/**
 * A parsed image manifest or index (OCI image-spec manifest.md / image-index.md, Docker schema2 manifest and
 * manifest list). Parsing checks what a registry must check before storing a pushed or pulled manifest:
 * <ul>
 *   <li>at most {@link #MAX_SIZE} bytes, valid UTF-8 JSON object, {@code schemaVersion} 2;</li>
 *   <li>the media type is one of {@link MediaTypes#MANIFESTS}: taken from the {@code mediaType} field, else from the
 *       Content-Type the bytes came with; when both are present they must agree; a schema1 manifest is refused
 *       with a message that says schema1 is not supported;</li>
 *   <li>an image manifest has a config descriptor and a layers array (may be empty); an index has a manifests
 *       array; every descriptor has a media type, a valid digest and a size &gt;= 0;</li>
 *   <li>{@code subject} (optional) is a valid descriptor.</li>
 * </ul>
 * Anything else is an OciFormatException with code MANIFEST_INVALID naming the field. Unknown fields are kept
 * (the bytes are stored as received; the parse is only a check plus the references).
 *
 * @param mediaType the resolved manifest media type
 * @param config the config descriptor of an image manifest, null for an index
 * @param layers the layers of an image manifest (empty for an index)
 * @param manifests the entries of an index (empty for an image manifest)
 * @param subject the subject descriptor, or null
 * @param artifactType the artifactType field, or null (referrers use config.mediaType when it is absent)
 */
public record Manifest(String mediaType, Descriptor config, List<Descriptor> layers, List<Descriptor> manifests,
                       Descriptor subject, String artifactType, Map<String, String> annotations) {
    public static final int MAX_SIZE = 4 * 1024 * 1024;

    /** STUB. @param contentType the Content-Type header the bytes came with, or null */
    public static Manifest parse(byte[] bytes, String contentType) {
        throw new UnsupportedOperationException("stub");
    }

    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }

    /** Everything the manifest points at that must exist before it may be stored in a hosted repository. */
    public List<Descriptor> references() {
        throw new UnsupportedOperationException("stub");
    }

    /**
     * The artifact type a referrers index lists for this manifest: artifactType, else the config media type
     * (image-spec manifest.md "artifactType"); null for an index without artifactType.
     */
    public String effectiveArtifactType() {
        throw new UnsupportedOperationException("stub");
    }
}
