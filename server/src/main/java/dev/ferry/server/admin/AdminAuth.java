package dev.ferry.server.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Who may use {@code /admin/api/}: whoever sends {@code Authorization: Bearer TOKEN} with the one admin token.
 * The token is configured ({@code --admin-token}, {@code FERRY_ADMIN_TOKEN}, {@code admin.token}) or, when it
 * is not, generated once into {@code DATA/admin-token} (mode 0600) and read from there on every later start, so
 * scripts on the host can use it without it ever being printed. The place is logged, never the value.
 *
 * <p>Compared in constant time over SHA-256 digests, so neither the content nor the length of the token leaks
 * through response timing.
 */
public final class AdminAuth {
    private static final Logger LOG = Logger.getLogger("ferry.admin");
    public static final String TOKEN_FILE = "admin-token";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] expectedDigest;
    private final String fingerprint;

    private AdminAuth(String token) {
        this.expectedDigest = sha256(token);
        // A hash of the hash: names the token in the audit log without revealing anything usable about it.
        this.fingerprint = "token:"
                + java.util.HexFormat.of()
                        .formatHex(sha256(java.util.HexFormat.of().formatHex(expectedDigest)))
                        .substring(0, 12);
    }

    /** How the audit log names whoever holds the token: "token:" and 12 hex digits. */
    public String fingerprint() {
        return fingerprint;
    }

    /** From the configured token, or the data directory's token file (created when missing). */
    public static AdminAuth load(String configured, Path dataDir) throws IOException {
        if (configured != null && !configured.isBlank()) {
            return new AdminAuth(configured.strip());
        }
        Path file = dataDir.resolve(TOKEN_FILE);
        boolean generated = false;
        if (!Files.exists(file)) {
            try {
                generate(file);
                generated = true;
            } catch (FileAlreadyExistsException raced) {
                // another start won the race; use its token
            }
        }
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (token.isEmpty()) {
            throw new IOException("admin token file " + file + " is empty; delete it to have a new one generated");
        }
        LOG.info(
                generated
                        ? "no admin token configured: generated one into " + file
                                + " (send it as Authorization: Bearer)"
                        : "admin API token read from " + file);
        return new AdminAuth(token);
    }

    public static AdminAuth of(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("admin token must not be empty");
        }
        return new AdminAuth(token.strip());
    }

    private static void generate(Path file) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Files.createDirectories(file.getParent());
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(file);
        }
        Files.writeString(file, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Whether the request's Authorization header value (null when absent) carries the admin token. */
    public boolean allows(String authorization) {
        if (authorization == null) {
            return false;
        }
        String value = authorization.strip();
        if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(expectedDigest, sha256(value.substring(7).strip()));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
