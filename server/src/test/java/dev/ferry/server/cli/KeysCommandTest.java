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
        int exit = FerryMain.run(args, new CliContext(env, false, Duration.ofMillis(5)), (c, o, e) -> {
            throw new AssertionError("no serve");
        }, new PrintWriter(out, true), new PrintWriter(err, true));
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
        assertEquals("second", Verifier.parse(forced.out.lines().toList().getLast()).name());
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
}
