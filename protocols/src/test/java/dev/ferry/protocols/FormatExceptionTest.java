package dev.ferry.protocols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FormatExceptionTest {
    @Test
    void quoteMakesUntrustedTextPrintableAndShort() {
        assertEquals("\"abc\"", FormatException.quote("abc"));
        assertEquals("\"a\\u000ab\\u0022\\u00e9\"", FormatException.quote("a\nb\"é"));
        String q = FormatException.quote("x".repeat(5000));
        assertTrue(q.length() < 210 && q.endsWith("...\""), q);
        assertEquals("null", FormatException.quote(null));
    }
}
