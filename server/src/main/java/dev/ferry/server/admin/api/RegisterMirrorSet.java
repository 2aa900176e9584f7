package dev.ferry.server.admin.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code POST /admin/api/mirror-sets}: the set's YAML; {@code fileName} for error messages, {@code name} and
 * {@code refresh} ("6h") over the file's own.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RegisterMirrorSet(String content, String fileName, String name, String refresh) {}
