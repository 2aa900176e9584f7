package dev.ferry.it;

import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.sumdb.dirhash.Hash1;
import dev.ferry.protocols.sumdb.note.Note;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.protocols.sumdb.tlog.Hash;
import dev.ferry.protocols.sumdb.tlog.Tlog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
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

    /**
     * The database as static files: {@code latest} (a signed tree head), {@code lookup/M@V} and every tile the go
     * command may ask for at that tree size (full tiles, and the partial ones as {@code .p/W}).
     */
    private void writeSumdb(Path db, List<String> records) throws IOException {
        Files.createDirectories(db);
        Files.writeString(db.resolve("supported"), "");
        List<List<Hash>> levels = new ArrayList<>();
        List<Hash> level = new ArrayList<>();
        for (String r : records) {
            level.add(Tlog.recordHash(r.getBytes(StandardCharsets.UTF_8)));
        }
        while (!level.isEmpty()) {
            levels.add(level);
            List<Hash> up = new ArrayList<>();
            for (int i = 0; i + 1 < level.size(); i += 2) {
                up.add(Tlog.nodeHash(level.get(i), level.get(i + 1)));
            }
            level = up;
        }
        int n = records.size();
        String tree = "go.sum database tree\n" + n + "\n"
                + Base64.getEncoder().encodeToString(mth(levels, 0, n).bytes()) + "\n";
        byte[] signed = Note.sign(tree, signer);
        Files.write(db.resolve("latest"), signed);
        for (int i = 0; i < n; i++) {
            String[] first = records.get(i).split("\n")[0].split(" ");
            Path lookup = db.resolve("lookup")
                    .resolve(ModulePath.parse(first[0]).escaped() + "@" + ModulePath.escapeVersion(first[1]));
            Files.createDirectories(lookup.getParent());
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes((i + "\n" + records.get(i) + "\n").getBytes(StandardCharsets.UTF_8));
            b.writeBytes(signed);
            Files.write(lookup, b.toByteArray());
        }
        // Tiles of height 8: tile level L holds the stored hashes of tree level 8L.
        for (int tileLevel = 0; tileLevel * 8 < levels.size(); tileLevel++) {
            List<Hash> hashes = levels.get(tileLevel * 8);
            for (int start = 0; start < hashes.size(); start += 256) {
                int width = Math.min(256, hashes.size() - start);
                ByteArrayOutputStream t = new ByteArrayOutputStream();
                for (int i = start; i < start + width; i++) {
                    t.writeBytes(hashes.get(i).bytes());
                }
                String num = tileNumber(start / 256);
                Path file = width == 256
                        ? db.resolve("tile/8/" + tileLevel + "/" + num)
                        : db.resolve("tile/8/" + tileLevel + "/" + num + ".p/" + width);
                Files.createDirectories(file.getParent());
                Files.write(file, t.toByteArray());
            }
        }
    }

    private static String tileNumber(long n) {
        String s = String.format("%03d", n % 1000);
        for (n /= 1000; n > 0; n /= 1000) {
            s = String.format("x%03d/", n % 1000) + s;
        }
        return s;
    }

    private static Hash mth(List<List<Hash>> levels, int lo, int hi) {
        if (hi - lo == 1) {
            return levels.get(0).get(lo);
        }
        int k = Integer.highestOneBit(hi - lo - 1);
        return Tlog.nodeHash(mth(levels, lo, lo + k), mth(levels, lo + k, hi));
    }

    private static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
