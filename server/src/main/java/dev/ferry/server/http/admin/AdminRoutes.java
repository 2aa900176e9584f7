package dev.ferry.server.http.admin;

import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.ApiException;
import dev.ferry.server.admin.Console;
import dev.ferry.server.admin.UpstreamsApi;
import dev.ferry.server.admin.api.AdminPaths;
import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.util.ArrayList;
import java.util.List;

/**
 * The admin API's routes, registered under {@link AdminPaths#ROOT}: each resource's methods, then a 405 naming them
 * for any other method of its path, then a 404 for every other path. Each route runs inside the {@link AdminEdge},
 * so that the token is checked first whatever the path and method.
 */
public final class AdminRoutes implements HttpService {
    /** Every path under /admin/api/ that no resource has. */
    public static final AdminRoute NOT_FOUND = call -> {
        throw ApiException.notFound("no admin endpoint " + call.rawPath());
    };

    private final List<Resource> resources;
    private final AdminEdge edge;

    public AdminRoutes(List<Resource> resources, AdminEdge edge) {
        this.resources = List.copyOf(resources);
        this.edge = edge;
    }

    /** The resources of the whole admin API; {@code api} null: only the upstreams. */
    public static List<Resource> resources(UpstreamsApi upstreams, AdminApi api) {
        return resources(upstreams, api, null);
    }

    /** With the web console's reads ({@code console} null: without them). */
    public static List<Resource> resources(UpstreamsApi upstreams, AdminApi api, Console console) {
        List<Resource> all = new ArrayList<>(new UpstreamsHandler(upstreams).resources());
        if (api != null) {
            all.addAll(new PrewarmHandler(api).resources());
            all.addAll(new MirrorSetsHandler(api).resources());
            all.addAll(new PinsHandler(api).resources());
            all.addAll(new StorageHandler(api).resources());
            all.addAll(new BundlesHandler(api).resources());
        }
        if (console != null) {
            all.addAll(new ConsoleHandler(console.api(), console.minutes(), console.refusals()).resources());
        }
        return all;
    }

    @Override
    public void routing(HttpRules rules) {
        for (Resource r : resources) {
            r.methods()
                    .forEach((method, route) -> rules.route(HttpRoute.builder()
                            .methods(methods(method))
                            .path(r.pattern())
                            .handler(handler(route))
                            .build()));
            String allowed = r.allowed();
            rules.any(r.pattern(), handler(call -> {
                throw ApiException.methodNotAllowed(allowed);
            }));
        }
        rules.any(handler(NOT_FOUND));
    }

    private static Method[] methods(String method) {
        return method.equals("GET") ? new Method[] {Method.GET, Method.HEAD} : new Method[] {Method.create(method)};
    }

    private Handler handler(AdminRoute route) {
        return (req, res) -> {
            // Helidon matches the decoded, normalised path ("/admin//api/", "/%61dmin/api/" match too); the admin API
            // is what is under /admin/api/ as sent, as for the rest of ferry, which routes raw paths.
            if (!req.prologue().uriPath().rawPath().startsWith(AdminPaths.PREFIX)) {
                res.next();
                return;
            }
            edge.serve(req, res, route);
        };
    }
}
