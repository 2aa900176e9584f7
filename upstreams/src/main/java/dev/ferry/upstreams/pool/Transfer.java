package dev.ferry.upstreams.pool;

/**
 * How one 200 answer arrived, for the upstream's speed averages: body bytes, nanoseconds from sending the request
 * to the response headers, and to the last body byte.
 */
public record Transfer(long bytes, long firstByteNanos, long totalNanos) {

    /** Body bytes per second after the headers; for a body that came in one go, per second of the whole request. */
    public double rate() {
        long body = totalNanos - firstByteNanos;
        long over = body < totalNanos / 4 ? totalNanos : body;
        return over <= 0 ? Double.MAX_VALUE : bytes * 1e9 / over;
    }
}
