package dev.ferry.upstreams.pool;

/**
 * One request of a protocol client as a {@link PoolWalk} asks it of the upstreams in turn. The client says how to
 * send it and what an answer means; the walk decides whom to ask and when, hedges, continues broken bodies,
 * retries, and records what each answer says about its upstream.
 */
public interface UpstreamCall<T> {
    /** The request's path under an upstream's base, for logs. */
    String path();

    /**
     * Sends the request to {@code upstream}: {@code rangeFrom} 0 for a first request, else for the rest of a
     * body from that byte ({@code Range: bytes=N-}).
     */
    Sent send(Upstream upstream, long rangeFrom);

    /** What an answer comes to; owns and closes its body. */
    Attempted<T> read(Answer answer);

    /** The request as asked of {@code upstream}, for logs. */
    String describe(Upstream upstream);

    /** A not-found {@code upstream} gave for this request a moment ago: it is not asked again (null: ask it). */
    default Outcome.Missing<T> remembered(Upstream upstream) {
        return null;
    }

    /** {@code upstream} said it does not have it. */
    default void missed(Upstream upstream, Outcome.Missing<T> missing) {}
}
