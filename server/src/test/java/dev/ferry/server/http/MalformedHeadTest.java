package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 16, finding 6: request heads Helidon cannot parse (a control or non-ASCII byte in the method, a client that
 * closes half-way through its head) were a 500 with a stack trace per request and uncounted. Each is a 400 (to a
 * client still listening), counted in /metrics, with at most one log line and no stack trace.
 */
class MalformedHeadTest {
    TestServer server;
    final List<LogRecord> records = new CopyOnWriteArrayList<>();
    final Logger root = Logger.getLogger("");
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void start() {
        root.addHandler(capture);
        server = TestServer.refusingEverything();
    }

    @AfterEach
    void stop() {
        server.close();
        root.removeHandler(capture);
    }

    @ParameterizedTest
    @ValueSource(strings = {"G\u0001T", "G\u00e9T", "GET\u007f", "\u0000", "G\tT"})
    void aBadByteInTheMethodIs400CountedAndLoggedOnce(String method) throws Exception {
        String answer = server.raw(method + " /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        assertTrue(answer.contains("bad request"), answer);
        awaitCounted(400);
        assertQuiet();
    }

    @Test
    void aClientClosingMidHeadIsQuietAndCounted() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.server.port()), 5000);
            OutputStream out = s.getOutputStream();
            out.write("GET /health HTTP/1.1\r\nHost: x\r\nX-Half".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        awaitCounted(400);
        assertQuiet();
        // and the server still answers
        assertEquals(200, server.get("/health").statusCode());
    }

    private void awaitCounted(int status) throws InterruptedException {
        await(() -> server.metrics
                .scrape()
                .lines()
                .anyMatch(l -> l.startsWith("ferry_http_requests_total{")
                        && l.contains("status=\"" + status + "\"")
                        && !l.endsWith(" 0.0")));
    }

    /** Waits for an observable condition, polling, for at most 10 s. */
    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
            Thread.sleep(10);
        }
    }

    private void assertQuiet() {
        List<String> traces = records.stream()
                .filter(r -> r.getThrown() != null || r.getLevel().intValue() >= Level.WARNING.intValue())
                .map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage())
                .toList();
        assertTrue(traces.isEmpty(), "no warning or stack trace: " + traces);
        long lines = records.stream()
                .filter(r -> r.getLoggerName() != null && r.getLoggerName().startsWith("ferry"))
                .count();
        assertTrue(
                lines <= 1,
                "at most one log line: "
                        + records.stream().map(LogRecord::getMessage).toList());
    }
}
