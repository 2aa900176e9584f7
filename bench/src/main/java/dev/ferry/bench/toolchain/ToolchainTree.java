package dev.ferry.bench.toolchain;

import dev.ferry.protocols.sumdb.dirhash.Hash1;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.testing.StaticSumdb;
import dev.ferry.testing.ToolchainZip;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes a static GOPROXY tree with two realistic toolchain modules made from a Go installation, and a checksum
 * database for them, for bench/toolchain/bench.sh:
 * <ul>
 * <li>{@code golang.org/toolchain@v0.0.1-RELEASE.linux-amd64}: the installation's files in the toolchain layout
 *     ({@link ToolchainZip#fromGoroot});</li>
 * <li>the same for NEXT, a made-up patch release: every binary under {@code bin/} and {@code pkg/tool/} rebuilt
 *     (every byte changed, XOR a constant so it compresses as well: a rebuild changes a Go binary throughout), one source file in a hundred edited, and
 *     {@code VERSION}; the rest as in RELEASE, as between real patch releases.</li>
 * </ul>
 * Usage: {@code ToolchainTree GOROOT OUT RELEASE NEXT}; prints the verifier key, and writes it to
 * {@code OUT/_meta/verifier.key}.
 */
public final class ToolchainTree {
    private static final String SUMDB = "sum.toolchain-bench.example";

    private ToolchainTree() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.err.println("usage: ToolchainTree GOROOT OUT RELEASE NEXT");
            System.exit(2);
        }
        Path goroot = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Signer signer = Signer.generate(SUMDB);
        SortedMap<String, ToolchainZip.Content> first = ToolchainZip.fromGoroot(goroot);
        SortedMap<String, ToolchainZip.Content> next = patchRelease(first, args[3]);
        List<String> records = new ArrayList<>();
        List<String> versions = new ArrayList<>();
        for (var v : List.of(java.util.Map.entry(args[2], first), java.util.Map.entry(args[3], next))) {
            String version = ToolchainZip.version(v.getKey(), "linux", "amd64");
            versions.add(version);
            Path dir = Files.createDirectories(out.resolve(ToolchainZip.MODULE).resolve("@v"));
            List<ToolchainZip.Hashed> hashed;
            try (OutputStream o = Files.newOutputStream(dir.resolve(version + ".zip"))) {
                hashed = ToolchainZip.write(o, version, v.getValue());
            }
            String mod = "module " + ToolchainZip.MODULE + "\n";
            Files.writeString(dir.resolve(version + ".mod"), mod);
            Files.writeString(
                    dir.resolve(version + ".info"),
                    "{\"Version\":\"" + version + "\",\"Time\":\"2024-05-30T19:26:07Z\"}\n");
            String h1 = Hash1.of(hashed.stream()
                    .map(h -> new Hash1.File(h.name(), h.sha256()))
                    .toList());
            records.add(ToolchainZip.MODULE + " " + version + " " + h1 + "\n" + ToolchainZip.MODULE + " " + version
                    + "/go.mod " + Hash1.ofGoMod(mod.getBytes(StandardCharsets.UTF_8)) + "\n");
            System.err.println(version + ": " + hashed.size() + " files, " + Files.size(dir.resolve(version + ".zip"))
                    + " bytes zipped");
        }
        Files.writeString(
                out.resolve(ToolchainZip.MODULE).resolve("@v").resolve("list"), String.join("\n", versions) + "\n");
        StaticSumdb.write(out.resolve("sumdb").resolve(SUMDB), signer, records);
        Files.createDirectories(out.resolve("_meta"));
        String key = signer.verifier().encoded();
        Files.writeString(out.resolve("_meta").resolve("verifier.key"), key + "\n");
        System.out.println(key);
    }

    /** RELEASE's files as NEXT would have them (see the class comment). */
    private static SortedMap<String, ToolchainZip.Content> patchRelease(
            SortedMap<String, ToolchainZip.Content> files, String next) {
        SortedMap<String, ToolchainZip.Content> out = new TreeMap<>(files);
        int sources = 0;
        for (var f : files.entrySet()) {
            String name = f.getKey();
            ToolchainZip.Content c = f.getValue();
            if (name.startsWith("bin/") || name.startsWith("pkg/tool/")) {
                out.put(name, () -> rebuilt(c));
            } else if (name.startsWith("src/") && name.endsWith(".go") && sources++ % 100 == 0) {
                out.put(name, () -> edited(c));
            }
        }
        out.put("VERSION", () -> new ByteArrayInputStream((next + "\n").getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    private static InputStream rebuilt(ToolchainZip.Content c) throws IOException {
        byte[] b;
        try (InputStream in = c.open()) {
            b = in.readAllBytes();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (b[i] ^ 0x5a);
        }
        return new ByteArrayInputStream(b);
    }

    private static InputStream edited(ToolchainZip.Content c) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (InputStream in = c.open()) {
            in.transferTo(b);
        }
        b.writeBytes("\n// Fixed in the next patch release.\n".getBytes(StandardCharsets.UTF_8));
        return new ByteArrayInputStream(b.toByteArray());
    }
}
