package dev.ferry.mirror;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;

/**
 * What one client was sent; {@link #started} opens at its first byte. A {@link #rewindable()} one is a response
 * buffered whole that has not gone out yet ({@link Body.Rewindable}); a {@link #plain()} one has sent every byte.
 */
public class ClientOutput extends OutputStream {
    public final CountDownLatch started = new CountDownLatch(1);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private ClientOutput() {
    }

    public static ClientOutput plain() {
        return new ClientOutput();
    }

    public static ClientOutput rewindable() {
        return new Rewindable();
    }

    @Override
    public synchronized void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        bytes.write(b, off, len);
        if (len > 0) {
            started.countDown();
        }
    }

    public synchronized byte[] bytes() {
        return bytes.toByteArray();
    }

    private static final class Rewindable extends ClientOutput implements Body.Rewindable {
        @Override
        public synchronized void rewind() {
            ((ClientOutput) this).bytes.reset();
        }
    }
}
