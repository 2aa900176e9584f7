package dev.ferry.protocols.bundle;

import static dev.ferry.protocols.FormatException.quote;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * The text of a bundle's signed note ({@code bundle.note}): what the signature covers. Exactly these seven lines, in
 * this order, each ending in a newline:
 * <pre>
 * ferry bundle &lt;format: 1 or 2&gt;
 * id &lt;bundle id&gt;
 * site &lt;site label, percent-encoded, or -&gt;
 * base &lt;base bundle id or -&gt;
 * created &lt;ISO-8601 instant, as Instant.toString writes it&gt;
 * volumes &lt;N, 0 to 99999&gt;
 * manifest sha256:&lt;64 lowercase hex&gt; &lt;size in bytes&gt;
 * </pre>
 * The manifest line binds the manifest (and through it every volume, object and chunk) to the signature. The format
 * names the manifest's ({@link ManifestWriter}): 1 lists every chunk by its digest and place, 2 (what this ferry
 * writes) shipped chunks by their length and the others as runs of objects the site holds. A ferry that reads only
 * format 1 refuses a format-2 note at its first line, before it reads anything else.
 *
 * @param format the manifest format, {@link #FORMAT_1} or {@link #FORMAT_2}
 * @param site empty when the bundle was cut for no named site
 * @param base the bundle this one builds on ({@code --since}), or empty
 */
public record BundleNote(
        int format,
        String id,
        String site,
        Optional<String> base,
        Instant created,
        int volumes,
        String manifestSha256,
        long manifestSize) {
    public static final int MAX_VOLUMES = 99_999;
    public static final int FORMAT_1 = 1;
    public static final int FORMAT_2 = 2;
    private static final String MAGIC = "ferry bundle ";

    public BundleNote {
        if (format != FORMAT_1 && format != FORMAT_2) {
            throw new BundleFormatException("bundle format " + format + " is not one this ferry reads (1 or 2)");
        }
        BundleId.check(id);
        Objects.requireNonNull(site, "site");
        base.ifPresent(BundleId::check);
        Objects.requireNonNull(created, "created");
        if (volumes < 0 || volumes > MAX_VOLUMES) {
            throw new BundleFormatException("a bundle has 0 to " + MAX_VOLUMES + " volumes, not " + volumes);
        }
        checkSha256(manifestSha256, "manifest digest");
        if (manifestSize < 0) {
            throw new BundleFormatException("negative manifest size");
        }
    }

    /** A note of the format this ferry writes ({@link #FORMAT_2}). */
    public BundleNote(
            String id,
            String site,
            Optional<String> base,
            Instant created,
            int volumes,
            String manifestSha256,
            long manifestSize) {
        this(FORMAT_2, id, site, base, created, volumes, manifestSha256, manifestSize);
    }

    /** The note text, as signed. */
    public String text() {
        return MAGIC + format + "\n"
                + "id " + id + "\n"
                + "site " + (site.isEmpty() ? "-" : Names.encode(site)) + "\n"
                + "base " + base.orElse("-") + "\n"
                + "created " + created + "\n"
                + "volumes " + volumes + "\n"
                + "manifest sha256:" + manifestSha256 + " " + manifestSize + "\n";
    }

    /**
     * Parses note text (as {@code Note.open} returns it: the signed part, ending in a newline). Strict: exactly the
     * seven lines above, in order, with single spaces; an unknown first line (another version), a missing, repeated
     * or extra line, or a malformed value throws, naming the line.
     */
    public static BundleNote parse(String text) {
        if (!text.endsWith("\n")) {
            throw new BundleFormatException("bundle note text does not end in a newline");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        int format;
        if (lines[0].equals(MAGIC + FORMAT_1)) {
            format = FORMAT_1;
        } else if (lines[0].equals(MAGIC + FORMAT_2)) {
            format = FORMAT_2;
        } else {
            throw new BundleFormatException("not a ferry bundle note, or a version this ferry does not read: first "
                    + "line " + quote(lines[0]) + ", want \"" + MAGIC + FORMAT_1 + "\" or \"" + MAGIC + FORMAT_2
                    + "\"");
        }
        String[] keys = {"id", "site", "base", "created", "volumes", "manifest"};
        if (lines.length != keys.length + 1) {
            throw new BundleFormatException("bundle note has " + (lines.length - 1) + " fields, want " + keys.length
                    + " (" + String.join(", ", keys) + ")");
        }
        String[] values = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            String line = lines[i + 1];
            if (!line.startsWith(keys[i] + " ")) {
                throw new BundleFormatException("bundle note line " + (i + 2) + " is " + quote(line) + ", want the "
                        + quote(keys[i]) + " field");
            }
            values[i] = line.substring(keys[i].length() + 1);
        }
        String id = values[0];
        if (!BundleId.isValid(id)) {
            throw new BundleFormatException("bundle note: invalid id " + quote(id));
        }
        String site = values[1].equals("-") ? "" : Names.decode(values[1], "site");
        Optional<String> base = values[2].equals("-") ? Optional.empty() : Optional.of(values[2]);
        if (base.isPresent() && !BundleId.isValid(base.get())) {
            throw new BundleFormatException("bundle note: invalid base " + quote(values[2]));
        }
        Instant created;
        try {
            created = Instant.parse(values[3]);
        } catch (DateTimeParseException e) {
            throw new BundleFormatException("bundle note: invalid created time " + quote(values[3]));
        }
        if (!created.toString().equals(values[3])) {
            throw new BundleFormatException("bundle note: created time " + quote(values[3]) + " is not canonical");
        }
        int volumes = (int) Lines.number(values[4], MAX_VOLUMES, "bundle note volume count");
        String[] m = values[5].split(" ", -1);
        if (m.length != 2 || !m[0].startsWith("sha256:")) {
            throw new BundleFormatException(
                    "bundle note: manifest line " + quote(values[5]) + " is not \"sha256:<hex> <size>\"");
        }
        String sha = m[0].substring("sha256:".length());
        checkSha256(sha, "bundle note: manifest digest");
        long size = Lines.number(m[1], Long.MAX_VALUE, "bundle note manifest size");
        return new BundleNote(format, id, site, base, created, volumes, sha, size);
    }

    static void checkSha256(String hex, String what) {
        if (hex == null
                || hex.length() != 64
                || !hex.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
            throw new BundleFormatException(what + " " + quote(hex) + " is not 64 lowercase hex digits");
        }
    }

    static byte[] sha256Bytes(String hex) {
        return HexFormat.of().parseHex(hex);
    }
}
