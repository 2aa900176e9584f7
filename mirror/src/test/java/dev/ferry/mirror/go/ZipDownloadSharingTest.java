package dev.ferry.mirror.go;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.mirror.Body;
import dev.ferry.mirror.ClientOutput;
import dev.ferry.mirror.GatedInput;
import dev.ferry.mirror.InMemoryContentStore;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.testing.ManualClock;
import dev.ferry.upstreams.goproxy.GoProxyClient;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.ContentRejected;
import dev.ferry.upstreams.pool.FetchResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A zip whose first upstream breaks off midway, through the Go mirror: one download for every client, and each
 * client gets the right bytes or an abort, never other bytes (the OCI mirror's blobs share the same rules; see
 * CachingRegistryMirrorTest and SharedDownloadsTest). The upstream pool is scripted so that clients can be placed
 * at a known point of each attempt.
 */
class ZipDownloadSharingTest {
    private static final String ZIP = GoMirrorContractTest.TOML + "/@v/v1.2.0.zip";

    @TempDir
    Path dir;

    private final InMemoryContentStore store = new InMemoryContentStore();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stop() {
        threads.shutdownNow();
        store.close();
    }

    @Test
    void clientsOfAZipWhoseFirstUpstreamBreaksOffAreAnsweredFromTheNext() throws Exception {
        byte[] bytes = GoMirrorContractTest.fixture(ZIP);
        GatedInput broken = new GatedInput(bytes, bytes.length / 2, new IOException("connection reset"));
        GatedInput next = new GatedInput(bytes, 1000);
        ScriptedPool upstream = new ScriptedPool(bytes.length, broken, next);
        GoMirrorSettings settings = new GoMirrorSettings(
                Duration.ofMinutes(5), Duration.ofMinutes(1), dir.resolve("spool"), 16 << 10, 1000);
        CachingGoModuleMirror mirror = new CachingGoModuleMirror(store, upstream, settings, new ManualClock());

        // Two clients follow the first attempt and get part of it: one has sent it, one holds it unsent.
        ClientOutput sent = ClientOutput.plain();
        ClientOutput buffered = ClientOutput.rewindable();
        Future<?> sending = write(streamed(mirror), sent);
        Future<?> buffering = write(streamed(mirror), buffered);
        assertTrue(sent.reached.await(30, TimeUnit.SECONDS));
        assertTrue(buffered.reached.await(30, TimeUnit.SECONDS));

        broken.release();
        assertTrue(next.atGate.await(30, TimeUnit.SECONDS));
        // A client that misses the zip now follows the next upstream's attempt.
        ClientOutput late = ClientOutput.plain();
        Future<?> following = write(streamed(mirror), late);
        assertTrue(late.reached.await(30, TimeUnit.SECONDS));

        next.release();
        assertThrows(
                ExecutionException.class,
                () -> sending.get(30, TimeUnit.SECONDS),
                "a response that sent bytes of the broken attempt is aborted");
        buffering.get(30, TimeUnit.SECONDS);
        assertArrayEquals(bytes, buffered.bytes());
        following.get(30, TimeUnit.SECONDS);
        assertArrayEquals(bytes, late.bytes());
        assertEquals(1, upstream.walks.get(), "one download for every client");
        assertEquals(0, mirror.inFlight());
        GoAnswer.Content hit = assertInstanceOf(GoAnswer.Content.class, mirror.answer(ProxyRequest.parse("/" + ZIP)));
        assertEquals(GoAnswer.CacheOutcome.HIT, hit.outcome());
        assertEquals(1, store.names().size(), "only the zip, once: " + store.names());
    }

    /** A miss of the zip: answered with a body that follows the download in progress. */
    private static Body streamed(CachingGoModuleMirror mirror) {
        GoAnswer.Content content =
                assertInstanceOf(GoAnswer.Content.class, mirror.answer(ProxyRequest.parse("/" + ZIP)));
        assertEquals(GoAnswer.CacheOutcome.MISS, content.outcome());
        assertNull(content.etag(), "no digest before the end");
        return content.body();
    }

    private Future<?> write(Body body, ClientOutput out) {
        return threads.submit(() -> {
            body.writeTo(out);
            return null;
        });
    }

    /** Upstreams asked in order, as the pool does: a body the mirror refuses or that breaks moves on to the next. */
    private static final class ScriptedPool implements GoProxyClient {
        final AtomicInteger walks = new AtomicInteger();
        private final long declared;
        private final List<InputStream> bodies;

        ScriptedPool(long declared, InputStream... bodies) {
            this.declared = declared;
            this.bodies = List.of(bodies);
        }

        @Override
        public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
            walks.incrementAndGet();
            List<FetchResult.Attempt> attempts = new ArrayList<>();
            for (int i = 0; i < bodies.size(); i++) {
                String from = "up-" + i;
                try {
                    return new FetchResult.Fetched<>(handler.handle(bodies.get(i), declared, from), from);
                } catch (ContentRejected e) {
                    attempts.add(new FetchResult.Attempt(from, "rejected: " + e.getMessage()));
                } catch (IOException e) {
                    attempts.add(new FetchResult.Attempt(from, "reset: " + e.getMessage()));
                }
            }
            return new FetchResult.Failed<>(attempts);
        }
    }
}
