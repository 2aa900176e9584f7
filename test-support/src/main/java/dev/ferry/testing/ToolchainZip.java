package dev.ferry.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Zips in the layout of the Go toolchain modules the go command downloads for {@code GOTOOLCHAIN}
 * ({@code golang.org/toolchain@v0.0.1-go1.22.4.linux-amd64}), as golang.org/x/build's dl2mod makes them from a
 * release archive: every regular file of the Go tree under {@code golang.org/toolchain@VERSION/}, files only, deflated
 * at the best compression with a modification time; a nested {@code go.mod} renamed {@code _go.mod} (a module zip may
 * have no go.mod below its root, and this one has none at its root either); {@code api/}, {@code doc/}, {@code misc/},
 * {@code test/} and {@code .github/} left out. So {@code bin/go}, {@code pkg/tool/GOOS_GOARCH/compile},
 * {@code pkg/include/...}, {@code lib/time/zoneinfo.zip}, {@code src/...}, {@code VERSION}, {@code go.env}.
 */
public final class ToolchainZip {
    public static final String MODULE = "golang.org/toolchain";
    private static final Instant RELEASED = Instant.parse("2024-05-30T19:26:07Z");
    private static final String[] TOOLS = {
        "addr2line",
        "asm",
        "buildid",
        "cgo",
        "compile",
        "covdata",
        "cover",
        "doc",
        "fix",
        "link",
        "nm",
        "objdump",
        "pack",
        "pprof",
        "test2json",
        "trace",
        "vet"
    };

    private ToolchainZip() {}

    /** Where a file's bytes come from. */
    @FunctionalInterface
    public interface Content {
        InputStream open() throws IOException;
    }

    /** One zipped file: its name in the module ({@code src/fmt/print.go}) and the hex SHA-256 of its content. */
    public record Hashed(String name, String sha256) {}

    /** {@code v0.0.1-go1.22.4.linux-amd64}. */
    public static String version(String release, String goos, String goarch) {
        return "v0.0.1-" + release + "." + goos + "-" + goarch;
    }

    /**
     * A made-up toolchain of about {@code sourceFiles} source files plus the binaries, seeded by release and
     * platform: the binaries ({@code bin/}, {@code pkg/tool/GOOS_GOARCH/}) differ per platform and release, the
     * sources only per release, as in real releases.
     */
    public static SortedMap<String, byte[]> synthetic(String release, String goos, String goarch, int sourceFiles) {
        SortedMap<String, byte[]> files = new TreeMap<>();
        for (String top : List.of("CONTRIBUTING.md", "LICENSE", "PATENTS", "README.md", "SECURITY.md")) {
            files.put(top, text(top + " of the Go project\n", 40, (release + top).hashCode()));
        }
        files.put("VERSION", (release + "\ntime " + RELEASED + "\n").getBytes(StandardCharsets.UTF_8));
        files.put(
                "go.env",
                "GOPROXY=https://proxy.golang.org,direct\nGOSUMDB=sum.golang.org\nGOTOOLCHAIN=auto\n"
                        .getBytes(StandardCharsets.UTF_8));
        long binarySeed = (release + goos + goarch).hashCode();
        String ext = goos.equals("windows") ? ".exe" : "";
        files.put("bin/go" + ext, noise(96 << 10, binarySeed));
        files.put("bin/gofmt" + ext, noise(32 << 10, binarySeed + 1));
        for (int i = 0; i < TOOLS.length; i++) {
            files.put("pkg/tool/" + goos + "_" + goarch + "/" + TOOLS[i] + ext, noise(8 << 10, binarySeed + 2 + i));
        }
        for (String h : List.of("asm_amd64.h", "asm_ppc64x.h", "funcdata.h", "textflag.h")) {
            files.put("pkg/include/" + h, text("// " + h + "\n", 30, h.hashCode()));
        }
        files.put("lib/time/README", text("zoneinfo\n", 5, 7));
        files.put("lib/time/zoneinfo.zip", noise(24 << 10, 11));
        files.put("src/_go.mod", "module std\n\ngo 1.22\n".getBytes(StandardCharsets.UTF_8));
        files.put("src/cmd/_go.mod", "module cmd\n\ngo 1.22\n".getBytes(StandardCharsets.UTF_8));
        files.put("src/cmd/go/testdata/mod/_go.mod", "module m\n".getBytes(StandardCharsets.UTF_8));
        Random r = new Random(release.hashCode());
        String[] roots = {"src/", "src/cmd/", "src/internal/", "src/vendor/golang.org/x/net/", "src/runtime/"};
        for (int i = 0; files.size() < sourceFiles + TOOLS.length + 16; i++) {
            String dir = roots[i % roots.length] + "pkg" + (i / 7);
            String name = i % 11 == 0 ? "testdata/case" + i + ".txt" : "file" + i + (i % 5 == 0 ? "_test.go" : ".go");
            files.put(
                    dir + "/" + name,
                    text("package pkg" + (i / 7) + "\n\n// Code of file " + i + ".\n", 20 + r.nextInt(200), i));
        }
        return files;
    }

