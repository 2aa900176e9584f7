package dev.ferry.server.http.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** One authenticated admin request, as a route sees it. */
public interface AdminCall {
    /** The request's method; HEAD counts as GET. */
    String method();

    /** The path as sent, for messages. */
    String rawPath();

    /** A path parameter of the route's pattern, percent-decoded. */
    String param(String name);

    /** A query parameter, percent-decoded; null when absent. */
    String query(String name);

    /** The body as a JSON object (at most 8 MiB); a 400 or 413 when it is not one. */
    ObjectNode body();
}
