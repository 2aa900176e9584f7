package dev.ferry.protocols.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ManifestTest {
    static final String D1 = "sha256:" + "1".repeat(64);
    static final String D2 = "sha256:" + "2".repeat(64);
    static final String D3 = "sha256:" + "3".repeat(64);

    static final String IMAGE = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":7},
             "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":0,
                        "annotations":{"org.opencontainers.image.title":"a.txt"}}],
             "annotations":{"b":"2","a":"1"},"unknownField":[1,2,{"x":null}]}
            """.formatted(D1, D2);

    static final String INDEX = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
             "manifests":[
               {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":665,
                "platform":{"architecture":"amd64","os":"linux"}},
               {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":665,
                "platform":{"architecture":"arm64","os":"linux","variant":"v8","os.version":"6.1",
                            "os.features":["x"]}},
               {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1}]}
            """.formatted(D1, D2, D3);

    static Manifest parse(String json, String contentType) {
        return Manifest.parse(json.getBytes(StandardCharsets.UTF_8), contentType);
    }

    static String refused(String json, String contentType, String messagePart) {
        return refused(json.getBytes(StandardCharsets.UTF_8), contentType, OciErrorCode.MANIFEST_INVALID, messagePart);
    }

    static String refused(byte[] bytes, String contentType, OciErrorCode code, String messagePart) {
        OciFormatException e = assertThrows(OciFormatException.class, () -> Manifest.parse(bytes, contentType));
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
        assertTrue(e.getMessage().chars().allMatch(c -> c >= 0x20 && c < 0x7f), e.getMessage());
        return e.getMessage();
    }

    @Test
    void imageManifest() {
        Manifest m = parse(IMAGE, MediaTypes.OCI_MANIFEST);
        assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType());
        assertFalse(m.isIndex());
        assertEquals(Digest.parse(D1), m.config().digest());
        assertEquals(7, m.config().size());
        assertEquals("application/vnd.oci.image.config.v1+json", m.config().mediaType());
        assertEquals(Map.of(), m.config().annotations());
        assertEquals(1, m.layers().size());
        assertEquals(0, m.layers().get(0).size());
        assertEquals(
                Map.of("org.opencontainers.image.title", "a.txt"),
                m.layers().get(0).annotations());
        assertEquals(List.of("b", "a"), List.copyOf(m.annotations().keySet()), "annotations keep document order");
        assertEquals(List.of(), m.manifests());
        assertNull(m.subject());
        assertNull(m.artifactType());
        assertEquals("application/vnd.oci.image.config.v1+json", m.effectiveArtifactType());
        assertEquals(List.of(m.config(), m.layers().get(0)), m.references());
        assertThrows(UnsupportedOperationException.class, () -> m.annotations().put("c", "3"));
    }

    @Test
    void indexWithPlatforms() {
        Manifest m = parse(INDEX, "application/vnd.oci.image.index.v1+json; charset=utf-8");
        assertTrue(m.isIndex());
        assertNull(m.config());
        assertEquals(List.of(), m.layers());
        assertEquals(3, m.manifests().size());
        assertEquals(m.manifests(), m.references());
        assertEquals(
                new Descriptor.Platform("linux", "amd64", null, null),
                m.manifests().get(0).platform());
        assertEquals(
                new Descriptor.Platform("linux", "arm64", "v8", "6.1"),
                m.manifests().get(1).platform());
        assertEquals("linux/arm64/v8", m.manifests().get(1).platform().toString());
        assertNull(m.manifests().get(2).platform());
        assertNull(m.effectiveArtifactType());
    }

    @Test
    void mediaTypeFromContentTypeWhenTheFieldIsAbsent() {
        String noField = IMAGE.replace("\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",", "");
        assertEquals(
                MediaTypes.OCI_MANIFEST,
                parse(noField, " Application/VND.oci.image.manifest.v1+json ").mediaType());
        refused(noField, null, "no mediaType field and came without a Content-Type");
        refused(noField, "", "no mediaType field");
        refused(noField, "application/json", "unsupported manifest media type \"application/json\"");
        assertEquals(MediaTypes.OCI_MANIFEST, parse(IMAGE, null).mediaType(), "the field alone is enough");
    }

    @Test
    void mediaTypeAndContentTypeMustAgree() {
        refused(IMAGE, MediaTypes.OCI_INDEX, "disagrees with the Content-Type");
        refused(IMAGE, MediaTypes.DOCKER_MANIFEST, "disagrees");
        refused(IMAGE, "application/json", "disagrees");
        refused(INDEX, MediaTypes.OCI_MANIFEST, "disagrees");
    }

    @Test
    void dockerSchema2() {
        String docker = IMAGE.replace(MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_MANIFEST)
                .replace("application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json");
        Manifest m = parse(docker, MediaTypes.DOCKER_MANIFEST);
        assertEquals(MediaTypes.DOCKER_MANIFEST, m.mediaType());
        assertEquals(2, m.references().size());
        Manifest list = parse(INDEX.replace(MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST_LIST), null);
        assertTrue(list.isIndex());
    }

    @Test
    void schema1IsRefusedByName() {
        String v1 = "{\"schemaVersion\":1,\"name\":\"library/x\",\"tag\":\"1\",\"fsLayers\":[],\"signatures\":[]}";
        refused(v1, null, "schema1 manifests are not supported");
        refused(v1, MediaTypes.DOCKER_SCHEMA1_SIGNED, "schema1 manifests are not supported");
        refused("not even json", MediaTypes.DOCKER_SCHEMA1, "schema1");
        refused(IMAGE.replace(MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_SCHEMA1), null, "schema1");
    }

    @Test
    void structureErrorsNameTheField() {
        refused("[]", MediaTypes.OCI_MANIFEST, "must be a JSON object, not an array");
        refused("\"x\"", MediaTypes.OCI_MANIFEST, "not a string");
        refused("null", MediaTypes.OCI_MANIFEST, "not null");
        refused("", MediaTypes.OCI_MANIFEST, "empty");
        refused("   ", MediaTypes.OCI_MANIFEST, "empty");
        refused("{", MediaTypes.OCI_MANIFEST, "not valid JSON");
        refused(IMAGE + "{}", MediaTypes.OCI_MANIFEST, "not valid JSON");
        refused(IMAGE.replace("\"schemaVersion\":2,", ""), null, "schemaVersion is missing");
        refused(
                IMAGE.replace("\"schemaVersion\":2", "\"schemaVersion\":3"),
                null,
                "schemaVersion must be the integer 2, not \"3\"");
        refused(IMAGE.replace("\"schemaVersion\":2", "\"schemaVersion\":2.0"), null, "schemaVersion must be");
        refused(IMAGE.replace("\"schemaVersion\":2", "\"schemaVersion\":\"2\""), null, "schemaVersion must be");
        refused(
                IMAGE.replace("\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"", "\"mediaType\":7"),
                null,
                "mediaType must be a string, not a number");
        refused(IMAGE.replace("\"config\"", "\"konfig\""), null, "config is missing");
        refused(IMAGE.replace("\"layers\"", "\"lairs\""), null, "layers is missing");
        refused(
                IMAGE.replace("\"layers\":[", "\"layers\":{\"x\":[").replace("}}],", "}}]},"),
                null,
                "layers must be an array, not an object");
        refused(INDEX.replace("\"manifests\"", "\"manifestz\""), null, "manifests is missing");
        refused(
                IMAGE.replace("\"annotations\":{\"b\":\"2\"", "\"annotations\":{\"b\":2"),
                null,
                "annotations[\"b\"] must be a string, not a number");
        refused(
                IMAGE.replace("\"annotations\":{\"b\":\"2\",\"a\":\"1\"}", "\"annotations\":[]"),
                null,
                "annotations must be an object of strings");
        refused(IMAGE.replace("\"unknownField\"", "\"artifactType\""), null, "artifactType must be a string");
        refused(
                IMAGE.replace("\"unknownField\":[1,2,{\"x\":null}]", "\"artifactType\":\"not a type\""),
                null,
                "artifactType \"not a type\" is not a media type");
    }

    @Test
    void descriptorErrorsNameTheField() {
        refused(IMAGE.replace("\"size\":0", "\"size\":-1"), null, "layers[0].size must be between 0 and");
        refused(IMAGE.replace("\"size\":0", "\"size\":1.5"), null, "layers[0].size must be an integer, not \"1.5\"");
        refused(IMAGE.replace("\"size\":0", "\"size\":1e3"), null, "layers[0].size must be an integer");
        refused(IMAGE.replace("\"size\":0", "\"size\":\"0\""), null, "layers[0].size must be an integer");
        refused(
                IMAGE.replace("\"size\":0", "\"size\":99999999999999999999999"),
                null,
                "layers[0].size must be between");
        refused(IMAGE.replace(",\"size\":7", ""), null, "config.size is missing");
        refused(IMAGE.replace("\"digest\":\"" + D1 + "\",", ""), null, "config.digest is missing");
        refused(
                IMAGE.replace(D2, "md5:d41d8cd98f00b204e9800998ecf8427e"),
                null,
                "layers[0].digest: invalid digest \"md5:d41d8cd98f00b204e9800998ecf8427e\": unsupported");
        refused(IMAGE.replace(D2, "sha256:" + "A".repeat(64)), null, "layers[0].digest: invalid digest");
        refused(
                IMAGE.replace("\"mediaType\":\"application/vnd.oci.image.config.v1+json\",", ""),
                null,
                "config.mediaType is missing");
        refused(
                IMAGE.replace("application/vnd.oci.image.layer.v1.tar+gzip", "tar gzip"),
                null,
                "layers[0].mediaType \"tar gzip\" is not a media type");
        refused(IMAGE.replace("application/vnd.oci.image.layer.v1.tar+gzip", "a/b; x=y"), null, "is not a media type");
        refused(
                IMAGE.replace("\"layers\":[{", "\"layers\":[3,{"),
                null,
                "layers[0] must be a descriptor object, not a number");
        refused(
                INDEX.replace("{\"architecture\":\"amd64\",\"os\":\"linux\"}", "{\"architecture\":\"amd64\"}"),
                null,
                "manifests[0].platform.os is missing");
        refused(
                INDEX.replace("{\"architecture\":\"amd64\",\"os\":\"linux\"}", "{\"os\":\"linux\"}"),
                null,
                "manifests[0].platform.architecture is missing");
        refused(
                INDEX.replace("{\"architecture\":\"amd64\",\"os\":\"linux\"}", "\"linux/amd64\""),
                null,
                "manifests[0].platform must be an object");
        refused(
                INDEX.replace("\"variant\":\"v8\"", "\"variant\":8"),
                null,
                "manifests[1].platform.variant must be a string");
    }

    @Test
    void subjectAndArtifactType() {
        String artifact = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "artifactType":"application/vnd.example.sbom.v1",
                 "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2,"data":"e30="},
                 "layers":[],
                 "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":477}}
                """.formatted(D1, D3);
        Manifest m = parse(artifact, MediaTypes.OCI_MANIFEST);
        assertEquals("application/vnd.example.sbom.v1", m.artifactType());
        assertEquals("application/vnd.example.sbom.v1", m.effectiveArtifactType());
        assertEquals(Digest.parse(D3), m.subject().digest());
        assertEquals(List.of(m.config()), m.references(), "the subject need not exist, so it is no reference");
        refused(artifact.replace("\"size\":477", "\"size\":-477"), null, "subject.size");
        refused(
                artifact.replace("\"subject\":{", "\"subject\":[{").replace("477}}", "477}]}"),
                null,
                "subject must be a descriptor object");
        Manifest index =
                parse(INDEX.replace("\"manifests\"", "\"artifactType\":\"application/x.y\",\"manifests\""), null);
        assertEquals("application/x.y", index.effectiveArtifactType());
    }

    @Test
    void duplicateKeysAreRefused() {
        refused(
                IMAGE.replace("\"schemaVersion\":2,", "\"schemaVersion\":2,\"schemaVersion\":2,"),
                null,
                "Duplicate field");
        refused(IMAGE.replace("\"size\":0", "\"size\":0,\"size\":1"), null, "Duplicate field 'size'");
        refused(IMAGE.replace("\"config\"", "\"layers\":[],\"config\""), null, "Duplicate field 'layers'");
    }

    @Test
    void encodingAndSize() {
        byte[] bad = IMAGE.replace("a.txt", "a\u00e9").getBytes(StandardCharsets.UTF_8);
        Manifest m = Manifest.parse(bad, null);
        assertEquals("a\u00e9", m.layers().get(0).annotations().get("org.opencontainers.image.title"));
        int at = new String(bad, StandardCharsets.ISO_8859_1).indexOf('\u00c3');
        bad[at + 1] = (byte) 0x28; // not a continuation byte
        refused(bad, null, OciErrorCode.MANIFEST_INVALID, "not valid UTF-8");
        refused(IMAGE.getBytes(StandardCharsets.UTF_16), null, OciErrorCode.MANIFEST_INVALID, "not valid UTF-8");
        refused(
                IMAGE.replace("a.txt", "a\u0001").getBytes(StandardCharsets.UTF_8),
                null,
                OciErrorCode.MANIFEST_INVALID,
                "CTRL-CHAR");
        refused((byte[]) null, null, OciErrorCode.MANIFEST_INVALID, "missing");
        byte[] padded = (IMAGE + " ".repeat(Manifest.MAX_SIZE - IMAGE.length())).getBytes(StandardCharsets.UTF_8);
        assertEquals(Manifest.MAX_SIZE, padded.length);
        assertEquals(MediaTypes.OCI_MANIFEST, Manifest.parse(padded, null).mediaType());
        byte[] over = (IMAGE + " ".repeat(Manifest.MAX_SIZE - IMAGE.length() + 1)).getBytes(StandardCharsets.UTF_8);
        refused(over, null, OciErrorCode.SIZE_TOO_LARGE, "larger than the 4194304 bytes allowed");
    }

    @Test
    void jacksonMessagesAreShortEvenWhenTheyQuoteControlCharacters() {
        // Jazzer's finding: an unrecognised token of NULs made Jackson quote it, and escaping grew it sixfold.
        String m = refused("G" + "\u0000".repeat(200) + "\n", null, "not valid JSON");
        assertTrue(m.length() < 450, m.length() + ": " + m);
    }

    @Test
    void hostileDocumentsFailFast() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            refused("[".repeat(100_000) + "]".repeat(100_000), null, "not valid JSON");
            refused("{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000), null, "not valid JSON");
            refused("{\"schemaVersion\":2,\"size\":" + "9".repeat(2_000_000) + "}", null, "not valid JSON");
            StringBuilder many = new StringBuilder(
                    "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[");
            String entry = "{\"mediaType\":\"a/b\",\"digest\":\"" + D1 + "\",\"size\":1},";
            while (many.length() + entry.length() < Manifest.MAX_SIZE - 100) {
                many.append(entry);
            }
            many.append("{\"mediaType\":\"a/b\",\"digest\":\"" + D1 + "\",\"size\":-1}]}");
            refused(many.toString(), null, "size must be between");
        });
    }

    // --- the fixture layout: every manifest and index in it parses, and its references are its descriptors ---

    static Path layout() {
        Path p = Path.of("/work/shared/fixtures/oci/layout");
        return Files.isDirectory(p)
                ? p
                : Path.of(System.getProperty("ferry.fixtures", "../../shared/fixtures"), "oci", "layout");
    }

    @Test
    void everyFixtureManifestParsesAndItsReferencesAreItsDescriptors() throws Exception {
        Path blobs = layout().resolve("blobs/sha256");
        ObjectMapper json = new ObjectMapper();
        Manifest top = Manifest.parse(Files.readAllBytes(layout().resolve("index.json")), null);
        assertTrue(top.isIndex());
        List<Descriptor> todo = new ArrayList<>(top.manifests());
        Set<Digest> seen = new HashSet<>();
        int images = 0;
        int indexes = 0;
        while (!todo.isEmpty()) {
            Descriptor d = todo.remove(todo.size() - 1);
            if (!seen.add(d.digest())) {
                continue;
            }
            byte[] bytes = Files.readAllBytes(blobs.resolve(d.digest().hex()));
            assertEquals(d.size(), bytes.length, d.digest().toString());
            assertEquals(
                    d.digest(),
                    Digest.sha256(MessageDigest.getInstance("SHA-256").digest(bytes)));
            Manifest m = Manifest.parse(bytes, d.mediaType());
            assertEquals(d.mediaType(), m.mediaType());
            JsonNode tree = json.readTree(bytes);
            List<JsonNode> expected = new ArrayList<>();
            if (m.isIndex()) {
                indexes++;
                tree.get("manifests").forEach(expected::add);
                todo.addAll(m.manifests());
            } else {
                images++;
                expected.add(tree.get("config"));
                tree.get("layers").forEach(expected::add);
            }
            List<Descriptor> refs = m.references();
            assertEquals(expected.size(), refs.size());
            for (int i = 0; i < refs.size(); i++) {
                assertDescribes(expected.get(i), refs.get(i));
                if (!m.isIndex()) {
                    assertTrue(
                            Files.isRegularFile(
                                    blobs.resolve(refs.get(i).digest().hex())),
                            "blob in the layout");
                }
            }
        }
        assertEquals(1, indexes, "duo-2.0");
        assertTrue(images >= 15, "tiny, duo's two, medium and twelve tags: " + images);
    }

    private static void assertDescribes(JsonNode json, Descriptor d) throws IOException {
        assertEquals(json.get("mediaType").asText(), d.mediaType());
        assertEquals(json.get("digest").asText(), d.digest().toString());
        assertEquals(json.get("size").asLong(), d.size());
        JsonNode p = json.get("platform");
        if (p == null) {
            assertNull(d.platform());
        } else {
            assertEquals(p.get("os").asText(), d.platform().os());
            assertEquals(p.get("architecture").asText(), d.platform().architecture());
            assertEquals(
                    p.has("variant") ? p.get("variant").asText() : null,
                    d.platform().variant());
        }
        assertEquals(
                json.has("annotations") ? json.get("annotations").size() : 0,
                d.annotations().size());
    }
}
