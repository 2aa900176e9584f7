package dev.ferry.upstreams.goproxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Misbehaviour WireMock cannot stage, on a bare socket: a black hole that accepts connections and never answers,
 * and a server that sends headers and part of a body and then resets the connection (RST, not FIN).
 */
final class RawUpstream implements AutoCloseable {
    enum Mode {
        BLACK_HOLE,
        RESET_MID_BODY
    }

    private final ServerSocket server;
    private final Mode mode;
    private final byte[] body;
    private final int sendBeforeReset;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> held = new CopyOnWriteArrayList<>();

    RawUpstream(Mode mode, byte[] body, int sendBeforeReset) throws IOException {
        this.mode = mode;
        this.body = body;
        this.sendBeforeReset = sendBeforeReset;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::acceptLoop);
    }

    static RawUpstream blackHole() throws IOException {
        return new RawUpstream(Mode.BLACK_HOLE, new byte[0], 0);
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                held.add(s);
                if (mode == Mode.RESET_MID_BODY) {
                    Thread.ofVirtual().start(() -> resetMidBody(s));
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private void resetMidBody(Socket s) {
        try {
            InputStream in = s.getInputStream();
            // Read the request head.
            int matched = 0;
            int c;
            while (matched < 4 && (c = in.read()) >= 0) {
                matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
            }
            OutputStream out = s.getOutputStream();
            out.write(
                    ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nContent-Type: application/zip\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, sendBeforeReset);
            out.flush();
            s.setSoLinger(true, 0);
            s.close();
        } catch (IOException e) {
            // the client went away first
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : held) {
            s.close();
        }
    }
}
