package dev.ferry.server.http.admin;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** What runs around every admin route: the token check, the audit log, errors to JSON, metrics and access log. */
@FunctionalInterface
public interface AdminEdge {
    void serve(ServerRequest req, ServerResponse res, AdminRoute route);
}
