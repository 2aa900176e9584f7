package dev.ferry.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.protocols.oci.ErrorBody;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.server.metrics.FerryMetrics.Cache;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The one place an {@link OciAnswer} becomes an HTTP response, as the distribution spec has it: status,
 * {@code Docker-Content-Digest}, {@code Content-Type} (the stored media type for manifests), {@code ETag},
 * ranges, {@code Location} of uploads and pushed content, the {@code Link} of a tags page, and the spec's JSON
 * error body for every error.
 */
final class OciAnswerResponder {
    static final HeaderName DOCKER_CONTENT_DIGEST = HeaderNames.create("Docker-Content-Digest");
    static final HeaderName DOCKER_UPLOAD_UUID = HeaderNames.create("Docker-Upload-UUID");
    static final HeaderName OCI_SUBJECT = HeaderNames.create("OCI-Subject");
    static final HeaderName OCI_FILTERS_APPLIED = HeaderNames.create("OCI-Filters-Applied");
    static final Header JSON = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, "application/json");
    static final Header OCTET_STREAM = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, "application/octet-stream");
    static final Header OCI_INDEX = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, MediaTypes.OCI_INDEX);
    static final Header ACCEPT_RANGES = HeaderValues.createCached(HeaderNames.ACCEPT_RANGES, "bytes");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger("ferry.http");

    private OciAnswerResponder() {}

    /**
     * @param name the repository name as the client wrote it (Location and Link headers point back at it)
     * @param n    the {@code n} of a tags request, or -1
     */
    static void respond(Exchange x, OciAnswer answer, String name, int n) {
        switch (answer) {
            case OciAnswer.Content c -> content(x, c);
            case OciAnswer.RangeNotSatisfiable r -> {
                x.res.header(HeaderNames.CONTENT_RANGE, "bytes */" + r.size());
                error(
                        x,
                        OciErrorCode.RANGE_INVALID,
                        "the requested range is outside the blob's " + r.size() + " bytes");
            }
            case OciAnswer.TagList t -> tags(x, t, name, n);
            case OciAnswer.Referrers r -> {
                x.cache = cache(r.outcome());
                if (r.filteredBy() != null) {
                    x.res.header(OCI_FILTERS_APPLIED, "artifactType");
                }
                x.res.status(Status.OK_200);
                x.sendBytes(r.index(), OCI_INDEX);
            }
            case OciAnswer.UploadProgress u -> {
                x.res.header(HeaderNames.LOCATION, "/v2/" + name + "/blobs/uploads/" + u.uuid());
                x.res.header(HeaderNames.RANGE, "0-" + Math.max(u.offset() - 1, 0));
                x.res.header(DOCKER_UPLOAD_UUID, u.uuid());
                empty(x, u.statusOnly() ? Status.NO_CONTENT_204 : Status.ACCEPTED_202);
            }
            case OciAnswer.Created c -> {
                x.res.header(
                        HeaderNames.LOCATION, "/v2/" + name + (c.manifest() ? "/manifests/" : "/blobs/") + c.digest());
                x.res.header(DOCKER_CONTENT_DIGEST, c.digest().toString());
                if (c.subject() != null) {
                    x.res.header(OCI_SUBJECT, c.subject().toString());
                }
                empty(x, Status.CREATED_201);
            }
            case OciAnswer.Accepted a -> empty(x, Status.ACCEPTED_202);
            case OciAnswer.NoContent nc -> empty(x, Status.NO_CONTENT_204);
            case OciAnswer.Error e -> {
                if (e.code() == OciErrorCode.MANIFEST_UNKNOWN
                        || e.code() == OciErrorCode.BLOB_UNKNOWN
                        || e.code() == OciErrorCode.NAME_UNKNOWN) {
                    x.res.header(GoAnswerResponder.CACHE_NOT_FOUND);
                }
                error(x, e.code(), e.message());
            }
            case OciAnswer.Unavailable u -> {
                x.res.header(Exchange.NO_STORE);
                String why = GoAnswerResponder.oneLine(u.reason(), "upstream registry unavailable");
                error(
                        x,
                        u.badGateway() ? Status.BAD_GATEWAY_502 : Status.SERVICE_UNAVAILABLE_503,
                        OciErrorCode.UNAVAILABLE,
                        why);
            }
        }
    }

    /** The spec's error body with the code's own status. */
    static void error(Exchange x, OciErrorCode code, String message) {
        error(x, Status.create(code.status()), code, message);
    }

    static void error(Exchange x, Status status, OciErrorCode code, String message) {
        x.res.status(status);
        x.sendBytes(ErrorBody.json(code, message, null), JSON);
    }

    static Cache cache(OciAnswer.CacheOutcome outcome) {
        if (outcome == null) {
            return Cache.NONE;
        }
        return switch (outcome) {
            case HIT -> Cache.HIT;
            case MISS -> Cache.MISS;
            case STALE -> Cache.STALE;
            case NONE -> Cache.NONE;
        };
    }

    private static void empty(Exchange x, Status status) {
        x.beforeSend();
        x.res.status(status);
        x.res.contentLength(0);
        x.res.send();
    }

    private static void content(Exchange x, OciAnswer.Content c) {
        x.cache = cache(c.outcome());
        x.beforeSend();
        var res = x.res;
        String digest = c.digest().toString();
        boolean manifest = c.mediaType() != null && MediaTypes.isManifest(c.mediaType());
        res.header(DOCKER_CONTENT_DIGEST, digest);
        String etag = '"' + digest + '"';
        res.header(HeaderNames.ETAG, etag);
        if (!manifest) {
            res.header(ACCEPT_RANGES);
        }
        switch (c.freshness()) {
            case IMMUTABLE -> res.header(GoAnswerResponder.CACHE_IMMUTABLE);
            case FRESH -> res.header(GoAnswerResponder.CACHE_FRESH);
            case STALE -> {
                res.header(GoAnswerResponder.CACHE_STALE);
                res.header(GoAnswerResponder.STALE);
                res.header(GoAnswerResponder.STALE_WARNING);
            }
        }
        Header contentType = c.mediaType() == null ? OCTET_STREAM : GoAnswerResponder.contentType(c.mediaType());
        if (c.range() == null
                && x.req.headers().contains(HeaderNames.IF_NONE_MATCH)
                && GoAnswerResponder.matches(
                        x.req.headers().get(HeaderNames.IF_NONE_MATCH).allValues(), etag)) {
            res.status(Status.NOT_MODIFIED_304);
            res.send();
            return;
        }
        long length = c.size();
        if (c.range() != null) {
            res.status(Status.PARTIAL_CONTENT_206);
            res.header(HeaderNames.CONTENT_RANGE, c.range().contentRange(c.size()));
            length = c.range().length();
        } else {
            res.status(Status.OK_200);
        }
        if (x.head || c.body() == null) {
            res.header(contentType);
            res.contentLength(length);
            res.send();
            return;
        }
        try {
            BodySender.send(x, c.body(), length, contentType);
        } catch (BodySender.UpstreamFailed e) {
            LOG.warning("upstream failed under " + x.method() + " " + x.rawPath + ": " + e.getMessage());
            x.dropContentHeaders(DOCKER_CONTENT_DIGEST, HeaderNames.ACCEPT_RANGES, HeaderNames.CONTENT_RANGE);
            error(
                    x,
                    Status.BAD_GATEWAY_502,
                    OciErrorCode.UNAVAILABLE,
                    GoAnswerResponder.oneLine(e.getMessage(), "upstream registry failed"));
        }
    }

    private static void tags(Exchange x, OciAnswer.TagList t, String name, int n) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("name", name);
        ArrayNode list = root.putArray("tags");
        t.tags().forEach(list::add);
        if (t.nextLast() != null) {
            x.res.header(HeaderNames.LINK, link("/v2/" + name + "/tags/list", n, t.nextLast()));
        }
        x.res.header(Exchange.NO_STORE);
        sendJson(x, Status.OK_200, root);
    }

    /** {@code </v2/...?n=N&last=X>; rel="next"}. */
    static String link(String path, int n, String last) {
        StringBuilder sb = new StringBuilder("<").append(path).append('?');
        if (n >= 0) {
            sb.append("n=").append(n).append('&');
        }
        sb.append("last=").append(URLEncoder.encode(last, StandardCharsets.UTF_8));
        return sb.append(">; rel=\"next\"").toString();
    }

    /** A {@code _catalog} page. */
    static void catalog(Exchange x, List<String> page, String nextLast, int n) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode list = root.putArray("repositories");
        page.forEach(list::add);
        if (nextLast != null) {
            x.res.header(HeaderNames.LINK, link("/v2/_catalog", n, nextLast));
        }
        x.res.header(Exchange.NO_STORE);
        sendJson(x, Status.OK_200, root);
    }

    static void sendJson(Exchange x, Status status, ObjectNode body) {
        x.res.status(status);
        x.sendBytes(body.toString().getBytes(StandardCharsets.UTF_8), JSON);
    }
}
