package dev.ferry.protocols.gosum;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.dirhash.Hash1;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A parsed go.sum: one {@link Line} per well-formed line, and one {@link Error} per bad line, so that a caller can
 * use every good line and report every bad one by its number.
 *
 * <p>A line is {@code path version hash} or {@code path version/go.mod hash}, fields separated by spaces or tabs
 * (the go command splits on any white space); blank lines are skipped. Checks beyond the go command's own (which
 * only counts fields): the path is a valid module path, the version canonical and of the path's major, and the hash
 * an {@code h1:} hash (the only algorithm go.sum has ever used).
 *
 * @param file   the file name used in error messages
 * @param lines  the well-formed lines, in file order (duplicates kept)
 * @param errors the bad lines, in file order
 */
public record GoSum(String file, List<Line> lines, List<Error> errors) {
    /** Largest go.sum accepted (64 MiB; the largest real ones are a few MiB). */
    public static final int MAX_SIZE = 64 << 20;

    public GoSum {
        Objects.requireNonNull(file, "file");
        lines = List.copyOf(lines);
        errors = List.copyOf(errors);
    }

    /**
     * One go.sum line.
     *
     * @param number 1-based line number
     * @param goMod  whether this is a {@code /go.mod} line (the hash of the go.mod file, not of the zip)
     */
    public record Line(int number, ModulePath path, Version version, boolean goMod, String hash) {
        public Line {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(hash, "hash");
        }

        @Override
        public String toString() {
            return path + " " + version + (goMod ? "/go.mod " : " ") + hash;
        }
    }

    /** A bad line: {@code file:line: message}. */
    public record Error(String file, int line, String message) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + message;
        }
    }

    public static GoSum parse(String file, byte[] data) {
        if (data.length > MAX_SIZE) {
            return new GoSum(
                    file,
                    List.of(),
                    List.of(new Error(file, 0, "too large (" + data.length + " bytes; limit is " + MAX_SIZE + ")")));
        }
        return parse(file, new String(data, StandardCharsets.UTF_8));
    }

    public static GoSum parse(String file, String text) {
        List<Line> lines = new ArrayList<>();
        List<Error> errors = new ArrayList<>();
        String[] raw = text.split("\n", -1);
        for (int i = 0; i < raw.length; i++) {
            int number = i + 1;
            String s = raw[i];
            if (s.endsWith("\r")) {
                s = s.substring(0, s.length() - 1);
            }
            String[] f = s.strip().split("[ \t]+");
            if (s.isBlank()) {
                continue;
            }
            if (f.length != 3) {
                errors.add(new Error(
                        file,
                        number,
                        "want \"path version[/go.mod] hash\", got " + f.length + " field" + (f.length == 1 ? "" : "s")
                                + ": " + quote(s)));
                continue;
            }
            try {
                ModulePath path = ModulePath.parse(f[0]);
                String v = f[1];
                boolean goMod = v.endsWith("/go.mod");
                if (goMod) {
                    v = v.substring(0, v.length() - "/go.mod".length());
                }
                if (v.indexOf('/') >= 0) {
                    throw new FormatException(
                            "unknown go.sum entry " + quote(f[1]) + " (want a version or version/go.mod)");
                }
                Version version = Version.parseCanonical(v);
                path.checkMajor(version);
                lines.add(new Line(number, path, version, goMod, Hash1.check(f[2])));
            } catch (FormatException e) {
                errors.add(new Error(file, number, e.getMessage()));
            }
        }
        return new GoSum(file, lines, errors);
    }
}
