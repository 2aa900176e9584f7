package dev.ferry.protocols.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ErrorBodyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shapeWithAndWithoutDetail() throws Exception {
        assertEquals(
                "{\"errors\":[{\"code\":\"NAME_INVALID\",\"message\":\"bad name\"}]}",
                new String(ErrorBody.json(OciErrorCode.NAME_INVALID, "bad name", null), StandardCharsets.UTF_8));
        JsonNode e = JSON.readTree(ErrorBody.json(OciErrorCode.BLOB_UNKNOWN, "no blob", "sha256:x"))
                .get("errors")
                .get(0);
        assertEquals("BLOB_UNKNOWN", e.get("code").asText());
        assertEquals("no blob", e.get("message").asText());
        assertEquals("sha256:x", e.get("detail").asText());
    }

    @Test
    void nullMessageIsTheDescription() throws Exception {
        JsonNode e = JSON.readTree(ErrorBody.json(OciErrorCode.UNAVAILABLE, null, null))
                .get("errors")
                .get(0);
        assertEquals("service unavailable", e.get("message").asText());
        assertFalse(e.has("detail"));
    }

    @Test
    void anyTextStaysValidJson() throws Exception {
        String nasty = "\"}]},{\\\u0000\n\t\u2028\u00e9\ud83d\ude00 </script>";
        JsonNode e = JSON.readTree(ErrorBody.json(OciErrorCode.MANIFEST_INVALID, nasty, nasty))
                .get("errors")
                .get(0);
        assertEquals(nasty, e.get("message").asText());
        assertEquals(nasty, e.get("detail").asText());
        JsonNode lone = JSON.readTree(ErrorBody.json(OciErrorCode.MANIFEST_INVALID, "a\ud800b\udc00", null));
        assertEquals("a\ufffdb\ufffd", lone.get("errors").get(0).get("message").asText());
    }
}
