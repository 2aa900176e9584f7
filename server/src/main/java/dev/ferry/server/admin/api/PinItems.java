package dev.ferry.server.admin.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** {@code POST /admin/api/pins}: MODULE@VERSION or image references, images for {@code platforms} (null: default). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PinItems(List<String> items, String platforms) {}
