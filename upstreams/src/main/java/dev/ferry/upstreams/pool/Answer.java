package dev.ferry.upstreams.pool;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.List;

/**
 * The answer the upstream at {@code plan[index]} gave to a call: its headers, and its body still to read, unless
 * it was small and read ahead ({@link Sent.Answered#body()}).
 */
public record Answer(List<UpstreamPool.Member> plan, int index, Sent.Answered sent) {
    public Upstream upstream() {
        return plan.get(index).upstream();
    }

    public HttpResponse<InputStream> response() {
        return sent.response();
    }

    public int status() {
        return sent.response().statusCode();
    }

    /** The declared Content-Length, or -1. */
    public long declaredLength() {
        return sent.response().headers().firstValueAsLong("Content-Length").orElse(-1);
    }
}
