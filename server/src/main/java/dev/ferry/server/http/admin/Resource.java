package dev.ferry.server.http.admin;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One path pattern (relative to /admin/api, e.g. {@code /prewarm/{id}}) and the route of each method it takes, in
 * the order its Allow header names them; any other method is a 405.
 */
public record Resource(String pattern, Map<String, AdminRoute> methods) {
    public Resource {
        methods = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(methods));
    }

    public static Resource at(String pattern) {
        return new Resource(pattern, Map.of());
    }

    /** GET, and HEAD with it. */
    public Resource get(AdminRoute route) {
        return with("GET", route);
    }

    public Resource post(AdminRoute route) {
        return with("POST", route);
    }

    public Resource delete(AdminRoute route) {
        return with("DELETE", route);
    }

    private Resource with(String method, AdminRoute route) {
        Map<String, AdminRoute> m = new LinkedHashMap<>(methods);
        m.put(method, route);
        return new Resource(pattern, m);
    }

    /** "GET, POST": the methods, HEAD left out as it goes with GET. */
    public String allowed() {
        return String.join(", ", methods.keySet());
    }
}
