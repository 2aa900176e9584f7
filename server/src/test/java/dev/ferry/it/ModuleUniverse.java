package dev.ferry.it;

import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.sumdb.dirhash.Hash1;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.testing.StaticSumdb;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A world of Go modules made up by a test: each module version is one package of Go source that imports what the
 * test says, with a go.mod the test writes by hand (untidy, old go versions, no go.mod at all, pseudo-versions,
 * +incompatible), written out as a static GOPROXY tree with a checksum database signed by a key of the test's own.
 * The real go command builds, tests and tidies against it, so tests can ask the go command itself which files a
 * module graph needs instead of trusting our reading of cmd/go.
 */
final class ModuleUniverse {
    static final String SUMDB = "sum.universe.example";
    private static final String TIME = "2023-04-05T06:07:08Z";

    private final Map<String, Version> versions = new LinkedHashMap<>();
    private final Signer signer = Signer.generate(SUMDB);

    /** One module version: its go.mod text (null: the zip has none, as for legacy modules) and its package. */
    final class Version {
        final String path;
        final String version;
        String goMod;
        final List<String> imports = new ArrayList<>();
        final List<String> testImports = new ArrayList<>();
        final Map<String, List<String>> subpackages = new TreeMap<>();
        boolean listed = true;
        Map<String, byte[]> raw;

        Version(String path, String version) {
            this.path = path;
            this.version = version;
            this.goMod = "module " + path + "\n";
        }

        /** The go.mod as written by hand: {@code module} is prepended. */
        Version goMod(String body) {
            this.goMod = "module " + path + "\n\n" + body.stripIndent();
            return this;
        }

        /** A legacy module (before modules): no go.mod in its zip; the proxy's .mod is {@code module PATH}. */
        Version noGoMod() {
            this.goMod = null;
            return this;
        }

        Version imports(String... packages) {
            imports.addAll(List.of(packages));
            return this;
        }

        Version testImports(String... packages) {
            testImports.addAll(List.of(packages));
            return this;
        }

        /** A package {@code path/dir} in this module importing {@code packages}. */
        Version subpackage(String dir, String... packages) {
            subpackages.put(dir, List.of(packages));
            return this;
        }

        /**
         * The zip holds exactly {@code files} (name below {@code path@version/} to content) instead of a package,
         * e.g. a Go toolchain's tree; with {@link #noGoMod} for one that has no go.mod at its root.
         */
        Version files(Map<String, byte[]> files) {
            this.raw = new TreeMap<>(files);
            return this;
        }

        /** Left out of {@code @v/list}, as proxies do for pseudo-versions. */
        Version unlisted() {
            listed = false;
            return this;
        }

        String servedGoMod() {
            return goMod != null ? goMod : "module " + path + "\n";
        }
    }

    Version add(String path, String version) {
        Version v = new Version(path, version);
        if (versions.putIfAbsent(path + "@" + version, v) != null) {
            throw new IllegalArgumentException("twice: " + path + "@" + version);
        }
        return v;
    }

    /** {@code name+hash+key URL}, the GOSUMDB value for this universe's database at {@code url}. */
    String gosumdb(String url) {
        return verifierKey() + " " + url;
    }

    String verifierKey() {
        return signer.verifier().encoded();
    }

    /** Go source of one package: imports every package named, so the build needs each of their modules. */
    static String source(String pkg, List<String> imports, boolean test) {
        StringBuilder b = new StringBuilder("package " + pkg + "\n\nimport (\n");
        if (test) {
            b.append("\t\"testing\"\n");
        }
        for (int i = 0; i < imports.size(); i++) {
            b.append("\td").append(i).append(" \"").append(imports.get(i)).append("\"\n");
        }
        b.append(")\n\n");
        for (int i = 0; i < imports.size(); i++) {
            b.append("var _ = d").append(i).append(".F\n");
        }
        b.append(
                test
                        ? "\nfunc TestF(t *testing.T) {}\n"
                        : pkg.equals("main") ? "\nfunc main() {}\n" : "\nfunc F() int { return 1 }\n");
        return b.toString();
    }

