package dev.ferry.protocols.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The OCI parsers either return a value with its round-trip properties or throw OciFormatException, never
 * anything else, on any input. Deterministic mutation fuzzing runs in every build (fixed seed, the failing input
 * is printed; {@code -Dferry.fuzz.iterations=N} and {@code -Dferry.fuzz.seed=S} as in the other fuzz tests); the
 * {@code @FuzzTest} targets run coverage-guided under {@code JAZZER_FUZZ=1}, e.g.
 * {@code JAZZER_FUZZ=1 ./mvnw -pl protocols test -Dtest=OciFuzzTest#manifestTarget}.
 */
class OciFuzzTest {
    private static final int ITERATIONS = Integer.getInteger("ferry.fuzz.iterations", 3000);
    private static final long SEED = Long.getLong("ferry.fuzz.seed", 20261121L);
    private static final String INTERESTING = "/._-:+=,{}[]\"\\ \n\t0129afAZ@\u00e9\u0000\u007f\ud800";

    // --- properties ---

    static void repositoryName(String s) {
        RepositoryName n;
        try {
            n = RepositoryName.parse(s);
        } catch (OciFormatException e) {
            assertEquals(OciErrorCode.NAME_INVALID, e.code());
            assertPrintable(e);
            return;
        }
        assertEquals(s, n.value());
        assertTrue(s.length() <= RepositoryName.MAX_LENGTH);
        assertEquals(s, String.join("/", n.components()));
        if (n.withoutFirst() != null) {
            assertEquals(s, n.first() + "/" + n.withoutFirst());
        }
    }

    static void reference(String s) {
        Reference r;
        try {
            r = Reference.parse(s);
        } catch (OciFormatException e) {
            assertTrue(e.code() == OciErrorCode.TAG_INVALID || e.code() == OciErrorCode.DIGEST_INVALID, e.code()::name);
            assertPrintable(e);
            return;
        }
        assertEquals(s, r.toString());
        assertEquals(r, Reference.parse(r.toString()));
    }

    static void registryRequest(String s) {
        RegistryRequest r;
        try {
            r = RegistryRequest.parse(s);
        } catch (OciFormatException e) {
            assertTrue(
                    java.util.Set.of(
                                    OciErrorCode.NAME_UNKNOWN,
                                    OciErrorCode.NAME_INVALID,
                                    OciErrorCode.TAG_INVALID,
                                    OciErrorCode.DIGEST_INVALID,
                                    OciErrorCode.BLOB_UPLOAD_UNKNOWN)
                            .contains(e.code()),
                    e.code()::name);
            assertPrintable(e);
            return;
        }
        assertTrue(r.path().startsWith("/v2/"), r::path);
        assertEquals(r, RegistryRequest.parse(r.path()), "a request is named by its path");
        assertTrue(!r.allow().isEmpty());
    }

    static void manifest(byte[] bytes, String contentType) {
        Manifest m;
        try {
            m = Manifest.parse(bytes, contentType);
        } catch (OciFormatException e) {
            assertTrue(
                    e.code() == OciErrorCode.MANIFEST_INVALID || e.code() == OciErrorCode.SIZE_TOO_LARGE,
                    e.code()::name);
            assertPrintable(e);
            return;
        }
        assertTrue(MediaTypes.isManifest(m.mediaType()), m.mediaType());
        assertEquals(m.isIndex(), m.config() == null);
        for (Descriptor d : m.references()) {
            assertNotNull(d.mediaType());
            assertNotNull(d.digest());
            assertNotNull(d.annotations());
            assertTrue(d.size() >= 0);
        }
        assertEquals(m, Manifest.parse(bytes, m.mediaType()), "parsing is a function of the bytes and the type");
    }

    static void byteRange(String s) {
        for (long size : new long[] {0, 1, 10, Long.MAX_VALUE}) {
            try {
                ByteRange r = ByteRange.parseRange(s, size);
                assertTrue(r.offset() >= 0 && r.length() >= 1 && r.last() < size, r::toString);
            } catch (OciFormatException e) {
                assertEquals(OciErrorCode.RANGE_INVALID, e.code());
                assertPrintable(e);
            }
        }
        try {
            ByteRange r = ByteRange.parseContentRange(s);
            assertEquals(r, ByteRange.parseContentRange(r.offset() + "-" + r.last()));
        } catch (OciFormatException e) {
            assertEquals(OciErrorCode.RANGE_INVALID, e.code());
            assertPrintable(e);
        }
    }

    private static void assertPrintable(OciFormatException e) {
        assertNotNull(e.getMessage());
        assertTrue(e.getMessage().chars().allMatch(c -> c >= 0x20 && c < 0x7f), e.getMessage());
        assertTrue(e.getMessage().length() < 1000, "messages quote input elided");
    }

    // --- seeds ---

    static final List<String> NAMES = List.of(
            "library/tiny",
            "apps/nested/tags",
            "a.b_c__d-e--f/x",
            "a",
            "docker.io/library/alpine",
            "a".repeat(255),
            "x/" + "y".repeat(252));

    static final List<String> REFERENCES = List.of(
            "latest",
            "1.0",
            "_x",
            "v1.2.3-rc.1",
            "sha256:" + "b2302881ff0e3e948d5b997559bd2661fad201c00688554156cdb97d3cb2a989",
            "sha512:" + "a".repeat(128),
            "sha256+b64u:abc",
            "md5:00");

    static final List<String> REGISTRY_PATHS = List.of(
            "/v2/",
            "/v2/_catalog",
            "/v2/library/alpine/manifests/latest",
            "/v2/a/manifests/b/manifests/" + "sha256:"
                    + "b2302881ff0e3e948d5b997559bd2661fad201c00688554156cdb97d3cb2a989",
            "/v2/team/app/blobs/sha512:" + "a".repeat(128),
            "/v2/team/app/blobs/uploads/",
            "/v2/team/app/blobs/uploads/3f1c-AB_x=",
            "/v2/apps/nested/tags/tags/list",
            "/v2/x/referrers/sha256:" + "0".repeat(64),
            "/v2/a%2fb/../manifests/%2e%2e");

    static final List<String> RANGES =
            List.of("bytes=0-1023", "bytes=5-", "bytes=-3", "0-1023", "bytes 5-10/*", "bytes 5-10/11", "bytes=1-2,3-4");

    static List<String> manifestSeeds() throws Exception {
        List<String> seeds = new ArrayList<>(List.of(ManifestTest.IMAGE, ManifestTest.INDEX));
        Path blobs = ManifestTest.layout().resolve("blobs/sha256");
        seeds.add(Files.readString(ManifestTest.layout().resolve("index.json")));
        for (String hex : List.of(
                "1144e24581d2d93d7dad6ee3cd53b1acac0bce25b54d5e04dceffb910831345b",
                "097ce0905bf1384886e3287e295693336c49e6f4f73d1975e5e5809f832de417")) {
            Path p = blobs.resolve(hex);
            if (Files.exists(p)) {
                seeds.add(Files.readString(p));
            }
        }
        return seeds;
    }

    // --- the mutation campaigns ---

    @Test
    void repositoryNames() {
        run("RepositoryName.parse", NAMES, OciFuzzTest::repositoryName);
    }

    @Test
    void references() {
        run("Reference.parse", REFERENCES, OciFuzzTest::reference);
    }

    @Test
    void registryRequests() {
        run("RegistryRequest.parse", REGISTRY_PATHS, OciFuzzTest::registryRequest);
    }

    @Test
    void byteRanges() {
        run("ByteRange", RANGES, OciFuzzTest::byteRange);
    }

    @Test
    void manifestsAsText() throws Exception {
        List<String> types = List.of(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX, MediaTypes.DOCKER_SCHEMA1, "");
        Random pick = new Random(SEED);
        int[] parsed = {0};
        run("Manifest.parse", manifestSeeds(), s -> {
            String type = pick.nextInt(3) == 0 ? types.get(pick.nextInt(types.size())) : null;
            manifest(s.getBytes(StandardCharsets.UTF_8), type);
            try {
                Manifest.parse(s.getBytes(StandardCharsets.UTF_8), type);
                parsed[0]++;
            } catch (OciFormatException e) {
                // counted only to show the campaign reaches past the first checks
            }
        });
        assertTrue(parsed[0] > 10, "mutants should still parse now and then: " + parsed[0]);
    }

    @Test
    void manifestsAsBytes() throws Exception {
        List<byte[]> seeds = manifestSeeds().stream()
                .map(s -> s.getBytes(StandardCharsets.UTF_8))
                .toList();
        Random r = new Random(SEED ^ 0x0c1);
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] in = i < seeds.size() ? seeds.get(i) : mutate(r, seeds.get(r.nextInt(seeds.size())));
            try {
                manifest(in, null);
            } catch (Throwable t) {
                throw new AssertionError(
                        "Manifest.parse failed on input " + HexFormat.of().formatHex(in) + ": " + t, t);
            }
        }
    }

    private static void run(String name, List<String> seeds, Consumer<String> property) {
        Random r = new Random(SEED ^ name.hashCode());
        List<String> inputs = new ArrayList<>(seeds);
        for (int i = 0; i < ITERATIONS; i++) {
            String in = i < seeds.size() ? seeds.get(i) : mutate(r, inputs.get(r.nextInt(inputs.size())), seeds);
            try {
                property.accept(in);
            } catch (Throwable t) {
                throw new AssertionError(name + " failed on input " + FormatQuote.of(in) + ": " + t, t);
            }
            if (inputs.size() < 500 && r.nextInt(4) == 0) {
                inputs.add(in);
            }
        }
    }

    private static String mutate(Random r, String s, List<String> pool) {
        StringBuilder b = new StringBuilder(s);
        int n = 1 + r.nextInt(4);
        for (int k = 0; k < n; k++) {
            int at = b.isEmpty() ? 0 : r.nextInt(b.length() + 1);
            switch (r.nextInt(6)) {
                case 0 -> b.insert(at, INTERESTING.charAt(r.nextInt(INTERESTING.length())));
                case 1 -> {
                    if (at < b.length()) {
                        b.deleteCharAt(at);
                    }
                }
                case 2 -> {
                    if (at < b.length()) {
                        b.setCharAt(at, INTERESTING.charAt(r.nextInt(INTERESTING.length())));
                    }
                }
                case 3 -> {
                    int end = Math.min(b.length(), at + r.nextInt(16));
                    b.insert(at, b.substring(at, end));
                }
                case 4 -> {
                    String other = pool.get(r.nextInt(pool.size()));
                    int from = r.nextInt(other.length() + 1);
                    b.insert(at, other, from, Math.min(other.length(), from + r.nextInt(40)));
                }
                default -> b.delete(at, Math.min(b.length(), at + r.nextInt(8)));
            }
        }
        return b.toString();
    }

    private static byte[] mutate(Random r, byte[] seed) {
        byte[] b = seed.clone();
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(3)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = (byte) r.nextInt(256);
                default -> b = java.util.Arrays.copyOf(b, Math.max(1, at));
            }
        }
        return b;
    }

    /** Input for a failure message: non-printable characters as \\u{..}, never elided (to reproduce it). */
    private static final class FormatQuote {
        static String of(String s) {
            StringBuilder b = new StringBuilder("\"");
            s.codePoints()
                    .forEach(c -> b.append(
                            c >= 0x20 && c < 0x7f && c != '"' && c != '\\'
                                    ? String.valueOf((char) c)
                                    : String.format("\\u{%x}", c)));
            return b.append('"').toString();
        }
    }

    // --- coverage-guided targets (Jazzer) ---

    @FuzzTest(maxDuration = "60s")
    void manifestTarget(FuzzedDataProvider data) {
        String type = data.consumeBoolean() ? data.pickValue(MediaTypes.MANIFESTS) : null;
        manifest(data.consumeRemainingAsBytes(), type);
    }

    @FuzzTest(maxDuration = "60s")
    void repositoryNameTarget(FuzzedDataProvider data) {
        repositoryName(data.consumeRemainingAsString());
    }

    @FuzzTest(maxDuration = "60s")
    void referenceTarget(FuzzedDataProvider data) {
        reference(data.consumeRemainingAsString());
    }

    @FuzzTest(maxDuration = "60s")
    void byteRangeTarget(FuzzedDataProvider data) {
        byteRange(data.consumeRemainingAsString());
    }
}
