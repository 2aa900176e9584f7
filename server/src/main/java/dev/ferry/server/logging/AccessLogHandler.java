package dev.ferry.server.logging;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * Writes access-log messages (bare, one per line) off the request threads: requests only enqueue; a daemon
 * thread writes in batches and flushes whenever the queue runs empty.
 */
public final class AccessLogHandler extends Handler {
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(64 * 1024);
    private final OutputStream out;
    private final Thread writer;
    private volatile boolean closed;

    public AccessLogHandler(OutputStream out) {
        this.out = out;
        this.writer = Thread.ofPlatform().daemon().name("ferry-access-log").start(this::drain);
    }

    @Override
    public void publish(LogRecord record) {
        if (closed || !isLoggable(record)) {
            return;
        }
        try {
            queue.put(record.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void drain() {
        List<String> batch = new ArrayList<>(256);
        StringBuilder sb = new StringBuilder(64 * 1024);
        try {
            while (!closed || !queue.isEmpty()) {
                String first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1023);
                for (String line : batch) {
                    sb.append(line).append('\n');
                }
                batch.clear();
                write(sb);
            }
        } catch (InterruptedException e) {
            // closing
        }
        queue.drainTo(batch);
        batch.forEach(line -> sb.append(line).append('\n'));
        write(sb);
    }

    private void write(StringBuilder sb) {
        if (sb.isEmpty()) {
            return;
        }
        try {
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            if (queue.isEmpty()) {
                out.flush();
            }
        } catch (IOException e) {
            reportError("cannot write the access log", e, 0);
        }
        sb.setLength(0);
    }

    @Override
    public void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            reportError("cannot flush the access log", e, 0);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush();
    }
}
