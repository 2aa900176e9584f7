package dev.ferry.server.http;

import dev.ferry.server.metrics.FerryMetrics;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.task.InterruptableTask;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What Helidon's listener does not do for a server on a hostile network: a deadline for each request head, and a
 * cap on the connections one client address holds.
 *
 * <p>Helidon 4.5 offers {@code idleConnectionTimeout} (it closes a connection only while it waits for a request
 * line, without a 408, checked every two minutes by default), {@code maxTcpConnections} and
 * {@code maxConcurrentRequests} (for the whole listener, so one client can take them all), and a socket read timeout
 * that its server sockets do not use. A client that sends half a request head and then a byte now and then held its
 * connection (and a virtual thread) for as long as it liked. So ferry wraps Helidon's HTTP/1 connection:
 * <ul>
 *   <li>From the moment a connection waits for a request head (its accept, or the end of its previous request) the
 *       whole head must arrive within {@code headTimeout}, as nginx's {@code client_header_timeout}. Otherwise a
 *       client that sent part of a head gets {@code 408} and the connection is closed; one that sent nothing (an
 *       idle keep-alive connection) is closed without a word, as HTTP/1.1 lets a server do.</li>
 *   <li>A client address holding {@code maxPerClient} connections gets {@code 429} on the next one, which is
 *       closed at once; its other connections and every other client are served as before.</li>
 * </ul>
 * Request bodies and responses are not timed here: an upload or a download may take as long as it takes.
 */
final class ConnectionGuard {
    private static final Logger LOG = Logger.getLogger("ferry.http");
    private static final Logger ACCESS = Logger.getLogger(AccessLog.LOGGER_NAME);

    /** One daemon thread for every server's deadlines: a check is a few field reads, or writing a 408 and closing. */
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private static final byte[] TIMED_OUT = response(408, "Request Timeout", "request head not received in time");
    private static final byte[] TOO_MANY =
            response(429, "Too Many Requests", "too many connections from this address; close some and retry");

    private final Duration headTimeout;
    private final int maxPerClient;
    private final FerryMetrics metrics;
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ConnectionContext, Guarded> open = new ConcurrentHashMap<>();

    /**
     * @param headTimeout  how long a whole request head may take; zero: no deadline
     * @param maxPerClient connections one client address may hold; 0: no cap
     * @param metrics      where refusals are counted, or null
     */
    ConnectionGuard(Duration headTimeout, int maxPerClient, FerryMetrics metrics) {
        this.headTimeout = headTimeout;
        this.maxPerClient = maxPerClient;
        this.metrics = metrics;
    }

