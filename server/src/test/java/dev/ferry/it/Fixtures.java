package dev.ferry.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Where the shared test fixtures are (../shared/fixtures beside the checkout, as in CI). */
final class Fixtures {
    private Fixtures() {}

    static Path root() {
        String prop = System.getProperty("ferry.fixtures");
        Path p = prop != null ? Path.of(prop) : Path.of("..", "..", "shared", "fixtures");
        p = p.toAbsolutePath().normalize();
        if (!Files.isDirectory(p.resolve("gocorpus"))) {
            throw new IllegalStateException(
                    "fixtures not found at " + p + " (expected ../shared/fixtures beside the checkout)");
        }
        return p;
    }

    static Path goProxyTree() {
        return root().resolve("gocorpus/proxy");
    }

    static Path goApp() {
        return root().resolve("gocorpus/app");
    }

    static String sumdbKey() throws IOException {
        return Files.readString(goProxyTree().resolve("_meta/verifier.key")).trim();
    }

    /** Copies the fixture app into {@code dir} without any go.sum, so every hash is learned afresh. */
    static Path copyApp(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : new String[] {"go.mod", "main.go"}) {
            Files.copy(goApp().resolve(f), dir.resolve(f));
        }
        return dir;
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.forEach(p -> p.toFile().setWritable(true));
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
