package dev.ferry.server.http;

import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.sumdb.SumdbMirror;
import dev.ferry.mirror.sumdb.SumdbRequest;
import dev.ferry.server.metrics.FerryMetrics.Endpoint;
import io.helidon.http.Status;
import java.util.List;

/**
 * The checksum database edge, {@code /sumdb/<db>/supported|latest|lookup/...|tile/...}: only for the databases ferry
 * is configured with (so that {@code supported} says 404 for any other and the go command goes direct), each path
 * parsed strictly before anything is looked up, and every answer mapped to HTTP by {@link GoAnswerResponder}.
 */
final class SumdbHandler {
    static final String PREFIX = "/sumdb/";

    private final List<SumdbMirror> databases;

    SumdbHandler(List<SumdbMirror> databases) {
        this.databases = List.copyOf(databases);
    }

    void handle(Exchange x) {
        x.endpoint = Endpoint.SUMDB;
        if (x.req.prologue().hasQuery() && !x.req.prologue().query().rawValue().isEmpty()) {
            refuse(x, Status.BAD_REQUEST_400, "checksum database paths take no query string");
            return;
        }
        if (x.rawPath.length() > GoProxyHandler.MAX_PATH) {
            refuse(
                    x,
                    Status.REQUEST_URI_TOO_LONG_414,
                    "request path longer than " + GoProxyHandler.MAX_PATH + " characters");
            return;
        }
        for (SumdbMirror db : databases) {
            String prefix = PREFIX + db.name() + "/";
            if (x.rawPath.startsWith(prefix)) {
                SumdbRequest request;
                try {
                    request = SumdbMirror.parse(x.rawPath.substring(prefix.length()));
                } catch (IllegalArgumentException e) {
                    refuse(x, Status.BAD_REQUEST_400, e.getMessage() == null ? "bad request" : e.getMessage());
                    return;
                }
                GoAnswer answer = db.answer(request);
                GoAnswerResponder.respond(x, answer);
                return;
            }
        }
        refuse(
                x,
                Status.NOT_FOUND_404,
                "ferry does not serve this checksum database"
                        + (databases.isEmpty()
                                ? " (checksum verification is off)"
                                : "; it serves "
                                        + String.join(
                                                ", ",
                                                databases.stream()
                                                        .map(SumdbMirror::name)
                                                        .toList())));
    }

    private static void refuse(Exchange x, Status status, String why) {
        x.res.header(Exchange.NO_STORE);
        x.sendText(status, why.strip().replace('\n', ' ').replace('\r', ' '));
    }
}
