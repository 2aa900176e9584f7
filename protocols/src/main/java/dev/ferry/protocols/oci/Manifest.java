package dev.ferry.protocols.oci;

import static dev.ferry.protocols.FormatException.quote;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed image manifest or index (OCI image-spec manifest.md / image-index.md, Docker schema2 manifest and
 * manifest list). Parsing checks what a registry must check before storing a pushed or pulled manifest:
 * <ul>
 *   <li>at most {@link #MAX_SIZE} bytes (else SIZE_TOO_LARGE, 413, as the distribution spec suggests), valid
 *       UTF-8, one JSON object with no duplicate keys and nothing after it, {@code schemaVersion} the integer 2;</li>
 *   <li>the media type is one of {@link MediaTypes#MANIFESTS}: taken from the {@code mediaType} field, else from the
 *       Content-Type the bytes came with (parameters and case ignored); when both are present they must agree; a
 *       schema1 manifest (by either media type or {@code schemaVersion} 1) is refused with a message that says
 *       schema1 is not supported;</li>
 *   <li>an image manifest has a config descriptor and a layers array (may be empty); an index has a manifests
 *       array; every descriptor is an object with a media type (RFC 6838 {@code type/subtype}), a valid digest and
 *       an integer size &gt;= 0; index entries may carry a platform, which then has string {@code os} and
 *       {@code architecture};</li>
 *   <li>{@code subject} (optional) is a valid descriptor; {@code artifactType} (optional) is a media type;
 *       {@code annotations} (optional, at the top and on descriptors) map strings to strings.</li>
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
 * @param annotations the top-level annotations, in document order; never null
 */
public record Manifest(
        String mediaType,
        Descriptor config,
        List<Descriptor> layers,
        List<Descriptor> manifests,
        Descriptor subject,
        String artifactType,
        Map<String, String> annotations) {
    public static final int MAX_SIZE = 4 * 1024 * 1024;

    /** Null lists and maps become empty, and all are copied unmodifiable (annotations keep their order). */
    public Manifest {
        layers = layers == null ? List.of() : List.copyOf(layers);
        manifests = manifests == null ? List.of() : List.copyOf(manifests);
        annotations = annotations == null || annotations.isEmpty()
                ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
    }

    /**
     * Duplicate keys are refused because two readers of the same bytes could otherwise see different
     * descriptors (the one a registry checked and the one a client pulls); trailing tokens for the same reason.
     */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final String SCHEMA1 = "Docker schema1 manifests are not supported (schema1 is deprecated and "
            + "unsigned-insecure); push the image as Docker schema2 or OCI";

    /**
     * Checks {@code bytes} by the rules of the class comment and returns what they say.
     *
     * @param contentType the Content-Type header the bytes came with, or null
     */
    public static Manifest parse(byte[] bytes, String contentType) {
        if (bytes == null) {
            throw invalid("the manifest is missing");
        }
        if (bytes.length > MAX_SIZE) {
            throw new OciFormatException(
                    OciErrorCode.SIZE_TOO_LARGE,
                    "manifest of " + bytes.length + " bytes is larger than the " + MAX_SIZE + " bytes allowed");
        }
        String declared = MediaTypes.essence(contentType);
        if (declared != null && declared.isEmpty()) {
            declared = null;
        }
        if (isSchema1(declared)) {
            throw invalid(SCHEMA1);
        }
        JsonNode root = readJson(bytes);
        if (!root.isObject()) {
            throw invalid("a manifest must be a JSON object, not " + kind(root));
        }
        JsonNode version = root.get("schemaVersion");
        if (version != null && version.isIntegralNumber() && version.canConvertToInt() && version.intValue() == 1) {
            throw invalid(SCHEMA1);
        }
        String field = optionalString(root, "mediaType", "mediaType");
        if (isSchema1(field)) {
            throw invalid(SCHEMA1);
        }
        if (version == null) {
            throw invalid("schemaVersion is missing (it must be 2)");
        }
        if (!version.isIntegralNumber() || !version.canConvertToInt() || version.intValue() != 2) {
            throw invalid("schemaVersion must be the integer 2, not " + shortJson(version));
        }
        String mediaType;
        if (field != null) {
            if (declared != null && !declared.equals(MediaTypes.essence(field))) {
                throw invalid("mediaType " + quote(field) + " disagrees with the Content-Type " + quote(contentType));
            }
            mediaType = field;
        } else if (declared != null) {
            mediaType = declared;
        } else {
            throw invalid("the manifest has no mediaType field and came without a Content-Type");
        }
        if (!MediaTypes.isManifest(mediaType)) {
            throw invalid("unsupported manifest media type " + quote(mediaType) + " (supported: "
                    + String.join(", ", MediaTypes.MANIFESTS) + ")");
        }
        boolean index = MediaTypes.isIndex(mediaType);
        Descriptor config = null;
        List<Descriptor> layers = List.of();
        List<Descriptor> manifests = List.of();
        if (index) {
            manifests = descriptors(root, "manifests", true);
        } else {
            JsonNode c = root.get("config");
            if (c == null || c.isNull()) {
                throw invalid("config is missing (an image manifest needs a config descriptor)");
            }
            config = descriptor(c, "config", false);
            layers = descriptors(root, "layers", false);
        }
        JsonNode s = root.get("subject");
        Descriptor subject = s == null || s.isNull() ? null : descriptor(s, "subject", false);
        String artifactType = optionalMediaType(root, "artifactType", "artifactType");
        return new Manifest(
                mediaType,
                config,
                layers,
                manifests,
                subject,
                artifactType,
                annotations(root.get("annotations"), "annotations"));
    }

    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }

    /**
     * Everything the manifest points at that must exist before it may be stored in a hosted repository: the
     * config and the layers of an image manifest, the entries of an index, in document order. Not the subject:
     * the distribution spec lets a manifest name a subject the registry does not (yet) have.
     */
    public List<Descriptor> references() {
        if (isIndex()) {
            return manifests;
        }
        List<Descriptor> all = new ArrayList<>(layers.size() + 1);
        all.add(config);
        all.addAll(layers);
        return Collections.unmodifiableList(all);
    }

    /**
     * The artifact type a referrers index lists for this manifest: artifactType, else the config media type
     * (image-spec manifest.md "artifactType"); null for an index without artifactType.
     */
    public String effectiveArtifactType() {
        if (artifactType != null) {
            return artifactType;
        }
        return config == null ? null : config.mediaType();
    }

    private static boolean isSchema1(String mediaType) {
        String e = MediaTypes.essence(mediaType);
        return MediaTypes.DOCKER_SCHEMA1.equals(e) || MediaTypes.DOCKER_SCHEMA1_SIGNED.equals(e);
    }

    private static OciFormatException invalid(String reason) {
        return new OciFormatException(OciErrorCode.MANIFEST_INVALID, "invalid manifest: " + reason);
    }

    /** Strict UTF-8 first (Jackson would also accept UTF-16 and UTF-32), then one JSON value. */
    private static JsonNode readJson(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw invalid("not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null
                    ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr();
            throw invalid("not valid JSON" + where + ": " + printable(e.getOriginalMessage()));
        }
        if (root == null || root.isMissingNode()) {
            throw invalid("the manifest is empty");
        }
        return root;
    }

    private static List<Descriptor> descriptors(JsonNode root, String name, boolean withPlatform) {
        JsonNode a = root.get(name);
        if (a == null || a.isNull()) {
            throw invalid(name + " is missing");
        }
        if (!a.isArray()) {
            throw invalid(name + " must be an array, not " + kind(a));
        }
        List<Descriptor> list = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            list.add(descriptor(a.get(i), name + "[" + i + "]", withPlatform));
        }
        return Collections.unmodifiableList(list);
    }

    private static Descriptor descriptor(JsonNode d, String path, boolean withPlatform) {
        if (!d.isObject()) {
            throw invalid(path + " must be a descriptor object, not " + kind(d));
        }
        String mediaType = optionalMediaType(d, "mediaType", path + ".mediaType");
        if (mediaType == null) {
            throw invalid(path + ".mediaType is missing");
        }
        String digestText = optionalString(d, "digest", path + ".digest");
        if (digestText == null) {
            throw invalid(path + ".digest is missing");
        }
        Digest digest;
        try {
            digest = Digest.parse(digestText);
        } catch (OciFormatException e) {
            throw invalid(path + ".digest: " + e.getMessage());
        }
        JsonNode size = d.get("size");
        if (size == null || size.isNull()) {
            throw invalid(path + ".size is missing");
        }
        if (!size.isIntegralNumber()) {
            throw invalid(path + ".size must be an integer, not " + shortJson(size));
        }
        if (!size.canConvertToLong() || size.longValue() < 0) {
            throw invalid(path + ".size must be between 0 and " + Long.MAX_VALUE + ", not " + shortJson(size));
        }
        String artifactType = optionalMediaType(d, "artifactType", path + ".artifactType");
        Descriptor.Platform platform = null;
        if (withPlatform) {
            JsonNode p = d.get("platform");
            if (p != null && !p.isNull()) {
                platform = platform(p, path + ".platform");
            }
        }
        return new Descriptor(
                mediaType,
                digest,
                size.longValue(),
                artifactType,
                annotations(d.get("annotations"), path + ".annotations"),
                platform);
    }

    private static Descriptor.Platform platform(JsonNode p, String path) {
        if (!p.isObject()) {
            throw invalid(path + " must be an object, not " + kind(p));
        }
        String os = optionalString(p, "os", path + ".os");
        String arch = optionalString(p, "architecture", path + ".architecture");
        if (os == null || os.isEmpty()) {
            throw invalid(path + ".os is missing");
        }
        if (arch == null || arch.isEmpty()) {
            throw invalid(path + ".architecture is missing");
        }
        return new Descriptor.Platform(
                os,
                arch,
                optionalString(p, "variant", path + ".variant"),
                optionalString(p, "os.version", path + ".os.version"));
    }

    private static Map<String, String> annotations(JsonNode a, String path) {
        if (a == null || a.isNull()) {
            return Map.of();
        }
        if (!a.isObject()) {
            throw invalid(path + " must be an object of strings, not " + kind(a));
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw invalid(path + "[" + quote(e.getKey()) + "] must be a string, not " + kind(e.getValue()));
            }
            map.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(map);
    }

    /** The string field {@code name}, null when absent or JSON null; anything but a string is refused. */
    private static String optionalString(JsonNode o, String name, String path) {
        JsonNode v = o.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw invalid(path + " must be a string, not " + kind(v));
        }
        return v.textValue();
    }

    private static String optionalMediaType(JsonNode o, String name, String path) {
        String v = optionalString(o, name, path);
        if (v != null && !isMediaType(v)) {
            throw invalid(path + " " + quote(v) + " is not a media type (RFC 6838 type/subtype)");
        }
        return v;
    }

    /**
     * RFC 6838 4.2: {@code type "/" subtype}, each a restricted-name of 1 to 127 characters starting with a letter
     * or digit and continuing with letters, digits and {@code !#$&-^_.+}. No parameters: the image-spec's media
     * types have none.
     */
    static boolean isMediaType(String s) {
        int slash = s.indexOf('/');
        return slash > 0 && restrictedName(s, 0, slash) && restrictedName(s, slash + 1, s.length());
    }

    private static boolean restrictedName(String s, int from, int to) {
        if (to - from < 1 || to - from > 127) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            if (!alnum && (i == from || "!#$&-^_.+".indexOf(c) < 0)) {
                return false;
            }
        }
        return true;
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** A scalar's JSON text for a message, quoted and elided like any untrusted text. */
    private static String shortJson(JsonNode n) {
        return n.isValueNode() ? quote(n.toString()) : kind(n);
    }

    /**
     * Jackson's message, made printable ASCII and at most about 300 characters (it can quote pieces of the input,
     * and an escaped control character takes six).
     */
    private static String printable(String s) {
        if (s == null) {
            return "malformed";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (b.length() >= 300) {
                return b.append("...").toString();
            }
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return b.toString();
    }
}
