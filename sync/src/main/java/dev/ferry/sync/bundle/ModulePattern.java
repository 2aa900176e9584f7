package dev.ferry.sync.bundle;

import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.semver.Version;

/** A module pattern of a selection, {@code path[@query]} (the grammar is in {@link BundleSelector}). */
record ModulePattern(String text, PrivatePatterns glob, String query) {
    static ModulePattern parse(String text) {
        String s = text == null ? "" : text.strip();
        int at = s.indexOf('@');
        String path = at < 0 ? s : s.substring(0, at);
        String query = at < 0 ? "all" : s.substring(at + 1);
        if (path.isEmpty() || path.contains(",")) {
            throw new IllegalArgumentException("invalid module pattern " + FormatException.quote(text)
                    + " (want a module path or glob, optionally @version)");
        }
        if (!query.equals("all") && !query.equals("latest")) {
            String v = query.startsWith(">=") ? query.substring(2).strip() : query;
            if (!Version.isValid(v)
                    || !query.startsWith(">=")
                            && !Version.parse(v).isCanonical()
                            && (Version.parse(v).isPrerelease()
                                    || !Version.parse(v).build().isEmpty())) {
                throw new IllegalArgumentException("invalid version in module pattern " + FormatException.quote(text)
                        + " (want all, latest, >=vX.Y.Z, vX, vX.Y or vX.Y.Z)");
            }
        }
        try {
            return new ModulePattern(s, PrivatePatterns.parse(path), query);
        } catch (FormatException e) {
            throw new IllegalArgumentException(
                    "invalid module pattern " + FormatException.quote(text) + ": " + e.getMessage());
        }
    }
}
