package dev.ferry.protocols.sumdb.dirhash;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.modzip.ModuleZip;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * dirhash.Hash1, the {@code h1:} hash in go.sum lines and checksum database records: {@code "h1:"} followed by the
 * standard base64 of the SHA-256 of a summary with one line {@code "<sha256 hex>  <name>\n"} per file, files sorted by
 * name.
 */
public final class Hash1 {
    /** The prefix every h1 hash carries. */
    public static final String PREFIX = "h1:";

    private Hash1() {}

    /** One summary line's inputs: a file name and the lower-case hex SHA-256 of its content. */
    public record File(String name, String sha256) {
        public File {
            if (name == null || sha256 == null) {
                throw new FormatException("dirhash file name and hash are required");
            }
        }
    }

    /**
     * Hash1 of a module zip as dirhash.HashZip computes it: every entry of {@code summary.entries()} under its name as
     * stored ({@code path@version/file}), directory entries included (HashZip hashes all of {@code zip.File}, a
     * directory as the empty content; valid module zips rarely have any).
     */
    public static String ofZip(ModuleZip.ZipSummary summary) throws FormatException {
        List<File> files = new ArrayList<>(summary.entries().size());
        for (ModuleZip.Entry e : summary.entries()) {
            files.add(new File(e.name(), e.sha256()));
        }
        return of(files);
    }

    /**
     * Hash1 of a go.mod as the go command computes it for {@code path version/go.mod} lines (modfetch.HashGoMod): a
     * single file named exactly {@code "go.mod"}, not {@code path@version/go.mod}.
     */
    public static String ofGoMod(byte[] goMod) {
        return of(List.of(new File("go.mod", HexFormat.of().formatHex(sha256(goMod)))));
    }

    /**
     * Hash1 over {@code files}: sorted by the UTF-8 bytes of their names (Go's sort.Strings order, which differs from
     * Java's UTF-16 order above U+FFFF). Refuses names containing a newline, as dirhash does, since they would forge
     * summary lines; refuses a sha256 that is not 64 lower-case hex digits, since the summary would differ from Go's.
     */
    public static String of(List<File> files) throws FormatException {
        byte[][] names = new byte[files.size()][];
        Integer[] order = new Integer[files.size()];
        for (int i = 0; i < files.size(); i++) {
            File f = files.get(i);
            if (f.name().indexOf('\n') >= 0) {
                throw new FormatException("dirhash: file name " + quote(f.name()) + " contains a newline");
            }
            if (!f.sha256().matches("[0-9a-f]{64}")) {
                throw new FormatException("dirhash: " + quote(f.sha256()) + " is not a lower-case hex SHA-256");
            }
            names[i] = f.name().getBytes(StandardCharsets.UTF_8);
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(names[a], names[b]));
        MessageDigest md = digest();
        for (int i : order) {
            md.update((files.get(i).sha256() + "  ").getBytes(StandardCharsets.US_ASCII));
            md.update(names[i]);
            md.update((byte) '\n');
        }
        return PREFIX + Base64.getEncoder().encodeToString(md.digest());
    }

    /**
     * Checks that {@code h} is an h1 hash as go.sum and the checksum database write it: {@code "h1:"} and the padded
     * standard base64 of exactly 32 bytes (44 characters). Returns {@code h}.
     */
    public static String check(String h) throws FormatException {
        if (h == null || !h.startsWith(PREFIX) || h.length() != PREFIX.length() + 44) {
            throw new FormatException("invalid h1 hash " + quote(h) + ": want \"h1:\" and 44 base64 characters");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(h.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new FormatException("invalid h1 hash " + quote(h) + ": bad base64");
        }
        if (raw.length != 32 || !Base64.getEncoder().encodeToString(raw).equals(h.substring(PREFIX.length()))) {
            throw new FormatException("invalid h1 hash " + quote(h) + ": not the canonical base64 of 32 bytes");
        }
        return h;
    }

    private static byte[] sha256(byte[] data) {
        return digest().digest(data);
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
