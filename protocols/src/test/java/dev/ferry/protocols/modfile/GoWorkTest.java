package dev.ferry.protocols.modfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.FormatException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class GoWorkTest {
    private static GoWork parse(String s) {
        return GoWork.parse("go.work", s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void usesInBlocksAndLinesQuotedOrNotAndReplacements() {
        GoWork w = parse("""
                go 1.18

                use (
                	./w1 // first
                	"./w two"
                )
                use ../shared

                replace example.com/a v1.0.0 => example.com/afork v1.0.1
                replace example.com/b => ./local/b
                """);
        assertEquals("1.18", w.go());
        assertEquals(List.of("./w1", "./w two", "../shared"), w.use());
        assertEquals(2, w.replace().size());
        assertEquals("example.com/afork", w.replace().get(0).newPath());
        assertNull(w.replace().get(1).newVersion());
    }

    @Test
    void goModDirectivesAndBadUsesAreErrorsWithTheirLine() {
        FormatException e = assertThrows(FormatException.class, () -> parse("go 1.18\nmodule example.com/m\n"));
        assertTrue(e.getMessage().startsWith("go.work:2"), e.getMessage());
        e = assertThrows(FormatException.class, () -> parse("go 1.18\nrequire example.com/a v1.0.0\n"));
        assertTrue(e.getMessage().contains("unknown directive: require"), e.getMessage());
        e = assertThrows(FormatException.class, () -> parse("use a b\n"));
        assertTrue(e.getMessage().contains("usage: use local/dir"), e.getMessage());
        // And a go.mod refuses use.
        assertThrows(
                FormatException.class, () -> GoMod.parseStrict("module m\nuse ./x\n".getBytes(StandardCharsets.UTF_8)));
    }
}
