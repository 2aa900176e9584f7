package dev.ferry.testing;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.Options.ChunkedEncodingPolicy;

/**
 * WireMock servers for fault tests, bound to 127.0.0.1 on a free port (tests send traffic to loopback only), not
 * yet started.
 */
public final class LoopbackWireMock {
    private LoopbackWireMock() {}

    /**
     * Every body sent with a Content-Length, as a GOPROXY or registry sends files: the client knows the length, so
     * truncation and short reads are what ferry meets from real upstreams.
     */
    public static WireMockServer withLengths() {
        return new WireMockServer(wireMockConfig()
                .bindAddress("127.0.0.1")
                .dynamicPort()
                .useChunkedTransferEncoding(ChunkedEncodingPolicy.NEVER));
    }

    /** Every body sent chunked, without a declared length. */
    public static WireMockServer chunked() {
        return new WireMockServer(wireMockConfig()
                .bindAddress("127.0.0.1")
                .dynamicPort()
                .useChunkedTransferEncoding(ChunkedEncodingPolicy.ALWAYS));
    }

    /** WireMock's own choice of framing per response. */
    public static WireMockServer server() {
        return new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    }
}
