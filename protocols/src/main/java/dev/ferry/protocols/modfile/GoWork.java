package dev.ferry.protocols.modfile;

import dev.ferry.protocols.FormatException;
import java.util.List;
import java.util.Objects;

/**
 * A go.work file as modfile.ParseWork reads it: the go version, the module directories it uses (relative to the
 * go.work file, as written) and its replacements, which apply to every module of the workspace and win over the
 * modules' own.
 *
 * @param go      the go directive's version, or "" when there is none
 * @param use     the {@code use} directories, in file order
 * @param replace the {@code replace} directives, in file order
 */
public record GoWork(String go, List<String> use, List<GoMod.Replace> replace) {
    public GoWork {
        Objects.requireNonNull(go, "go");
        use = List.copyOf(use);
        replace = List.copyOf(replace);
    }

    /**
     * Parses a go.work strictly: {@code go}, {@code toolchain}, {@code godebug}, {@code use} and {@code replace}
     * directives (and blocks of them); anything else, a {@code module} directive included, is an error naming
     * {@code file} and the line.
     */
    public static GoWork parse(String file, byte[] data) throws FormatException {
        return GoMod.parseWork(file, data);
    }
}
