package dev.ferry.mirror.go;

import dev.ferry.mirror.Body;

/** What the Go module mirror answers for one GOPROXY request; the server maps each case to HTTP once. */
public sealed interface GoAnswer {

    /** How long a client may cache what it got. */
    enum Freshness {
        IMMUTABLE,
        FRESH,
        STALE
    }

    /** Content to serve. {@code etag} is a strong validator (the object digest), without quotes. */
    record Content(Body body, String contentType, String etag, Freshness freshness, CacheOutcome outcome)
            implements GoAnswer {}

    /** 404 (gone=false) or 410 (gone=true), with a short plain-text reason the go command shows. */
    record NotFound(String reason, boolean gone, CacheOutcome outcome) implements GoAnswer {}

    /** The upstream gave bad content (502) or none could be reached (503/504); {@code reason} is for the client. */
    record Unavailable(String reason, boolean badGateway) implements GoAnswer {}

    /** For metrics: where the answer came from. */
    enum CacheOutcome {
        HIT,
        MISS,
        STALE,
        NEGATIVE_HIT
    }
}
