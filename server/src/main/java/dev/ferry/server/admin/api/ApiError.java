package dev.ferry.server.admin.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Every refusal's body: a short {@code error} code, a readable {@code message}, and, for some, {@code details}
 * (a mirror set's errors as {@link LineError}s, or the invalid items as text).
 */
public record ApiError(
        String error,
        String message,
        @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode details) {
    public ApiError(String error, String message) {
        this(error, message, null);
    }
}
