package dev.ferry.upstreams.pool;

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
    private volatile long count;
    /** Bytes per second below which a body counts as stalled (0: no floor), measured over floorWindowNanos of reading. */
    private final long floorRate;

    private final long floorWindowNanos;
    /** Time spent inside finished reads; with the read in progress, the reading time the floor is measured over. */
    private volatile long readNanos;

    private long markReadNanos;
    private long markCount;
    private volatile String slowMessage;
    private volatile FailureKind slowKind = FailureKind.STALL;
    /** A second floor, relative to the pool's best upstream (0: none), over its own shorter window. */
    private final long relativeFloor;

    private final long relativeWindowNanos;
    private long relativeMarkReadNanos;
    private long relativeMarkCount;

    WatchedBody(InputStream in, long declaredLength, Duration stall, ScheduledExecutorService scheduler) {
        this(in, declaredLength, stall, 0, Duration.ofSeconds(1), scheduler);
    }

    public WatchedBody(
            InputStream in,
            long declaredLength,
            Duration stall,
            long floorRate,
            Duration floorWindow,
            ScheduledExecutorService scheduler) {
        this(in, declaredLength, stall, floorRate, floorWindow, 0, floorWindow, scheduler);
    }

    /**
     * @param relativeFloor bytes per second under which the body is abandoned as {@link FailureKind#SLOW}, measured
     *                      over {@code relativeWindow} of reading (0: none); see {@link UpstreamPool#relativeFloor}
     */
    public WatchedBody(
            InputStream in,
            long declaredLength,
            Duration stall,
            long floorRate,
            Duration floorWindow,
            long relativeFloor,
            Duration relativeWindow,
            ScheduledExecutorService scheduler) {
        this.relativeFloor = relativeFloor;
        this.relativeWindowNanos = relativeWindow.toNanos();
        this.in = in;
        this.declaredLength = declaredLength;
        this.stallNanos = stall.toNanos();
        this.floorRate = floorRate;
        this.floorWindowNanos = floorWindow.toNanos();
        long period = Math.max(
                Math.min(
                                Math.min(stallNanos, floorRate > 0 ? floorWindowNanos : Long.MAX_VALUE),
                                relativeFloor > 0 ? relativeWindowNanos : Long.MAX_VALUE)
                        / 4,
                TimeUnit.MILLISECONDS.toNanos(5));
        this.watchdog = scheduler.scheduleAtFixedRate(this::inspect, period, period, TimeUnit.NANOSECONDS);
    }

    /** Bytes delivered to the reader so far. */
    public long count() {
        return count;
    }

    /** Nanoseconds spent waiting inside read() so far: the body's transfer time, without the reader's own. */
    public long readNanos() {
        return readNanos;
    }

    /** The first failure this body reported, or null. */
    public TransferFailure failure() {
        return failure;
    }

    private void inspect() {
        long since = readingSince;
        long now = System.nanoTime();
        if (floorRate > 0 && slowMessage == null) {
            // A trickle above zero defeats the gap timeout; the floor catches it, counting only time spent
            // waiting in read() so a slow consumer is not blamed on the upstream.
            long reading = readNanos + (since != -1 ? now - since : 0);
            if (reading - markReadNanos >= floorWindowNanos) {
                long bytes = count - markCount;
                long rate = bytes * 1_000_000_000L / (reading - markReadNanos);
                if (rate < floorRate) {
                    slowMessage = "body arrived at " + rate + " B/s, below the floor of " + floorRate + " B/s, after "
                            + count + " bytes";
                } else {
                    markReadNanos = reading;
                    markCount = count;
                }
            }
        }
        if (relativeFloor > 0 && slowMessage == null) {
            long reading = readNanos + (since != -1 ? now - since : 0);
            if (reading - relativeMarkReadNanos >= relativeWindowNanos) {
                long bytes = count - relativeMarkCount;
                long rate = bytes * 1_000_000_000L / (reading - relativeMarkReadNanos);
                if (rate < relativeFloor) {
                    slowKind = FailureKind.SLOW;
                    slowMessage = "body arrived at " + rate + " B/s, under the " + relativeFloor
                            + " B/s the pool's best upstream makes slow, after " + count + " bytes";
                } else {
                    relativeMarkReadNanos = reading;
                    relativeMarkCount = count;
                }
            }
        }
        if (slowMessage != null || (since != -1 && now - since > stallNanos)) {
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

    // count and readNanos have one writer, the thread reading the body; the watchdog only reads them, so an
    // increment cannot be lost and volatile is there for the watchdog's view alone.
    @SuppressWarnings("NonAtomicVolatileUpdate")
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
            throw fail(stalled ? stallKind() : classify(e), stalled ? stallMessage() : describe(e), e);
        } finally {
            readNanos += System.nanoTime() - readingSince;
            readingSince = -1;
        }
        if (stalled) {
            throw fail(stallKind(), stallMessage(), null);
        }
        if (n < 0) {
            if (declaredLength >= 0 && count < declaredLength) {
                throw fail(
                        FailureKind.TRUNCATED,
                        "body ended after " + count + " of " + declaredLength + " declared bytes",
                        new EOFException());
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

    private FailureKind stallKind() {
        return slowMessage != null ? slowKind : FailureKind.STALL;
    }

    private String stallMessage() {
        if (slowMessage != null) {
            return slowMessage;
        }
        return "no body bytes for more than " + Duration.ofNanos(stallNanos).toMillis() + " ms after " + count
                + " bytes";
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

    public static String describe(Throwable e) {
        String m = e.getMessage();
        if (m != null) {
            // The JDK client quotes what it received in place of a status line: the upstream's bytes, not ferry's
            // words, so they are left out.
            int quoted = m.indexOf(", receiving [");
            if (quoted >= 0) {
                m = m.substring(0, quoted);
            }
            m = m.length() > 200 ? m.substring(0, 200) + "…" : m;
        }
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }
}
