package dev.ferry.server.http;

import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.go.GoModuleMirror;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.goproxy.ProxyRequestException;
import dev.ferry.server.metrics.FerryMetrics.Endpoint;

/**
 * The GOPROXY edge: checks the raw request path, parses it with {@link ProxyRequest#parse}, asks the mirror and
 * hands the answer to {@link GoAnswerResponder}. Bad input never reaches the mirror.
 */
final class GoProxyHandler {
    /** Longest raw path we parse; longer ones get 414 without a look at their content. */
    static final int MAX_PATH = ProxyRequest.MAX_PATH_LENGTH;

    /** Parses a raw GOPROXY path; {@link ProxyRequest#parse} in production. */
    @FunctionalInterface
    interface Parser {
        ProxyRequest parse(String rawPath) throws FormatException;
    }

    private final GoModuleMirror mirror;
    private final Parser parser;
    private final PullGate gate;

    GoProxyHandler(GoModuleMirror mirror, Parser parser, PullGate gate) {
        this.mirror = mirror;
        this.parser = parser;
        this.gate = gate;
    }

    void handle(Exchange x) {
        String problem = edgeCheck(x);
        if (problem != null) {
            return;
        }
        ProxyRequest request;
        try {
            request = parser.parse(x.rawPath);
        } catch (IllegalArgumentException e) { // FormatException and its kin
            x.res.header(Exchange.NO_STORE);
            x.sendText(rejectionStatus(e), message(e));
            return;
        }
        x.endpoint = endpoint(request);
        if (!gate.mayRead(x, request.module())) {
            return;
        }
        GoAnswer answer = mirror.answer(request);
        if (answer == null) {
            throw new IllegalStateException("mirror gave no answer for " + x.rawPath);
        }
        GoAnswerResponder.respond(x, answer);
    }

    /** Cheap checks of the raw request; sends the 4xx and returns non-null when the request is refused. */
    private static String edgeCheck(Exchange x) {
        String path = x.rawPath;
        String problem = null;
        // The rest (percent-encoding, dot and empty elements, bad module paths and versions) is ProxyRequest.parse's.
        int status = 400;
        if (x.req.prologue().hasQuery() && !x.req.prologue().query().rawValue().isEmpty()) {
            problem = "the GOPROXY protocol takes no query string";
        } else if (path.length() > MAX_PATH) {
            status = 414;
            problem = "request path longer than " + MAX_PATH + " characters";
        }
        if (problem != null) {
            x.res.header(Exchange.NO_STORE);
            x.sendText(status, problem);
        }
        return problem;
    }

    /**
     * 400 for requests no go command would send; 404 for well-formed ones naming something that cannot exist (so
     * that the go command falls through to its next GOPROXY entry). {@link ProxyRequestException} decides.
     */
    static int rejectionStatus(IllegalArgumentException e) {
        return e instanceof ProxyRequestException pre ? pre.httpStatus() : 400;
    }

    private static String message(IllegalArgumentException e) {
        String m = e.getMessage();
        return m == null || m.isBlank()
                ? "bad request"
                : m.strip().replace('\n', ' ').replace('\r', ' ');
    }

    static Endpoint endpoint(ProxyRequest request) {
        return switch (request) {
            case ProxyRequest.List l -> Endpoint.LIST;
            case ProxyRequest.Latest l -> Endpoint.LATEST;
            case ProxyRequest.Info i -> Endpoint.INFO;
            case ProxyRequest.Mod m -> Endpoint.MOD;
            case ProxyRequest.Zip z -> Endpoint.ZIP;
        };
    }
}
