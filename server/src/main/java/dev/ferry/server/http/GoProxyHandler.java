package dev.ferry.server.http;

import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.go.GoModuleMirror;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.server.metrics.FerryMetrics.Endpoint;

/**
 * The GOPROXY edge: checks the raw request path, parses it with {@link ProxyRequest#parse}, asks the mirror and
 * hands the answer to {@link GoAnswerResponder}. Bad input never reaches the mirror.
 */
final class GoProxyHandler {
    /** Longest raw path we parse; longer ones get 414 without a look at their content. */
    static final int MAX_PATH = 2048;

    /** Parses a raw GOPROXY path; {@link ProxyRequest#parse} in production. */
    @FunctionalInterface
    interface Parser {
        ProxyRequest parse(String rawPath) throws FormatException;
    }

    private final GoModuleMirror mirror;
    private final Parser parser;

    GoProxyHandler(GoModuleMirror mirror, Parser parser) {
        this.mirror = mirror;
        this.parser = parser;
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
        int status = 400;
        if (x.req.prologue().hasQuery() && !x.req.prologue().query().rawValue().isEmpty()) {
            problem = "the GOPROXY protocol takes no query string";
        } else if (path.length() > MAX_PATH) {
            status = 414;
            problem = "request path longer than " + MAX_PATH + " characters";
        } else if (path.indexOf('%') >= 0) {
            problem = "percent-encoding is not allowed in GOPROXY paths (module paths use !-escaping): " + path;
        } else {
            problem = segmentProblem(path);
        }
        if (problem != null) {
            x.res.header(Exchange.NO_STORE);
            x.sendText(status, problem);
        }
        return problem;
    }

    /** Empty, "." and ".." segments and backslashes have no place in a GOPROXY path. */
    static String segmentProblem(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return "request path must start with /";
        }
        int start = 1;
        int n = path.length();
        for (int i = 1; i <= n; i++) {
            char c = i < n ? path.charAt(i) : '/';
            if (c == '\\') {
                return "backslash in request path: " + path;
            }
            if (c == '/') {
                int len = i - start;
                if (len == 0) {
                    return "empty path element in " + path;
                }
                if (len <= 2 && path.charAt(start) == '.' && (len == 1 || path.charAt(start + 1) == '.')) {
                    return "'.' and '..' path elements are not allowed: " + path;
                }
                start = i + 1;
            }
        }
        return null;
    }

    /**
     * 400 for requests that are malformed; 404 for well-formed ones naming something that cannot exist.
     * The hook for ProxyRequest.parse's distinction between the two.
     */
    static int rejectionStatus(IllegalArgumentException e) {
        return 400;
    }

    private static String message(IllegalArgumentException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? "bad request" : m.strip().replace('\n', ' ').replace('\r', ' ');
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
