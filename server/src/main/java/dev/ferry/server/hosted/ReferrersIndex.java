package dev.ferry.server.hosted;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.MediaTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The referrers API's JSON (distribution-spec "Listing Referrers"): the descriptor stored for each referrer when
 * it is pushed, and the OCI image index they are served in.
 */
final class ReferrersIndex {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferrersIndex() {}

    /**
     * The index entry of a manifest that names a subject: mediaType, digest, size, artifactType (the manifest's
     * artifactType, else its config media type; omitted when neither) and its annotations (omitted when none).
     */
    static byte[] descriptor(Manifest manifest, Digest digest, long size) {
        ObjectNode node = JSON.createObjectNode()
                .put("mediaType", manifest.mediaType())
                .put("digest", digest.toString())
                .put("size", size);
        String artifactType = manifest.effectiveArtifactType();
        if (artifactType != null) {
            node.put("artifactType", artifactType);
        }
        Map<String, String> annotations = manifest.annotations();
        if (annotations != null && !annotations.isEmpty()) {
            ObjectNode a = node.putObject("annotations");
            annotations.forEach(a::put);
        }
        return bytes(node);
    }

    /** An image index listing {@code descriptors} (stored entries), keeping those of {@code artifactType} (null: all). */
    static byte[] index(List<byte[]> descriptors, String artifactType) {
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        for (byte[] stored : descriptors) {
            JsonNode entry;
            try {
                entry = JSON.readTree(stored);
            } catch (IOException e) {
                throw new UncheckedIOException("a stored referrer descriptor is not JSON", e);
            }
            if (artifactType == null
                    || artifactType.equals(entry.path("artifactType").asText(null))) {
                manifests.add(entry);
            }
        }
        return bytes(index);
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
