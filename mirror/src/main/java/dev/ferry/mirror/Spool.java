package dev.ferry.mirror;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bytes of one download in progress, readable by any number of clients while they arrive, from the
 * start, whenever they join. The store's object under construction cannot be read, and a ring buffer would
 * lose the start for late joiners, so the bytes are kept here until the download ends: in memory up to a
 * limit, then in a temporary file under the spool directory, opened with DELETE_ON_CLOSE (which on Linux
 * unlinks it at once, so a crash leaves nothing behind to clean up).
 *
 * <p>Readers never see the last byte until {@link #complete}, which the receiver calls once the bytes are the
 * right ones: after the commit (a Go module file: a client whose response completed knows it is stored), or, for
 * a mirrored OCI blob, once its length and digest are checked, with the commit behind it (docs/storage.md). After {@link #fail} every read throws, so the server
 * aborts those responses rather than ending them cleanly.
 *
 * <p>One writer thread appends; the file is dropped when the writer has {@link #release}d it and the last
 * reader closed.
 */
public final class Spool {
    private enum State {
        OPEN,
        COMPLETE,
        FAILED
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Path dir;
    private final long memoryLimit;
    private final long declaredLength;
    private byte[] memory = new byte[8192];
    private FileChannel file;
    private boolean spilled;
    private long size;
    private State state = State.OPEN;
    private String failure;
    private int readers;
    private boolean writerReleased;
    private boolean discarded;

    /** @param declaredLength the length the upstream announced, or -1 */
    public Spool(Path dir, long memoryLimit, long declaredLength) {
        this.dir = dir;
        this.memoryLimit = memoryLimit;
        this.declaredLength = declaredLength;
    }

    /** Whether the bytes went past the memory limit into a file. */
    public boolean onDisk() {
        lock.lock();
        try {
            return spilled;
        } finally {
            lock.unlock();
        }
    }

    public long declaredLength() {
        return declaredLength;
    }

    public void append(byte[] b, int off, int len) throws IOException {
        lock.lock();
        try {
            if (discarded || state != State.OPEN) {
                throw new IllegalStateException("spool is no longer open");
            }
            if (file == null && size + len > memoryLimit) {
                spill();
            }
            if (file == null) {
                if (size + len > memory.length) {
                    memory = Arrays.copyOf(
                            memory, (int) Math.min(memoryLimit, Math.max(size + len, 2L * memory.length)));
                }
                System.arraycopy(b, off, memory, (int) size, len);
            } else {
                ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
                long at = size;
                while (buffer.hasRemaining()) {
                    at += file.write(buffer, at);
                }
            }
            size += len;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void spill() throws IOException {
        Files.createDirectories(dir);
        Path path = Files.createTempFile(dir, "fetch-", ".spool");
        file = FileChannel.open(
                path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE);
        ByteBuffer buffer = ByteBuffer.wrap(memory, 0, (int) size);
        long at = 0;
        while (buffer.hasRemaining()) {
            at += file.write(buffer, at);
        }
        memory = null;
        spilled = true;
    }

    /** Everything is in and checked (or stored): readers may have the last byte. Idempotent. */
    public void complete() {
        finish(State.COMPLETE, null);
    }

    /** The download or its check failed; readers throw with {@code reason}. Idempotent, first reason wins. */
    public void fail(String reason) {
        finish(State.FAILED, reason);
    }

    private void finish(State end, String reason) {
        lock.lock();
        try {
            if (state == State.OPEN) {
                state = end;
                failure = reason;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The writer is done with the spool (after complete or fail); storage goes once no reader holds it. */
    public void release() {
        lock.lock();
        try {
            if (state == State.OPEN) {
                state = State.FAILED;
                failure = "download ended without an outcome";
                changed.signalAll();
            }
            writerReleased = true;
            discardIfUnused();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the download this spool follows failed. */
    public boolean failed() {
        lock.lock();
        try {
            return state == State.FAILED;
        } finally {
            lock.unlock();
        }
    }

    /** A reader from the start, or null when the spool was already discarded (then the outcome is elsewhere). */
    public Reader open() {
        lock.lock();
        try {
            if (discarded) {
                return null;
            }
            readers++;
            return new Reader();
        } finally {
            lock.unlock();
        }
    }

    private void discardIfUnused() {
        if (writerReleased && readers == 0 && !discarded) {
            discarded = true;
            memory = null;
            if (file != null) {
                try {
                    file.close();
                } catch (IOException ignored) {
                    // DELETE_ON_CLOSE already unlinked or will on exit; nothing else to do
                }
            }
        }
    }

    /** Reads the spool front to back, waiting for bytes that have not arrived yet. */
    public final class Reader implements Closeable {
        private long position;
        private boolean closed;

        /** Blocks until at least one byte, the end (-1), or the failure (IOException). */
        public int read(byte[] b, int off, int len) throws IOException {
            FileChannel from;
            int n;
            lock.lock();
            try {
                while (true) {
                    if (closed) {
                        throw new IOException("spool reader closed");
                    }
                    if (state == State.FAILED) {
                        throw new SpoolFailedException(failure);
                    }
                    long readable = state == State.COMPLETE ? size : size - 1;
                    if (position < readable) {
                        n = (int) Math.min(len, readable - position);
                        if (file == null) {
                            System.arraycopy(memory, (int) position, b, off, n);
                            position += n;
                            return n;
                        }
                        from = file;
                        break;
                    }
                    if (state == State.COMPLETE) {
                        return -1;
                    }
                    try {
                        changed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while waiting for upstream bytes");
                    }
                }
            } finally {
                lock.unlock();
            }
            // Positional reads of bytes already written need no lock; the channel stays open while we hold a reader.
            int got = from.read(ByteBuffer.wrap(b, off, n), position);
            if (got <= 0) {
                throw new IOException("spool file shorter than its recorded size");
            }
            position += got;
            return got;
        }

        @Override
        public void close() {
            lock.lock();
            try {
                if (!closed) {
                    closed = true;
                    readers--;
                    discardIfUnused();
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
