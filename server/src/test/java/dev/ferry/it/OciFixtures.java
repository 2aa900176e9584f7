package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The shared OCI fixture (../shared/fixtures/oci): an OCI image layout, the list of which reference is pushed as
 * which repository:tag (images.tsv), and push.sh which puts them all into a registry with skopeo.
 */
final class OciFixtures {
    private OciFixtures() {}

    /** One line of images.tsv, with the manifest digest the layout's index gives its reference. */
    record Image(String ref, String repository, String tag, String digest, String mediaType) {}

    static Path root() {
        return Fixtures.root().resolve("oci");
    }

    static Path layout() {
        return root().resolve("layout");
    }

    /** Every image of images.tsv in file order. */
    static List<Image> images() throws IOException {
        Map<String, JsonNode> byRef = new LinkedHashMap<>();
        for (JsonNode m : new ObjectMapper()
                .readTree(layout().resolve("index.json").toFile())
                .get("manifests")) {
            byRef.put(
                    m.get("annotations")
                            .get("org.opencontainers.image.ref.name")
                            .asText(),
                    m);
        }
        List<Image> out = new ArrayList<>();
        for (String line : Files.readAllLines(root().resolve("images.tsv"), StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            JsonNode m = byRef.get(f[0]);
            out.add(new Image(
                    f[0],
                    f[1],
                    f[2],
                    m.get("digest").asText(),
                    m.get("mediaType").asText()));
        }
        return out;
    }

    static Image image(String ref) throws IOException {
        return images().stream().filter(i -> i.ref().equals(ref)).findFirst().orElseThrow();
    }

    /** Runs push.sh against a registry (credentials may be null); fails the test when it fails. */
    static void push(String hostPort, String creds, Path home) throws IOException, InterruptedException {
        List<String> cmd =
                new ArrayList<>(List.of("bash", root().resolve("push.sh").toString(), hostPort));
        if (creds != null) {
            cmd.addAll(List.of("--creds", creds));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("HOME", Files.createDirectories(home).toString());
        pb.environment().put("REGISTRY_AUTH_FILE", home.resolve("auth.json").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("push.sh did not finish in 5 minutes");
        }
        assertEquals(0, p.exitValue(), "push.sh " + hostPort + ":\n" + out);
    }

    static String sha256(byte[] bytes) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        }
    }

    static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Checks every blob of an OCI layout a copy wrote hashes to its file name, and returns how many there are;
     * the copy is only as good as its bytes.
     */
    static int verifyLayoutBlobs(Path layout) throws IOException {
        Path blobs = layout.resolve("blobs/sha256");
        List<Path> files;
        try (Stream<Path> s = Files.list(blobs)) {
            files = s.toList();
        }
        for (Path f : files) {
            assertEquals("sha256:" + f.getFileName(), sha256(f), "blob " + f + " of the copy");
        }
        return files.size();
    }
}
