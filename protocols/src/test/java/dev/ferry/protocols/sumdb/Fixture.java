package dev.ferry.protocols.sumdb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The gocorpus fixture: its proxy tree, checksum database and the module list with recorded h1 hashes. */
public final class Fixture {
    private Fixture() {}

    public static Path root() {
        Path root = Path.of("/work/shared/fixtures/gocorpus/proxy");
        if (!Files.isDirectory(root)) {
            root = Path.of(System.getProperty("ferry.fixtures", "../../shared/fixtures"), "gocorpus", "proxy");
        }
        return root;
    }

    public static Path sumdb() {
        return root().resolve("sumdb/sum.fixture.example");
    }

    public static String verifierKey() throws IOException {
        return Files.readString(root().resolve("_meta/verifier.key")).strip();
    }

    /** One line of _meta/modules.txt. */
    public record Module(String path, String version, String zipHash, String goModHash) {}

    public static List<Module> modules() throws IOException {
        List<Module> out = new ArrayList<>();
        for (String line : Files.readAllLines(root().resolve("_meta/modules.txt"))) {
            if (!line.startsWith("#") && !line.isBlank()) {
                String[] f = line.trim().split("\\s+");
                out.add(new Module(f[0], f[1], f[3], f[4]));
            }
        }
        return out;
    }
}
