package dev.ferry.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.mirror.BytesBody;
import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.mirror.oci.OciRepositories;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImagePrewarmPlannerTest {
    static Digest digest(byte[] b) throws Exception {
        return Digest.sha256(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static final class FakeRegistry implements OciRepositories {
        final Map<String, byte[]> manifests = new HashMap<>();
        final Map<String, String> types = new HashMap<>();
        final Map<Digest, byte[]> blobs = new HashMap<>();
        final Map<Digest, byte[]> referrers = new HashMap<>();
        final List<String> asked = new ArrayList<>();

        Digest manifest(String type, String json, String... tags) throws Exception {
            byte[] b = json.getBytes(StandardCharsets.UTF_8);
            Digest d = digest(b);
            manifests.put(d.toString(), b);
            types.put(d.toString(), type);
            for (String t : tags) {
                manifests.put(t, b);
                types.put(t, type);
            }
            return d;
        }

        String blob(String content) throws Exception {
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            Digest d = digest(b);
            blobs.put(d, b);
            return "{\"mediaType\":\"application/octet-stream\",\"digest\":\"" + d + "\",\"size\":" + b.length + "}";
        }

        @Override
        public OciAnswer manifest(RepositoryName repository, Reference reference, boolean head) {
            asked.add("manifest " + reference);
            byte[] b = manifests.get(reference.toString());
            if (b == null) {
                return new OciAnswer.Error(OciErrorCode.MANIFEST_UNKNOWN, "manifest unknown");
            }
            try {
                return new OciAnswer.Content(
                        new BytesBody(b),
                        types.get(reference.toString()),
                        digest(b),
                        b.length,
                        null,
                        OciAnswer.Freshness.IMMUTABLE,
                        OciAnswer.CacheOutcome.HIT);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public OciAnswer blob(RepositoryName repository, Digest digest, boolean head, String range) {
            asked.add("blob " + digest);
            byte[] b = blobs.get(digest);
            return b == null
                    ? new OciAnswer.Error(OciErrorCode.BLOB_UNKNOWN, "blob unknown")
                    : new OciAnswer.Content(
                            new BytesBody(b),
                            "application/octet-stream",
                            digest,
                            b.length,
                            null,
                            OciAnswer.Freshness.IMMUTABLE,
                            OciAnswer.CacheOutcome.HIT);
        }

        @Override
        public OciAnswer tags(RepositoryName repository, int n, String last) {
            return new OciAnswer.TagList(repository.value(), List.of("1.0", "latest"), null);
        }

        @Override
        public OciAnswer referrers(RepositoryName repository, Digest subject, String artifactType) {
            byte[] b = referrers.get(subject);
            return b == null
                    ? new OciAnswer.Error(OciErrorCode.UNSUPPORTED, "no referrers API")
                    : new OciAnswer.Referrers(b, null, OciAnswer.CacheOutcome.HIT);
        }

        @Override
        public List<RepositoryName> repositories() {
            return List.of();
        }
    }

    static String image(FakeRegistry r, String name) throws Exception {
        return "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + r.blob("config " + name)
                        .replace("application/octet-stream", "application/vnd.oci.image.config.v1+json")
                + ",\"layers\":[" + r.blob("layer " + name) + "]}";
    }

    static String entry(Digest d, int size, String platform) {
        String[] p = platform.split("/");
        return "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + d + "\",\"size\":" + size
                + ",\"platform\":{\"os\":\"" + p[0] + "\",\"architecture\":\"" + p[1] + "\"}}";
    }

    @Test
    void fetchesSelectedPlatformsTheirBlobsAndReferrers() throws Exception {
        FakeRegistry r = new FakeRegistry();
        String amd = image(r, "amd64");
        String arm = image(r, "arm64");
        String s390 = image(r, "s390x");
        Digest amdD = r.manifest(MediaTypes.OCI_MANIFEST, amd);
        Digest armD = r.manifest(MediaTypes.OCI_MANIFEST, arm);
        Digest s390D = r.manifest(MediaTypes.OCI_MANIFEST, s390);
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + entry(amdD, amd.length(), "linux/amd64") + "," + entry(armD, arm.length(), "linux/arm64") + ","
                + entry(s390D, s390.length(), "linux/s390x") + "]}";
        r.manifest(MediaTypes.OCI_INDEX, index, "1.0");
        String sig = image(r, "signature");
        Digest sigD = r.manifest(MediaTypes.OCI_MANIFEST, sig);
        r.referrers.put(
                amdD,
                ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                                + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + sigD
                                + "\",\"size\":"
                                + sig.length() + "}]}")
                        .getBytes(StandardCharsets.UTF_8));

        ImagePrewarmPlanner planner = new ImagePrewarmPlanner(reg -> reg == null ? r : null);
        Plan plan = planner.plan(
                "arguments",
                List.of("library/app:1.0", "other.example/app:1.0", "UPPER/case"),
                Platforms.parse("linux/amd64,linux/arm64"));
        assertEquals(1, plan.items().size());
        assertEquals(
                List.of(2, 3),
                plan.errors().stream().map(PlanError::line).toList(),
                plan.errors().toString());

        ItemRunner.Result res = planner.fetch((PrewarmItem.Image) plan.items().get(0));
        // index + 2 platform manifests + signature manifest, and 2 blobs each for amd64, arm64 and the signature
        assertEquals(
                4,
                res.stored().stream()
                        .filter(s -> ((StoredContent.OciContent) s).manifest())
                        .count());
        assertEquals(
                6,
                res.stored().stream()
                        .filter(s -> !((StoredContent.OciContent) s).manifest())
                        .count());
        assertTrue(r.asked.stream().noneMatch(a -> a.contains(s390D.toString())), r.asked.toString());
        assertTrue(res.bytes() > 0);

        PrewarmFailure missing = assertThrows(
                PrewarmFailure.class,
                () -> planner.fetch(new PrewarmItem.Image(
                        null, RepositoryName.parse("library/app"), Reference.parse("2.0"), Platforms.ALL)));
        assertTrue(missing.getMessage().contains("MANIFEST_UNKNOWN"), missing.getMessage());
        PrewarmFailure noPlatform = assertThrows(
                PrewarmFailure.class,
                () -> planner.fetch(new PrewarmItem.Image(
                        null,
                        RepositoryName.parse("library/app"),
                        Reference.parse("1.0"),
                        Platforms.parse("windows/amd64"))));
        assertTrue(noPlatform.getMessage().contains("no manifest for windows/amd64"), noPlatform.getMessage());
    }

    @Test
    void parsesImageReferences() {
        assertEquals(
                "docker.io/library/alpine:3.19",
                ImageRef.parse("docker.io/library/alpine:3.19").toString());
        assertEquals(
                "localhost:5000/app:latest",
                ImageRef.parse("localhost:5000/app").toString());
        ImageRef d = ImageRef.parse("app@sha256:" + "a".repeat(64));
        assertTrue(d.reference() instanceof Reference.ByDigest);
        assertEquals(null, d.registry());
    }
}
