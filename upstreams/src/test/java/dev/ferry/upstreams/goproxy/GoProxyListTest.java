package dev.ferry.upstreams.goproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.upstreams.goproxy.GoProxyList.Entry;
import dev.ferry.upstreams.goproxy.GoProxyList.FallThrough;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GoProxyListTest {

    @Test
    void separatorsSayWhatMovesPastEachEntry() {
        GoProxyList list = GoProxyList.parse("https://a.example,https://b.example/go/|http://c.example:8080");
        assertEquals(
                List.of(
                        new Entry(URI.create("https://a.example"), FallThrough.NOT_FOUND_ONLY),
                        new Entry(URI.create("https://b.example/go"), FallThrough.ANY_ERROR),
                        new Entry(URI.create("http://c.example:8080"), FallThrough.NOT_FOUND_ONLY)),
                list.entries());
        assertEquals("https://a.example,https://b.example/go|http://c.example:8080", list.toString());
    }

    @Test
    void toStringRoundTrips() {
        for (String text : List.of("off", "https://proxy.golang.org", "https://a|https://b,https://c|https://d/x/y")) {
            GoProxyList list = GoProxyList.parse(text);
            assertEquals(text, list.toString());
            assertEquals(list, GoProxyList.parse(list.toString()));
        }
    }

    @Test
    void offAloneMeansNoUpstream() {
        assertTrue(GoProxyList.parse("off").isOff());
        assertTrue(GoProxyList.parse(" off ").isOff());
    }

    @Test
    void trailingSlashesAndSpacesAreNormalised() {
        assertEquals(
                "https://a.example/p,https://b.example",
                GoProxyList.parse(" https://a.example/p// , https://b.example/ ")
                        .toString());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " ",
                "direct,https://a",
                "https://a|direct|https://b",
                "direct,off",
                "off,https://a",
                "https://a|off",
                "https://a,,https://b",
                "https://a,",
                "|https://a",
                "ftp://a.example",
                "file:///tmp/proxy",
                "a.example",
                "https://a.example?x=1",
                "https://a.example#frag",
                "https://user:pw@a.example",
                "https:///nohost",
                "http://a b"
            })
    void refusesWhatFerryCannotUse(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GoProxyList.parse(text));
        assertTrue(e.getMessage().contains("GOPROXY"), e.getMessage());
    }

    @Test
    void directIsAcceptedLastWithTheSeparatorBeforeItKept() {
        GoProxyList comma = GoProxyList.parse("https://a.example|https://b.example,direct");
        assertTrue(comma.direct());
        assertEquals(2, comma.entries().size());
        assertEquals("https://a.example|https://b.example,direct", comma.toString());
        assertEquals(comma, GoProxyList.parse(comma.toString()));
        assertTrue(comma.directAfterFailureOf("https://a.example"), "a failure of a, after a '|', moves on");
        // after a ',' a failure of b stops the walk; after a '|' it goes on to direct
        assertTrue(!comma.directAfterFailureOf("https://b.example"));
        GoProxyList pipe = GoProxyList.parse("https://a.example|direct");
        assertTrue(pipe.directAfterFailureOf("https://a.example"));
        assertEquals("https://a.example|direct", pipe.toString());

        GoProxyList alone = GoProxyList.parse(" direct ");
        assertTrue(alone.direct());
        assertTrue(alone.entries().isEmpty());
        assertTrue(!alone.isOff());
        assertEquals("direct", alone.toString());
        assertEquals(GoProxyList.directOnly(), alone);
    }

    @Test
    void directBeforeAProxyIsExplained() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> GoProxyList.parse("direct,https://a"));
        assertTrue(e.getMessage().contains("must be the last entry"), e.getMessage());
    }
}
