package dev.ferry.protocols.sumdb;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;

/** The module version a {@code lookup/<escaped path>@<escaped version>} request under a database URL names. */
public record LookupPath(ModulePath path, Version version) {
    public LookupPath {
        if (path == null || version == null || !version.isCanonical()) {
            throw new FormatException("a lookup needs a module path and a canonical version");
        }
    }

    /**
     * Parses a request path relative to the database URL, for the server's {@code /sumdb/<name>/lookup/...} route:
     * {@code lookup/}, the {@code !}-escaped module path, {@code @}, the {@code !}-escaped canonical version whose
     * major fits the path; and it must be exactly the spelling {@link #toString()} produces (one spelling per module
     * version, so caches keyed by the path cannot be split or poisoned by alternate spellings).
     */
    public static LookupPath parse(String requestPath) throws FormatException {
        if (requestPath == null || !requestPath.startsWith("lookup/")) {
            throw new FormatException(
                    "malformed lookup path " + quote(requestPath) + ": want lookup/<module>@<version>");
        }
        String rest = requestPath.substring("lookup/".length());
        int at = rest.lastIndexOf('@');
        if (at <= 0) {
            throw new FormatException("malformed lookup path " + quote(requestPath) + ": no @version");
        }
        LookupPath p;
        try {
            ModulePath path = ModulePath.unescape(rest.substring(0, at));
            Version version = Version.parseCanonical(ModulePath.unescapeVersion(rest.substring(at + 1)));
            path.checkMajor(version);
            p = new LookupPath(path, version);
        } catch (FormatException e) {
            throw new FormatException("malformed lookup path " + quote(requestPath) + ": " + e.getMessage(), e);
        }
        if (!p.toString().equals(requestPath)) {
            throw new FormatException("malformed lookup path " + quote(requestPath) + ": not canonical (want "
                    + quote(p.toString()) + ")");
        }
        return p;
    }

    /** {@code lookup/<escaped path>@<escaped version>}, as the go command requests it. */
    @Override
    public String toString() {
        return "lookup/" + path.escaped() + "@" + ModulePath.escapeVersion(version.toString());
    }
}
