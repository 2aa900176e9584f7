package dev.ferry.protocols.module;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.semver.Version;

/**
 * A Go module path that passed the go command's checks (golang.org/x/mod/module.CheckPath).
 * STUB: signatures are the contract; the protocols work fills in the rules.
 */
public record ModulePath(String value) {

    /** Checks {@code path} with CheckPath's rules; throws with a message naming the broken rule. */
    public static ModulePath parse(String path) throws FormatException {
        throw new UnsupportedOperationException("todo");
    }

    /** Strictly decodes the {@code !}-case-encoding (module.UnescapePath) and then {@link #parse}s. */
    public static ModulePath unescape(String escaped) throws FormatException {
        throw new UnsupportedOperationException("todo");
    }

    /** The {@code !}-case-encoded form used in proxy URLs and on disk (module.EscapePath). */
    public String escaped() {
        throw new UnsupportedOperationException("todo");
    }

    /** Checks that {@code version} may belong to this path (module.CheckPathMajor, e.g. /v2 needs v2.x.y). */
    public void checkMajor(Version version) throws FormatException {
        throw new UnsupportedOperationException("todo");
    }

    @Override
    public String toString() {
        return value;
    }
}
