package dev.ferry.server.tls;

import dev.ferry.server.config.ListenAddress;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The optional plain-HTTP listener: every request is answered with a 308 (method and body kept, unlike a 301) to
 * the same path and query on the HTTPS port, at the host the client asked for. A Host that is not a plain name or
 * address gets a 400 instead: it would otherwise choose where the client is sent.
 */
public final class HttpsRedirect {
    private static final Pattern HOST = Pattern.compile("([A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\])(:\\d{1,5})?");

    private HttpsRedirect() {}

    /** A started listener on {@code listen} redirecting to {@code httpsPort}; the caller stops it. */
    public static WebServer start(ListenAddress listen, int httpsPort, Duration shutdownGrace) {
        WebServer server = WebServer.builder()
                .host(listen.host())
                .port(listen.port())
                .shutdownGracePeriod(shutdownGrace)
                .routing(r -> r.any((req, res) -> redirect(req, res, httpsPort)))
                .build()
                .start();
        if (!server.isRunning() || server.port() <= 0) {
            throw new IllegalStateException("cannot listen on " + listen + " for the HTTPS redirect");
        }
        return server;
    }

    static void redirect(ServerRequest req, ServerResponse res, int httpsPort) {
        String host = req.headers().first(HeaderNames.HOST).orElse("");
        if (!HOST.matcher(host).matches()) {
            res.status(Status.BAD_REQUEST_400);
            res.send(("use https:// on port " + httpsPort + "\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1) : host.split(":")[0];
        String target = "https://" + name + (httpsPort == 443 ? "" : ":" + httpsPort)
                + req.prologue().uriPath().rawPath()
                + (req.prologue().hasQuery() ? "?" + req.prologue().query().rawValue() : "");
        res.status(Status.PERMANENT_REDIRECT_308);
        res.header(HeaderNames.LOCATION, target);
        res.send();
    }
}
