package dev.ferry.server.registryauth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Long-lived tokens for machines (CI, the console): a file of {@code NAME:sha256:HEX} lines, HEX being the
 * SHA-256 of the token ({@code printf %s "$TOKEN" | sha256sum}), so the file holds no usable secret. A token is
 * random and long, so one SHA-256 is enough (bcrypt would cost every request its price). A client sends it as
 * {@code Authorization: Bearer TOKEN}, or as the password of Basic credentials (the go command's .netrc) with
 * any user name.
 */
public final class AccessTokens {
    public static final AccessTokens NONE = new AccessTokens(Map.of(), null);
    private static final Pattern LINE = Pattern.compile("([^:\\s]+):sha256:([0-9a-f]{64})");

    /** Token names by the hex SHA-256 of the token. */
    private final Map<String, String> names;

    private final Path file;

    private AccessTokens(Map<String, String> names, Path file) {
        this.names = Map.copyOf(names);
        this.file = file;
    }

    public static AccessTokens load(Path file) throws IOException {
        Map<String, String> names = new HashMap<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (EntryLine entry : EntryLine.read(file, "tokens")) {
            var m = LINE.matcher(entry.text());
            if (!m.matches()) {
                // never the line itself: it might be a token pasted in plain
                throw new IllegalArgumentException(
                        entry.where() + ": expected NAME:sha256:HEX (64 lowercase hex digits of the token's SHA-256)");
            }
            if (!seen.add(m.group(1)) || names.put(m.group(2), m.group(1)) != null) {
                throw new IllegalArgumentException(entry.where() + ": name or token appears twice");
            }
        }
        return new AccessTokens(names, file);
    }

    public boolean isEmpty() {
        return names.isEmpty();
    }

    /** Whether {@code name} is a token's name. */
    boolean hasName(String name) {
        return names.containsValue(name);
    }

    /** The token's name, or null for no such token. */
    String nameOf(String token) {
        // A map lookup by digest: the secret itself is never compared.
        return names.get(HexFormat.of().formatHex(sha256(token)));
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "AccessTokens[" + names.size() + " from " + file + "]";
    }
}
