package dev.ferry.server.http;

import dev.ferry.server.config.ListenerSettings;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import java.time.Duration;

/** Builds the Helidon WebServer (HTTP/1.1, virtual threads) around {@link FerryRoutes}. */
public final class FerryHttpServer {
    /** Longest request line; longer ones are refused by Helidon with a 4xx before routing. */
    public static final int MAX_REQUEST_LINE = 4096;

    public static final int MAX_HEADERS = 16 * 1024;

    private FerryHttpServer() {}

    /** A server (not started) on {@code host:port}; port 0 picks a free port, see {@link WebServer#port()}. */
    public static WebServer create(String host, int port, FerryRoutes routes, Duration shutdownGrace) {
        return create(host, port, routes, shutdownGrace, UNLIMITED);
    }

    /** No limit from Helidon: {@link FerryRoutes} refuses bodies itself, with the registry's JSON errors. */
    public static final long UNLIMITED = -1;

    /**
     * @param maxPayload the longest request body Helidon accepts (-1: no limit). Registry uploads can be many
     *                   GiB; the registry checks each body against its own limit and answers with the spec's
     *                   SIZE_TOO_LARGE, and routes that read no body close the connection instead of draining it.
     */
    public static WebServer create(String host, int port, FerryRoutes routes, Duration shutdownGrace, long maxPayload) {
        return create(host, port, routes, shutdownGrace, maxPayload, ListenerSettings.defaults(), null);
    }

    /** Plain HTTP with {@code limits}. */
    public static WebServer create(
            String host,
            int port,
            FerryRoutes routes,
            Duration shutdownGrace,
            long maxPayload,
            ListenerSettings limits) {
        return create(host, port, routes, shutdownGrace, maxPayload, limits, null);
    }

    /**
     * @param limits the request-head deadline and the connections one client address may hold, enforced by a
     *               {@link ConnectionGuard} around Helidon's HTTP/1 connections (Helidon's own limits are per
     *               listener, and its idle timeout does not reach a connection part-way through a head)
     * @param tls    HTTPS on the listener, or null for plain HTTP
     */
    public static WebServer create(
            String host,
            int port,
            FerryRoutes routes,
            Duration shutdownGrace,
            long maxPayload,
            ListenerSettings limits,
            io.helidon.common.tls.Tls tls) {
        routes.publicAddress(PublicAddress.of(limits));
        routes.trustedProxies(limits.trustedProxies());
        ConnectionGuard guard =
                new ConnectionGuard(limits.headTimeout(), limits.maxConnectionsPerClient(), routes.metrics());
        Http1Config http1 = Http1Config.builder()
                // the name the discovered HTTP/1 config has; with the default one, requests Helidon
                // refuses in the request line (HTTP/1.0, bad protocol) got no answer at all
                .name("http_1_1")
                .maxPrologueLength(MAX_REQUEST_LINE)
                .maxHeadersSize(MAX_HEADERS)
                // ferry never reads Host; the full check costs a regex match per request
                .validateRequestHostHeader(false)
                // every response header ferry sets is a constant or a hex digest: skip re-checking them
                .validateResponseHeaders(false)
                .addReceiveListener(guard.listener())
                .build();
        var builder = WebServer.builder();
        if (tls != null) {
            builder.tls(tls);
        }
        return builder.host(host)
                .port(port)
                .shutdownGracePeriod(shutdownGrace)
                .maxPayloadSize(maxPayload)
                // Helidon's per-response BufferedOutputStream: small (it was 256 KiB, allocated for every streamed
                // body). BodySender gathers small writes itself and its large writes (whole stored chunks) pass
                // a BufferedOutputStream this size uncopied. Writes must stay direct (writeQueueLength 0, the
                // default): ChunkedInputStream.transferTo reuses the array once a write returns.
                .writeBufferSize(8 * 1024)
                // Without it the tail of a streamed body waits for the client's delayed ACK (Nagle): 40 ms on
                // most zip downloads over a kept-alive connection, measured with curl against a 108 KB zip. It
                // costs peak loopback throughput on large zips (~0.43 of nginx's sendfile instead of ~0.5; BodySender
                // handing whole stored chunks to the socket in large writes recovers part of it), which no real
                // link notices.
                .connectionOptions(o -> o.tcpNoDelay(true))
                // The guarded HTTP/1 selector is the listener's only one (no protocols discovered): with a single
                // candidate Helidon hands it each connection at accept, before a byte is read, so the guard sees
                // (and times) connections that never send anything.
                .protocolsDiscoverServices(false)
                .addConnectionSelector(guard.around(
                        Http1ConnectionSelector.builder().config(http1).build()))
                .directHandlers(PlainDirectHandler.handlers(routes.metrics()))
                .routing(routes::register)
                .build();
    }
}
