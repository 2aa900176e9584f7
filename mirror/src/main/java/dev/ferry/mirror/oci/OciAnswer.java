package dev.ferry.mirror.oci;

import dev.ferry.mirror.Body;
import dev.ferry.protocols.oci.ByteRange;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.OciErrorCode;
import java.util.List;

/**
 * What a registry target (a mirrored upstream registry or the hosted repositories) answers for one request of
 * the distribution API. The server maps each case to HTTP once (status, headers, the spec's JSON error body).
 */
public sealed interface OciAnswer {

    /** How long a client may cache what it got: digests are immutable, tags fresh until their TTL, or stale. */
    enum Freshness {
        IMMUTABLE,
        FRESH,
        STALE
    }

    /** For metrics: where the answer came from. */
    enum CacheOutcome {
        HIT,
        MISS,
        STALE,
        NONE
    }

    /**
     * A manifest or blob: 200, or 206 when {@code range} is not null (then {@code body} holds only that range and
     * {@code size} is the whole content's size). {@code body} is null for HEAD. {@code size} is always known:
     * the upstream's Content-Length or the descriptor's size, checked while streaming.
     */
    record Content(
            Body body,
            String mediaType,
            Digest digest,
            long size,
            ByteRange range,
            Freshness freshness,
            CacheOutcome outcome)
            implements OciAnswer {}

    /** The Range header asked for bytes outside a blob of {@code size} bytes: 416 with {@code bytes *}/size. */
    record RangeNotSatisfiable(long size) implements OciAnswer {}

    /** A page of tags, in lexical order; {@code nextLast} is the last tag of this page when more follow, else null. */
    record TagList(String name, List<String> tags, String nextLast) implements OciAnswer {}

    /** The referrers of a subject as an OCI image index (JSON bytes); {@code filteredBy} is the artifactType applied, or null. */
    record Referrers(byte[] index, String filteredBy, CacheOutcome outcome) implements OciAnswer {}

    /**
     * An upload session's state: 202 (started, chunk accepted) or 204 (status), with Location
     * {@code /v2/<name>/blobs/uploads/<uuid>}, {@code Range: 0-<offset-1>} and Docker-Upload-UUID.
     */
    record UploadProgress(String uuid, long offset, boolean statusOnly) implements OciAnswer {}

    /** 201: a blob or manifest now exists under the repository; Location points at it by digest. */
    record Created(Digest digest, boolean manifest, Digest subject) implements OciAnswer {}

    /** 202 with no body: a delete was accepted. */
    record Accepted() implements OciAnswer {}

    /** 204 with no body: an upload session was cancelled. */
    record NoContent() implements OciAnswer {}

    /** A client error, or the spec's "unknown" answers (404): the status comes from the code. */
    record Error(OciErrorCode code, String message) implements OciAnswer {}

    /** No upstream could answer (503), or every upstream gave bad content (502). */
    record Unavailable(String reason, boolean badGateway) implements OciAnswer {}
}
