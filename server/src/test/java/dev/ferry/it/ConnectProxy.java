package dev.ferry.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small HTTP proxy on loopback that only tunnels: {@code CONNECT host:port} is recorded, the host is looked up
 * here (as a site's proxy resolves names its clients cannot), and bytes are copied both ways. Anything else gets
 * 405.
 */
final class ConnectProxy implements AutoCloseable {
    private final ServerSocket server;
    private final List<String> connects = new CopyOnWriteArrayList<>();

    ConnectProxy() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("connect-proxy").start(this::accept);
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Every CONNECT target asked for, in order. */
    List<String> connects() {
        return List.copyOf(connects);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread.ofVirtual().start(() -> tunnel(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void tunnel(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            String head = readHead(in);
            String[] request = head.split("\r\n", 2)[0].split(" ");
            OutputStream out = client.getOutputStream();
            if (request.length != 3 || !request[0].equals("CONNECT")) {
                out.write("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                return;
            }
            connects.add(request[1]);
            int colon = request[1].lastIndexOf(':');
            try (Socket upstream = new Socket()) {
                upstream.connect(new InetSocketAddress(
                        InetAddress.getByName(request[1].substring(0, colon)),
                        Integer.parseInt(request[1].substring(colon + 1))));
                out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread back = Thread.ofVirtual().start(() -> copy(upstream, client));
                copy(client, upstream);
                back.join();
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // the tunnel ends with either side
        }
    }

    private static void copy(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            // closed
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        for (int b; matched < 4 && (b = in.read()) >= 0 && head.size() < 16 * 1024; ) {
            head.write(b);
            matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
