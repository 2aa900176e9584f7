package dev.ferry.protocols.gosum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GoSumTest {
    static final String H = "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

    @Test
    void parsesZipAndGoModLines() {
        GoSum s = GoSum.parse(
                "go.sum",
                "github.com/BurntSushi/toml v1.2.0 " + H + "\n"
                        + "github.com/BurntSushi/toml v1.2.0/go.mod " + H + "\r\n\n"
                        + "github.com/dgrijalva/jwt-go v3.2.0+incompatible\t" + H + "\n");
        assertEquals(List.of(), s.errors());
        assertEquals(3, s.lines().size());
        assertFalse(s.lines().get(0).goMod());
        assertTrue(s.lines().get(1).goMod());
        assertEquals(2, s.lines().get(1).number());
        assertEquals(4, s.lines().get(2).number());
        assertEquals("v3.2.0+incompatible", s.lines().get(2).version().toString());
        assertEquals(
                "github.com/BurntSushi/toml v1.2.0/go.mod " + H,
                s.lines().get(1).toString());
    }

    @Test
    void reportsEveryBadLineByNumberAndKeepsTheGoodOnes() {
        GoSum s = GoSum.parse(
                "deps/go.sum",
                String.join(
                        "\n",
                        "example.com/ok v1.0.0 " + H,
                        "example.com/two-fields v1.0.0",
                        "Example..com/bad v1.0.0 " + H,
                        "example.com/short v1.0 " + H,
                        "example.com/major/v2 v1.0.0 " + H,
                        "example.com/hash v1.0.0 h1:nope",
                        "example.com/what v1.0.0/go.sum " + H,
                        "example.com/ok v1.1.0/go.mod " + H,
                        ""));
        assertEquals(2, s.lines().size());
        assertEquals(
                List.of(2, 3, 4, 5, 6, 7),
                s.errors().stream().map(GoSum.Error::line).toList());
        assertTrue(
                s.errors().get(0).toString().startsWith("deps/go.sum:2: want \"path version[/go.mod] hash\""),
                s.errors().get(0).toString());
        assertTrue(
                s.errors().get(2).message().contains("not canonical"),
                s.errors().get(2).message());
        assertTrue(
                s.errors().get(3).message().contains("should be v2"),
                s.errors().get(3).message());
        assertTrue(s.errors().get(4).message().contains("h1"), s.errors().get(4).message());
        assertTrue(
                s.errors().get(5).message().contains("unknown go.sum entry"),
                s.errors().get(5).message());
    }
}
