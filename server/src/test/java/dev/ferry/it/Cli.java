package dev.ferry.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** One run of the packaged {@code ferry} command line, as an admin at a shell would run it: exit status and output. */
record Cli(int exit, String output) {

    /**
     * {@code java -jar ferry-server.jar ARGS} with only {@code FERRY_ADMIN_TOKEN=token} of the FERRY_ variables and
     * no input; fails the test when it does not finish within 5 minutes.
     */
    static Cli run(String token, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                FerryProcess.libraryPath(),
                "-jar",
                FerryProcess.jar().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("FERRY_"));
        pb.environment().put("FERRY_ADMIN_TOKEN", token);
        Process p = pb.redirectInput(
                        ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("ferry " + String.join(" ", args) + " did not finish in 5 minutes");
        }
        return new Cli(p.exitValue(), out.join());
    }
}
