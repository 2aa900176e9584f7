package dev.ferry.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class AccessLogHandlerTest {
    @Test
    void writesEveryLineOnceFromManyThreadsAndFlushesOnClose() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AccessLogHandler h = new AccessLogHandler(out);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            IntStream.range(0, 10_000)
                    .forEach(i -> pool.submit(() -> h.publish(new LogRecord(Level.INFO, "line " + i))));
        }
        h.close();
        List<String> lines;
        synchronized (out) {
            lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        }
        assertEquals(10_000, lines.size());
        assertEquals(10_000, lines.stream().distinct().count());
        h.publish(new LogRecord(Level.INFO, "after close"));
        assertEquals(10_000, out.toString(StandardCharsets.UTF_8).lines().count());
    }
}
