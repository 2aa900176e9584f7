package dev.ferry.server.registryauth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * The users who may push to hosted repositories: an htpasswd file of bcrypt entries ({@code user:$2y$...}, as
 * {@code htpasswd -B} writes them). Any other hash (MD5 {@code $apr1$}, SHA1 {@code {SHA}}, crypt, plain) is refused
 * when the file is loaded: those are fast to brute-force, and a refusal at start-up beats users who cannot log in.
 *
 * <p>bcrypt is slow on purpose, and a push sends Basic credentials with every request; a verified password is
 * therefore remembered (as its SHA-256, compared in constant time) for the entry it matched. A user that does not
 * exist costs one bcrypt check too, so response times do not tell which names exist.
 */
public final class RegistryUsers {
    /** No users: nobody can push, and a hosted pull needs anonymous pull to be on. */
    public static final RegistryUsers NONE = new RegistryUsers(Map.of(), null);
    /** Checked for unknown users, so they cost what a known one does. */
    private static final String DUMMY = "$2y$10$IPQp05cgXKA/tZrgF5l9xO.LUhdLN1YH9L2iTOgY1M9e7chuy/NdK";

    private final Map<String, String> hashes;
    private final Path file;
    private final Map<String, byte[]> verified = new ConcurrentHashMap<>();
    private final LongAdder bcryptChecks = new LongAdder();

    private RegistryUsers(Map<String, String> hashes, Path file) {
        this.hashes = Map.copyOf(hashes);
        this.file = file;
    }

    /** Reads {@code file}; throws IllegalArgumentException naming the line of any entry that is not bcrypt. */
    public static RegistryUsers load(Path file) throws IOException {
        Map<String, String> hashes = new LinkedHashMap<>();
        for (EntryLine entry : EntryLine.read(file, "htpasswd")) {
            String line = entry.text();
            int colon = line.indexOf(':');
            String where = entry.where();
            if (colon <= 0) {
                throw new IllegalArgumentException(where + ": expected user:hash");
            }
            String user = line.substring(0, colon);
            String hash = line.substring(colon + 1);
            if (!isBcrypt(hash)) {
                // never the hash itself in the message
                throw new IllegalArgumentException(where + ": user " + user + " has no bcrypt hash; only bcrypt entries"
                        + " are accepted (create them with htpasswd -B)");
            }
            if (hashes.put(user, hash) != null) {
                throw new IllegalArgumentException(where + ": user " + user + " appears twice");
            }
        }
        return new RegistryUsers(hashes, file);
    }

    /** {@code $2a$}, {@code $2b$} or {@code $2y$}, a two-digit cost and 53 characters of salt and hash. */
    static boolean isBcrypt(String hash) {
        return hash.length() == 60 && hash.matches("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}");
    }

    public boolean isEmpty() {
        return hashes.isEmpty();
    }

    /** Whether {@code user} has an entry (no password is checked). */
    boolean has(String user) {
        return hashes.containsKey(user);
    }

    java.util.Set<String> names() {
        return hashes.keySet();
    }

    /** Where the users came from, for the start-up log (null for none). */
    public Path file() {
        return file;
    }

    /** Whether {@code user} exists and {@code password} is theirs. */
    public boolean check(String user, String password) {
        String hash = hashes.get(user);
        byte[] digest = sha256(hash + "\u0000" + password);
        if (hash != null) {
            byte[] known = verified.get(user);
            if (known != null && MessageDigest.isEqual(known, digest)) {
                return true;
            }
        }
        boolean ok;
        bcryptChecks.increment();
        try {
            ok = OpenBSDBCrypt.checkPassword(hash != null ? hash : DUMMY, password.toCharArray());
        } catch (RuntimeException e) {
            ok = false;
        }
        if (ok && hash != null) {
            verified.put(user, digest);
            return true;
        }
        return false;
    }

    /** How many passwords were checked with bcrypt: what a guesser costs (tests show a locked-out name costs none). */
    public long bcryptChecks() {
        return bcryptChecks.sum();
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "RegistryUsers[" + hashes.size() + " users from " + file + "]";
    }
}
