package dev.ferry.protocols.gosrc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ImportsTest {
    @Test
    void readsSingleGroupedNamedDotBlankAndRawImportsBetweenComments() {
        String src = """
                // Copyright line
                /* block
                   comment */
                //go:build linux && !cgo

                package widget // trailing

                import "fmt"
                import (
                	"os"
                	alias "example.com/a/b" // why
                	. "example.com/dot"
                	_ "example.com/blank"; "example.com/semi"
                	`example.com/raw`
                )
                import /* odd */ x "example.com/single/named"

                import "example.com/not/seen/after/decl"
                """.replace("import \"example.com/not/seen", "func F() {}\nimport \"example.com/not/seen");
        assertEquals(
                List.of(
                        "fmt",
                        "os",
                        "example.com/a/b",
                        "example.com/dot",
                        "example.com/blank",
                        "example.com/semi",
                        "example.com/raw",
                        "example.com/single/named"),
                Imports.of(src));
    }

    @Test
    void notGoSourceOrABrokenImportYieldsWhatWasReadSoFar() {
        assertEquals(List.of(), Imports.of(""));
        assertEquals(List.of(), Imports.of("not go at all"));
        assertEquals(List.of(), Imports.of("package"));
        assertEquals(List.of("a.example/x"), Imports.of("package p\nimport (\n\"a.example/x\"\n 42\n)\n"));
        assertEquals(List.of(), Imports.of("package p\nimport \"unterminated"));
        assertEquals(List.of(), Imports.of("package p\nimport \"esc\\\"aped\""));
    }
}
