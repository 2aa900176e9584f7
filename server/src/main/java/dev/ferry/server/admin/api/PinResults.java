package dev.ferry.server.admin.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** {@code POST /admin/api/pins}: per item, what its pin set holds, or why it could not be pinned. */
public record PinResults(List<Result> results, int failed) {

    /** {@code objects} and {@code bytes} when pinned, else {@code error}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(String item, String pinSet, Long objects, Long bytes, String error) {
        public static Result pinned(String item, String pinSet, long objects, long bytes) {
            return new Result(item, pinSet, objects, bytes, null);
        }

        public static Result failed(String item, String pinSet, String error) {
            return new Result(item, pinSet, null, null, error);
        }
    }
}
