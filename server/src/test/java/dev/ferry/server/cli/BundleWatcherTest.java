package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BundleWatcherTest {
    @Test
    void anInterruptedFollowNamesTheCommandsThatShowAndStopTheJob() throws Exception {
        JsonNode started = new ObjectMapper().readTree(
                "{\"id\":\"6f1c2e9a\",\"kind\":\"import\",\"state\":\"RUNNING\",\"directory\":\"/media/a\"}");
        StringWriter out = new StringWriter();
        BundleWatcher w = new BundleWatcher(new PrintWriter(out, true),
                new CliContext(Map.of(), false, Duration.ofMinutes(10)));
        // Interrupted before it waits: the first wait ends at once, as Ctrl-C's interrupt would end it.
        Thread.currentThread().interrupt();
        AdminClient.Failure f;
        try {
            f = assertThrows(AdminClient.Failure.class, () -> w.follow(started, () -> {
                throw new AssertionError("no fetch after the interrupt");
            }));
        } finally {
            Thread.interrupted();
        }
        assertEquals(1, f.exit);
        assertEquals("interrupted; the import goes on on the server ('ferry import status 6f1c2e9a' shows it,"
                + " 'ferry import cancel 6f1c2e9a' stops it)", f.getMessage());
        assertTrue(out.toString().startsWith("import 6f1c2e9a: /media/a\n"), out.toString());
    }
}
