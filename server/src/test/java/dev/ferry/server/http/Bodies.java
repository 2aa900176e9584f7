package dev.ferry.server.http;

import dev.ferry.mirror.Body;
import java.io.IOException;
import java.io.OutputStream;

/** Body doubles. */
final class Bodies {
    private Bodies() {}

    static Body of(byte[] bytes) {
        return new Body() {
            @Override
            public long length() {
                return bytes.length;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                out.write(bytes);
            }
        };
    }

    /** A body of {@code declared} bytes (or -1) that writes {@code before} bytes and then fails. */
    static Body failingAfter(long declared, int before) {
        return new Body() {
            @Override
            public long length() {
                return declared;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                byte[] chunk = new byte[8192];
                int left = before;
                while (left > 0) {
                    int n = Math.min(left, chunk.length);
                    out.write(chunk, 0, n);
                    left -= n;
                }
                out.flush();
                throw new IOException("upstream went away");
            }
        };
    }

    /** Bytes of unknown length, streamed in pieces. */
    static Body unknownLength(byte[] bytes) {
        return new Body() {
            @Override
            public long length() {
                return -1;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                for (int i = 0; i < bytes.length; i += 1000) {
                    out.write(bytes, i, Math.min(1000, bytes.length - i));
                }
            }
        };
    }
}
