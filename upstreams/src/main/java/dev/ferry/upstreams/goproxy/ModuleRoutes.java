package dev.ferry.upstreams.goproxy;

import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.goproxy.ProxyRequestException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.FetchResult;
import java.util.List;
import java.util.function.Predicate;

/**
 * Sends each module to the upstream list its path selects: the first route whose pattern matches, else the
 * default. Private modules (GOPRIVATE globs) have their own routes so that their paths never reach a public proxy
 * (which would learn the site's internal module names, or serve a squatted public module under a private name).
 */
public final class ModuleRoutes implements GoProxyClient {
    /** {@code matches} decides on the parsed module path; {@code client} fetches what it matches. */
    public record Route(String name, Predicate<ModulePath> matches, GoProxyClient client) {}

    private final List<Route> routes;
    private final GoProxyClient fallback;

    public ModuleRoutes(List<Route> routes, GoProxyClient fallback) {
        this.routes = List.copyOf(routes);
        this.fallback = fallback;
    }

    /** A path whose module cannot be told goes nowhere: it might be a private one. */
    @Override
    public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
        ModulePath module = moduleOf(path);
        if (module == null) {
            return new FetchResult.NotFound<>(404, "not a module proxy request: " + path);
        }
        for (Route r : routes) {
            if (r.matches().test(module)) {
                return r.client().fetch(path, handler);
            }
        }
        return fallback.fetch(path, handler);
    }

    /** The module of an escaped GOPROXY path ({@code M/@v/FILE} or {@code M/@latest}), or null. */
    static ModulePath moduleOf(String path) {
        try {
            return ProxyRequest.parse("/" + path).module();
        } catch (ProxyRequestException e) {
            int at = path.lastIndexOf("/@v/");
            String escaped = at > 0
                    ? path.substring(0, at)
                    : path.endsWith("/@latest") ? path.substring(0, path.length() - 8) : null;
            if (escaped == null) {
                return null;
            }
            try {
                return ModulePath.unescape(escaped);
            } catch (IllegalArgumentException notAModule) {
                return null;
            }
        }
    }
}
