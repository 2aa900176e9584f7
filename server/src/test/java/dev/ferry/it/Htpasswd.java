package dev.ferry.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** bcrypt htpasswd entries, made by Apache's {@code htpasswd -B} (Debian's apache2-utils), as an admin would. */
final class Htpasswd {
    static final Path BINARY = Path.of("/usr/bin/htpasswd");

    private Htpasswd() {}

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** One {@code user:$2y$...} line, newline-terminated. */
    static String bcryptLine(String user, String password) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(BINARY.toString(), "-Bbn", user, password)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.startsWith(user + ":$2")) {
            throw new IllegalStateException("htpasswd -Bbn failed: " + out);
        }
        return out.strip() + "\n";
    }
}
