package dev.ferry.upstreams.pool;

/** The body arrived but its content is unacceptable; the message says why, for logs and the client. */
public class ContentRejected extends Exception {
    public ContentRejected(String message) {
        super(message);
    }

    public ContentRejected(String message, Throwable cause) {
        super(message, cause);
    }
}
