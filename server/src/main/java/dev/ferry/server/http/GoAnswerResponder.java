package dev.ferry.server.http;

import dev.ferry.mirror.Body;
import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.server.metrics.FerryMetrics.Cache;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import java.util.concurrent.ConcurrentHashMap;

/** The one place a {@link GoAnswer} becomes an HTTP response. */
final class GoAnswerResponder {
    static final HeaderName X_FERRY_STALE = HeaderNames.create("X-Ferry-Stale");
    static final Header CACHE_IMMUTABLE =
            HeaderValues.createCached(HeaderNames.CACHE_CONTROL, "public, max-age=31536000, immutable");
    static final Header CACHE_FRESH = HeaderValues.createCached(HeaderNames.CACHE_CONTROL, "public, max-age=60");
    static final Header CACHE_STALE = HeaderValues.createCached(HeaderNames.CACHE_CONTROL, "no-cache");
    static final Header CACHE_NOT_FOUND = HeaderValues.createCached(HeaderNames.CACHE_CONTROL, "no-cache");
    static final Header STALE = HeaderValues.createCached(X_FERRY_STALE, "true");
    static final Header STALE_WARNING =
            HeaderValues.createCached(HeaderNames.WARNING, "110 ferry \"Response is Stale\"");

    private static final ConcurrentHashMap<String, Header> CONTENT_TYPES = new ConcurrentHashMap<>();
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger("ferry.http");

    private GoAnswerResponder() {}

    static void respond(Exchange x, GoAnswer answer) {
        switch (answer) {
            case GoAnswer.Content c -> content(x, c);
            case GoAnswer.NotFound nf -> {
                x.cache = cache(nf.outcome());
                x.res.header(CACHE_NOT_FOUND);
                x.sendText(nf.gone() ? Status.GONE_410 : Status.NOT_FOUND_404, oneLine(nf.reason(), "not found"));
            }
            case GoAnswer.Unavailable u -> {
                x.res.header(Exchange.NO_STORE);
                x.sendText(
                        u.badGateway() ? Status.BAD_GATEWAY_502 : Status.SERVICE_UNAVAILABLE_503,
                        oneLine(u.reason(), "upstream unavailable"));
            }
        }
    }

    static Cache cache(GoAnswer.CacheOutcome outcome) {
        if (outcome == null) {
            return Cache.NONE;
        }
        return switch (outcome) {
            case HIT -> Cache.HIT;
            case MISS -> Cache.MISS;
            case STALE -> Cache.STALE;
            case NEGATIVE_HIT -> Cache.NEGATIVE_HIT;
        };
    }

    private static void content(Exchange x, GoAnswer.Content c) {
        x.cache = cache(c.outcome());
        x.beforeSend();
        var res = x.res;
        String etag = c.etag() == null ? null : '"' + c.etag() + '"';
        if (etag != null) {
            res.header(HeaderNames.ETAG, etag);
        }
        switch (c.freshness()) {
            case IMMUTABLE -> res.header(CACHE_IMMUTABLE);
            case FRESH -> res.header(CACHE_FRESH);
            case STALE -> {
                res.header(CACHE_STALE);
                res.header(STALE);
                res.header(STALE_WARNING);
            }
        }
        if (etag != null
                && x.req.headers().contains(HeaderNames.IF_NONE_MATCH)
                && matches(x.req.headers().get(HeaderNames.IF_NONE_MATCH).allValues(), etag)) {
            res.status(Status.NOT_MODIFIED_304);
            res.send();
            return;
        }
        Header contentType = contentType(c.contentType());
        Body body = c.body();
        long length = body.length();
        res.status(Status.OK_200);
        if (x.head) {
            res.header(contentType);
            if (length >= 0) {
                res.contentLength(length);
            }
            res.send();
            return;
        }
        try {
            BodySender.send(x, body, length, contentType);
        } catch (BodySender.UpstreamFailed e) {
            LOG.warning("upstream failed under " + x.method() + " " + x.rawPath + ": " + e.getMessage());
            x.dropContentHeaders();
            x.sendText(Status.BAD_GATEWAY_502, oneLine(e.getMessage(), "upstream failed"));
        }
    }

    /** True when an If-None-Match list names {@code etag} (weak comparison, as RFC 9110 asks for GET/HEAD). */
    static boolean matches(Iterable<String> headerValues, String etag) {
        String opaque = etag;
        for (String value : headerValues) {
            for (String part : value.split(",")) {
                String tag = part.strip();
                if (tag.equals("*")) {
                    return true;
                }
                if (tag.startsWith("W/")) {
                    tag = tag.substring(2);
                }
                if (tag.equals(opaque)) {
                    return true;
                }
            }
        }
        return false;
    }

    static Header contentType(String type) {
        String t = type == null ? "application/octet-stream" : type;
        Header h = CONTENT_TYPES.get(t);
        if (h == null) {
            h = CONTENT_TYPES.computeIfAbsent(t, k -> HeaderValues.createCached(HeaderNames.CONTENT_TYPE, k));
        }
        return h;
    }

    static String oneLine(String text, String fallback) {
        if (text == null || text.isBlank()) {
            return fallback;
        }
        return text.strip().replace('\r', ' ').replace('\n', ' ');
    }
}
