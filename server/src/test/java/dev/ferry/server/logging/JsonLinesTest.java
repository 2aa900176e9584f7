package dev.ferry.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class JsonLinesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aRecordWithQuotesControlBytesALoneSurrogateAndAStackTraceIsOneParsableLine() throws Exception {
        String nasty = "say \"hi\"\\ \n\r\t\u0001 \u2028 \ud800 ok \ud83d\ude00";
        LogRecord r = new LogRecord(Level.WARNING, nasty);
        r.setLoggerName("ferry.http");
        r.setThrown(new IllegalStateException("broken \"thing\""));
        String line = new JsonFormatter().format(r);
        assertTrue(line.endsWith("}\n"), line);
        assertFalse(line.substring(0, line.length() - 1).contains("\n"), line);
        JsonNode n = JSON.readTree(line);
        assertEquals("WARNING", n.get("level").asText());
        assertEquals("ferry.http", n.get("logger").asText());
        assertEquals(nasty.replace("\ud800", "?"), n.get("message").asText().replace("\ud800", "?"));
        assertTrue(n.get("message").asText().endsWith("\ud83d\ude00"));
        assertEquals(
                "java.lang.IllegalStateException: broken \"thing\"",
                n.get("error").asText());
        assertTrue(
                n.get("stack").asText().contains("JsonLinesTest"),
                n.get("stack").asText());
        assertTrue(n.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
    }

    @Test
    void fieldsAreSeparatedAndNumbersStayNumbers() throws Exception {
        StringBuilder sb = new StringBuilder("{");
        JsonLines.field(sb, "a", "x");
        JsonLines.field(sb, "n", 42);
        JsonLines.rawField(sb, "ms", "0.41");
        JsonLines.field(sb, "none", null);
        JsonNode n = JSON.readTree(sb.append('}').toString());
        assertEquals(42, n.get("n").asInt());
        assertEquals(0.41, n.get("ms").asDouble());
        assertTrue(n.get("none").isNull());
    }
}
