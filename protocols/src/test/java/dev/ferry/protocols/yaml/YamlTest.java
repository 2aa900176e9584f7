package dev.ferry.protocols.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class YamlTest {
    record Item(Located<String> name, Located<List<String>> tags) {}

    record Doc(
            Located<String> title,
            List<Located<Item>> items,

            @JsonDeserialize(keyUsing = Located.KeyReader.class)
            Map<Located<String>, Item> named) {}

    record Open(Located<String> title, @JsonAnySetter Map<String, Located<Object>> rest) {}

    @Test
    void valuesKeysAndItemsKeepTheirLines() throws Exception {
        Doc d = Yaml.read("""
                title: 007
                items:
                  - name: a
                    tags: [x, off]
                  - ~
                named:
                  first:
                    name: b
                """, Doc.class);
        assertEquals(new Located<>("007", 1), d.title(), "scalars keep their text");
        assertEquals(new Located<>("a", 3), d.items().get(0).value().name());
        assertEquals(List.of("x", "off"), d.items().get(0).value().tags().value(), "off is text, not false");
        assertEquals(new Located<>(null, 5), d.items().get(1), "~ is a located null");
        Map.Entry<Located<String>, Item> first = d.named().entrySet().iterator().next();
        assertEquals(new Located<>("first", 7), first.getKey(), "a key's own line, not its mapping's first line");
        assertNull(Yaml.read("# nothing\n", Doc.class));
        assertNull(Yaml.read("title: t\n", Doc.class).items(), "absent binds as null");
    }

    @Test
    void duplicateAndUnknownKeysAndWrongShapesAreRefusedWithTheirLine() {
        JsonProcessingException dup = assertThrows(
                JsonProcessingException.class, () -> Yaml.read("title: a\nitems: []\ntitle: b\n", Doc.class));
        assertEquals(3, Yaml.line(dup));
        assertTrue(Yaml.reason(dup).contains("title"), Yaml.reason(dup));
        assertThrows(UnrecognizedPropertyException.class, () -> Yaml.read("title: a\ntitel: b\n", Doc.class));
        JsonProcessingException shape =
                assertThrows(JsonProcessingException.class, () -> Yaml.read("items:\n  - name: [a]\n", Doc.class));
        assertEquals(2, Yaml.line(shape));
        JsonProcessingException syntax =
                assertThrows(JsonProcessingException.class, () -> Yaml.read("title: a\n  bad: : :\n", Doc.class));
        assertEquals(2, Yaml.line(syntax));
        assertTrue(!Yaml.reason(syntax).contains("\n"));
    }

    @Test
    void lenientReadingBindsWrongShapesAsNullAndCollectsUnknownKeys() throws Exception {
        Doc d = Yaml.readLenient(
                "title: [a]\nitems:\n  - name: {x: 1}\n    tags: t\n  - plain\n", new TypeReference<>() {});
        assertEquals(new Located<>(null, 1), d.title());
        assertEquals(new Located<>(null, 3), d.items().get(0).value().name());
        assertEquals(new Located<>(null, 4), d.items().get(0).value().tags(), "no single value taken as a list here");
        assertEquals(new Located<>(null, 5), d.items().get(1));
        Located<Doc> root = Yaml.readLenient("- a\n", new TypeReference<>() {});
        assertEquals(new Located<>(null, 1), root);
        assertNull(Yaml.readLenient("~\n", new TypeReference<Located<Doc>>() {}), "~ alone holds nothing");
        Doc empty = Yaml.readLenient("items:\ntitle:\n", new TypeReference<>() {});
        assertNull(empty.items(), "nothing after a key where a list belongs is no list, not a failure");
        assertEquals(new Located<>("", 2), empty.title(), "but an empty string where a value belongs");
        assertEquals(List.of("title", "items", "named"), Yaml.keys(Doc.class));
        assertEquals(List.of("title"), Yaml.keys(Open.class));
        Open o = Yaml.read("title: t\ncolour: red\nshape:\n  - round\ntaste: ~\n", Open.class);
        assertEquals(new Located<Object>("red", 2), o.rest().get("colour"), "unknown keys keep their line");
        assertEquals(new Located<Object>(List.of("round"), 4), o.rest().get("shape"), "a block value's first line");
        assertEquals(new Located<Object>(null, 5), o.rest().get("taste"));
    }
}
