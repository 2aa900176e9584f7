package dev.ferry.protocols.sumdb;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.dirhash.Hash1;

/**
 * A checksum database record: the two go.sum lines of one module version, {@code "<path> <version> <h1 of zip>\n<path>
 * <version>/go.mod <h1 of go.mod>\n"}.
 */
public record GoSumRecord(ModulePath path, Version version, String zipHash, String goModHash) {
    /** Longest record text accepted; a record is two lines of at most about 1.4 KiB each. */
    public static final int MAX_SIZE = 8192;

    public GoSumRecord {
        if (path == null || version == null || !version.isCanonical()) {
            throw new FormatException("a go.sum record needs a module path and a canonical version");
        }
        path.checkMajor(version);
        Hash1.check(zipHash);
        Hash1.check(goModHash);
    }

    /**
     * Parses record text strictly: exactly the two lines above, single spaces, each ending in a newline, the same
     * valid module path and canonical version (whose major fits the path) in both, the second with {@code /go.mod}
     * after the version, both hashes {@code h1:} and the base64 of 32 bytes. Nothing before, between or after.
     */
    public static GoSumRecord parse(String text) throws FormatException {
        if (text == null || text.length() > MAX_SIZE || !text.endsWith("\n")) {
            throw new FormatException("malformed go.sum record " + quote(text) + ": want two lines ending in newlines");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        if (lines.length != 2) {
            throw new FormatException("malformed go.sum record " + quote(text) + ": want exactly two lines");
        }
        String[] a = lines[0].split(" ", -1);
        String[] b = lines[1].split(" ", -1);
        if (a.length != 3 || b.length != 3) {
            throw new FormatException("malformed go.sum record " + quote(text) + ": want \"path version hash\" lines");
        }
        if (!a[0].equals(b[0]) || !b[1].equals(a[1] + "/go.mod")) {
            throw new FormatException("malformed go.sum record " + quote(text)
                    + ": second line must be the same module's \"version/go.mod\"");
        }
        return new GoSumRecord(ModulePath.parse(a[0]), Version.parseCanonical(a[1]), a[2], b[2]);
    }

    /** The record text {@link #parse} reads. */
    public String text() {
        return path + " " + version + " " + zipHash + "\n" + path + " " + version + "/go.mod " + goModHash + "\n";
    }

    /** Throws unless this record is for {@code path@version}. */
    public GoSumRecord requireFor(ModulePath path, Version version) throws FormatException {
        if (!this.path.equals(path) || !this.version.equals(version)) {
            throw new FormatException(
                    "record is for " + quote(this.path + "@" + this.version) + ", not " + quote(path + "@" + version));
        }
        return this;
    }
}
