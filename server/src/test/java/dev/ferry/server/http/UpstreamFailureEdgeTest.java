package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.mirror.Body;
import dev.ferry.mirror.SpoolFailedException;
import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.protocols.oci.Digest;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, finding 5: a small body still arriving from an upstream is buffered whole before the response starts;
 * when that upstream download failed (a reset part-way), the client got a 500 and the log a SEVERE stack trace.
 * It is the upstream's failure: a 502 with the protocol's error, one log line without a trace.
 */
class UpstreamFailureEdgeTest {
    static final String D = "sha256:" + "c".repeat(64);
    final List<LogRecord> records = new CopyOnWriteArrayList<>();
    final Logger log = Logger.getLogger("ferry.http");
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
    void listen() {
        log.addHandler(capture);
    }

    @AfterEach
    void unlisten() {
        log.removeHandler(capture);
    }

    /** A body of 1,000 bytes whose download broke part-way, as a SpoolBody reports it. */
    static Body brokenDownload() {
        return new Body() {
            @Override
            public long length() {
                return 1000;
            }

            @Override
            public void writeTo(OutputStream out) throws java.io.IOException {
                out.write(new byte[400]);
                throw new SpoolFailedException(
                        "blob " + D + ": download from http://upstream failed: reset: connection reset");
            }
        };
    }

    @Test
    void aBrokenBlobDownloadIsA502WithTheRegistryErrorAndNoStackTrace() throws Exception {
        try (OciTestServer server = OciTestServer.anonymous()) {
            server.dockerHub.answers = call -> new OciAnswer.Content(
                    brokenDownload(),
                    null,
                    Digest.parse(D),
                    1000,
                    null,
                    OciAnswer.Freshness.IMMUTABLE,
                    OciAnswer.CacheOutcome.MISS);
            HttpResponse<String> r = server.get("/v2/library/app/blobs/" + D);
            assertEquals(502, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"UNAVAILABLE\""), r.body());
            assertTrue(r.body().contains("reset"), r.body());
            assertTrue(r.headers().firstValue("Docker-Content-Digest").isEmpty(), "no digest on an error");
            assertTrue(r.headers().firstValue("ETag").isEmpty(), "no ETag on an error");
            assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
            assertQuiet();
        }
    }

    @Test
    void aBrokenModuleDownloadIsA502AndNoStackTrace() throws Exception {
        try (TestServer server = TestServer.answering(req -> new GoAnswer.Content(
                brokenDownload(),
                "application/zip",
                "abc",
                GoAnswer.Freshness.IMMUTABLE,
                GoAnswer.CacheOutcome.MISS))) {
            HttpResponse<byte[]> r = server.get("/example.com/m/@v/v1.0.0.zip");
            String body = new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(502, r.statusCode(), body);
            assertTrue(body.contains("reset"), body);
            assertTrue(r.headers().firstValue("ETag").isEmpty(), "no ETag on an error");
            assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
            assertQuiet();
        }
    }

    private void assertQuiet() {
        assertFalse(
                records.stream().anyMatch(r -> r.getLevel().intValue() >= Level.SEVERE.intValue()),
                "no SEVERE: " + records.stream().map(LogRecord::getMessage).toList());
        assertFalse(
                records.stream().anyMatch(r -> r.getThrown() != null),
                "no stack trace: " + records.stream().map(LogRecord::getMessage).toList());
    }
}
