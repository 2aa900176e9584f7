package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.admin.api.AdminJson;
import dev.ferry.server.admin.api.BundleJob;
import dev.ferry.server.admin.api.PrewarmJob;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobWatcherTest {
    private final StringWriter out = new StringWriter();

    /** Follows {@code started} with the thread interrupted before it waits, as Ctrl-C's interrupt would end it. */
    private <J> AdminClient.Failure interrupted(JobWatcher.Format<J> format, J started) {
        JobWatcher<J> w = new JobWatcher<>(
                format, new PrintWriter(out, true), new CliContext(Map.of(), false, Duration.ofMinutes(10)));
        Thread.currentThread().interrupt();
        try {
            return assertThrows(
                    AdminClient.Failure.class,
                    () -> w.follow(started, () -> {
                        throw new AssertionError("no fetch after the interrupt");
                    }));
        } finally {
            Thread.interrupted();
        }
    }

    private static <T> T read(String json, Class<T> type) throws Exception {
        JsonNode tree = new ObjectMapper().readTree(json);
        return AdminJson.read(tree, type);
    }

    @Test
    void anInterruptedFollowNamesTheCommandsThatShowAndStopTheJob() throws Exception {
        BundleJob started = read(
                "{\"id\":\"6f1c2e9a\",\"kind\":\"import\",\"state\":\"RUNNING\",\"directory\":\"/media/a\"}",
                BundleJob.class);
        AdminClient.Failure f = interrupted(BundleFormat.INSTANCE, started);
        assertEquals(1, f.exit);
        assertEquals(
                "interrupted; the import goes on on the server ('ferry import status 6f1c2e9a' shows it,"
                        + " 'ferry import cancel 6f1c2e9a' stops it)",
                f.getMessage());
        assertTrue(out.toString().startsWith("import 6f1c2e9a: /media/a\n"), out.toString());
    }

    @Test
    void anInterruptedPrewarmNamesTheCommandThatShowsIt() throws Exception {
        PrewarmJob started = read(
                "{\"id\":\"6f1c2e9a\",\"description\":\"go.mod go.mod\",\"state\":\"PLANNING\","
                        + "\"current\":[],\"failures\":[],\"planErrors\":[],\"notes\":[],\"a field of a newer ferry\":1}",
                PrewarmJob.class);
        AdminClient.Failure f = interrupted(PrewarmFormat.INSTANCE, started);
        assertEquals(1, f.exit);
        assertEquals("interrupted; the job goes on on the server: ferry prewarm status 6f1c2e9a", f.getMessage());
        assertEquals("prewarm 6f1c2e9a: go.mod go.mod\n", out.toString());
    }
}
