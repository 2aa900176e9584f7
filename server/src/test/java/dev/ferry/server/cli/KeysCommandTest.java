package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.sumdb.note.Note;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.server.admin.SigningKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysCommandTest {
    @TempDir
    Path tmp;

    private record Cli(int exit, String out, String err) {}

    private Cli cli(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = FerryMain.run(
                args,
                new CliContext(env, false, Duration.ofMillis(5)),
                (c, o, e) -> {
                    throw new AssertionError("no serve");
                },
                new PrintWriter(out, true),
                new PrintWriter(err, true));
        return new Cli(exit, out.toString(), err.toString());
    }

    @Test
    void generateWritesAPrivateKeyOnlyTheOwnerReadsAndPrintsAVerifierThatVerifiesItsNotes() throws Exception {
        Path data = tmp.resolve("data");
        Cli gen = cli(Map.of(), "keys", "generate", "--data", data.toString(), "--name", "plant-exporter");
        assertEquals(0, gen.exit, gen.out + gen.err);
        Path file = data.resolve(SigningKey.FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(gen.out.contains(file.toString()), gen.out);
        List<String> lines = gen.out.lines().toList();
        Verifier v = Verifier.parse(lines.getLast());
        assertEquals("plant-exporter", v.name());
        assertTrue(Files.readString(file).startsWith("PRIVATE+KEY+plant-exporter+"));
        assertTrue(!gen.out.contains("PRIVATE+KEY"), "the private key is never printed");
        try (var dir = Files.list(data)) {
            assertEquals(List.of(file), dir.toList(), "no temporary file left behind");
        }

        Signer signer = SigningKey.read(file).orElseThrow();
        byte[] note = Note.sign("ferry bundle 1\nid x\n", signer);
        assertEquals("ferry bundle 1\nid x\n", Note.open(note, List.of(v)).text());

        Cli pub = cli(Map.of("FERRY_DATA", data.toString()), "keys", "public");
        assertEquals(0, pub.exit, pub.err);
        assertEquals(v.encoded() + "\n", pub.out);
    }

    @Test
    void generateRefusesToReplaceAKeyWithoutForce() throws Exception {
        Path data = tmp.resolve("data");
        assertEquals(0, cli(Map.of("FERRY_DATA", data.toString()), "keys", "generate").exit);
        Path file = data.resolve(SigningKey.FILE);
        String first = Files.readString(file);
        assertTrue(first.startsWith("PRIVATE+KEY+ferry-"), "default name ferry-<host>: " + first);

        Cli again = cli(Map.of(), "keys", "generate", "--data", data.toString());
        assertEquals(1, again.exit);
        assertTrue(again.err.contains("already holds key ferry-"), again.err);
        assertTrue(again.err.contains("--force"), again.err);
        assertEquals(first, Files.readString(file), "the key is untouched");

        Cli forced = cli(Map.of(), "keys", "generate", "--data", data.toString(), "--force", "--name", "second");
        assertEquals(0, forced.exit, forced.err);
        assertNotEquals(first, Files.readString(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(
                "second", Verifier.parse(forced.out.lines().toList().getLast()).name());
    }

    @Test
    void badNamesMissingAndDamagedKeys() throws Exception {
        Path data = tmp.resolve("data");
        Cli bad = cli(Map.of(), "keys", "generate", "--data", data.toString(), "--name", "a+b");
        assertEquals(2, bad.exit);
        assertTrue(bad.err.startsWith("ferry: --name:"), bad.err);
        assertTrue(!Files.exists(data.resolve(SigningKey.FILE)));

        Cli none = cli(Map.of(), "keys", "public", "--data", data.toString());
        assertEquals(1, none.exit);
        assertTrue(none.err.contains("ferry keys generate"), none.err);

        Files.createDirectories(data);
        Files.writeString(data.resolve(SigningKey.FILE), "PRIVATE+KEY+x+00000000+AAAA\n", StandardCharsets.UTF_8);
        Cli damaged = cli(Map.of(), "keys", "public", "--data", data.toString());
        assertEquals(1, damaged.exit);
        assertTrue(damaged.err.contains("is damaged"), damaged.err);
        assertEquals(0, cli(Map.of(), "keys", "--help").exit);
    }

    @Test
    void signedFilesVerifyWithTheTrustedKeyAndNotWhenChangedOrSignedByAnother() throws Exception {
        Path data = tmp.resolve("data");
        Cli gen = cli(Map.of(), "keys", "generate", "--data", data.toString(), "--name", "hq");
        String key = gen.out.lines().toList().getLast();
        Path tarball = tmp.resolve("ferry-1.0-linux-x86_64.tar.gz");
        Files.write(tarball, new byte[] {1, 2, 3, 4});
        Path image = tmp.resolve("ferry-1.0-image.oci.tar");
        Files.writeString(image, "layers");

        Cli sign = cli(Map.of("FERRY_DATA", data.toString()), "keys", "sign", tarball.toString(), image.toString());
        assertEquals(0, sign.exit, sign.err);
        assertTrue(sign.out.contains("ferry keys verify --trust " + key), sign.out);
        assertTrue(
                Files.readString(tmp.resolve(tarball.getFileName() + ".sig"))
                        .startsWith(
                                "ferry file signature\nsha256 9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a ferry-1.0-linux-x86_64.tar.gz\n\n"));

        Cli ok = cli(Map.of(), "keys", "verify", "--trust", key, tarball.toString(), image.toString());
        assertEquals(0, ok.exit, ok.err);
        assertTrue(ok.out.contains(tarball + ": OK, signed by hq as ferry-1.0-linux-x86_64.tar.gz"), ok.out);

        // A key file works as --trust does for imports.
        Path keys = tmp.resolve("trusted.keys");
        Files.writeString(keys, "# headquarters\n" + key + "\n");
        assertEquals(0, cli(Map.of(), "keys", "verify", "--trust", keys.toString(), tarball.toString()).exit);

        // Changed on the way: refused, with both hashes.
        Files.write(tarball, new byte[] {1, 2, 3, 5});
        Cli changed = cli(Map.of(), "keys", "verify", "--trust", key, tarball.toString(), image.toString());
        assertEquals(1, changed.exit);
        assertTrue(changed.err.contains("is not the file that was signed"), changed.err);
        assertTrue(changed.out.contains(image + ": OK"), "the other file still checks out: " + changed.out);

        // Signed by a key the site does not trust.
        Path other = tmp.resolve("other");
        String otherKey = cli(Map.of(), "keys", "generate", "--data", other.toString(), "--name", "mallory")
                .out
                .lines()
                .toList()
                .getLast();
        Cli untrusted = cli(Map.of(), "keys", "verify", "--trust", otherKey, image.toString());
        assertEquals(1, untrusted.exit);
        assertTrue(untrusted.err.contains(image + ".sig"), untrusted.err);

        // No signature, no key: a clear failure, a usage error.
        Files.delete(tmp.resolve(image.getFileName() + ".sig"));
        Cli unsigned = cli(Map.of(), "keys", "verify", "--trust", key, image.toString());
        assertEquals(1, unsigned.exit);
        assertTrue(unsigned.err.contains("no such file " + image + ".sig"), unsigned.err);
        assertEquals(2, cli(Map.of(), "keys", "verify", image.toString()).exit);
        assertEquals(2, cli(Map.of(), "keys", "verify", "--trust", "not-a-key", image.toString()).exit);
        Cli noKey = cli(Map.of(), "keys", "sign", "--data", tmp.resolve("empty").toString(), image.toString());
        assertEquals(1, noKey.exit);
        assertTrue(noKey.err.contains("no signing key"), noKey.err);
    }
}
