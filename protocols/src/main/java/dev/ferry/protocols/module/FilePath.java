package dev.ferry.protocols.module;

import dev.ferry.protocols.FormatException;

/** The rules for the name of a file inside a module (module.CheckFilePath), e.g. for module zip entries. */
public final class FilePath {
    private FilePath() {}

    /**
     * module.CheckFilePath: a non-empty, valid Unicode, slash-separated path with no empty elements (so no leading,
     * trailing or double slash), no element made only of dots (so no "." or ".."), no element ending in a dot,
     * only letters (any script), ASCII digits and {@code !#$%&()+,-.=@[]^_{}~} and space in elements, and no
     * element whose part before the first dot is a reserved Windows device name (CON, PRN, AUX, NUL, COM1-9,
     * LPT1-9, in any case). Unlike module paths, leading dots and dashes are allowed (".gitignore").
     * Throws naming the first rule broken.
     */
    public static void check(String path) throws FormatException {
        if (path == null) {
            throw new FormatException("file path is missing");
        }
        String reason = PathCheck.checkPath(path, PathCheck.Kind.FILE);
        if (reason != null) {
            throw PathCheck.error("file", path, reason);
        }
    }
}
