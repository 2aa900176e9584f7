package dev.ferry.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real go command (Debian's golang-go), run with a GOPATH, module cache and build cache of its own, so
 * nothing a test downloads can come from the developer's caches instead of ferry.
 */
final class GoTool {
    private final Path gopath;
    private final Map<String, String> env = new HashMap<>();

    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    /** @param home a fresh directory for GOPATH, GOMODCACHE and GOCACHE */
    GoTool(Path home, String goproxy, String gosumdb) {
        this(home, goproxy, gosumdb, home.resolve("gocache"));
    }

    /**
     * As above, with a build cache shared between tools: compiled packages are keyed by content, so a second
     * machine's build still downloads and verifies every module afresh (its own GOPATH and module cache) and only
     * skips recompiling.
     */
    GoTool(Path home, String goproxy, String gosumdb, Path gocache) {
        this.gopath = home.resolve("gopath");
        env.put("GOPATH", gopath.toString());
        env.put("GOMODCACHE", home.resolve("modcache").toString());
        env.put("GOCACHE", gocache.toString());
        env.put("GOPROXY", goproxy);
        env.put("GOSUMDB", gosumdb);
        env.put("GONOSUMDB", "");
        env.put("GONOSUMCHECK", "");
        env.put("GONOPROXY", "");
        env.put("GOPRIVATE", "");
        env.put("GOINSECURE", "");
        env.put("GOFLAGS", "-mod=mod");
        env.put("GO111MODULE", "on");
        env.put("GOWORK", "off");
        env.put("GOTOOLCHAIN", "local");
        env.put("CGO_ENABLED", "0");
        env.put("HOME", home.toString());
    }

    /** Sets (or, with null, removes) one variable of the go command's environment, e.g. GOWORK for a workspace. */
    GoTool env(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return this;
    }

    static String goBinary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "go");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        Path debian = Path.of("/usr/lib/go/bin/go");
        if (Files.isExecutable(debian)) {
            return debian.toString();
        }
        throw new IllegalStateException(
                "the go command is not installed (apt-get install golang-go); .ci/run installs it");
    }

    Result run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(goBinary());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("GO") || k.equals("CGO_ENABLED"));
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("go " + String.join(" ", args) + " did not finish in 5 minutes");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** The module cache is made read-only by go; make it deletable again. */
    void makeDeletable() throws IOException {
        if (Files.exists(gopath.getParent())) {
            try (var s = Files.walk(gopath.getParent())) {
                s.forEach(p -> p.toFile().setWritable(true));
            }
        }
    }
}
