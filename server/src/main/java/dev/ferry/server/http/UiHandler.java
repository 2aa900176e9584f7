package dev.ferry.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.admin.AuditLog;
import dev.ferry.server.admin.Callers;
import dev.ferry.server.admin.ConsoleSessions;
import dev.ferry.server.admin.Principal;
import dev.ferry.server.admin.api.AdminJson;
import dev.ferry.server.admin.api.ApiError;
import dev.ferry.server.admin.api.ConsoleSession;
import dev.ferry.server.registryauth.SignInThrottle;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web console under {@code /ui/} (docs/ui.md): its pages and scripts from the admin-ui jar
 * ({@code META-INF/ferry-ui/}), uPlot from its webjar, and {@code /ui/session}, where a browser signs in with the
 * admin token or as a user with the admin or viewer role for an HttpOnly session cookie and the CSRF token its page
 * sends back on every change. The pages read and act through /admin/api/ with that cookie ({@link Callers}).
 * Failed sign-ins are counted per client address ({@link SignInThrottle}).
 *
 * <p>Every answer forbids framing and inline script (the pages have none), and is not cached by the browser.
 */
final class UiHandler {
    static final String ROOT = "/ui";
    static final String PREFIX = ROOT + "/";
    private static final String ASSETS = "META-INF/ferry-ui/";
    private static final String UPLOT = "META-INF/resources/webjars/uplot/";
    /** Page names, script and style paths: nothing that could climb out of the asset folder. */
    private static final Pattern ASSET = Pattern.compile("[a-z0-9][a-z0-9-]*(/[a-z0-9][a-zA-Z0-9.-]*)*");

    static final Header CSP = HeaderValues.createCached(
            HeaderNames.create("Content-Security-Policy"),
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
                    + " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    static final Header NO_FRAMES = HeaderValues.createCached(HeaderNames.create("X-Frame-Options"), "DENY");
    static final Header NO_SNIFF = HeaderValues.createCached(HeaderNames.create("X-Content-Type-Options"), "nosniff");
    static final Header NO_REFERRER = HeaderValues.createCached(HeaderNames.create("Referrer-Policy"), "no-referrer");
    private static final Header JSON = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, "application/json");

    private final Callers callers;
    private final ConsoleSessions sessions;
    private final SignInThrottle signIns;
    private final AuditLog audit;
    private final Map<String, Optional<byte[]>> cache = new ConcurrentHashMap<>();
    private final String uplotVersion;

    UiHandler(Callers callers, ConsoleSessions sessions, SignInThrottle signIns, AuditLog audit) {
        this.callers = callers;
        this.sessions = sessions;
        this.signIns = signIns;
        this.audit = audit;
        this.uplotVersion = webjarVersion("org.webjars.npm", "uplot");
    }

    /** The security headers of every console answer, and of the admin API's. */
    static void secure(Exchange x) {
        x.res.header(CSP);
        x.res.header(NO_FRAMES);
        x.res.header(NO_SNIFF);
        x.res.header(NO_REFERRER);
        x.res.header(Exchange.NO_STORE);
    }

    void handle(Exchange x) {
        secure(x);
        String path = x.rawPath;
        if (path.equals(ROOT)) {
            redirect(x, PREFIX);
            return;
        }
        String rest = path.substring(PREFIX.length());
        if (rest.equals("session")) {
            session(x);
            return;
        }
        Method method = x.req.prologue().method();
        if (!Method.GET.equals(method) && !x.head) {
            x.res.header(HeaderValues.create(HeaderNames.ALLOW, "GET, HEAD"));
            x.sendText(Status.METHOD_NOT_ALLOWED_405, "method " + method.text() + " not allowed; use GET or HEAD");
            return;
        }
        if (rest.isEmpty()) {
            redirect(x, PREFIX + "overview");
            return;
        }
        if (!ASSET.matcher(rest).matches()) {
            x.sendText(Status.NOT_FOUND_404, "no such page");
            return;
        }
        Optional<byte[]> body;
        String type;
        if (rest.startsWith("lib/uplot/")) {
            String file = rest.substring("lib/uplot/".length());
            body = uplotVersion == null ? Optional.empty() : resource(UPLOT + uplotVersion + "/dist/" + file);
            type = typeOf(file);
        } else if (rest.indexOf('.') < 0) {
            body = resource(ASSETS + rest + ".html");
            type = "text/html; charset=utf-8";
        } else {
            body = resource(ASSETS + rest);
            type = typeOf(rest);
        }
        if (body.isEmpty() || type == null) {
            x.sendText(Status.NOT_FOUND_404, "no such page");
            return;
        }
        x.res.status(Status.OK_200);
        x.sendBytes(body.get(), HeaderValues.create(HeaderNames.CONTENT_TYPE, type));
    }

