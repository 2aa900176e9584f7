package dev.ferry.mirror;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;

/**
 * What one client was sent; {@link #reached} opens once a number of bytes has arrived (the first, unless told). A
 * {@link #rewindable()} one is a response buffered whole that has not gone out yet ({@link Body.Rewindable}); a
 * {@link #plain()} one has sent every byte it was given.
 */
public class ClientOutput extends OutputStream {
    public final CountDownLatch reached = new CountDownLatch(1);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final long target;

    private ClientOutput(long target) {
        this.target = target;
    }

    public static ClientOutput plain() {
        return new ClientOutput(1);
    }

    /** A plain output whose {@link #reached} opens at {@code target} bytes. */
    public static ClientOutput reaching(long target) {
        return new ClientOutput(target);
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
        if (bytes.size() >= target) {
            reached.countDown();
        }
    }

    public synchronized byte[] bytes() {
        return bytes.toByteArray();
    }

    public synchronized long size() {
        return bytes.size();
    }

    private static final class Rewindable extends ClientOutput implements Body.Rewindable {
        Rewindable() {
            super(1);
        }

        @Override
        public synchronized void rewind() {
            ((ClientOutput) this).bytes.reset();
        }
    }
}
