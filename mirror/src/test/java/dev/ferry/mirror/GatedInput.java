package dev.ferry.mirror;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.CountDownLatch;

/**
 * An upstream body that gives its first {@code first} bytes at once, then stops at a gate ({@link #atGate} opens)
 * until the test {@link #release}s it, and then gives the rest, or breaks off with {@code breaksWith}. Lets a test
 * place clients at a known point of an attempt without sleeping. One read through only.
 */
public final class GatedInput extends InputStream {
    public final CountDownLatch atGate = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final byte[] bytes;
    private final int first;
    private final IOException breaksWith;
    private int position;
    private volatile boolean restServed;

    public GatedInput(byte[] bytes, int first) {
        this(bytes, first, null);
    }

    /** @param breaksWith thrown at the gate once released (a transfer broken midway), or null */
    public GatedInput(byte[] bytes, int first, IOException breaksWith) {
        this.bytes = bytes;
        this.first = first;
        this.breaksWith = breaksWith;
    }

    public void release() {
        release.countDown();
    }

    /** Whether any byte past the gate was given. */
    public boolean restServed() {
        return restServed;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (position == first) {
            atGate.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new InterruptedIOException();
            }
            if (breaksWith != null) {
                throw breaksWith;
            }
        }
        if (position >= bytes.length) {
            return -1;
        }
        int n = Math.min(len, (position < first ? first : bytes.length) - position);
        if (position >= first) {
            restServed = true;
        }
        System.arraycopy(bytes, position, b, off, n);
        position += n;
        return n;
    }
}
