package dev.ferry.protocols.mvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.protocols.modfile.GoMod;
import dev.ferry.protocols.module.ModulePath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The build list {@link Mvs} computes for the gocorpus fixture app (and variants of its go.mod with excludes,
 * replacements and an older go directive) is exactly what the real go command prints for {@code go list -m all},
 * with the fixture proxy as GOPROXY (file://, no network).
 */
class MvsVersusGoTest {
    static final Path FIXTURES = Path.of(System.getProperty(
            "ferry.fixtures",
            Path.of("..", "..", "shared", "fixtures")
                    .toAbsolutePath()
                    .normalize()
                    .toString()));
    static final Path CORPUS = FIXTURES.resolve("gocorpus");
    static final Path GO = Path.of("/usr/bin/go");

    /** Lines appended to the fixture app's go.mod, one variant per case. */
    static final Map<String, String> VARIANTS = Map.of(
            "as-is", "",
            "exclude-dependency-requirement", "exclude github.com/stretchr/testify v1.8.1\n",
            "exclude-pseudo", "exclude github.com/davecgh/go-spew v1.1.2-0.20220531140757-e69cfd0ae921\n",
            "exclude-main-requirement", "exclude golang.org/x/sys v0.2.0\n",
            "replace-module-wide",
                    "replace github.com/spf13/pflag => github.com/spf13/pflag"
                            + " v1.0.6-0.20210604130154-d5e0c0615ace\n",
            "replace-version-specific",
                    "replace golang.org/x/sys v0.1.1 => golang.org/x/sys v0.3.0\n"
                            + "replace github.com/stretchr/testify v1.8.1 => github.com/stretchr/testify v1.7.1\n",
            "replace-local", "replace github.com/BurntSushi/toml => ./localtoml\n",
            "go-1.16-unpruned", "GO1.16");

    @ParameterizedTest
    @ValueSource(
            strings = {
                "as-is",
                "exclude-dependency-requirement",
                "exclude-pseudo",
                "exclude-main-requirement",
                "replace-module-wide",
                "replace-version-specific",
                "replace-local",
                "go-1.16-unpruned"
            })
    void buildListMatchesGoListMAll(String variant, @TempDir Path tmp) throws Exception {
        assumeTrue(Files.isExecutable(GO), "no go command at " + GO);
        assumeTrue(Files.isDirectory(CORPUS.resolve("proxy")), "no gocorpus fixture at " + CORPUS);
        Path app = tmp.resolve("app");
        Files.createDirectories(app);
        String gomod = Files.readString(CORPUS.resolve("app/go.mod"));
        String extra = VARIANTS.get(variant);
        if (extra.equals("GO1.16")) {
            gomod = gomod.replace("\ngo 1.19\n", "\ngo 1.16\n");
        } else {
            gomod += extra;
        }
        Files.writeString(app.resolve("go.mod"), gomod);
        Files.copy(CORPUS.resolve("app/main.go"), app.resolve("main.go"));
        Files.createDirectories(app.resolve("localtoml"));
        Files.writeString(app.resolve("localtoml/go.mod"), "module github.com/BurntSushi/toml\n");

        BuildList ours =
                Mvs.buildList(GoMod.parseStrict(gomod.getBytes(StandardCharsets.UTF_8)), MvsVersusGoTest::fromProxyDir);
        assertTrue(ours.problems().isEmpty(), ours.problems().toString());

        List<String> theirs = goListMAll(app, tmp.resolve("gopath"));
        assertEquals(theirs, ours.goListLines(), variant);
    }

    static GoMod fromProxyDir(ModulePath path, dev.ferry.protocols.semver.Version version) {
        Path f = CORPUS.resolve("proxy")
                .resolve(path.escaped())
                .resolve("@v")
                .resolve(ModulePath.escapeVersion(version.toString()) + ".mod");
        try {
            return GoMod.parse(path + "@" + version + "/go.mod", Files.readAllBytes(f), false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> goListMAll(Path app, Path gopath) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(GO.toString(), "list", "-m", "all").directory(app.toFile());
        Map<String, String> env = pb.environment();
        env.put("GOPROXY", CORPUS.resolve("proxy").toUri().toString());
        env.put("GOSUMDB", "off");
        env.put("GONOSUMDB", "");
        env.put("GOPRIVATE", "");
        env.put("GONOPROXY", "");
        env.put("GOFLAGS", "-mod=mod -modcacherw");
        env.put("GOTOOLCHAIN", "local");
        env.put("GOWORK", "off");
        env.put("GOPATH", gopath.toString());
        env.put("GOMODCACHE", gopath.resolve("pkg/mod").toString());
        env.put("GOCACHE", gopath.resolve("cache").toString());
        env.put("HOME", gopath.toString());
        Path err = Files.createTempFile(app.getParent(), "go", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "go list timed out");
        assertEquals(0, p.exitValue(), "go list -m all failed: " + Files.readString(err));
        List<String> lines = new ArrayList<>(out.lines().toList());
        return lines;
    }
}
