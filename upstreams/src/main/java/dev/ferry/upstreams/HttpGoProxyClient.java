package dev.ferry.upstreams;

/** {@link GoProxyClient} on the JDK HttpClient. STUB: the upstreams work fills it in. */
public final class HttpGoProxyClient implements GoProxyClient {
    public HttpGoProxyClient(GoProxyList list, UpstreamTimeouts timeouts, UpstreamEvents events) {}

    @Override
    public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
        throw new UnsupportedOperationException("todo");
    }
}
