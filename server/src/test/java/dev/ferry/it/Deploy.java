package dev.ferry.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** Where the checkout's deploy/ folder is, and the version the build stamped (what the tarball and image are named by). */
final class Deploy {
    private Deploy() {}

    /** The checkout's top directory (the ITs run in server/). */
    static Path root() {
        Path here = Path.of("").toAbsolutePath();
        Path root = Files.isDirectory(here.resolve("deploy")) ? here : here.getParent();
        if (!Files.isDirectory(root.resolve("deploy"))) {
            throw new IllegalStateException("no deploy/ beside " + here);
        }
        return root;
    }

    static Path dir() {
        return root().resolve("deploy");
    }

    static String version() {
        Properties p = new Properties();
        try (InputStream in = Deploy.class.getResourceAsStream("/dev/ferry/server/version.properties")) {
            p.load(in);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("no version.properties on the class path: build with mvn", e);
        }
        return p.getProperty("version");
    }
}
