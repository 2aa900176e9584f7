package dev.ferry.server.http;

import dev.ferry.server.metrics.FerryMetrics.Cache;
import dev.ferry.server.metrics.FerryMetrics.Endpoint;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;

/** One request in flight: the Helidon pair plus what the access log and metrics want to know about it. */
final class Exchange {
    static final Header TEXT_PLAIN = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    static final Header NO_STORE = HeaderValues.createCached(HeaderNames.CACHE_CONTROL, "no-store");

    final ServerRequest req;
    final ServerResponse res;
    final String rawPath;
    final boolean head;
    Endpoint endpoint = Endpoint.OTHER;
    Cache cache = Cache.NONE;
    long bytes;
    boolean aborted;
    /** The upstream pool a miss went to when the route knows it better than its endpoint ("registry:NAME"). */
    String upstream;
    /** Set when access lines carry request ids (JSON logs); null otherwise. */
    String requestId;
    /** The client's address: the connection's, or what a trusted proxy says it is (ClientAddress). */
    String client = "";
    /** An owner fetch with a valid cluster token: it stands in for pull access (the nodes are one site). */
    boolean clusterPeer;
    /** How this server names itself to the client (the registry's realm). */
    PublicAddress publicAddress = PublicAddress.listenAddressOnly();

    Exchange(ServerRequest req, ServerResponse res) {
        this.req = req;
        this.res = res;
        this.rawPath = req.prologue().uriPath().rawPath();
        this.head = Method.HEAD.equals(req.prologue().method());
    }

    String method() {
        return req.prologue().method().text();
    }

    /** Sends a short plain-text answer (a newline is appended); HEAD gets the headers only. */
    void sendText(int status, String text) {
        sendText(Status.create(status), text);
    }

    void sendText(Status status, String text) {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        res.status(status);
        sendBytes(body, TEXT_PLAIN);
    }

    /**
     * Called before a response goes out: when the request's body has not been read (a refusal, or a route that
     * takes no body), the response says {@code Connection: close}, so the client does not reuse a connection
     * that {@link FerryRoutes} will close instead of reading that body to its end.
     */
    void beforeSend() {
        if (req.content().hasEntity() && !req.content().consumed()) {
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
    }

    /**
     * Forgets the headers a content answer set before its body failed, so the error that replaces it carries
     * no validator or cache lifetime of the content it is not.
     */
    void dropContentHeaders(HeaderName... names) {
        for (HeaderName name : names) {
            res.headers().remove(name);
        }
        res.headers().remove(HeaderNames.ETAG);
        res.headers().remove(HeaderNames.WARNING);
        res.headers().remove(GoAnswerResponder.X_FERRY_STALE);
        res.headers().remove(HeaderNames.CONTENT_LENGTH);
        res.headers().remove(HeaderNames.CONTENT_TYPE);
        res.header(NO_STORE);
    }

    /** Sends {@code body} with the Content-Type already set; HEAD gets the headers (with Content-Length) only. */
    void sendBytes(byte[] body, Header contentType) {
        beforeSend();
        res.header(contentType);
        if (head) {
            res.contentLength(body.length);
            res.send();
        } else {
            bytes = body.length;
            res.send(body);
        }
    }
}
