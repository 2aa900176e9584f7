package dev.ferry.server.admin.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code POST /admin/api/imports}: the bundle's directory and any more holding its volumes (absolute, on the
 * server; the wire also takes one directory as a string), and verifier keys to trust beside the server's.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StartImport(List<String> from, List<String> trust) {}
