package dev.ferry.mirror.go;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.modfile.GoMod;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.upstreams.pool.ContentRejected;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * What the mirror insists on before it stores or serves an upstream's small answers. Bytes that pass are
 * stored as received (a .info may carry fields beyond Version and Time, which the go command ignores and other
 * tools may read); the checks only make sure a client never gets an answer for a different module or version.
 */
final class GoContentChecks {
    static final int MAX_INFO = 64 << 10;
    static final int MAX_LIST = 4 << 20;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private GoContentChecks() {}

    /** A .info for {@code version} (canonical): its Version must be exactly that version. */
    static void info(byte[] bytes, Version version) throws ContentRejected {
        Version stated = infoVersion(bytes);
        if (!stated.toString().equals(version.toString())) {
            throw new ContentRejected(".info names version " + stated + ", not " + version);
        }
    }

    /** A .info answering a query (@latest, v1.2): any canonical version; returns it. */
    static Version infoVersion(byte[] bytes) throws ContentRejected {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            // Where, not what: Jackson's message quotes the body's first token, which is the upstream's text.
            var at = e.getLocation();
            throw new ContentRejected(".info is not JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        } catch (IOException e) {
            throw new ContentRejected(".info could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ContentRejected(".info is not a JSON object");
        }
        JsonNode v = root.get("Version");
        if (v == null || !v.isTextual()) {
            throw new ContentRejected(".info has no \"Version\" string");
        }
        Version version;
        try {
            version = Version.parseCanonical(v.asText());
        } catch (FormatException e) {
            throw new ContentRejected(
                    ".info Version " + quoted(v.asText()) + " is not a canonical version: " + e.getMessage());
        }
        JsonNode time = root.get("Time");
        if (time != null && !time.isNull()) {
            try {
                OffsetDateTime.parse(time.asText());
            } catch (DateTimeParseException e) {
                throw new ContentRejected(".info Time " + quoted(time.asText()) + " is not an RFC 3339 time");
            }
        }
        return version;
    }

    /** A .mod must parse and declare {@code module}; the go command would refuse it otherwise. */
    static void mod(byte[] bytes, ModulePath module) throws ContentRejected {
        GoMod mod;
        try {
            mod = GoMod.parse(bytes);
        } catch (FormatException e) {
            throw new ContentRejected(".mod does not parse: " + e.getMessage());
        }
        if (mod.module() == null || !mod.module().value().equals(module.value())) {
            throw new ContentRejected(".mod declares module "
                    + (mod.module() == null ? "(none)" : mod.module().value()) + ", not " + module.value());
        }
    }

    /**
     * The versions of an @v/list body as the go command reads it (modfetch proxyRepo.Versions): the first
     * field of each line if it is a canonical semantic version that is not a pseudo-version; anything else is
     * ignored rather than refused, because the go command ignores it too and one odd line should not make a
     * module unlistable. Sorted and without duplicates, so equal lists get equal bytes and ETags.
     */
    static List<Version> list(byte[] bytes) {
        TreeMap<String, Version> seen = new TreeMap<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length == 0 || fields[0].isEmpty()) {
                continue;
            }
            try {
                Version v = Version.parseCanonical(fields[0]);
                if (!v.isPseudo()) {
                    seen.putIfAbsent(v.toString(), v);
                }
            } catch (FormatException e) {
                // ignored, as the go command does
            }
        }
        return sorted(seen.values());
    }

    static List<Version> sorted(Collection<Version> versions) {
        List<Version> out = new ArrayList<>(versions);
        out.sort(null);
        return out;
    }

    static byte[] listBody(Collection<Version> versions) {
        StringBuilder out = new StringBuilder();
        for (Version v : versions) {
            out.append(v).append('\n');
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String quoted(String s) {
        return "\"" + (s.length() > 80 ? s.substring(0, 80) + "…" : s) + "\"";
    }
}
