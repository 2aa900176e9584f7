package dev.ferry.upstreams.goproxy;

import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.FetchResult;

/**
 * Fetches GOPROXY paths (already escaped, relative: {@code github.com/!burnt!sushi/toml/@v/list}) from a
 * {@link GoProxyList} with its fall-through rules, timeouts (connect, first byte, stall) and streamed bodies.
 */
public interface GoProxyClient {
    <T> FetchResult<T> fetch(String path, BodyHandler<T> handler);
}
