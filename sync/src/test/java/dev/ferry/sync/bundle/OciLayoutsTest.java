package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.mirror.oci.OciStoreNames.Target;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.sync.bundle.StoreFixtures.FixtureTag;
import dev.ferry.sync.bundle.plain.OciLayouts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OCI layouts written from a store holding the fixture images (mirrored, and Docker schema2 copies hosted) against
 * the real skopeo: every tag inspects to the fixture's digest and copies (multi-arch with --all) to another
 * layout with the same digest.
 */
class OciLayoutsTest {
    static final Path SKOPEO = Path.of("/usr/bin/skopeo");
    static final String REGISTRY = "registry.example";
    static final ObjectMapper JSON = new ObjectMapper();

    record Expected(String layout, String tag, Digest digest) {}

    @Test
    void skopeoInspectsAndCopiesEveryTag(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(StoreFixtures.OCI.resolve("layout")), "no oci fixture");
        assumeTrue(Files.isExecutable(SKOPEO), "no skopeo at " + SKOPEO);
        Path out = tmp.resolve("layouts");
        List<Expected> expected = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try (ContentStore store = RocksContentStore.open(tmp.resolve("store"), StoreOptions.defaults())) {
            StoreFixtures.fillOci(store, REGISTRY);
            for (FixtureTag t : StoreFixtures.fixtureTags()) {
                expected.add(new Expected("registry.example/" + t.repository(), t.tag(), t.digest()));
            }
            for (FixtureTag t : StoreFixtures.fixtureTags()) {
                if (t.ref().equals("tiny-1.0") || t.ref().equals("duo-2.0")) {
                    RepositoryName repo = RepositoryName.parse(t.repository() + "-docker");
                    Digest d = DockerSchema2.put(store, Target.HOSTED, repo, t.digest(), t.tag());
                    expected.add(new Expected("hosted/" + repo, t.tag(), d));
                }
            }
            SelectedContent content = new BundleSelector(store).select(Selection.all());
            OciLayouts.write(store, content, out, BundleFixture.notesTo(notes));
        }
        assertEquals(List.of(), notes);
        assertEquals(18, expected.size());
        assertEquals(
                "{\"imageLayoutVersion\":\"1.0.0\"}",
                Files.readString(out.resolve("hosted/library/duo-docker/oci-layout")));
        List<Expected> dockerLists = new ArrayList<>();
        for (Expected e : expected) {
            String src = "oci:" + out.resolve(e.layout()) + ":" + e.tag();
            Result inspect = skopeo(tmp, "inspect", "--raw", src);
            assertEquals(0, inspect.code, src + ": " + new String(inspect.out, StandardCharsets.UTF_8));
            assertEquals(e.digest.hex(), sha256(inspect.out), src);
            Path copy = tmp.resolve("copies").resolve(e.layout());
            Files.createDirectories(copy.getParent());
            if (e.layout().endsWith("duo-docker")) {
                // containers/image 5.23 (skopeo 1.9) reads a Docker manifest list from the layout (inspect above)
                // but writes one to no destination unconverted; without --preserve-digests it copies as OCI.
                dockerLists.add(e);
                Result cp = skopeo(tmp, "copy", "--all", src, "oci:" + copy + ":" + e.tag());
                assertEquals(0, cp.code, src + ": " + new String(cp.out, StandardCharsets.UTF_8));
                assertTrue(Files.readString(copy.resolve("index.json")).contains(e.tag()));
                continue;
            }
            Result cp = skopeo(tmp, "copy", "--all", "--preserve-digests", src, "oci:" + copy + ":" + e.tag());
            assertEquals(0, cp.code, src + ": " + new String(cp.out, StandardCharsets.UTF_8));
            JsonNode index = JSON.readTree(copy.resolve("index.json").toFile());
            boolean found = false;
            for (JsonNode m : index.get("manifests")) {
                found |= e.tag()
                                .equals(m.path("annotations")
                                        .path("org.opencontainers.image.ref.name")
                                        .asText())
                        && e.digest.toString().equals(m.get("digest").asText());
            }
            assertTrue(found, src + " copied as " + index);
        }
        assertEquals(1, dockerLists.size());
    }

    record Result(int code, byte[] out) {}

    private static Result skopeo(Path tmp, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SKOPEO.toString(), "--insecure-policy"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("HOME", tmp.toString());
        Path log = Files.createTempFile(tmp, "skopeo", ".out");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("skopeo " + String.join(" ", args) + " did not finish in 60 s");
        }
        return new Result(p.exitValue(), Files.readAllBytes(log));
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** Docker schema2 copies of fixture images, as `skopeo copy --format v2s2` pushes them (same blobs). */
    static final class DockerSchema2 {
        static Digest put(ContentStore store, Target target, RepositoryName repo, Digest oci, String tag)
                throws Exception {
            Converted c = convert(store, target, repo, oci);
            StoreFixtures.putMeta(store, dev.ferry.mirror.oci.OciStoreNames.repository(target, repo), new byte[0]);
            StoreFixtures.putMeta(
                    store,
                    dev.ferry.mirror.oci.OciStoreNames.tag(target, repo, dev.ferry.protocols.oci.Tag.parse(tag)),
                    new dev.ferry.mirror.oci.OciStoreNames.TagRecord(
                                    c.digest, c.mediaType, c.size, StoreFixtures.NOW, "push")
                            .encode());
            return c.digest;
        }

        record Converted(Digest digest, String mediaType, long size) {}

        static Converted convert(ContentStore store, Target target, RepositoryName repo, Digest oci) throws Exception {
            com.fasterxml.jackson.databind.node.ObjectNode m =
                    (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(StoreFixtures.blobBytes(oci));
            String mediaType;
            if (m.has("manifests")) {
                mediaType = MediaTypes.DOCKER_MANIFEST_LIST;
                for (JsonNode child : m.get("manifests")) {
                    Converted c = convert(
                            store,
                            target,
                            repo,
                            Digest.parse(child.get("digest").asText()));
                    var o = (com.fasterxml.jackson.databind.node.ObjectNode) child;
                    o.put("mediaType", c.mediaType)
                            .put("digest", c.digest.toString())
                            .put("size", c.size);
                }
            } else {
                mediaType = MediaTypes.DOCKER_MANIFEST;
                var config = (com.fasterxml.jackson.databind.node.ObjectNode) m.get("config");
                config.put("mediaType", "application/vnd.docker.container.image.v1+json");
                StoreFixtures.putBlob(
                        store,
                        target,
                        repo,
                        Digest.parse(config.get("digest").asText()),
                        StoreFixtures.blobBytes(
                                Digest.parse(config.get("digest").asText())));
                for (JsonNode layer : m.get("layers")) {
                    var l = (com.fasterxml.jackson.databind.node.ObjectNode) layer;
                    l.put(
                            "mediaType",
                            l.get("mediaType").asText().endsWith("gzip")
                                    ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
                                    : "application/vnd.docker.image.rootfs.diff.tar");
                    Digest d = Digest.parse(l.get("digest").asText());
                    StoreFixtures.putBlob(store, target, repo, d, StoreFixtures.blobBytes(d));
                }
            }
            m.put("mediaType", mediaType);
            m.remove("annotations");
            byte[] bytes = JSON.writeValueAsBytes(m);
            Digest d = Digest.parse("sha256:" + sha256(bytes));
            StoreFixtures.putBlob(store, target, repo, d, bytes);
            StoreFixtures.putMeta(
                    store,
                    dev.ferry.mirror.oci.OciStoreNames.manifestType(d),
                    mediaType.getBytes(StandardCharsets.UTF_8));
            return new Converted(d, mediaType, bytes.length);
        }
    }
}
