package dev.ferry.mirror.go;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ferry.protocols.semver.Version;
import dev.ferry.upstreams.pool.ContentRejected;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GoContentChecksTest {
    private static final Version V120 = Version.parseCanonical("v1.2.0");

    @Test
    void infoMayCarryMoreThanVersionAndTime() {
        assertDoesNotThrow(() -> GoContentChecks.info(
                bytes("{\"Version\":\"v1.2.0\",\"Time\":\"2022-11-30T02:42:47Z\",\"Origin\":{\"VCS\":\"git\"}}"),
                V120));
        assertDoesNotThrow(() -> GoContentChecks.info(bytes("{\"Version\":\"v1.2.0\"}"), V120));
    }

    /** Issue 16, finding 7: the refusal said the body's first token (a redirect's HTML page, anyone's words). */
    @Test
    void aBodyThatIsNotJsonIsNotQuoted() {
        ContentRejected e = assertThrows(
                ContentRejected.class, () -> GoContentChecks.info(bytes("secretword <html>login</html>"), V120));
        org.junit.jupiter.api.Assertions.assertFalse(e.getMessage().contains("secretword"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith(".info is not JSON"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "[]",
                "null",
                "{}",
                "{\"Version\":1}",
                "{\"Version\":\"v1.2\"}",
                "{\"Version\":\"v1.2.1\"}",
                "{\"Version\":\"master\"}",
                "{\"Version\":\"v1.2.0\"} trailing",
                "{\"Version\":\"v1.2.0\",\"Version\":\"v1.2.0\"}",
                "{\"Version\":\"v1.2.0\",\"Time\":\"yesterday\"}"
            })
    void badInfoIsRejected(String text) {
        assertThrows(ContentRejected.class, () -> GoContentChecks.info(bytes(text), V120));
    }

    @Test
    void listKeepsWhatTheGoCommandWouldUse() {
        String list =
                "v1.2.0\r\nv1.10.0 2022-01-01T00:00:00Z\nv1.2.0\nv1.3.0-rc.1\nbranch\nv1.3\nv1.2.1-0.20220101000000-abcdefabcdef\n"
                        + "v2.0.0+incompatible\n\n";
        assertEquals(
                "v1.2.0\nv1.3.0-rc.1\nv1.10.0\nv2.0.0+incompatible\n",
                new String(GoContentChecks.listBody(GoContentChecks.list(bytes(list))), StandardCharsets.UTF_8));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
