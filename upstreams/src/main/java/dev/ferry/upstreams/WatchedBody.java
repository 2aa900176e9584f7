package dev.ferry.upstreams;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An upstream response body as handed to a {@link BodyHandler}. The JDK HttpClient has no read timeout on a
 * streamed body, so a watchdog closes the underlying stream when one read has waited longer than the stall
 * timeout; closing wakes the blocked read, and the read then reports a stall rather than the "closed" it sees.
 * Only time spent inside read() counts, so a handler that is slow to consume (a busy disk) is not a stall.
 *
 * <p>It also turns an early end of a body with a declared length into a failure (the JDK does so for HTTP/1.1
 * but not necessarily for every framing), and remembers the first failure so the client can classify it even
 * when the handler wrapped or replaced the exception.
 */
final class WatchedBody extends InputStream {
    private final InputStream in;
    private final long declaredLength;
    private final long stallNanos;
    private final ScheduledFuture<?> watchdog;
    private volatile long readingSince = -1;
    private volatile boolean stalled;
    private volatile TransferFailure failure;
    private long count;

    WatchedBody(InputStream in, long declaredLength, Duration stall, ScheduledExecutorService scheduler) {
        this.in = in;
        this.declaredLength = declaredLength;
        this.stallNanos = stall.toNanos();
        long period = Math.max(stallNanos / 4, TimeUnit.MILLISECONDS.toNanos(5));
        this.watchdog = scheduler.scheduleAtFixedRate(this::inspect, period, period, TimeUnit.NANOSECONDS);
    }

    /** Bytes delivered to the reader so far. */
    long count() {
        return count;
    }

    /** The first failure this body reported, or null. */
    TransferFailure failure() {
        return failure;
    }

    private void inspect() {
        long since = readingSince;
        if (since != -1 && System.nanoTime() - since > stallNanos) {
            stalled = true;
            watchdog.cancel(false);
            try {
                in.close();
            } catch (IOException | RuntimeException ignored) {
                // The read it wakes reports the stall.
            }
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (len == 0) {
            return 0;
        }
        int n;
        readingSince = System.nanoTime();
        try {
            n = in.read(b, off, len);
        } catch (IOException e) {
            throw fail(stalled ? FailureKind.STALL : classify(e), stalled ? stallMessage() : describe(e), e);
        } finally {
            readingSince = -1;
        }
        if (stalled) {
            throw fail(FailureKind.STALL, stallMessage(), null);
        }
        if (n < 0) {
            if (declaredLength >= 0 && count < declaredLength) {
                throw fail(FailureKind.TRUNCATED, "body ended after " + count + " of " + declaredLength
                        + " declared bytes", new EOFException());
            }
            return -1;
        }
        count += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        watchdog.cancel(false);
        in.close();
    }

    private String stallMessage() {
        return "no body bytes for more than " + Duration.ofNanos(stallNanos).toMillis() + " ms after " + count + " bytes";
    }

    private TransferFailure fail(FailureKind kind, String message, Throwable cause) {
        TransferFailure f = new TransferFailure(kind, message, cause);
        if (failure == null) {
            failure = f;
        }
        return f;
    }

    private static FailureKind classify(IOException e) {
        String text = describe(e).toLowerCase(Locale.ROOT);
        return text.contains("reset") ? FailureKind.RESET : FailureKind.TRUNCATED;
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }
}
