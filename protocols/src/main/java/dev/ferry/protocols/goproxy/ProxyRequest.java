package dev.ferry.protocols.goproxy;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.goproxy.ProxyRequestException.Kind;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;

/**
 * One GOPROXY protocol request, parsed from the raw (still percent-encoded) URL path:
 * {@code /$module/@v/list}, {@code /$module/@v/$version.info|.mod|.zip}, {@code /$module/@latest}.
 * Versions in {@link Info}, {@link Mod} and {@link Zip} are always canonical and match the module path's major
 * suffix; see {@link #parse} for how everything else is refused.
 */
public sealed interface ProxyRequest {
    /**
     * Longest raw path accepted. An escaped module path is at most 2048 characters only in pathological cases;
     * real requests are under 300. Bounding it bounds all work done on a request before it is refused.
     */
    int MAX_PATH_LENGTH = 2048;

    ModulePath module();

    record List(ModulePath module) implements ProxyRequest {}

    record Latest(ModulePath module) implements ProxyRequest {}

    record Info(ModulePath module, Version version) implements ProxyRequest {}

    record Mod(ModulePath module, Version version) implements ProxyRequest {}

    record Zip(ModulePath module, Version version) implements ProxyRequest {}

    /**
     * The escaped upstream path this request asks for, e.g. {@code github.com/!burnt!sushi/toml/@v/v1.2.0.zip}:
     * '!'-case-encoded, not percent-encoded. It contains only {@code [a-z0-9-._~!/@+]}, all legal as they are in a
     * URL path, so it can be appended to a base URL as is.
     */
    default String upstreamPath() {
        String m = module().escaped();
        return switch (this) {
            case List l -> m + "/@v/list";
            case Latest l -> m + "/@latest";
            case Info i -> m + "/@v/" + ModulePath.escapeVersion(i.version().toString()) + ".info";
            case Mod d -> m + "/@v/" + ModulePath.escapeVersion(d.version().toString()) + ".mod";
            case Zip z -> m + "/@v/" + ModulePath.escapeVersion(z.version().toString()) + ".zip";
        };
    }

    /**
     * Parses a raw request path (starting with '/', without query string); throws {@link ProxyRequestException},
     * whose {@link ProxyRequestException#kind() kind} says whether to answer 400 or 404 (see its javadoc for why).
     *
     * <p>Percent-encoding is decoded once, strictly, before anything else is looked at: the go command does send
     * it, because it builds proxy URLs with url.PathEscape, which writes the '!' of the case-encoding as
     * {@code %21} ({@code /github.com/%21burnt%21sushi/toml/@v/list}). Everything below applies to the decoded path,
     * so {@code %2e%2e} is a ".." element like any other.
     *
     * <p>400 ({@link Kind#MALFORMED}):
     * <ul>
     * <li>longer than {@link #MAX_PATH_LENGTH} (raw), empty, or not starting with '/';</li>
     * <li>'%' not followed by two hex digits; an encoded '/' ({@code %2F}: the go command never sends one, and
     *     decoding it would change which elements the path has), an encoded '%' or '\';</li>
     * <li>'\', control characters or non-ASCII characters, raw or decoded; '?' or '#' not encoded;</li>
     * <li>an empty element ({@code //}, trailing '/'), or a "." or ".." element;</li>
     * <li>a module path that is not a valid escaped module path ({@link ModulePath#unescape});</li>
     * <li>an {@code @v/} file other than {@code list} or {@code $version.info|.mod|.zip}, or a version that is not a
     *     valid escaped version ({@link ModulePath#unescapeVersion}).</li>
     * </ul>
     * 404 ({@link Kind#NOT_FOUND}): "/", or a path with neither {@code /@v/$file} nor {@code /@latest} at its end; a
     * .mod or .zip whose version is not canonical semver; a version whose major does not match the module path's
     * (ModulePath#checkMajor).
     * <br>404 ({@link Kind#NON_CANONICAL_QUERY}): a .info whose version is not canonical semver.
     */
    static ProxyRequest parse(String rawPath) throws ProxyRequestException {
        if (rawPath == null || rawPath.isEmpty()) {
            throw malformed("empty request path");
        }
        if (rawPath.length() > MAX_PATH_LENGTH) {
            throw malformed("request path longer than " + MAX_PATH_LENGTH + " characters");
        }
        if (rawPath.charAt(0) != '/') {
            throw malformed("request path " + quote(rawPath) + " does not start with '/'");
        }
        String path = decode(rawPath).substring(1);
        if (path.isEmpty()) {
            throw notProtocol(rawPath);
        }
        // Elements are checked before the protocol suffix is looked for, so that "a/../b/@v/list" is a 400 however
        // the rest is spelled.
        int start = 0;
        while (true) {
            int slash = path.indexOf('/', start);
            String elem = slash < 0 ? path.substring(start) : path.substring(start, slash);
            if (elem.isEmpty()) {
                throw malformed("request path " + quote(rawPath) + " has an empty element");
            }
            if (elem.equals(".") || elem.equals("..")) {
                throw malformed("request path " + quote(rawPath) + " has a " + quote(elem) + " element");
            }
            if (slash < 0) {
                break;
            }
            start = slash + 1;
        }

        if (path.endsWith("/@latest")) {
            return new Latest(module(path.substring(0, path.length() - "/@latest".length())));
        }
        int at = path.lastIndexOf("/@v/");
        if (at < 0 || path.indexOf('/', at + 4) >= 0) {
            throw notProtocol(rawPath);
        }
        ModulePath module = module(path.substring(0, at));
        String file = path.substring(at + 4);
        if (file.equals("list")) {
            return new List(module);
        }
        int dot = file.lastIndexOf('.');
        String ext = dot < 0 ? "" : file.substring(dot);
        if (!ext.equals(".info") && !ext.equals(".mod") && !ext.equals(".zip")) {
            throw malformed("unknown module proxy file " + quote(file)
                    + " (want list, VERSION.info, VERSION.mod or VERSION.zip)");
        }
        String versionText;
        try {
            versionText = ModulePath.unescapeVersion(file.substring(0, dot));
        } catch (FormatException e) {
            throw new ProxyRequestException(Kind.MALFORMED, e.getMessage(), e);
        }
        Version version = Version.isValid(versionText) ? Version.parse(versionText) : null;
        if (version == null || !version.isCanonical()) {
            if (ext.equals(".info")) {
                throw new ProxyRequestException(
                        Kind.NON_CANONICAL_QUERY,
                        "not found: " + module + "@" + versionText
                                + ": ferry resolves only canonical versions (vMAJOR.MINOR.PATCH[-PRERELEASE][+incompatible])");
            }
            throw new ProxyRequestException(
                    Kind.NOT_FOUND,
                    "not found: " + module + "@" + versionText
                            + ": " + ext.substring(1) + " files exist only for canonical versions"
                            + (version == null ? "" : " (did you mean " + version.canonical() + "?)"));
        }
        try {
            module.checkMajor(version);
        } catch (FormatException e) {
            throw new ProxyRequestException(Kind.NOT_FOUND, "not found: " + e.getMessage(), e);
        }
        return switch (ext) {
            case ".info" -> new Info(module, version);
            case ".mod" -> new Mod(module, version);
            default -> new Zip(module, version);
        };
    }