    /** Writes the GOPROXY tree and the checksum database under {@code root}/sumdb/{@value #SUMDB}. */
    void write(Path root) throws IOException {
        Map<String, TreeSet<String>> lists = new TreeMap<>();
        List<String> records = new ArrayList<>();
        for (Version v : versions.values()) {
            String escaped = ModulePath.parse(v.path).escaped();
            Path dir = root.resolve(escaped).resolve("@v");
            Files.createDirectories(dir);
            String ev = ModulePath.escapeVersion(v.version);
            Files.writeString(
                    dir.resolve(ev + ".info"), "{\"Version\":\"" + v.version + "\",\"Time\":\"" + TIME + "\"}\n");
            Files.writeString(dir.resolve(ev + ".mod"), v.servedGoMod());
            byte[] zip = zip(v);
            Files.write(dir.resolve(ev + ".zip"), zip);
            TreeSet<String> list = lists.computeIfAbsent(v.path, k -> new TreeSet<>());
            if (v.listed) {
                list.add(v.version);
            }
            records.add(v.path + " " + v.version + " " + zipHash(v) + "\n" + v.path + " " + v.version + "/go.mod "
                    + Hash1.ofGoMod(v.servedGoMod().getBytes(StandardCharsets.UTF_8)) + "\n");
        }
        for (Map.Entry<String, TreeSet<String>> e : lists.entrySet()) {
            Path dir = root.resolve(ModulePath.parse(e.getKey()).escaped());
            Files.writeString(
                    dir.resolve("@v").resolve("list"),
                    String.join("\n", e.getValue()) + (e.getValue().isEmpty() ? "" : "\n"));
            String latest = versions.values().stream()
                    .filter(v -> v.path.equals(e.getKey()))
                    .map(v -> v.version)
                    .reduce((a, b) -> b)
                    .orElseThrow();
            if (!e.getValue().isEmpty()) {
                // As proxies answer it: the newest release, else the newest pre-release.
                List<dev.ferry.protocols.semver.Version> listed = e.getValue().stream()
                        .map(dev.ferry.protocols.semver.Version::parse)
                        .toList();
                List<dev.ferry.protocols.semver.Version> releases =
                        listed.stream().filter(v -> !v.isPrerelease()).toList();
                latest = java.util.Collections.max(releases.isEmpty() ? listed : releases)
                        .toString();
            }
            Files.writeString(dir.resolve("@latest"), "{\"Version\":\"" + latest + "\",\"Time\":\"" + TIME + "\"}\n");
        }
        writeSumdb(root.resolve("sumdb").resolve(SUMDB), records);
    }

    private Map<String, byte[]> files(Version v) {
        if (v.raw != null) {
            return v.raw;
        }
        Map<String, byte[]> files = new TreeMap<>();
        String pkg = "m";
        if (v.goMod != null) {
            files.put("go.mod", v.goMod.getBytes(StandardCharsets.UTF_8));
        }
        files.put(pkg + ".go", source(pkg, v.imports, false).getBytes(StandardCharsets.UTF_8));
        if (!v.testImports.isEmpty()) {
            files.put(pkg + "_test.go", source(pkg, v.testImports, true).getBytes(StandardCharsets.UTF_8));
        }
        for (Map.Entry<String, List<String>> s : v.subpackages.entrySet()) {
            files.put(s.getKey() + "/s.go", source("s", s.getValue(), false).getBytes(StandardCharsets.UTF_8));
        }
        return files;
    }

    private byte[] zip(Version v) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> f : files(v).entrySet()) {
                z.putNextEntry(new ZipEntry(v.path + "@" + v.version + "/" + f.getKey()));
                z.write(f.getValue());
                z.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private String zipHash(Version v) {
        List<Hash1.File> files = new ArrayList<>();
        for (Map.Entry<String, byte[]> f : files(v).entrySet()) {
            files.add(new Hash1.File(v.path + "@" + v.version + "/" + f.getKey(), sha256Hex(f.getValue())));
        }
        return Hash1.of(files);
    }

    private void writeSumdb(Path db, List<String> records) throws IOException {
        StaticSumdb.write(db, signer, records);
    }

    private static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
