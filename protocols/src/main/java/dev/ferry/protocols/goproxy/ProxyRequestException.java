package dev.ferry.protocols.goproxy;

import dev.ferry.protocols.FormatException;

/**
 * Why {@link ProxyRequest#parse} refused a path, with the HTTP answer the go command expects for it.
 *
 * <p>The distinction matters to clients: the go command treats 404 and 410 as "this proxy does not have it" and,
 * with {@code GOPROXY=ferry,direct} (comma), falls through to the next source, while any other 4xx stops it with an
 * error. So things that are well-formed but cannot exist (or that ferry will never resolve) answer 404, and only
 * requests no go command would send answer 400.
 */
public final class ProxyRequestException extends FormatException {

    /** The class of refusal; each maps to one HTTP status. */
    public enum Kind {
        /**
         * 400: not a request the go command would send: malformed percent-encoding or an encoded '/', dot elements,
         * empty elements, backslashes, control or non-ASCII characters, overlong paths, invalid or wrongly escaped
         * module paths or versions, unknown {@code @v/} files.
         */
        MALFORMED(400),
        /**
         * 404: well-formed, but names nothing that can exist: a path outside the protocol (no {@code /@v/} or
         * {@code /@latest}, e.g. {@code /sumdb/...}), a .mod or .zip for a version that is not canonical semver, a
         * version whose major does not match the module path (module.CheckPathMajor).
         */
        NOT_FOUND(404),
        /**
         * 404: a .info request whose version is a query (a branch, a tag prefix, {@code v1.2}, {@code latest}...),
         * which the go command sends for {@code go get m@query}. ferry serves only canonical versions from its store
         * and does not resolve queries; 404 lets the go command fall through to the next GOPROXY entry.
         */
        NON_CANONICAL_QUERY(404);

        private final int httpStatus;

        Kind(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    private final Kind kind;

    public ProxyRequestException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ProxyRequestException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** The status to answer with: 400 for {@link Kind#MALFORMED}, 404 otherwise. */
    public int httpStatus() {
        return kind.httpStatus();
    }
}
