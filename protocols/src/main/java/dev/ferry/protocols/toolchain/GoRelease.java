package dev.ferry.protocols.toolchain;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name of a Go release as the go command spells it in {@code GOTOOLCHAIN} and toolchain module versions:
 * {@code go1.N} (before Go 1.21, the first release of a line), {@code go1.N.M}, or a pre-release
 * {@code go1.NrcK} / {@code go1.NbetaK}. Since Go 1.21 {@code go1.N} names a language version, not a release (the
 * first release is {@code go1.N.0}), so it is refused with that hint, as the go command does.
 */
public record GoRelease(String name) {
    private static final Pattern GRAMMAR =
            Pattern.compile("go1\\.(0|[1-9][0-9]{0,3})(?:\\.(0|[1-9][0-9]{0,3})|(rc|beta)([1-9][0-9]{0,2}))?");
    /** The first minor whose releases are named go1.N.0 and whose go1.N is a language version only. */
    private static final int NAMED_DOT_ZERO = 21;

    public GoRelease {
        check(name);
    }

    public static GoRelease parse(String text) {
        return new GoRelease(text);
    }

    private static void check(String name) {
        if (name == null || name.isEmpty()) {
            throw new FormatException("empty Go release (want go1.N.M, e.g. go1.22.4, or go1.NrcK)");
        }
        Matcher m = GRAMMAR.matcher(name);
        if (!m.matches()) {
            String hint = name.matches("1\\.[0-9.a-z]+") ? " (did you mean go" + name + "?)" : "";
            throw new FormatException("invalid Go release " + quote(name)
                    + " (want go1.N.M, e.g. go1.22.4, or a pre-release go1.NrcK or go1.NbetaK)" + hint);
        }
        int minor = Integer.parseInt(m.group(1));
        if (m.group(2) == null && m.group(3) == null && minor >= NAMED_DOT_ZERO) {
            throw new FormatException(
                    "go1." + minor + " is a language version, not a release (did you mean go1." + minor + ".0?)");
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