    private static String typeOf(String file) {
        if (file.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (file.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (file.endsWith(".svg")) {
            return "image/svg+xml";
        }
        if (file.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        return null;
    }

    private Optional<byte[]> resource(String name) {
        return cache.computeIfAbsent(name, n -> {
            try (InputStream in = UiHandler.class.getClassLoader().getResourceAsStream(n)) {
                return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The version of a webjar on the class path, from its Maven metadata; null when it is not there. */
    private static String webjarVersion(String group, String artifact) {
        String name = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = UiHandler.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            return null;
        }
    }

    private static void redirect(Exchange x, String location) {
        x.res.header(HeaderValues.create(HeaderNames.LOCATION, location));
        x.sendText(Status.SEE_OTHER_303, "see " + location);
    }

    /** {@code /ui/session}: POST signs in, GET says who is signed in, DELETE signs out. */
    private void session(Exchange x) {
        String method = x.head ? "GET" : x.method();
        String cookie = x.req.headers().cookies().first(Callers.COOKIE).orElse(null);
        switch (method) {
            case "GET" -> {
                var s = sessions.touch(cookie);
                if (s.isEmpty()) {
                    send(x, Status.UNAUTHORIZED_401, new ApiError("unauthorized", "not signed in"));
                } else {
                    send(x, Status.OK_200, describe(s.get()));
                }
            }
            case "POST" -> signIn(x);
            case "DELETE" -> {
                Callers.Identity id = callers.signOut(
                        cookie,
                        x.req.headers()
                                .first(HeaderNames.create(Callers.CSRF_HEADER))
                                .orElse(null));
                if (id instanceof Callers.Identity.Refused r) {
                    audit(x, r.who(), "DELETE", r.status(), "refused: " + r.message());
                    send(x, Status.create(r.status()), new ApiError(r.error(), r.message()));
                    return;
                }
                sessions.end(cookie);
                audit(x, ((Callers.Identity.Known) id).principal().who(), "DELETE", 200, "signed out");
                x.res.header(HeaderNames.SET_COOKIE, cookie(x, "", 0));
                send(x, Status.OK_200, new ApiError("signed_out", "signed out"));
            }
            default -> {
                x.res.header(HeaderValues.create(HeaderNames.ALLOW, "GET, POST, DELETE"));
                send(x, Status.METHOD_NOT_ALLOWED_405, new ApiError("method_not_allowed", "use GET, POST or DELETE"));
            }
        }
    }

    /**
     * {@code {"token": ...}} or {@code {"user": ..., "password": ...}}. Every failure (a wrong token, an unknown user,
     * a wrong password, a user without the admin or viewer role) gets the same answer, so the answer does not tell
     * which user names exist; the audit line does not name the user either (a password typed into the name field
     * must not end up in a log viewers read).
     */
    private void signIn(Exchange x) {
        // Only a page that may send JSON (its own origin: a cross-site form cannot) signs in.
        String type = x.req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            send(x, Status.UNSUPPORTED_MEDIA_TYPE_415, new ApiError("bad_request", "sign in with a JSON body " + BODY));
            return;
        }
        String token;
        String user;
        String password;
        try (InputStream in = x.req.content().inputStream()) {
            byte[] bytes = in.readNBytes(64 * 1024 + 1);
            if (bytes.length > 64 * 1024) {
                send(x, Status.REQUEST_ENTITY_TOO_LARGE_413, new ApiError("too_large", "the body is too large"));
                return;
            }
            JsonNode body = AdminJson.parse(bytes);
            token = text(body, "token");
            user = text(body, "user");
            password = text(body, "password");
        } catch (IOException | RuntimeException e) {
            send(x, Status.BAD_REQUEST_400, new ApiError("bad_request", "the body is not JSON: " + BODY));
            return;
        }
        if (token != null && (user != null || password != null)) {
            send(
                    x,
                    Status.BAD_REQUEST_400,
                    new ApiError("bad_request", "send a token or a user and password: " + BODY));
            return;
        }
        String client = x.client;
        Optional<Duration> wait = signIns.retryAfter(client);
        if (wait.isPresent()) {
            long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
            audit(x, "unauthenticated", "POST", 429, "refused: too many failed sign-ins from this address");
            x.res.header(HeaderNames.RETRY_AFTER, Long.toString(seconds));
            send(
                    x,
                    Status.TOO_MANY_REQUESTS_429,
                    new ApiError(
                            "too_many_requests",
                            "too many failed sign-ins from this address: try again in " + seconds + " s"));
            return;
        }
        boolean asUser = token == null && user != null;
        Optional<Principal> principal = asUser ? callers.signIn(user, password) : callers.signIn(token);
        if (principal.isEmpty()) {
            signIns.failed(client);
            audit(
                    x,
                    "unauthenticated",
                    "POST",
                    401,
                    asUser
                            ? "refused: wrong user name or password, or no admin or viewer role"
                            : "refused: wrong admin token");
            send(
                    x,
                    Status.UNAUTHORIZED_401,
                    new ApiError("unauthorized", "wrong token, or wrong user name or password"));
            return;
        }
        ConsoleSessions.Session s = sessions.start(principal.get());
        audit(x, s.principal().who(), "POST", 200, "signed in");
        x.res.header(HeaderNames.SET_COOKIE, cookie(x, s.id(), ConsoleSessions.LIMIT.toSeconds()));
        send(x, Status.OK_200, describe(s));
    }

    private static final String BODY = "{\"token\": ...} or {\"user\": ..., \"password\": ...}";

    /** A string field, null when absent or not a string. */
    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n != null && n.isTextual() ? n.asText() : null;
    }

    private static String cookie(Exchange x, String value, long maxAge) {
        return Callers.COOKIE + "=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + maxAge
                + (x.req.isSecure() ? "; Secure" : "");
    }

    private static ConsoleSession describe(ConsoleSessions.Session s) {
        return new ConsoleSession(
                s.principal().who(),
                s.principal().role().name().toLowerCase(java.util.Locale.ROOT),
                s.csrf(),
                s.expires().toString());
    }

    private void audit(Exchange x, String who, String method, int status, String result) {
        if (audit != null) {
            audit.record(who, x.client, method + " " + x.rawPath, "", status, result);
        }
    }

    private static void send(Exchange x, Status status, Object body) {
        x.res.status(status);
        x.sendBytes((AdminJson.write(body) + "\n").getBytes(StandardCharsets.UTF_8), JSON);
    }
}