    /**
     * Tells the guard when a request line has been read and when a head is complete; goes into the HTTP/1 config.
     * (Helidon's reader keeps a data listener but never calls it: bytes of a request line still incomplete are
     * found in the reader's buffer when the deadline comes.)
     */
    Http1ConnectionListener listener() {
        return new Http1ConnectionListener() {
            @Override
            public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
                Guarded g = open.get(ctx);
                if (g != null && g.waitingSince != 0) {
                    g.headBytes = true;
                }
            }

            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                Guarded g = open.get(ctx);
                if (g != null) {
                    g.waitingSince = 0;
                }
            }
        };
    }

    /** {@code http1} (Helidon's HTTP/1 selector, the listener's only one) with every connection guarded. */
    ServerConnectionSelector around(ServerConnectionSelector http1) {
        return new ServerConnectionSelector() {
            @Override
            public int bytesToIdentifyConnection() {
                return http1.bytesToIdentifyConnection();
            }

            @Override
            public Support supports(BufferData request) {
                return http1.supports(request);
            }

            @Override
            public Set<String> supportedApplicationProtocols() {
                return http1.supportedApplicationProtocols();
            }

            @Override
            public ServerConnection connection(ConnectionContext ctx) {
                return guard(ctx, http1.connection(ctx));
            }
        };
    }

    /** Connections open now from {@code address} (tests). */
    int connections(InetAddress address) {
        AtomicInteger n = perClient.get(address);
        return n == null ? 0 : n.get();
    }

    private ServerConnection guard(ConnectionContext ctx, ServerConnection http1) {
        InetAddress client = ctx.remotePeer().address() instanceof InetSocketAddress inet ? inet.getAddress() : null;
        AtomicInteger count = client == null ? null : perClient.computeIfAbsent(client, k -> new AtomicInteger());
        int held = count == null ? 0 : count.incrementAndGet();
        Guarded g = new Guarded(ctx, http1, client, count);
        if (maxPerClient > 0 && held > maxPerClient) {
            g.refused = true;
        }
        return g;
    }

    private void release(Guarded g) {
        open.remove(g.ctx);
        if (g.count != null && g.count.decrementAndGet() <= 0) {
            perClient.remove(g.client, g.count);
            // A connection counted between the read and the remove is counted again on its next accept: harmless.
        }
    }

    /** Refusals are counted and logged as the access log writes requests refused before routing. */
    private void refused(int status, String why, int bytes) {
        if (metrics != null) {
            metrics.request(FerryMetrics.Endpoint.OTHER, "-", status, FerryMetrics.Cache.NONE, bytes, 0);
        }
        ACCESS.log(Level.INFO, "- - - " + status + " refused before routing: " + why);
    }

    /** One connection: Helidon's, with the head deadline checked beside it. */
    private final class Guarded implements ServerConnection, InterruptableTask<Void> {
        final ConnectionContext ctx;
        final ServerConnection http1;
        final InetAddress client;
        final AtomicInteger count;
        boolean refused;
        /** When it began waiting for the current head (System.nanoTime), 0 while a request is in progress. */
        volatile long waitingSince = System.nanoTime();
        /** Whether the request line of the awaited head has arrived. */
        volatile boolean headBytes;

        private volatile ScheduledFuture<?> check;
        private volatile boolean expired;

        Guarded(ConnectionContext ctx, ServerConnection http1, InetAddress client, AtomicInteger count) {
            this.ctx = ctx;
            this.http1 = http1;
            this.client = client;
            this.count = count;
        }

        @Override
        public void handle(Limit limit) throws InterruptedException {
            try {
                if (refused) {
                    refuse();
                    return;
                }
                open.put(ctx, this);
                if (!headTimeout.isZero()) {
                    schedule(headTimeout.toNanos());
                }
                http1.handle(limit);
            } catch (RuntimeException e) {
                if (expired) {
                    // The socket was closed under the reader by the deadline: the end this connection was given.
                    throw new CloseConnectionException("request head timed out");
                }
                throw e;
            } finally {
                ScheduledFuture<?> c = check;
                if (c != null) {
                    c.cancel(false);
                }
                release(this);
            }
        }

        private void refuse() {
            refused(429, "connection limit of " + maxPerClient + " per client address reached", TOO_MANY.length);
            write(TOO_MANY);
            throw new CloseConnectionException("too many connections from " + client);
        }

        private void schedule(long delayNanos) {
            check = TIMER.schedule(this::checkDeadline, Math.max(delayNanos, 1_000_000), TimeUnit.NANOSECONDS);
        }

        /**
         * The connection goes back to waiting for a head when Helidon reads a request line again (its
         * {@code canInterrupt}); there is no event for it, so a request in progress is looked at again a quarter of
         * the timeout later.
         */
        private void checkDeadline() {
            if (expired) {
                return;
            }
            long now = System.nanoTime();
            long since = waitingSince;
            if (since == 0) {
                if (http1 instanceof InterruptableTask<?> t && t.canInterrupt()) {
                    headBytes = false;
                    waitingSince = now;
                    schedule(headTimeout.toNanos());
                } else {
                    schedule(headTimeout.toNanos() / 4);
                }
                return;
            }
            long left = since + headTimeout.toNanos() - now;
            if (left > 0) {
                schedule(left);
                return;
            }
            expired = true;
            if (headBytes || bytesWaiting()) {
                refused(408, "request head not received within " + headTimeout.toMillis() + " ms", TIMED_OUT.length);
                write(TIMED_OUT);
            }
            http1.close(false);
            try {
                ctx.serverSocket().close();
            } catch (RuntimeException e) { // UnsupportedOperationException from a context without a socket too
                LOG.log(Level.FINE, "closing a connection whose head timed out", e);
            }
        }

        /**
         * Whether part of a request line sits in the reader's buffer. The reader belongs to the connection's thread,
         * which is blocked reading more of it; a stale answer here costs only the choice between 408 and a quiet
         * close.
         */
        private boolean bytesWaiting() {
            try {
                return ctx.dataReader().available() > 0;
            } catch (RuntimeException e) {
                return false;
            }
        }

        private void write(byte[] response) {
            try {
                ctx.dataWriter().writeNow(BufferData.create(response));
            } catch (RuntimeException e) {
                // the client is gone already; closing is all that is left
            }
        }

        @Override
        public boolean canInterrupt() {
            return http1 instanceof InterruptableTask<?> t && t.canInterrupt();
        }

        @Override
        public Duration idleTime() {
            return http1.idleTime();
        }

        @Override
        public void close(boolean interrupt) {
            http1.close(interrupt);
        }
    }

    private static byte[] response(int status, String reason, String text) {
        String body = text + "\n";
        return ("HTTP/1.1 " + status + " " + reason + "\r\n"
                        + "Content-Type: text/plain; charset=utf-8\r\n"
                        + "Cache-Control: no-store\r\n"
                        + "Connection: close\r\n"
                        + "Content-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "ferry-head-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        return t;
    }
}
