package dev.ferry.upstreams.goproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.FetchResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The go command's rules for what reaches {@code direct}, and which upstream a private module's path reaches. */
class GoUpstreamChainTest {
    private final List<String> asked = new ArrayList<>();

    /** A client that records the path and answers as told. */
    private GoProxyClient answering(String name, FetchResult<?> answer) {
        return new GoProxyClient() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
                asked.add(name + " " + path);
                return (FetchResult<T>) answer;
            }
        };
    }

    private static FetchResult<Object> failedAt(String... upstreams) {
        return new FetchResult.Failed<>(List.of(upstreams).stream()
                .map(u -> new FetchResult.Attempt(u, "HTTP 503"))
                .toList());
    }

    @Test
    void directIsAskedAfterNotFoundAndAfterFailuresOnlyBehindAPipe() {
        GoProxyClient direct = answering("direct", new FetchResult.Fetched<>("x", "direct"));
        String path = "git.corp.example/lib/@v/v1.0.0.mod";

        GoUpstreamChain comma = new GoUpstreamChain(
                GoProxyList.parse("https://a.example,direct"),
                answering("proxies", new FetchResult.NotFound<>(404, "no")),
                direct);
        assertInstanceOf(FetchResult.Fetched.class, comma.fetch(path, (in, l, f) -> null));

        GoUpstreamChain commaFailing = new GoUpstreamChain(
                GoProxyList.parse("https://a.example,direct"),
                answering("proxies", failedAt("https://a.example")),
                direct);
        assertInstanceOf(FetchResult.Failed.class, commaFailing.fetch(path, (in, l, f) -> null));

        GoUpstreamChain pipe = new GoUpstreamChain(
                GoProxyList.parse("https://a.example|https://b.example|direct"),
                answering("proxies", failedAt("https://a.example", "https://b.example")),
                direct);
        assertInstanceOf(FetchResult.Fetched.class, pipe.fetch(path, (in, l, f) -> null));

        GoUpstreamChain mixed = new GoUpstreamChain(
                GoProxyList.parse("https://a.example|https://b.example,direct"),
                answering("proxies", failedAt("https://b.example")),
                direct);
        assertInstanceOf(FetchResult.Failed.class, mixed.fetch(path, (in, l, f) -> null), "b's failure is final");

        assertEquals(
                List.of(
                        "proxies " + path,
                        "direct " + path,
                        "proxies " + path,
                        "proxies " + path,
                        "direct " + path,
                        "proxies " + path),
                asked);
    }

    @Test
    void aFailureOfBothCarriesBothReasons() {
        GoUpstreamChain pipe = new GoUpstreamChain(
                GoProxyList.parse("https://a.example|direct"),
                answering("proxies", failedAt("https://a.example")),
                answering("direct", failedAt("direct")));
        FetchResult.Failed<?> f =
                assertInstanceOf(FetchResult.Failed.class, pipe.fetch("m/@v/list", (in, l, x) -> null));
        assertEquals(
                List.of("https://a.example", "direct"),
                f.attempts().stream().map(FetchResult.Attempt::upstream).toList());
    }

    @Test
    void privateModulesGoToTheirRouteAndUnparseablePathsNowhere() {
        ModuleRoutes routes = new ModuleRoutes(
                List.of(new ModuleRoutes.Route(
                        "private",
                        m -> m.value().startsWith("git.corp.example/"),
                        answering("private", new FetchResult.NotFound<>(404, "p")))),
                answering("public", new FetchResult.NotFound<>(404, "q")));
        routes.fetch("git.corp.example/lib/@v/list", (in, l, f) -> null);
        routes.fetch("git.corp.example/lib/@v/master.info", (in, l, f) -> null);
        routes.fetch("github.com/x/y/@latest", (in, l, f) -> null);
        assertInstanceOf(FetchResult.NotFound.class, routes.fetch("no-protocol-here", (in, l, f) -> null));
        assertEquals(
                List.of(
                        "private git.corp.example/lib/@v/list",
                        "private git.corp.example/lib/@v/master.info",
                        "public github.com/x/y/@latest"),
                asked);
    }
}
