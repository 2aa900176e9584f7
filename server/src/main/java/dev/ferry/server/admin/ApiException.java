package dev.ferry.server.admin;

import dev.ferry.server.admin.api.AdminJson;
import dev.ferry.server.admin.api.ApiError;

/**
 * A refusal of the admin API: the HTTP status, a short code, a readable message and optional details (errors by
 * line, invalid items), turned into an {@link ApiError} body at the edge. Bad input is always a 4xx.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final transient Object details;
    private final String allowed;

    public ApiException(int status, String code, String message, Object details) {
        this(status, code, message, details, null);
    }

    private ApiException(int status, String code, String message, Object details, String allowed) {
        super(message);
        this.status = status;
        this.code = code;
        this.details = details;
        this.allowed = allowed;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message, null);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message, null);
    }

    /** 405; {@code allowed} lists the methods, e.g. "GET, POST" (HEAD goes with GET in the Allow header). */
    public static ApiException methodNotAllowed(String allowed) {
        return new ApiException(405, "method_not_allowed", "use " + allowed, null, allowed);
    }

    /** 500: the server could not save or write something; not the request's fault. */
    public static ApiException ioError(String message) {
        return new ApiException(500, "io_error", message, null);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The Allow header of a 405, else null. */
    public String allowHeader() {
        return allowed == null ? null : allowed.replace("GET", "GET, HEAD");
    }

    public ApiError body() {
        return new ApiError(code, getMessage(), details == null ? null : AdminJson.tree(details));
    }
}
