package dev.ferry.server.admin.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code POST /admin/api/exports}: into directory {@code to} (absolute, on the server) in {@code format} ("bundle",
 * "goproxy", "oci-layout"), what {@code set}, {@code modules} and {@code images} select (nothing selected:
 * {@code everything}); only what a site lacks with {@code inventory} (a file on the server) or {@code since} (an
 * earlier bundle's id); volumes of at most {@code maxVolumeSize} bytes (null: the default). The server also takes
 * the size as text such as "4GiB" or "700MB".
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StartExport(
        String to,
        String format,
        String site,
        Boolean everything,
        SetFile set,
        List<String> modules,
        List<String> images,
        String inventory,
        String since,
        Long maxVolumeSize) {

    /** A mirror set's YAML, sent along: it selects, and travels with the bundle. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SetFile(String name, String content) {}
}
