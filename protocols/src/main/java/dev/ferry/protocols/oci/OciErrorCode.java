package dev.ferry.protocols.oci;

/**
 * The error codes of the distribution spec ("Error Codes"), plus the few distribution itself uses that clients
 * understand (RANGE_INVALID, UNAVAILABLE), each with the HTTP status ferry answers it with.
 */
public enum OciErrorCode {
    BLOB_UNKNOWN(404, "blob unknown to registry"),
    BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
    BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
    DIGEST_INVALID(400, "provided digest did not match uploaded content"),
    MANIFEST_BLOB_UNKNOWN(400, "manifest references a manifest or blob unknown to registry"),
    MANIFEST_INVALID(400, "manifest invalid"),
    MANIFEST_UNKNOWN(404, "manifest unknown to registry"),
    NAME_INVALID(400, "invalid repository name"),
    NAME_UNKNOWN(404, "repository name not known to registry"),
    SIZE_INVALID(400, "provided length did not match content length"),
    UNAUTHORIZED(401, "authentication required"),
    DENIED(403, "requested access to the resource is denied"),
    UNSUPPORTED(405, "the operation is unsupported"),
    TOOMANYREQUESTS(429, "too many requests"),
    /** distribution's code for a Range or Content-Range that is malformed or outside the content (416). */
    RANGE_INVALID(416, "invalid content range"),
    /** Tag grammar violations: distribution answers them as MANIFEST_INVALID's sibling TAG_INVALID (400). */
    TAG_INVALID(400, "manifest tag did not match URI"),
    /** distribution's code for a tags or catalog {@code n} that is not a usable page size. */
    PAGINATION_NUMBER_INVALID(400, "invalid number of results requested"),
    /** An upload over the configured limit. */
    SIZE_TOO_LARGE(413, "content larger than allowed"),
    /** Every upstream failed or the service is shutting down (distribution's UNAVAILABLE). */
    UNAVAILABLE(503, "service unavailable");

    private final int status;
    private final String description;

    OciErrorCode(int status, String description) {
        this.status = status;
        this.description = description;
    }

    public int status() {
        return status;
    }

    /** The spec's one-line description, used as the message when there is nothing more specific to say. */
    public String description() {
        return description;
    }
}
