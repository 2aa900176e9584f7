package dev.ferry.protocols.oci;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The query string of a registry request, decoded: each key with its values in the order given. What a value
 * must look like is the business of the request it belongs to ({@link RegistryRequest.Tags#page},
 * {@link RegistryRequest.BlobUpload#digest}, ...); this only splits and decodes.
 */
public record RegistryQuery(Map<String, List<String>> values) {
    public static final RegistryQuery EMPTY = new RegistryQuery(Map.of());

    public RegistryQuery {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        values = Collections.unmodifiableMap(copy);
    }

    /**
     * Splits the raw query (without '?'; null or empty for none) at '&amp;' and each pair at its first '=', and
     * decodes both halves as application/x-www-form-urlencoded ('+' is a space, {@code %XX} a UTF-8 byte). Empty
     * pairs are skipped; a key without '=' has the value "". A '%' not followed by two hex digits is NAME_INVALID
     * ("malformed query string"), the code the server has always answered it with.
     */
    public static RegistryQuery parse(String raw) {
        if (raw == null || raw.isEmpty()) {
            return EMPTY;
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            } catch (IllegalArgumentException e) {
                throw new OciFormatException(OciErrorCode.NAME_INVALID, "malformed query string");
            }
        }
        return new RegistryQuery(out);
    }

    /** The first value of {@code key}, or null when it is absent. */
    public String first(String key) {
        List<String> v = values.get(key);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    /**
     * {@code ?ns=}: the registry containerd asks a mirror for (it appends {@code ns=docker.io} and the like), or
     * null. Only the server knows which registries exist, so any text is returned as given.
     */
    public String namespace() {
        return first("ns");
    }
}
