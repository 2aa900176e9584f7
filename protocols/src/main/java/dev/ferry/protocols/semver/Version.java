package dev.ferry.protocols.semver;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A semantic version in Go's dialect (golang.org/x/mod/semver, module.CanonicalVersion, pseudo-versions).
 *
 * <p>Grammar: {@code v MAJOR [. MINOR [. PATCH [-PRERELEASE] [+BUILD]]]}. Numbers have no leading zeros.
 * The shorthands {@code v1} and {@code v1.2} are valid and mean v1.0.0 and v1.2.0, but may carry neither
 * a prerelease nor build suffix. Prerelease identifiers are non-empty runs of {@code [0-9A-Za-z-]}, and a
 * purely numeric one has no leading zero. Build identifiers are non-empty runs of the same characters,
 * leading zeros allowed.
 *
 * <p>Equality is on the text as given ({@code v1} and {@code v1.0.0} are different texts), while
 * {@link #compareTo} follows semver.Compare, which ignores build metadata; so compare them through
 * {@link #canonical()} when equality must agree with order.
 */
public final class Version implements Comparable<Version> {

    /**
     * Longest version text accepted. The go command has no limit, but a version is one element of a proxy
     * URL and a storage key; real versions, pseudo-versions included, are under 100 characters.
     */
    public static final int MAX_LENGTH = 256;

    // Digits are ASCII only (Go's RE2 \d); semver validity has already narrowed the alphabet.
    private static final Pattern PSEUDO = Pattern.compile(
            "^v[0-9]+\\.(0\\.0-|[0-9]+\\.[0-9]+-([^+]*\\.)?0\\.)[0-9]{14}-[A-Za-z0-9]+(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$");

    private final String text;
    private final String majorNum;
    private final String minorNum;
    private final String patchNum;
    /** ".0.0", ".0" or "" — what the shorthand leaves out. */
    private final String shortSuffix;
    /** With its leading '-', or "". */
    private final String prerelease;
    /** With its leading '+', or "". */
    private final String build;

    private Version(
            String text,
            String major,
            String minor,
            String patch,
            String shortSuffix,
            String prerelease,
            String build) {
        this.text = text;
        this.majorNum = major;
        this.minorNum = minor;
        this.patchNum = patch;
        this.shortSuffix = shortSuffix;
        this.prerelease = prerelease;
        this.build = build;
    }

    /**
     * Parses any version Go's semver package accepts (semver.IsValid): v1, v1.2, v1.2.3, v1.2.3-pre, v1.2.3+build,
     * v1.2.3-pre+build. Throws, naming the problem, for anything else, including texts longer than
     * {@link #MAX_LENGTH}.
     */
    public static Version parse(String text) throws FormatException {
        if (text == null) {
            throw new FormatException("version is missing");
        }
        if (text.length() > MAX_LENGTH) {
            throw new FormatException("version is longer than " + MAX_LENGTH + " characters");
        }
        Version v = tryParse(text);
        if (v == null) {
            throw new FormatException("invalid version " + quote(text) + ": not a semantic version"
                    + " (want vMAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]])");
        }
        return v;
    }

    /**
     * Parses and insists on canonical form, {@code vMAJOR.MINOR.PATCH[-PRERELEASE][+incompatible]}, which is what
     * module.CanonicalVersion returns and what proxy URLs and go.sum lines carry. The message names the canonical
     * spelling when the text is a valid but non-canonical version.
     */
    public static Version parseCanonical(String text) throws FormatException {
        Version v = parse(text);
        if (!v.isCanonical()) {
            throw new FormatException(
                    "version " + quote(text) + " is not canonical (should be " + quote(v.canonical().text) + ")");
        }
        return v;
    }

    /** Whether {@code text} is a version {@link #parse} accepts. */
    public static boolean isValid(String text) {
        return text != null && text.length() <= MAX_LENGTH && tryParse(text) != null;
    }

    /** Returns null instead of throwing, so that isValid and parse share one grammar. */
    private static Version tryParse(String v) {
        if (v.isEmpty() || v.charAt(0) != 'v') {
            return null;
        }
        int[] pos = {1};
        String major = parseNum(v, pos);
        if (major == null) {
            return null;
        }
        if (pos[0] == v.length()) {
            return new Version(v, major, "0", "0", ".0.0", "", "");
        }
        if (v.charAt(pos[0]) != '.') {
            return null;
        }
        pos[0]++;
        String minor = parseNum(v, pos);
        if (minor == null) {
            return null;
        }
        if (pos[0] == v.length()) {
            return new Version(v, major, minor, "0", ".0", "", "");
        }
        if (v.charAt(pos[0]) != '.') {
            return null;
        }
        pos[0]++;
        String patch = parseNum(v, pos);
        if (patch == null) {
            return null;
        }
        String pre = "";
        if (pos[0] < v.length() && v.charAt(pos[0]) == '-') {
            int start = pos[0];
            if (!scanIdentifiers(v, pos, true)) {
                return null;
            }
            pre = v.substring(start, pos[0]);
        }
        String build = "";
        if (pos[0] < v.length() && v.charAt(pos[0]) == '+') {
            int start = pos[0];
            if (!scanIdentifiers(v, pos, false)) {
                return null;
            }
            build = v.substring(start, pos[0]);
        }
        if (pos[0] != v.length()) {
            return null;
        }
        return new Version(v, major, minor, patch, "", pre, build);
    }

    private static String parseNum(String v, int[] pos) {
        int start = pos[0];
        int i = start;
        while (i < v.length() && isDigit(v.charAt(i))) {
            i++;
        }
        if (i == start || (v.charAt(start) == '0' && i - start > 1)) {
            return null;
        }
        pos[0] = i;
        return v.substring(start, i);
    }

    /**
     * Scans dot-separated identifiers after the '-' or '+' at pos; a prerelease stops at '+', a build runs to the end.
     * Numeric prerelease identifiers must not have leading zeros; build identifiers may.
     */
    private static boolean scanIdentifiers(String v, int[] pos, boolean prerelease) {
        int i = pos[0] + 1;
        int start = i;
        while (i < v.length() && !(prerelease && v.charAt(i) == '+')) {
            char c = v.charAt(i);
            if (c == '.') {
                if (start == i || (prerelease && isBadNum(v, start, i))) {
                    return false;
                }
                start = i + 1;
            } else if (!isIdentChar(c)) {
                return false;
            }
            i++;
        }
        if (start == i || (prerelease && isBadNum(v, start, i))) {
            return false;
        }
        pos[0] = i;
        return true;
    }

    private static boolean isIdentChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || isDigit(c) || c == '-';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isBadNum(String v, int start, int end) {
        return isNum(v, start, end) && end - start > 1 && v.charAt(start) == '0';
    }

    private static boolean isNum(String v, int start, int end) {
        for (int i = start; i < end; i++) {
            if (!isDigit(v.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether this is the text module.CanonicalVersion would return for it: full vMAJOR.MINOR.PATCH, and no build
     * metadata other than exactly {@code +incompatible}.
     */
    public boolean isCanonical() {
        return shortSuffix.isEmpty() && (build.isEmpty() || build.equals("+incompatible"));
    }

    /**
     * module.CanonicalVersion: fills in a shorthand's missing ".0"s and drops build metadata, except that
     * {@code +incompatible} is kept because it is part of the module version's identity.
     */
    public Version canonical() {
        if (isCanonical()) {
            return this;
        }
        String keep = build.equals("+incompatible") ? build : "";
        String core = text.substring(0, text.length() - build.length()) + shortSuffix;
        return new Version(core + keep, majorNum, minorNum, patchNum, "", prerelease, keep);
    }

    /** semver.Major: "v2" for v2.3.4, and for v2 and v2.3. */
    public String major() {
        return "v" + majorNum;
    }

    /** semver.MajorMinor: "v2.3" for v2.3.4; "v2.0" for v2. */
    public String majorMinor() {
        return "v" + majorNum + "." + minorNum;
    }

    /** The prerelease suffix with its leading '-' ("-rc.1"), or "" if none. */
    public String prerelease() {
        return prerelease;
    }

    /** The build suffix with its leading '+' ("+incompatible"), or "" if none. */
    public String build() {
        return build;
    }

    /** Whether the version has a prerelease suffix; pseudo-versions always do. */
    public boolean isPrerelease() {
        return !prerelease.isEmpty();
    }

    /** Whether the build metadata is exactly {@code +incompatible} (a v2+ version of a module with no go.mod). */
    public boolean isIncompatible() {
        return build.equals("+incompatible");
    }

    /**
     * module.IsPseudoVersion: at least two dashes and one of the three forms
     * {@code vX.0.0-yyyymmddhhmmss-rev}, {@code vX.Y.(Z+1)-0.yyyymmddhhmmss-rev},
     * {@code vX.Y.Z-pre.0.yyyymmddhhmmss-rev}, each optionally followed by build metadata such as +incompatible.
     * The timestamp is only checked to be 14 digits here; {@link #pseudoTime()} validates it as a date.
     */
    public boolean isPseudo() {
        return text.chars().filter(c -> c == '-').count() >= 2
                && PSEUDO.matcher(text).matches();
    }

    /**
     * module.PseudoVersionRev: the revision identifier (a 12-hex-digit commit prefix in practice).
     * Throws if this is not a pseudo-version.
     */
    public String pseudoRevision() throws FormatException {
        return splitPseudo()[2];
    }

    /**
     * module.PseudoVersionTime: the UTC commit time encoded in the pseudo-version. Throws if this is not a
     * pseudo-version or the 14 digits are not a real date and time (month 13, second 61...).
     */
    public Instant pseudoTime() throws FormatException {
        String ts = splitPseudo()[1];
        try {
            return LocalDateTime.of(
                            Integer.parseInt(ts.substring(0, 4)), Integer.parseInt(ts.substring(4, 6)),
                            Integer.parseInt(ts.substring(6, 8)), Integer.parseInt(ts.substring(8, 10)),
                            Integer.parseInt(ts.substring(10, 12)), Integer.parseInt(ts.substring(12, 14)))
                    .toInstant(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            throw new FormatException("pseudo-version " + quote(text) + " invalid: malformed time " + quote(ts), e);
        }
    }

    /**
     * module.PseudoVersionBase: the release this pseudo-version was built on top of, with build metadata carried
     * over; empty for the no-base form vX.0.0-timestamp-rev. Throws if this is not a pseudo-version, or for the
     * no-base form with build metadata, or for vX.Y.0-0.… whose base would need a negative patch number.
     */
    public Optional<Version> pseudoBase() throws FormatException {
        String[] parts = splitPseudo();
        String base = parts[0];
        Version b = parse(base);
        String pre = b.prerelease;
        if (pre.isEmpty()) {
            if (!build.isEmpty()) {
                throw new FormatException("pseudo-version " + quote(text) + " invalid: lacks base version, but has "
                        + "build metadata " + quote(build));
            }
            return Optional.empty();
        }
        if (pre.equals("-0")) {
            String core = base.substring(0, base.length() - 2);
            int dot = core.lastIndexOf('.');
            String patch = decDecimal(core.substring(dot + 1));
            if (patch.isEmpty()) {
                throw new FormatException("pseudo-version " + quote(text) + " invalid: version before " + core
                        + " would have negative patch number");
            }
            return Optional.of(parse(core.substring(0, dot + 1) + patch + build));
        }
        // vX.Y.Z-pre.0.timestamp: the base is vX.Y.Z-pre.
        return Optional.of(parse(base.substring(0, base.length() - 2) + build));
    }

    /** {base, timestamp, rev} as module.parsePseudoVersion splits them; build metadata is not part of any. */
    private String[] splitPseudo() throws FormatException {
        if (!isPseudo()) {
            throw new FormatException("version " + quote(text) + " is not a pseudo-version");
        }
        String v = text.substring(0, text.length() - build.length());
        int j = v.lastIndexOf('-');
        String rev = v.substring(j + 1);
        v = v.substring(0, j);
        int i = v.lastIndexOf('-');
        int dot = v.lastIndexOf('.');
        if (dot > i) {
            return new String[] {v.substring(0, dot), v.substring(dot + 1), rev};
        }
        return new String[] {v.substring(0, i), v.substring(i + 1), rev};
    }

    /** Decrements a decimal string; "" when it is zero. Strips the leading zero a borrow would leave ("10" → "9"). */
    private static String decDecimal(String decimal) {
        char[] d = decimal.toCharArray();
        int i = d.length - 1;
        while (i >= 0 && d[i] == '0') {
            d[i] = '9';
            i--;
        }
        if (i < 0) {
            return "";
        }
        if (i == 0 && d[0] == '1' && d.length > 1) {
            return new String(d, 1, d.length - 1);
        }
        d[i]--;
        return new String(d);
    }

    /**
     * semver.Compare: numeric comparison of major, minor and patch; a version without prerelease is greater than
     * one with; prerelease identifiers compare numerically when both are numeric, numeric below alphanumeric, and
     * otherwise in ASCII order; a shorter prerelease list that is a prefix of the other is lower. Build metadata,
     * +incompatible included, is ignored, so compareTo is consistent with equality of {@link #canonical()} forms
     * with their build metadata removed, not with {@link #equals}.
     */
    @Override
    public int compareTo(Version other) {
        int c = compareInt(majorNum, other.majorNum);
        if (c != 0) {
            return c;
        }
        c = compareInt(minorNum, other.minorNum);
        if (c != 0) {
            return c;
        }
        c = compareInt(patchNum, other.patchNum);
        if (c != 0) {
            return c;
        }
        return comparePrerelease(prerelease, other.prerelease);
    }

    private static int compareInt(String x, String y) {
        if (x.length() != y.length()) {
            return x.length() < y.length() ? -1 : 1;
        }
        return Integer.signum(x.compareTo(y));
    }

    private static int comparePrerelease(String x, String y) {
        if (x.equals(y)) {
            return 0;
        }
        if (x.isEmpty()) {
            return 1;
        }
        if (y.isEmpty()) {
            return -1;
        }
        String[] xs = x.substring(1).split("\\.", -1);
        String[] ys = y.substring(1).split("\\.", -1);
        for (int i = 0; i < Math.min(xs.length, ys.length); i++) {
            String dx = xs[i];
            String dy = ys[i];
            if (dx.equals(dy)) {
                continue;
            }
            boolean nx = isNum(dx, 0, dx.length());
            boolean ny = isNum(dy, 0, dy.length());
            if (nx != ny) {
                return nx ? -1 : 1;
            }
            if (nx && dx.length() != dy.length()) {
                return dx.length() < dy.length() ? -1 : 1;
            }
            return Integer.signum(dx.compareTo(dy));
        }
        return Integer.compare(xs.length, ys.length);
    }

    /** Equal when the texts are equal: v1 and v1.0.0 are different spellings and different values. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Version v && v.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    /** The text as given. */
    @Override
    public String toString() {
        return text;
    }
}
