package dev.ferry.it;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes synthetic module versions as a static GOPROXY tree, for tests that need sizes or counts the shared
 * corpus does not have. Content is seeded, so a test can recompute what ferry must serve.
 */
final class GeneratedModules {
    private GeneratedModules() {}

    record Module(String path, String version, Path zip, String zipSha256, long zipSize) {
        String zipUrlPath() {
            return "/" + path + "/@v/" + version + ".zip";
        }
    }

    /** A module {@code path@version} (lowercase path) whose zip holds a go.mod and {@code dataBytes} of noise. */
    static Module write(Path root, String path, String version, long dataBytes, long seed) throws IOException {
        Path dir = root.resolve(path).resolve("@v");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("list"), version + "\n");
        String info = "{\"Version\":\"" + version + "\",\"Time\":\"2024-01-02T03:04:05Z\"}";
        Files.writeString(dir.resolve(version + ".info"), info);
        String mod = "module " + path + "\n\ngo 1.19\n";
        Files.writeString(dir.resolve(version + ".mod"), mod);
        Path zip = dir.resolve(version + ".zip");
        String prefix = path + "@" + version + "/";
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.setLevel(Deflater.BEST_SPEED);
            out.putNextEntry(new ZipEntry(prefix + "go.mod"));
            out.write(mod.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            out.putNextEntry(new ZipEntry(prefix + "data.bin"));
            writeNoise(out, dataBytes, seed);
            out.closeEntry();
        }
        return new Module(path, version, zip, sha256(zip), Files.size(zip));
    }

    private static void writeNoise(OutputStream out, long bytes, long seed) throws IOException {
        Random r = new Random(seed);
        byte[] buf = new byte[1 << 16];
        for (long left = bytes; left > 0; ) {
            r.nextBytes(buf);
            int n = (int) Math.min(buf.length, left);
            out.write(buf, 0, n);
            left -= n;
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
