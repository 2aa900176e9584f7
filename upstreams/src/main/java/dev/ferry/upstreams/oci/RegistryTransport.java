package dev.ferry.upstreams.oci;

import dev.ferry.upstreams.oci.auth.Origin;
import dev.ferry.upstreams.oci.auth.RegistryAuth;
import dev.ferry.upstreams.pool.FailureKind;
import dev.ferry.upstreams.pool.RedirectPolicy;
import dev.ferry.upstreams.pool.Sent;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamHttp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Requests to a registry's endpoints, one HttpClient each, with redirects followed here rather than by the
 * HttpClient, so that Authorization never goes to another host: blob redirects point at object stores whose
 * presigned URLs are refused when they carry a second credential.
 */
final class RegistryTransport implements RegistryAuth.Transport, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RegistryTransport.class.getName());
    static final int MAX_REDIRECTS = 5;

    private final UpstreamHttp http;
    private final RedirectPolicy policy;
    private final Map<String, HttpClient> clients = new HashMap<>();

    RegistryTransport(UpstreamHttp http, List<Upstream> endpoints, RedirectPolicy policy) {
        this.http = http;
        this.policy = policy;
        for (Upstream u : endpoints) {
            // Redirect.NEVER: see the class comment. HTTP/2 only where TLS negotiates it; UpstreamHttp picks per URI.
            clients.put(
                    u.name(),
                    HttpClient.newBuilder()
                            .connectTimeout(u.timeouts().connect())
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .version(HttpClient.Version.HTTP_2)
                            .build());
        }
    }

    @Override
    public Sent send(Upstream endpoint, HttpRequest request) {
        return http.send(clients.get(endpoint.name()), endpoint, request);
    }

    /** {@code call} to {@code uri} of {@code endpoint}, with {@code authorization} (or none), redirects not followed. */
    Sent send(Upstream endpoint, URI uri, RegistryCall call, long rangeFrom, String authorization) {
        HttpRequest.Builder b =
                UpstreamHttp.request(uri, endpoint).method(call.method(), HttpRequest.BodyPublishers.noBody());
        if (call.accept() != null) {
            b.header("Accept", call.accept());
        }
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (rangeFrom > 0) {
            b.header("Range", "bytes=" + rangeFrom + "-");
        }
        return send(endpoint, b.build());
    }

    /**
     * One request and the redirects it answers with, up to {@link #MAX_REDIRECTS}: a relative Location is
     * resolved against the URI that sent it; https to http is refused; Authorization goes only to the origin of
     * the endpoint's own URL.
     */
    Sent follow(Upstream endpoint, URI start, RegistryCall call, long rangeFrom, String authorization) {
        URI uri = start;
        for (int hop = 0; ; hop++) {
            Sent sent = send(endpoint, uri, call, rangeFrom, Origin.same(start, uri) ? authorization : null);
            if (!(sent instanceof Sent.Answered a) || !isRedirect(a.status()) || call.redirectAnswers()) {
                return sent;
            }
            UpstreamHttp.closeQuietly(a.response().body());
            if (hop >= MAX_REDIRECTS) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "more than " + MAX_REDIRECTS + " redirects");
            }
            String location = a.response().headers().firstValue("Location").orElse(null);
            if (location == null || location.isBlank()) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "HTTP " + a.status() + " without a Location");
            }
            URI next;
            try {
                next = uri.resolve(location.strip());
            } catch (IllegalArgumentException e) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "HTTP " + a.status() + " with an unusable Location");
            }
            String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || next.getHost() == null) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "redirect to a URL that is not http(s)");
            }
            if (scheme.equals("http") && "https".equalsIgnoreCase(uri.getScheme())) {
                return new Sent.Failed(
                        FailureKind.STATUS_4XX, "redirect from https to plain http refused: " + Origin.of(next));
            }
            var refused = policy.refusal(endpoint.base(), next);
            if (refused.isPresent()) {
                return new Sent.Failed(FailureKind.STATUS_4XX, refused.get());
            }
            // The query of a redirect to an object store is its signature: logs get the origin and path only.
            URI from = uri;
            LOG.log(
                    System.Logger.Level.DEBUG,
                    () -> endpoint.name() + ": " + pathOnly(from.getRawPath()) + " redirected to " + Origin.of(next)
                            + next.getRawPath());
            uri = next;
        }
    }

    static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /** A path without its query, which may be a signature. */
    static String pathOnly(String path) {
        int q = path == null ? -1 : path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }

    @Override
    public void close() {
        clients.values().forEach(HttpClient::shutdownNow);
    }
}
