package dev.ferry.server.cli;

import dev.ferry.protocols.gosrc.Imports;
import dev.ferry.server.admin.api.StartPrewarm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Go project directory read for {@code ferry prewarm go --gomod DIR}: a module root (go.mod, go.sum) or a
 * workspace root (go.work, go.work.sum, and each used module's go.mod and go.sum), and the imports of the
 * project's own Go files, which the server needs for a go.mod that misses requirements. Directories the go
 * command ignores (vendor, testdata, names starting with . or _) and nested modules are not read; symbolic links
 * are not followed.
 */
final class GoProjectDir {
    /** Go files larger than this are not read for imports (generated tables, not code that imports much). */
    private static final long MAX_SOURCE = 4 << 20;

    private GoProjectDir() {}

    /** The {@code POST /admin/api/prewarm} request for {@code dir}. */
    static StartPrewarm.GoMod request(Path dir) throws AdminClient.Failure {
        TreeSet<String> imports = new TreeSet<>();
        StringBuilder sums = new StringBuilder();
        String goWork = null;
        Map<String, String> workspace = null;
        String content = null;
        Path work = dir.resolve("go.work");
        if (Files.isRegularFile(work)) {
            goWork = AdminCommand.read(work);
            workspace = new LinkedHashMap<>();
            appendIfPresent(sums, dir.resolve("go.work.sum"));
            for (String use : useDirectories(goWork)) {
                Path root = dir.resolve(use).normalize();
                Path goMod = root.resolve("go.mod");
                if (Files.isRegularFile(goMod)) {
                    workspace.put(use, AdminCommand.read(goMod));
                    appendIfPresent(sums, root.resolve("go.sum"));
                    scan(root, imports);
                }
            }
        } else {
            Path goMod = dir.resolve("go.mod");
            if (!Files.isRegularFile(goMod)) {
                throw new AdminClient.Failure(dir + " has neither a go.mod nor a go.work", 2);
            }
            content = AdminCommand.read(goMod);
            appendIfPresent(sums, dir.resolve("go.sum"));
            scan(dir, imports);
        }
        return new StartPrewarm.GoMod(
                dir.toString(),
                content,
                goWork,
                workspace,
                sums.isEmpty() ? null : sums.toString(),
                List.copyOf(imports));
    }

    /**
     * The {@code use} directories of a go.work, read loosely (the server parses it strictly): single directives
     * and blocks, quoted or not. Only used to find which go.mod files to send.
     */
    static List<String> useDirectories(String goWork) {
        List<String> dirs = new ArrayList<>();
        boolean inBlock = false;
        for (String raw : goWork.split("\n")) {
            String line = raw.replaceFirst("//.*$", "").strip();
            if (inBlock) {
                if (line.equals(")")) {
                    inBlock = false;
                } else if (!line.isEmpty()) {
                    dirs.add(unquote(line));
                }
            } else if (line.matches("use\\s*\\(")) {
                inBlock = true;
            } else if (line.startsWith("use ") || line.startsWith("use\t")) {
                dirs.add(unquote(line.substring(4).strip()));
            }
        }
        return dirs;
    }

    private static String unquote(String s) {
        return s.length() >= 2 && (s.startsWith("\"") || s.startsWith("`")) ? s.substring(1, s.length() - 1) : s;
    }

    private static void appendIfPresent(StringBuilder sums, Path file) throws AdminClient.Failure {
        if (Files.isRegularFile(file)) {
            String text = AdminCommand.read(file);
            sums.append(text);
            if (!text.isEmpty() && !text.endsWith("\n")) {
                sums.append('\n');
            }
        }
    }

    /** The imports of every .go file of the module rooted at {@code root}, as the go command's ./... sees it. */
    private static void scan(Path root, Set<String> imports) throws AdminClient.Failure {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    if (d.equals(root)) {
                        return FileVisitResult.CONTINUE;
                    }
                    String name = d.getFileName().toString();
                    boolean ignored = name.startsWith(".")
                            || name.startsWith("_")
                            || name.equals("vendor")
                            || name.equals("testdata")
                            || Files.isRegularFile(d.resolve("go.mod"));
                    return ignored ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    if (attrs.isRegularFile()
                            && f.getFileName().toString().endsWith(".go")
                            && attrs.size() <= MAX_SOURCE) {
                        imports.addAll(Imports.of(Files.readString(f, StandardCharsets.UTF_8)));
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new AdminClient.Failure("cannot read " + root + ": " + e, 2);
        }
    }
}
