package dev.ferry.upstreams.vcs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * One fetch's private directory: HOME (its git config and netrc), GOPATH with the module cache, the build cache
 * and an empty working directory, all 0700 and owned by ferry, deleted with everything in it after the fetch.
 */
record Sandbox(Path root) implements AutoCloseable {
    Path home() {
        return root.resolve("home");
    }

    Path gopath() {
        return root.resolve("gopath");
    }

    Path modcache() {
        return gopath().resolve("pkg/mod");
    }

    Path gocache() {
        return root.resolve("gocache");
    }

    Path work() {
        return root.resolve("work");
    }

    Path gitconfig() {
        return home().resolve(".gitconfig");
    }

    Path netrc() {
        return home().resolve(".netrc");
    }

    Path stdout() {
        return root.resolve("stdout");
    }

    Path stderr() {
        return root.resolve("stderr");
    }

    /** A new sandbox under {@code parent}, with the git config and (0600 from its creation) the netrc written. */
    static Sandbox create(Path parent, String gitconfig, String netrc) throws IOException {
        Files.createDirectories(
                parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Sandbox box = new Sandbox(Files.createTempDirectory(
                parent, "fetch-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
        for (Path d : new Path[] {box.home(), box.gopath(), box.gocache(), box.work()}) {
            Files.createDirectories(d);
        }
        Files.writeString(box.gitconfig(), gitconfig, StandardCharsets.UTF_8);
        if (!netrc.isEmpty()) {
            Path file = Files.createFile(
                    box.netrc(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, netrc, StandardCharsets.UTF_8);
        }
        return box;
    }

    /** Everything under the root, the root too; the go command's read-only module files are writable (-modcacherw). */
    @Override
    public void close() throws IOException {
        delete(root);
    }

    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                // a directory left read-only (a module cache made without -modcacherw) could not be emptied
                d.toFile().setWritable(true, true);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
