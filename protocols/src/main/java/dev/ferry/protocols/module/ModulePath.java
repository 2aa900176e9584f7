package dev.ferry.protocols.module;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.semver.Version;

/**
 * A Go module path that passed the go command's checks (golang.org/x/mod/module.CheckPath).
 * The constructor enforces them too, so every instance is valid.
 */
public record ModulePath(String value) {

    /**
     * Longest module path accepted, in characters (which are bytes: module paths are ASCII). CheckPath has no limit,
     * but a path becomes URL paths, storage keys and file names; 1024 is far above any real module path (the longest
     * on proxy.golang.org are around 200) and keeps the escaped form, at most twice as long, inside the 2048-character
     * proxy request limit.
     */
    public static final int MAX_LENGTH = 1024;

    /** Validates like {@link #parse}; records cannot skip their constructor, so neither can an invalid path. */
    public ModulePath {
        if (value == null) {
            throw new FormatException("module path is missing");
        }
        if (value.length() > MAX_LENGTH) {
            throw PathCheck.error("module", value, "longer than " + MAX_LENGTH + " characters");
        }
        String reason = checkPath(value);
        if (reason != null) {
            throw PathCheck.error("module", value, reason);
        }
    }

    private static String checkPath(String path) {
        String reason = PathCheck.checkPath(path, PathCheck.Kind.MODULE);
        if (reason != null) {
            return reason;
        }
        int slash = path.indexOf('/');
        String first = slash < 0 ? path : path.substring(0, slash);
        if (slash == 0) {
            return "leading slash";
        }
        if (first.indexOf('.') < 0) {
            return "missing dot in first path element";
        }
        if (path.charAt(0) == '-') {
            return "leading dash in first path element";
        }
        for (int i = 0; i < first.length(); i++) {
            if (!PathCheck.firstPathOK(first.charAt(i))) {
                return "invalid char " + quote(String.valueOf(first.charAt(i))) + " in first path element";
            }
        }
        if (split(path) == null) {
            return "invalid version";
        }
        return null;
    }

    /**
     * Checks {@code path} with CheckPath's rules, throwing with a message naming the broken rule:
     * <ul>
     * <li>valid Unicode, non-empty, at most {@link #MAX_LENGTH} characters, no leading dash, no double or trailing
     *     slash;</li>
     * <li>each slash-separated element non-empty, not all dots, no leading or trailing dot, only ASCII letters,
     *     digits and {@code -._~}; not a reserved Windows device name before its first dot (CON, PRN, AUX, NUL,
     *     COM1-9, LPT1-9, any case); not ending its part before the first dot in '~' and digits (a Windows short
     *     name);</li>
     * <li>the first element has a dot, no leading dash, and only lower-case ASCII letters, digits, '-' and '.';</li>
     * <li>a final {@code /vN} element is a valid major-version suffix: N ≥ 2 without leading zeros or dots
     *     ({@code /v0}, {@code /v1}, {@code /v2.0}, {@code /v02} are refused); for {@code gopkg.in/} paths the path
     *     must end in {@code .vN} or {@code .vN-unstable}, N without leading zeros except {@code .v0}.</li>
     * </ul>
     */
    public static ModulePath parse(String path) throws FormatException {
        return new ModulePath(path);
    }

    /**
     * Strictly decodes the {@code !}-case-encoding (module.UnescapePath) and then {@link #parse}s: '!' must be
     * followed by a lower-case ASCII letter (meaning its upper-case form), and the encoded text may contain no
     * upper-case letters and no non-ASCII characters, so that every path has exactly one encoding.
     */
    public static ModulePath unescape(String escaped) throws FormatException {
        if (escaped == null) {
            throw new FormatException("escaped module path is missing");
        }
        String path = PathCheck.unescape(escaped);
        if (path == null) {
            throw new FormatException("invalid escaped module path " + quote(escaped)
                    + ": '!' must precede a lower-case letter and upper-case letters must be written as '!' and "
                    + "their lower-case form");
        }
        try {
            return new ModulePath(path);
        } catch (FormatException e) {
            throw new FormatException("invalid escaped module path " + quote(escaped) + ": " + e.getMessage(), e);
        }
    }

    /** The {@code !}-case-encoded form used in proxy URLs and on disk (module.EscapePath): "A" becomes "!a". */
    public String escaped() {
        return PathCheck.escape(value);
    }

    /**
     * module.EscapeVersion: {@code !}-encodes a version or query string for a proxy URL. The string must be a valid
     * file path element (see {@link FilePath#check}) without '!' and without non-ASCII characters; every valid
     * {@link Version} qualifies.
     */
    public static String escapeVersion(String version) throws FormatException {
        if (version == null
                || version.indexOf('!') >= 0
                || PathCheck.checkElem(version, PathCheck.Kind.FILE) != null
                || !version.chars().allMatch(c -> c < 0x80)) {
            throw new FormatException("version " + quote(version) + " invalid: disallowed version string");
        }
        return PathCheck.escape(version);
    }

