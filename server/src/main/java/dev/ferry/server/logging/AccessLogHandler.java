package dev.ferry.server.logging;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * Writes access-log messages (bare, one per line) off the request threads. Requests only append to a lock-free
 * queue (no wake-up per line); a daemon thread drains it every few milliseconds and writes in batches. When the
 * writer falls {@link #MAX_PENDING} lines behind, new lines are dropped and counted rather than slowing requests.
 */
public final class AccessLogHandler extends Handler {
    static final int MAX_PENDING = 256 * 1024;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final OutputStream out;
    private final Thread writer;
    private volatile boolean closed;

    private final boolean json;

    public AccessLogHandler(OutputStream out) {
        this(out, false);
    }

    /** @param json the lines are JSON objects, so its own notes are too */
    public AccessLogHandler(OutputStream out, boolean json) {
        this.out = out;
        this.json = json;
        this.writer = Thread.ofPlatform().daemon().name("ferry-access-log").start(this::drain);
    }

    @Override
    public void publish(LogRecord record) {
        if (closed || !isLoggable(record)) {
            return;
        }
        if (pending.incrementAndGet() > MAX_PENDING) {
            pending.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        queue.offer(record.getMessage());
    }

    private void drain() {
        StringBuilder sb = new StringBuilder(64 * 1024);
        while (true) {
            boolean stopping = closed;
            String line;
            int n = 0;
            while ((line = queue.poll()) != null) {
                n++;
                sb.append(line).append('\n');
                if (sb.length() >= 60 * 1024) {
                    write(sb);
                }
            }
            if (n > 0) {
                pending.addAndGet(-n);
            }
            long lost = dropped.getAndSet(0);
            if (lost > 0) {
                String note = lost + " lines dropped (log writer too slow)";
                if (json) {
                    sb.append('{');
                    JsonLines.field(sb, "time", JsonFormatter.TIME.format(java.time.Instant.now()));
                    JsonLines.field(sb, "level", "WARNING");
                    JsonLines.field(sb, "logger", "ferry.access");
                    JsonLines.field(sb, "message", note);
                    sb.append("}\n");
                } else {
                    sb.append("ferry.access: ").append(note).append('\n');
                }
            }
            write(sb);
            if (stopping) {
                return;
            }
            if (n == 0) {
                LockSupport.parkNanos(IDLE_PARK_NANOS);
            }
        }
    }

    private void write(StringBuilder sb) {
        if (sb.isEmpty()) {
            return;
        }
        try {
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            reportError("cannot write the access log", e, 0);
        }
        sb.setLength(0);
    }

    @Override
    public void flush() {
        // the writer thread flushes after every batch
    }

    /** Writes what is queued and stops the writer. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LockSupport.unpark(writer);
        try {
            writer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
