package dev.ferry.sync;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Go project as an admin hands it to a prewarm: a module root (its go.mod, and go.sum when there is one) or a
 * workspace root (its go.work and the go.mod of every module it uses, by the {@code use} directory as written),
 * and the import paths of the project's own Go files, which tell what a go.mod that is missing requirements
 * still needs.
 *
 * @param name       how the input is named in errors and the job's description (a file or directory)
 * @param goMod      the main module's go.mod, or null for a workspace
 * @param goWork     the go.work, or null for a module root
 * @param workspace  for a workspace, each {@code use} directory's go.mod
 * @param goSum      the go.sum (for a workspace, go.work.sum and the modules' go.sum files joined), or null
 * @param imports    import paths found in the project's Go files (tests included), in any order
 */
public record GoProject(
        String name, byte[] goMod, byte[] goWork, Map<String, byte[]> workspace, byte[] goSum, List<String> imports) {
    public GoProject {
        Objects.requireNonNull(name, "name");
        if ((goMod == null) == (goWork == null)) {
            throw new IllegalArgumentException("a project has either a go.mod or a go.work");
        }
        workspace = Map.copyOf(workspace);
        imports = List.copyOf(imports);
    }

    /** A lone go.mod, as {@code --gomod FILE} gives it. */
    public static GoProject ofGoMod(String name, byte[] goMod) {
        return new GoProject(name, goMod, null, Map.of(), null, List.of());
    }
}
