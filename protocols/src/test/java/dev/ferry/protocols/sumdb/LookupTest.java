package dev.ferry.protocols.sumdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LookupTest {
    private static final String ZIP = "h1:uXlGYvvdJYqQfYi0z6Ui1Q4WUybU3rkYVy0mVNFNnlk=";
    private static final String MOD = "h1:vwvls9RZa8Xxf7Jq48WoK01hNzhdug0oboa9XYSHbfU=";
    private static final String RECORD = "github.com/BurntSushi/toml v1.2.0 " + ZIP + "\n"
            + "github.com/BurntSushi/toml v1.2.0/go.mod " + MOD + "\n";

    @Test
    void paths() {
        assertEquals(
                "lookup/github.com/!burnt!sushi/toml@v1.2.0",
                Lookup.path(ModulePath.parse("github.com/BurntSushi/toml"), Version.parse("v1.2.0")));
        assertEquals(
                "lookup/github.com/!knetic/govaluate@v3.0.1-0.20171022190953-9aa498375809+incompatible",
                Lookup.path(
                        ModulePath.parse("github.com/Knetic/govaluate"),
                        Version.parse("v3.0.1-0.20171022190953-9aa498375809+incompatible")));
        assertEquals(
                "lookup/example.com/m@v1.0.0-!r!c1",
                Lookup.path(ModulePath.parse("example.com/m"), Version.parse("v1.0.0-RC1")));
    }

    @Test
    void everyFixtureLookupPathParses() throws Exception {
        for (Fixture.Module m : Fixture.modules()) {
            LookupPath p = new LookupPath(ModulePath.parse(m.path()), Version.parseCanonical(m.version()));
            assertEquals(p, LookupPath.parse(p.toString()));
            assertTrue(Files.isRegularFile(Fixture.sumdb().resolve(p.toString())), p.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "lookup/",
                "lookup/github.com/!burnt!sushi/toml",
                "lookup/@v1.2.0",
                "lookup/github.com/BurntSushi/toml@v1.2.0",
                "lookup/github.com/!burnt!sushi/toml@v1.2",
                "lookup/github.com/!burnt!sushi/toml@v1.2.0+meta",
                "lookup/github.com/!burnt!sushi/toml@master",
                "lookup/example.com/m@v2.0.0",
                "lookup/example.com/m/v2@v1.0.0",
                "/lookup/example.com/m@v1.0.0",
                "lookup/example.com/m@v1.0.0/",
                "lookup/example.com/m@v1.0.0-RC1",
                "lookup/example.com/m@@v1.0.0",
                "lookup/example.com/%6d@v1.0.0",
                "lookup/example.com/m@v1.0.0\n",
                "lookup/example.com/m@v1.0.0 "
            })
    void malformedLookupPaths(String path) {
        assertThrows(FormatException.class, () -> LookupPath.parse(path));
    }

    @Test
    void fixtureResponseParses() throws Exception {
        byte[] body = Files.readAllBytes(Fixture.sumdb().resolve("lookup/github.com/!burnt!sushi/toml@v1.2.0"));
        Lookup l = Lookup.parse(body);
        assertEquals(78, l.id());
        assertEquals(RECORD, l.recordText());
        assertArrayEquals(Files.readAllBytes(Fixture.sumdb().resolve("latest")), l.signedNote());
        assertArrayEquals(body, l.format());
        GoSumRecord r = l.record(ModulePath.parse("github.com/BurntSushi/toml"), Version.parse("v1.2.0"));
        assertEquals(ZIP, r.zipHash());
        assertEquals(MOD, r.goModHash());
        assertEquals(RECORD, r.text());
        assertThrows(
                FormatException.class,
                () -> l.record(ModulePath.parse("github.com/BurntSushi/toml"), Version.parse("v1.1.2")));
        assertThrows(
                FormatException.class,
                () -> l.record(ModulePath.parse("github.com/burntsushi/toml"), Version.parse("v1.2.0")));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "78",
                "78\n",
                "78\n" + RECORD,
                "78\n" + RECORD + "\n",
                "+78\n" + RECORD + "\nX",
                "078\n" + RECORD + "\nX",
                "-1\n" + RECORD + "\nX",
                "7 8\n" + RECORD + "\nX",
                "\n" + RECORD + "\nX",
                "99999999999999999999\n" + RECORD + "\nX",
                "78\n\n" + RECORD + "\nX",
                "78\r\n" + RECORD + "\nX",
                "78\nbad\u0001record\n\nX"
            })
    void malformedResponses(String body) {
        assertThrows(FormatException.class, () -> Lookup.parse(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void oversizedAndInvalidUtf8Responses() {
        assertThrows(FormatException.class, () -> Lookup.parse(new byte[Lookup.MAX_SIZE + 1]));
        byte[] b = ("78\n" + RECORD + "\nX").getBytes(StandardCharsets.UTF_8);
        b[b.length - 1] = (byte) 0xc3;
        assertThrows(FormatException.class, () -> Lookup.parse(b));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "github.com/BurntSushi/toml v1.2.0 " + ZIP + "\n", // one line
                "github.com/BurntSushi/toml v1.2.0/go.mod " + MOD + "\ngithub.com/BurntSushi/toml v1.2.0 " + ZIP + "\n",
                "github.com/BurntSushi/toml v1.2.0 " + ZIP + "\ngithub.com/BurntSushi/toml v1.2.0/go.mod "
                        + MOD, // no \n
                "github.com/BurntSushi/toml v1.2.0 " + ZIP + "\ngithub.com/BurntSushi/toml v1.2.0/go.mod " + MOD
                        + "\n\n",
                "github.com/BurntSushi/toml v1.2.0  " + ZIP + "\ngithub.com/BurntSushi/toml v1.2.0/go.mod " + MOD
                        + "\n",
                "github.com/BurntSushi/toml v1.2.0 " + ZIP + "\ngithub.com/BurntSushi/toml v1.2.1/go.mod " + MOD + "\n",
                "github.com/BurntSushi/toml v1.2.0 " + ZIP + "\ngithub.com/BurntSushi/tomm v1.2.0/go.mod " + MOD + "\n",
                "github.com/BurntSushi/toml v1.2 " + ZIP + "\ngithub.com/BurntSushi/toml v1.2/go.mod " + MOD + "\n",
                "github.com/BurntSushi/toml v2.0.0 " + ZIP + "\ngithub.com/BurntSushi/toml v2.0.0/go.mod " + MOD + "\n",
                "github.com/BurntSushi/toml v1.2.0 h2:x\ngithub.com/BurntSushi/toml v1.2.0/go.mod " + MOD + "\n",
                "github.com/BurntSushi/toml v1.2.0 " + ZIP + "\ngithub.com/BurntSushi/toml v1.2.0/go.mod h1:\n",
                "github.com/BurntSushi/toml v1.2.0 " + ZIP + "\ngithub.com/BurntSushi/toml v1.2.0/go.mod " + MOD
                        + " x\n",
                "BurntSushi/toml v1.2.0 " + ZIP + "\nBurntSushi/toml v1.2.0/go.mod " + MOD + "\n",
                "github.com/BurntSushi/toml v1.2.0 " + ZIP + "\r\ngithub.com/BurntSushi/toml v1.2.0/go.mod " + MOD
                        + "\n",
                "github.com/BurntSushi/toml v1.2.0 " + ZIP + "\ngithub.com/BurntSushi/toml v1.2.0 " + MOD + "\n"
            })
    void malformedRecords(String text) {
        assertThrows(FormatException.class, () -> GoSumRecord.parse(text));
    }
}
