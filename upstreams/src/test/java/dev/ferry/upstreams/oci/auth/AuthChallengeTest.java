package dev.ferry.upstreams.oci.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {

    @Test
    void readsDockerHubsBearerChallenge() {
        List<AuthChallenge> c = AuthChallenge.parse(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/alpine:pull\"");
        assertEquals(1, c.size());
        assertTrue(c.get(0).isBearer());
        assertEquals("https://auth.docker.io/token", c.get(0).param("realm"));
        assertEquals("registry.docker.io", c.get(0).param("service"));
        assertEquals("repository:library/alpine:pull", c.get(0).param("scope"));
    }

    @Test
    void schemeAndParameterNamesAreCaseInsensitiveValuesAreNot() {
        AuthChallenge c = AuthChallenge.parse("bEaReR REALM=\"https://Auth/Token\" , Service=Reg")
                .get(0);
        assertTrue(c.isBearer());
        assertEquals("https://Auth/Token", c.param("realm"));
        assertEquals("Reg", c.param("SERVICE"));
    }

    @Test
    void quotedStringsResolveEscapesAndKeepCommasAndEquals() {
        AuthChallenge c = AuthChallenge.parse("Bearer realm=\"a\\\"b\\\\c,d=e\",scope=\"x y\"")
                .get(0);
        assertEquals("a\"b\\c,d=e", c.param("realm"));
        assertEquals("x y", c.param("scope"));
    }

    @Test
    void severalChallengesInOneHeader() {
        List<AuthChallenge> c = AuthChallenge.parse(
                "Basic realm=\"Registry Realm\", Bearer realm=\"https://t/token\",service=\"s\", Negotiate, Other abc==");
        assertEquals(
                List.of("basic", "bearer", "negotiate", "other"),
                c.stream().map(AuthChallenge::scheme).toList());
        assertEquals("Registry Realm", c.get(0).param("realm"));
        assertEquals(
                Map.of("realm", "https://t/token", "service", "s"), c.get(1).params());
        assertEquals(Map.of(), c.get(2).params());
        assertEquals("abc==", c.get(3).token68());
        // Bearer is preferred over Basic when both are offered.
        assertEquals("bearer", AuthChallenge.preferred(c).scheme());
    }

    @Test
    void challengesAcrossSeveralHeaderValues() {
        List<AuthChallenge> c = AuthChallenge.parseAll(List.of("Basic realm=\"r\"", "Bearer realm=\"https://t\""));
        assertEquals(2, c.size());
        assertEquals("bearer", AuthChallenge.preferred(c).scheme());
        assertEquals("basic", AuthChallenge.preferred(List.of(c.get(0))).scheme());
    }

    @Test
    void aBearerChallengeWithoutRealmIsNotUsable() {
        assertNull(AuthChallenge.preferred(AuthChallenge.parse("Bearer service=\"s\"")));
    }

    @Test
    void aBrokenChallengeIsDroppedWithEverythingAfterItButNotBefore() {
        assertEquals(List.of("basic"), schemes("Basic realm=\"ok\", Bearer realm=\"unterminated"));
        assertEquals(List.of(), schemes("Bearer realm=\"unterminated"));
        assertEquals(List.of(), schemes("Bearer realm=\"trailing backslash\\"));
        // "realm=" alone is a token68 by the grammar: a challenge, but without a realm, so not usable.
        assertEquals("realm=", AuthChallenge.parse("Bearer realm=").get(0).token68());
        assertNull(AuthChallenge.preferred(AuthChallenge.parse("Bearer realm=")));
        // Whitespace around '=' is allowed (BWS).
        assertEquals("x", AuthChallenge.parse("Bearer realm = x").get(0).param("realm"));
        assertNull(AuthChallenge.preferred(AuthChallenge.parse("Bearer realm=,service=x")));
        assertEquals(List.of(), schemes("Bearer realm=\"x\" junk"));
        assertEquals(List.of(), schemes("Bearer two words"));
        assertEquals(List.of(), schemes("Bearer realm=\"ctl\u0001char\""));
        assertEquals(List.of(), schemes("=realm"));
        assertEquals(List.of(), schemes("\"Bearer\" realm=x"));
    }

    @Test
    void emptyAndBlankHeadersHaveNoChallenges() {
        assertEquals(List.of(), AuthChallenge.parse(null));
        assertEquals(List.of(), AuthChallenge.parse(""));
        assertEquals(List.of(), AuthChallenge.parse(" , ,\t"));
        assertNull(AuthChallenge.preferred(List.of()));
    }

    @Test
    void aParameterNamedTwiceKeepsItsFirstValue() {
        assertEquals(
                "https://first",
                AuthChallenge.parse("Bearer realm=\"https://first\",realm=\"https://second\"")
                        .get(0)
                        .param("realm"));
    }

    @Test
    void hostileSizesAreBoundedAndQuick() {
        String manyChallenges = "Basic realm=x, ".repeat(10_000);
        String manyParams = "Bearer " + "a=b,".repeat(10_000);
        String longQuote = "Bearer realm=\"" + "x".repeat(1_000_000);
        String manyCommas = ",".repeat(1_000_000) + "Basic";
        long start = System.nanoTime();
        assertEquals(
                AuthChallenge.MAX_CHALLENGES,
                AuthChallenge.parse(manyChallenges).size());
        assertTrue(AuthChallenge.parse(manyParams).get(0).params().size() <= 32);
        assertEquals(List.of(), AuthChallenge.parse(longQuote));
        // The commas exceed the header limit, so the scheme after them is never reached.
        assertEquals(List.of(), AuthChallenge.parse(manyCommas));
        assertTrue(AuthChallenge.parseAll(java.util.Collections.nCopies(100, "Basic"))
                        .size()
                <= AuthChallenge.MAX_CHALLENGES);
        assertTrue(
                Duration.ofNanos(System.nanoTime() - start).toSeconds() < 5, "parsing hostile headers took too long");
    }

    @Test
    void toStringNeverShowsAToken68() {
        AuthChallenge c = AuthChallenge.parse("Negotiate c2VjcmV0").get(0);
        assertEquals("c2VjcmV0", c.token68());
        assertTrue(!c.toString().contains("c2VjcmV0"));
    }

    private static List<String> schemes(String header) {
        return AuthChallenge.parse(header).stream().map(AuthChallenge::scheme).toList();
    }
}