    private static ModulePath module(String escaped) throws ProxyRequestException {
        try {
            return ModulePath.unescape(escaped);
        } catch (FormatException e) {
            throw new ProxyRequestException(Kind.MALFORMED, e.getMessage(), e);
        }
    }

    /**
     * Decodes %XX escapes once. Refuses malformed escapes, and, raw or decoded, '/' from an escape, '%' from an
     * escape (no double decoding downstream), '\', control characters and anything outside ASCII, and raw '?' and
     * '#': no module path or version the go command sends contains them (EscapeVersion refuses non-ASCII).
     */
    private static String decode(String raw) throws ProxyRequestException {
        StringBuilder b = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            boolean escaped = false;
            if (c == '%') {
                int hi = i + 1 < raw.length() ? hex(raw.charAt(i + 1)) : -1;
                int lo = i + 2 < raw.length() ? hex(raw.charAt(i + 2)) : -1;
                if (hi < 0 || lo < 0) {
                    throw malformed("request path " + quote(raw) + " has a malformed percent-encoding at offset " + i);
                }
                c = (char) (hi << 4 | lo);
                i += 2;
                escaped = true;
                if (c == '/' || c == '%') {
                    throw malformed("request path " + quote(raw) + " has an encoded " + quote(String.valueOf(c)));
                }
            }
            // Raw '?' and '#' mean the caller passed a query or fragment along; encoded, they are characters of a
            // version query (EscapeVersion allows '#'), left to the module and version rules below.
            if (c == '\\' || (!escaped && (c == '?' || c == '#'))) {
                throw malformed("request path " + quote(raw) + " contains " + quote(String.valueOf(c))
                        + (escaped ? " (percent-encoded)" : ""));
            }
            if (c < 0x20 || c >= 0x7f) {
                throw malformed("request path " + quote(raw) + " contains a control or non-ASCII character");
            }
            b.append(c);
        }
        return b.toString();
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static ProxyRequestException notProtocol(String rawPath) {
        return new ProxyRequestException(
                Kind.NOT_FOUND,
                "not found: " + quote(rawPath)
                        + " is not a module proxy path (want /MODULE/@v/list, /MODULE/@v/VERSION.info|.mod|.zip or "
                        + "/MODULE/@latest)");
    }

    private static ProxyRequestException malformed(String message) {
        return new ProxyRequestException(Kind.MALFORMED, message);
    }
}
