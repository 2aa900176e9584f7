package dev.ferry.protocols.modfile;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;

/**
 * A parsed go.mod: module, go, require, exclude, replace and retract directives.
 * STUB: the protocols work defines the record components (Require, Exclude, Replace, Retract records)
 * and the parser; errors name the line.
 */
public record GoMod(ModulePath module) {

    /** Parses go.mod text as the go command does for a dependency's go.mod (lax about unknown directives). */
    public static GoMod parse(byte[] data) throws FormatException {
        throw new UnsupportedOperationException("todo");
    }
}