    /**
     * The files of the Go installation at {@code goroot} (symbolic links followed, as the release archive holds
     * files) in the toolchain layout, for the benchmark. Precompiled standard library archives
     * ({@code pkg/GOOS_GOARCH/}) are left out: releases since Go 1.20 have none.
     */
    public static SortedMap<String, Content> fromGoroot(Path goroot) throws IOException {
        SortedMap<String, Content> files = new TreeMap<>();
        Path root = goroot.toRealPath();
        try (Stream<Path> s = Files.walk(goroot, FileVisitOption.FOLLOW_LINKS)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!Files.isRegularFile(p)) {
                    continue;
                }
                String name = goroot.relativize(p).toString().replace('\\', '/');
                String top = name.contains("/") ? name.substring(0, name.indexOf('/')) : "";
                if (List.of("api", "doc", "misc", "test", ".github").contains(top)
                        || (name.startsWith("pkg/")
                                && !name.startsWith("pkg/tool/")
                                && !name.startsWith("pkg/include/"))) {
                    continue;
                }
                if (name.endsWith("/go.mod")) {
                    name = name.substring(0, name.length() - "go.mod".length()) + "_go.mod";
                }
                files.put(name, () -> Files.newInputStream(p));
            }
        }
        if (files.isEmpty()) {
            throw new IOException("no files under " + root);
        }
        return files;
    }

    /** Wraps in-memory files as {@link Content}. */
    public static SortedMap<String, Content> contents(SortedMap<String, byte[]> files) {
        SortedMap<String, Content> out = new TreeMap<>();
        files.forEach((k, v) -> out.put(k, () -> new java.io.ByteArrayInputStream(v)));
        return out;
    }

    /**
     * Writes the module zip of {@code version} holding {@code files} to {@code out} (not closed) and answers each
     * file's hash, for the {@code h1:} of the zip.
     */
    public static List<Hashed> write(OutputStream out, String version, SortedMap<String, Content> files)
            throws IOException {
        String prefix = MODULE + "@" + version + "/";
        List<Hashed> hashed = new ArrayList<>();
        ZipOutputStream zip = new ZipOutputStream(nonClosing(out));
        zip.setLevel(Deflater.BEST_COMPRESSION);
        byte[] buf = new byte[1 << 16];
        for (var f : files.entrySet()) {
            ZipEntry e = new ZipEntry(prefix + f.getKey());
            e.setLastModifiedTime(FileTime.from(RELEASED));
            zip.putNextEntry(e);
            MessageDigest md = sha256();
            try (InputStream in = f.getValue().open()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    zip.write(buf, 0, n);
                    md.update(buf, 0, n);
                }
            }
            zip.closeEntry();
            hashed.add(new Hashed(prefix + f.getKey(), HexFormat.of().formatHex(md.digest())));
        }
        zip.finish();
        return hashed;
    }

    /** Mostly repetitive text with seeded words, which compresses like source code does. */
    private static byte[] text(String head, int lines, long seed) {
        Random r = new Random(seed);
        StringBuilder b = new StringBuilder(head);
        for (int i = 0; i < lines; i++) {
            b.append("\tvar x")
                    .append(r.nextInt(1000))
                    .append(" = f(")
                    .append(r.nextInt(100))
                    .append(")\n");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Incompressible bytes, like the compiled binaries. */
    private static byte[] noise(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }
}
