package dev.ferry.server.http;

import dev.ferry.mirror.Body;
import dev.ferry.mirror.SpoolFailedException;
import io.helidon.http.Header;
import io.helidon.webserver.CloseConnectionException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a {@link Body} as a response body (status and headers already set): small bodies of known length are
 * buffered and sent in one write, so a failure to read them is still an honest 500; larger ones stream, and a
 * failure part-way closes the connection rather than end a truncated body that looks complete.
 */
final class BodySender {
    /** Bodies up to this size with a known length are buffered and sent in one write; larger ones stream. */
    static final int BUFFERED_BODY_LIMIT = 64 * 1024;
    /** Writes at least this large go to Helidon as they are; smaller ones are gathered first. */
    static final int DIRECT_WRITE = 16 * 1024;
    /** Where small writes are gathered (allocated only for a body that writes small pieces). */
    static final int GATHER_BUFFER = 64 * 1024;
    /**
     * Helidon copies the first write of a response into one buffer with the headers: a larger first write goes as
     * this much first and the rest as it is, so a 1 MiB chunk is not copied for the sake of the headers.
     */
    static final int FIRST_WRITE = 16 * 1024;

    private BodySender() {}

    /** {@code length} is the body's exact length, or -1 when unknown (then it streams without Content-Length). */
    static void send(Exchange x, Body body, long length, Header contentType) {
        x.beforeSend();
        if (length >= 0 && length <= BUFFERED_BODY_LIMIT) {
            sendBuffered(x, body, (int) length, contentType);
        } else {
            stream(x, body, length, contentType);
        }
    }

    private static void sendBuffered(Exchange x, Body body, int length, Header contentType) {
        ExactBuffer buffer = new ExactBuffer(length);
        try {
            body.writeTo(buffer);
        } catch (SpoolFailedException e) {
            // The upstream download this body follows failed (a reset part-way, bad bytes): the upstream's
            // failure, not ferry's, and nothing has gone out, so the responder can still answer it honestly.
            throw new UpstreamFailed(e.getMessage());
        } catch (IOException | RuntimeException e) {
            // Nothing has reached the client yet: an honest error beats a broken download.
            throw new BodyFailed("reading the body failed before the response started", e);
        }
        if (buffer.count != length) {
            throw new BodyFailed("body wrote " + buffer.count + " bytes, declared " + length, null);
        }
        x.sendBytes(buffer.bytes, contentType);
    }

    private static void stream(Exchange x, Body body, long length, Header contentType) {
        var res = x.res;
        res.header(contentType);
        if (length >= 0) {
            res.contentLength(length);
        }
        Counting counting = new Counting(res.outputStream());
        try {
            OutputStream out = new Gathering(counting);
            body.writeTo(out);
            out.flush();
            if (length >= 0 && counting.count != length) {
                throw new IOException("body wrote " + counting.count + " bytes, declared " + length);
            }
            counting.closeUnderlying();
        } catch (IOException | RuntimeException e) {
            x.bytes = counting.count;
            x.aborted = true;
            // Ending the response cleanly would hand the client a truncated file that looks complete.
            throw new CloseConnectionException("response aborted after " + counting.count + " bytes: " + e, e);
        }
        x.bytes = counting.count;
    }

    /**
     * The upstream download a small body followed failed before anything was sent: the responder answers it as
     * the upstream's failure (502), with one log line and no stack trace.
     */
    static final class UpstreamFailed extends RuntimeException {
        UpstreamFailed(String message) {
            super(message, null, false, false);
        }
    }

    /** The body could not be produced before anything was sent: a 500, logged. */
    static final class BodyFailed extends RuntimeException {
        BodyFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A fixed-size byte sink that refuses to overflow. */
    private static final class ExactBuffer extends OutputStream implements Body.Rewindable {
        final byte[] bytes;
        int count;

        ExactBuffer(int size) {
            bytes = new byte[size];
        }

        @Override
        public void rewind() {
            count = 0;
        }

        @Override
        public void write(int b) throws IOException {
            if (count >= bytes.length) {
                throw new IOException("body longer than its declared " + bytes.length + " bytes");
            }
            bytes[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > bytes.length - count) {
                throw new IOException("body longer than its declared " + bytes.length + " bytes");
            }
            System.arraycopy(b, off, bytes, count, len);
            count += len;
        }
    }

    /**
     * Passes large writes (a stored chunk, a spool read) straight through, without a copy; gathers small ones
     * into a buffer allocated the first time one comes, so bodies written in tiny pieces still leave in large
     * socket writes. Helidon's own per-response buffer is small ({@code writeBufferSize} in
     * {@link FerryHttpServer}), so these writes pass it uncopied.
     */
    static final class Gathering extends OutputStream {
        private final OutputStream out;
        private byte[] buffer;
        private int count;
        private boolean started;

        Gathering(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            if (buffer == null) {
                buffer = new byte[GATHER_BUFFER];
            } else if (count == buffer.length) {
                drain();
            }
            buffer[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len >= DIRECT_WRITE) {
                drain();
                if (!started && len > FIRST_WRITE) {
                    pass(b, off, FIRST_WRITE);
                    off += FIRST_WRITE;
                    len -= FIRST_WRITE;
                }
                pass(b, off, len);
                return;
            }
            if (buffer == null) {
                buffer = new byte[GATHER_BUFFER];
            } else if (len > buffer.length - count) {
                drain();
            }
            System.arraycopy(b, off, buffer, count, len);
            count += len;
        }

        private void pass(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            started = true;
        }

        private void drain() throws IOException {
            if (count > 0) {
                pass(buffer, 0, count);
                count = 0;
            }
        }

        @Override
        public void flush() throws IOException {
            drain();
            out.flush();
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    /** Counts bytes handed to Helidon; close() is kept from the body (we close once, when all went well). */
    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void close() {
            // the body must not end the response; see closeUnderlying
        }

        void closeUnderlying() throws IOException {
            out.close();
        }
    }
}