    /**
     * module.UnescapeVersion: strictly decodes a {@code !}-encoded version or query string (same rules as
     * {@link #unescape}), and requires the result to be a valid file path element (see {@link FilePath#check}).
     * The result need not be a semantic version: the go command sends branch names and other queries too.
     */
    public static String unescapeVersion(String escaped) throws FormatException {
        if (escaped == null) {
            throw new FormatException("escaped version is missing");
        }
        String v = PathCheck.unescape(escaped);
        if (v == null) {
            throw new FormatException("invalid escaped version " + quote(escaped)
                    + ": '!' must precede a lower-case letter and upper-case letters must be written as '!' and "
                    + "their lower-case form");
        }
        String reason = PathCheck.checkElem(v, PathCheck.Kind.FILE);
        if (reason != null) {
            throw new FormatException("invalid escaped version " + quote(v) + ": " + reason);
        }
        return v;
    }

    /**
     * module.SplitPathVersion's pathMajor: "/v2" for example.com/m/v2, ".v3" for gopkg.in/yaml.v3,
     * ".v1-unstable" for gopkg.in/x.v1-unstable, "" when the path has no major suffix.
     */
    public String pathMajor() {
        return split(value)[1];
    }

    /** module.SplitPathVersion's prefix: the path without {@link #pathMajor()}. */
    public String pathPrefix() {
        return split(value)[0];
    }

    /** {prefix, pathMajor}, or null if the path's version suffix is invalid (module.SplitPathVersion's !ok). */
    private static String[] split(String path) {
        if (path.startsWith("gopkg.in/")) {
            return splitGopkgIn(path);
        }
        int i = path.length();
        boolean dot = false;
        while (i > 0 && (path.charAt(i - 1) >= '0' && path.charAt(i - 1) <= '9' || path.charAt(i - 1) == '.')) {
            if (path.charAt(i - 1) == '.') {
                dot = true;
            }
            i--;
        }
        if (i <= 1 || i == path.length() || path.charAt(i - 1) != 'v' || path.charAt(i - 2) != '/') {
            return new String[] {path, ""};
        }
        String major = path.substring(i - 2);
        if (dot || major.length() <= 2 || major.charAt(2) == '0' || major.equals("/v1")) {
            return null;
        }
        return new String[] {path.substring(0, i - 2), major};
    }

    private static String[] splitGopkgIn(String path) {
        int i = path.length();
        if (path.endsWith("-unstable")) {
            i -= "-unstable".length();
        }
        while (i > 0 && path.charAt(i - 1) >= '0' && path.charAt(i - 1) <= '9') {
            i--;
        }
        if (i <= 1 || path.charAt(i - 1) != 'v' || path.charAt(i - 2) != '.') {
            return null;
        }
        String major = path.substring(i - 2);
        if (major.length() <= 2 || (major.charAt(2) == '0' && !major.equals(".v0"))) {
            return null;
        }
        return new String[] {path.substring(0, i - 2), major};
    }

    /**
     * Checks that {@code version} may belong to this path (module.CheckPathMajor):
     * <ul>
     * <li>no major suffix: the version's major must be v0 or v1, or the version must be {@code +incompatible}
     *     (a v2+ release of a module that predates modules);</li>
     * <li>{@code /vN} or gopkg.in {@code .vN} (with or without {@code -unstable}): the major must be exactly vN;</li>
     * <li>as gopkg.in's special case, a {@code .v1} path also accepts v0.0.0- pseudo-versions.</li>
     * </ul>
     * This is a rule about existence, not syntax: a mismatched pair is well-formed but can never name a module.
     */
    public void checkMajor(Version version) throws FormatException {
        String reason = checkPathMajor(version, pathMajor());
        if (reason != null) {
            throw new FormatException(value + "@" + version + ": invalid version: " + reason);
        }
    }

    /** Returns why {@code version} does not fit {@code pathMajor}, or null if it fits. */
    private static String checkPathMajor(Version version, String pathMajor) {
        String v = version.toString();
        if (pathMajor.startsWith(".v") && pathMajor.endsWith("-unstable")) {
            pathMajor = pathMajor.substring(0, pathMajor.length() - "-unstable".length());
        }
        if (v.startsWith("v0.0.0-") && pathMajor.equals(".v1")) {
            return null;
        }
        String m = version.major();
        String want;
        if (pathMajor.isEmpty()) {
            if (m.equals("v0") || m.equals("v1") || version.build().equals("+incompatible")) {
                return null;
            }
            want = "v0 or v1";
        } else {
            if (m.equals(pathMajor.substring(1))) {
                return null;
            }
            want = pathMajor.substring(1);
        }
        return "should be " + want + ", not " + m;
    }

    /** Whether {@code version} may belong to this path; see {@link #checkMajor}. */
    public boolean matchesMajor(Version version) {
        return checkPathMajor(version, pathMajor()) == null;
    }

    @Override
    public String toString() {
        return value;
    }
}
