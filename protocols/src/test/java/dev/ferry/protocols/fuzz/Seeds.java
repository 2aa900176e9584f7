package dev.ferry.protocols.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Valid and nearly valid inputs the mutations start from. */
final class Seeds {
    private Seeds() {}

    static final List<String> PROXY_PATHS = List.of(
            "/github.com/!burnt!sushi/toml/@v/list",
            "/github.com/!burnt!sushi/toml/@latest",
            "/github.com/!burnt!sushi/toml/@v/v1.2.0.zip",
            "/gopkg.in/yaml.v3/@v/v3.0.1.mod",
            "/gopkg.in/check.v1/@v/v0.0.0-20161208181325-20d25e280405.info",
            "/example.com/m/v2/@v/v2.0.0-rc.1.info",
            "/github.com/!knetic/govaluate/@v/v3.0.1-0.20171022190953-9aa498375809+incompatible.zip",
            "/example.com/m/@v/master.info",
            "/example.com/m/@v/v1.0.0-!r!c1.info",
            "/example.com/m/../@v/list",
            "/example.com/m/%2e%2e/@v/list",
            "/github.com/%21burnt%21sushi/toml/@v/v1.2.0.mod");

    static final List<String> MODULE_PATHS = List.of(
            "github.com/BurntSushi/toml",
            "gopkg.in/yaml.v3",
            "gopkg.in/yaml.v1-unstable",
            "example.com/m/v2",
            "x.y/z~1",
            "x.y/aux.go",
            "golang.org/x/text",
            "example.com/.x",
            "github.com/!burnt!sushi/toml",
            "a.b/c/v0",
            "gopkg.in/check.v1");

    static final List<String> VERSIONS = List.of(
            "v1.2.3",
            "v1",
            "v1.2",
            "v1.2.3-pre.1+build",
            "v2.0.0+incompatible",
            "v0.0.0-20060102150405-abcdef123456",
            "v1.2.4-0.20060102150405-abcdef123456",
            "v1.2.3-pre.0.20060102150405-abcdef123456+incompatible",
            "v1.0.0-rc.01",
            "v1.0.0-alpha.beta",
            "v10.20.30",
            "v1.0.0--",
            "v0.0.0-20061302150405-abcdef");

    static final List<String> GO_MODS = List.of(
            """
            // Deprecated: use other.
            module example.com/m

            go 1.21
            toolchain go1.21.3

            require (
            	github.com/BurntSushi/toml v1.2.0
            	"golang.org/x/sys" v0.2 // indirect
            )

            exclude example.com/x v1.0.0
            replace example.com/a v1.0.0 => ../a
            replace (
            	example.com/b => example.com/c v1.0.0
            )

            // oops
            retract [v1.0.0, v1.1.0]
            retract v0.1.0 // bad
            """,
            "module \"example.com/\\x6d\"\nrequire ()\nrequire example.com/q/v2 v2.0.0\n",
            "module example.com/m\ngo 1.2.beta1\nretract (\n\tv1.0.0\n)\n");

    static List<byte[]> zips() {
        String p = "example.com/m@v1.0.0/";
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(buf)) {
            z.putNextEntry(new ZipEntry(p + "go.mod"));
            z.write("module example.com/m\n".getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry(p + "dir/"));
            byte[] data = "stored".getBytes(StandardCharsets.UTF_8);
            ZipEntry stored = new ZipEntry(p + "dir/s.txt");
            stored.setMethod(ZipEntry.STORED);
            stored.setSize(data.length);
            CRC32 crc = new CRC32();
            crc.update(data);
            stored.setCrc(crc.getValue());
            z.putNextEntry(stored);
            z.write(data);
            z.putNextEntry(new ZipEntry(p + "m.go"));
            z.write("package m\n\nfunc F() int { return 42 }\n".repeat(20).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream one = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(one)) {
            z.putNextEntry(new ZipEntry(p + "LICENSE"));
            z.write("MIT".getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.of(buf.toByteArray(), one.toByteArray());
    }

    static final String FIXTURE_VKEY = "sum.fixture.example+7ca94648+AWwlQVuImRl4bm8JY5ttPzB+dgoW7qhz0OLGWC5JM8Lz";
    static final String PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    static final String PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

    /** The fixture's signed tree head (sumdb/sum.fixture.example/latest). */
    static final String FIXTURE_LATEST = "go.sum database tree\n81\nKDypSWzTeXBaUyf7VtBPvWDhRzTV5PueLcVm9MqOuj8=\n\n"
            + "\u2014 sum.fixture.example fKlGSMiYI/Zubs7Ms/ML8XKrIeif167moolXs2FUclJgt4pFuFE3DxwU4TDQ+SF79W0boPCSIQJdjA1gQngz"
            + "OOau5wM=\n";

    static final List<String> NOTES = List.of(
            FIXTURE_LATEST,
            "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n"
                    + "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6"
                    + "RyyBwJnAM=\n",
            "text\n\n\u2014 other.example AAAAAAAAAAAAAAAA\n\u2014 PeterNeumann x08go/ZJkuBS9U\n");

    /** Fixture lookups (lookup/github.com/!burnt!sushi/toml@v1.2.0 and one with +incompatible). */
    static final List<String> LOOKUPS = List.of(
            "78\ngithub.com/BurntSushi/toml v1.2.0 h1:uXlGYvvdJYqQfYi0z6Ui1Q4WUybU3rkYVy0mVNFNnlk=\n"
                    + "github.com/BurntSushi/toml v1.2.0/go.mod h1:vwvls9RZa8Xxf7Jq48WoK01hNzhdug0oboa9XYSHbfU=\n\n"
                    + FIXTURE_LATEST,
            "0\ngithub.com/Knetic/govaluate v3.0.0+incompatible h1:Q8tWKYukZR5odK6O9aLnwus4Ggw26E7GLw1Hqv6JRNM=\n"
                    + "github.com/Knetic/govaluate v3.0.0+incompatible/go.mod h1:r7JcOSlj0wfOMncg0iLm8Leh48TZaKVeNIfJntJ2wa0=\n\n"
                    + FIXTURE_LATEST);

    static final List<String> TILE_PATHS = List.of(
            "tile/8/0/000",
            "tile/8/0/000.p/81",
            "tile/8/data/000.p/81",
            "tile/8/1/x001/x234/067.p/8",
            "tile/8/2/x123/456",
            "tile/30/0/000.p/1",
            "tile/8/data/x001/000",
            "lookup/github.com/!burnt!sushi/toml@v1.2.0",
            "lookup/gopkg.in/yaml.v3@v3.0.1",
            "lookup/github.com/!knetic/govaluate@v3.0.1-0.20171022190953-9aa498375809+incompatible",
            "lookup/example.com/m@v1.0.0-!r!c1");

    static final List<String> GOSUMDBS = List.of(
            "off",
            "sum.golang.org",
            "sum.golang.google.cn",
            "sum.golang.org https://sum.golang.google.cn",
            FIXTURE_VKEY,
            FIXTURE_VKEY + " http://127.0.0.1:18090/sumdb/sum.fixture.example",
            PETER_VKEY,
            PETER_SKEY,
            "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8");
}
