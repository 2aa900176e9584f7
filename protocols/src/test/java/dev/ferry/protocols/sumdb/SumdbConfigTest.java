package dev.ferry.protocols.sumdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.FormatException;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SumdbConfigTest {
    private static final String FIXTURE = "sum.fixture.example+7ca94648+AWwlQVuImRl4bm8JY5ttPzB+dgoW7qhz0OLGWC5JM8Lz";

    @Test
    void forms() {
        assertInstanceOf(SumdbConfig.Off.class, SumdbConfig.parse("off"));
        SumdbConfig.Database g = (SumdbConfig.Database) SumdbConfig.parse("sum.golang.org");
        assertEquals("sum.golang.org", g.name());
        assertEquals(0x033de0ae, g.verifier().keyHash());
        assertEquals(Optional.empty(), g.url());
        assertEquals(URI.create("https://sum.golang.org"), g.directUrl());
        SumdbConfig.Database cn = (SumdbConfig.Database) SumdbConfig.parse("sum.golang.google.cn");
        assertEquals("sum.golang.org", cn.name());
        assertEquals(g.verifier(), cn.verifier());
        assertEquals(Optional.of(URI.create("https://sum.golang.google.cn")), cn.url());
        SumdbConfig.Database f = (SumdbConfig.Database) SumdbConfig.parse(FIXTURE);
        assertEquals("sum.fixture.example", f.name());
        assertTrue(f.url().isEmpty());
        SumdbConfig.Database fu = (SumdbConfig.Database)
                SumdbConfig.parse("  " + FIXTURE + "\thttp://127.0.0.1:18090/sumdb/sum.fixture.example ");
        assertEquals(
                URI.create("http://127.0.0.1:18090/sumdb/sum.fixture.example"),
                fu.url().orElseThrow());
        SumdbConfig.Database gu = (SumdbConfig.Database) SumdbConfig.parse("sum.golang.org https://mirror.example/x");
        assertEquals(g.verifier(), gu.verifier());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " ",
                "on",
                "OFF",
                "sum.golang.org a b",
                "sum.golang.org ftp://x",
                "sum.golang.org https://",
                "sum.golang.org /relative",
                "sum.golang.org https://x/?q",
                "sum.golang.org https://u@x/",
                "sum.golang.org https://x/#f",
                "sum.golang.org+033de0ae",
                "sum.golang.org+033de0af+Ac4zctda0e5eza+HJyk9SxEdh+s3Ahjzgwn8HmovCvjkvE",
                "sum.golang.google.cn https://x",
                "example.com+00000000+AWwlQVuImRl4bm8JY5ttPzB+dgoW7qhz0OLGWC5JM8Lz"
            })
    void refusals(String s) {
        assertThrows(FormatException.class, () -> SumdbConfig.parse(s));
    }

    @Test
    void namesMustBeHostAndPath() throws Exception {
        // elements of dots only would make store keys and plain-export paths climb (issue 16)
        for (String name :
                new String[] {"x/", "x//y", "x?y", "x#y", "/x", "x@y", "x%41", "..", "x/..", "x/../y", "..:80"}) {
            String key = dev.ferry.protocols.sumdb.note.Signer.generate(name)
                    .verifier()
                    .encoded();
            assertThrows(FormatException.class, () -> SumdbConfig.parse(key), name);
        }
        for (String name : new String[] {"x", "db.example.com:8443", "db.example.com/sumdb/x"}) {
            String key = dev.ferry.protocols.sumdb.note.Signer.generate(name)
                    .verifier()
                    .encoded();
            assertEquals(name, ((SumdbConfig.Database) SumdbConfig.parse(key)).name());
        }
        assertThrows(FormatException.class, () -> SumdbConfig.parse(null));
    }
}
