package dev.ferry.server.admin;

import static dev.ferry.server.admin.ApiException.badRequest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.admin.api.PinItems;
import dev.ferry.server.admin.api.RegisterMirrorSet;
import dev.ferry.server.admin.api.StartExport;
import dev.ferry.server.admin.api.StartImport;
import dev.ferry.server.admin.api.StartPrewarm;
import dev.ferry.server.admin.api.UnpinItems;
import dev.ferry.server.admin.api.WriteInventory;
import dev.ferry.server.config.ByteRates;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Request bodies read into the admin API's request records. Field by field rather than bound by Jackson, so that each
 * wrong field gets the API's own message (docs/admin-api.md), unknown fields are refused with the allowed ones
 * named, and the forms the wire allows beside the record's (a platform list as an array, one directory as a string,
 * a size as text) are accepted. Checks the shape only; the services check the values.
 */
public final class RequestBodies {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_ITEMS = 10_000;

    private RequestBodies() {}

    /** Parses a request body as a JSON object; 400 with the reason when it is not one. */
    public static ObjectNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw badRequest("the request needs a JSON object body");
        }
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (IOException e) {
            throw badRequest("the body is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!(n instanceof ObjectNode o)) {
            throw badRequest("the body must be a JSON object");
        }
        return o;
    }

    // ---- prewarm, mirror sets, pins -----------------------------------------------------------------------------

    public static StartPrewarm startPrewarm(ObjectNode b) {
        String kind = requiredText(b, "kind");
        return switch (kind) {
            case "gomod" -> {
                only(b, "kind", "content", "name", "gowork", "workspace", "gosum", "imports");
                yield goMod(b);
            }
            case "gosum" -> {
                only(b, "kind", "content", "name");
                String content = content(b);
                yield new StartPrewarm.GoSum(optionalText(b, "name", null), content);
            }
            case "modules" -> {
                only(b, "kind", "items", "allVersions");
                List<String> items = items(b);
                yield new StartPrewarm.Modules(items, bool(b, "allVersions"));
            }
            case "toolchains" -> {
                only(b, "kind", "versions", "platforms");
                List<String> versions = strings(b, "versions");
                if (versions.isEmpty() || versions.size() > MAX_ITEMS) {
                    throw badRequest("\"versions\" must be a non-empty array of Go releases, e.g. [\"go1.22.4\"]");
                }
                String platforms = platforms(b);
                if (platforms == null) {
                    throw badRequest("missing field \"platforms\" (GOOS/GOARCH,..., e.g. \"linux/amd64,linux/arm64\")");
                }
                yield new StartPrewarm.Toolchains(versions, platforms);
            }
            case "images" -> {
                only(b, "kind", "items", "platforms");
                List<String> items = items(b);
                yield new StartPrewarm.Images(items, platforms(b));
            }
            case "mirrorset" -> {
                only(b, "kind", "content", "name");
                String content = content(b);
                yield new StartPrewarm.MirrorSetFile(optionalText(b, "name", null), content);
            }
            default ->
                throw badRequest(
                        "unknown kind \"" + kind + "\" (want gomod, gosum, modules, toolchains, images or mirrorset)");
        };
    }

    /**
     * {@code content} (a go.mod) or {@code gowork} with {@code workspace} (use directory → go.mod text), and optional
     * {@code gosum} text and {@code imports} (import paths).
     */
    private static StartPrewarm.GoMod goMod(ObjectNode b) {
        boolean work = b.hasNonNull("gowork");
        if (!work && !b.hasNonNull("content")) {
            throw badRequest(
                    "missing field \"content\" (the go.mod's text; for a workspace \"gowork\" and \"workspace\")");
        }
        if (work && b.hasNonNull("content")) {
            throw badRequest("give either \"content\" (a go.mod) or \"gowork\" with \"workspace\", not both");
        }
        String name = optionalText(b, "name", null);
        Map<String, String> workspace = new LinkedHashMap<>();
        JsonNode ws = b.get("workspace");
        if (ws != null && !ws.isNull()) {
            if (!work || !ws.isObject()) {
                throw badRequest("\"workspace\" goes with \"gowork\" and maps each use directory to its go.mod text");
            }
            for (Map.Entry<String, JsonNode> e : ws.properties()) {
                if (!e.getValue().isTextual()) {
                    throw badRequest("\"workspace\": the go.mod of " + e.getKey() + " must be a string");
                }
                workspace.put(e.getKey(), e.getValue().asText());
            }
        }
        String goSum = null;
        if (b.hasNonNull("gosum")) {
            if (!b.get("gosum").isTextual()) {
                throw badRequest("\"gosum\" must be a string (the go.sum's text)");
            }
            goSum = b.get("gosum").asText();
        }
        List<String> imports = new ArrayList<>();
        JsonNode imp = b.get("imports");
        if (imp != null && !imp.isNull()) {
            if (!imp.isArray() || imp.size() > 100_000) {
                throw badRequest("\"imports\" must be an array of at most 100000 import paths");
            }
            for (JsonNode i : imp) {
                if (!i.isTextual() || i.asText().length() > 1024) {
                    throw badRequest("\"imports\" must hold import paths (strings of at most 1024 characters)");
                }
                imports.add(i.asText());
            }
        }
        if (work) {
            return new StartPrewarm.GoMod(name, null, b.get("gowork").asText(), workspace, goSum, imports);
        }
        return new StartPrewarm.GoMod(name, content(b), null, Map.of(), goSum, imports);
    }

    public static RegisterMirrorSet registerMirrorSet(ObjectNode b) {
        only(b, "content", "fileName", "name", "refresh");
        String content = content(b);
        return new RegisterMirrorSet(
                content,
                optionalText(b, "fileName", null),
                optionalText(b, "name", null),
                optionalText(b, "refresh", null));
    }

    public static PinItems pinItems(ObjectNode b) {
        only(b, "items", "platforms");
        String platforms = platforms(b);
        return new PinItems(items(b), platforms);
    }

    public static UnpinItems unpinItems(ObjectNode b) {
        only(b, "items");
        return new UnpinItems(items(b));
    }

    // ---- bundles ------------------------------------------------------------------------------------------------

    public static StartExport startExport(ObjectNode b) {
        only(
                b,
                "to",
                "format",
                "site",
                "everything",
                "set",
                "modules",
                "images",
                "inventory",
                "since",
                "maxVolumeSize");
        String to = requiredText(b, "to");
        String format = optionalText(b, "format", null);
        String site = optionalText(b, "site", null);
        boolean everything = bool(b, "everything");
        StartExport.SetFile set = null;
        if (b.hasNonNull("set")) {
            if (!(b.get("set") instanceof ObjectNode s)) {
                throw badRequest("\"set\" must be an object {\"name\": FILE, \"content\": YAML}");
            }
            only(s, "name", "content");
            String name = optionalText(s, "name", null);
            set = new StartExport.SetFile(name, text(s, "content", "set.content"));
        }
        List<String> modules = strings(b, "modules");
        List<String> images = strings(b, "images");
        String inventory = b.hasNonNull("inventory") ? requiredText(b, "inventory") : null;
        String since = optionalText(b, "since", null);
        Long maxVolumeSize = b.hasNonNull("maxVolumeSize") ? size(b.get("maxVolumeSize")) : null;
        return new StartExport(
                to,
                format,
                site,
                everything ? Boolean.TRUE : null,
                set,
                modules,
                images,
                inventory,
                since,
                maxVolumeSize);
    }

    /** {@code from} is one directory or an array of them. */
    public static StartImport startImport(ObjectNode b) {
        only(b, "from", "trust");
        JsonNode f = b.get("from");
        if (f == null || f.isNull()) {
            throw badRequest("missing field \"from\" (the bundle's directory, or several holding its volumes)");
        }
        List<String> from = new ArrayList<>();
        if (f.isTextual()) {
            from.add(f.asText());
        } else if (f.isArray() && !f.isEmpty()) {
            for (JsonNode d : f) {
                if (!d.isTextual()) {
                    throw badRequest("\"from\" must be a directory or a non-empty array of directories, not " + d);
                }
                from.add(d.asText());
            }
        } else {
            throw badRequest("\"from\" must be a directory or a non-empty array of directories");
        }
        return new StartImport(from, strings(b, "trust"));
    }

    public static WriteInventory writeInventory(ObjectNode b) {
        only(b, "out");
        return new WriteInventory(requiredText(b, "out"));
    }

    // ---- fields -------------------------------------------------------------------------------------------------

    private static void only(ObjectNode b, String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!ok.contains(f)) {
                String kind = b.path("kind").asText("");
                throw badRequest("unknown field \"" + f + "\"" + (kind.isEmpty() ? "" : " for kind " + kind)
                        + " (allowed: " + String.join(", ", allowed) + ")");
            }
        }
    }

    private static String requiredText(ObjectNode b, String field) {
        JsonNode n = b.get(field);
        if (n == null || n.isNull()) {
            throw badRequest("missing field \"" + field + "\"");
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            throw badRequest("\"" + field + "\" must be a non-empty string");
        }
        return n.asText();
    }

    private static String optionalText(ObjectNode b, String field, String fallback) {
        return b.hasNonNull(field) ? requiredText(b, field) : fallback;
    }

    private static String content(ObjectNode b) {
        JsonNode n = b.get("content");
        if (n == null || n.isNull()) {
            throw badRequest("missing field \"content\" (the file's text)");
        }
        if (!n.isTextual()) {
            throw badRequest("\"content\" must be a string (the file's text)");
        }
        return n.asText();
    }

    private static String text(ObjectNode b, String field, String shown) {
        JsonNode n = b.get(field);
        if (n == null || n.isNull()) {
            throw badRequest("missing field \"" + shown + "\" (the file's text)");
        }
        if (!n.isTextual()) {
            throw badRequest("\"" + shown + "\" must be a string (the file's text)");
        }
        return n.asText();
    }

    private static boolean bool(ObjectNode b, String field) {
        JsonNode n = b.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw badRequest("\"" + field + "\" must be true or false");
        }
        return n.asBoolean();
    }

    private static List<String> items(ObjectNode b) {
        JsonNode n = b.get("items");
        if (n == null || n.isNull()) {
            throw badRequest("missing field \"items\"");
        }
        if (!n.isArray() || n.isEmpty()) {
            throw badRequest("\"items\" must be a non-empty array of strings");
        }
        if (n.size() > MAX_ITEMS) {
            throw badRequest("at most " + MAX_ITEMS + " items per request");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode i : n) {
            if (!i.isTextual() || i.asText().isBlank()) {
                throw badRequest("\"items\" must be a non-empty array of strings, not " + i);
            }
            out.add(i.asText().strip());
        }
        return out;
    }

    /** "linux/amd64,linux/arm64", "all", or the same as an array; null when absent. */
    private static String platforms(ObjectNode b) {
        JsonNode n = b.get("platforms");
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isArray() && !n.isEmpty()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode p : n) {
                if (!p.isTextual()) {
                    throw badRequest("\"platforms\" must be a string or an array of strings");
                }
                parts.add(p.asText());
            }
            return String.join(",", parts);
        }
        throw badRequest("\"platforms\" must be a string or an array of strings");
    }

    private static List<String> strings(ObjectNode b, String field) {
        JsonNode n = b.get(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw badRequest("\"" + field + "\" must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode i : n) {
            if (!i.isTextual() || i.asText().isBlank()) {
                throw badRequest("\"" + field + "\" must be an array of non-empty strings, not " + i);
            }
            out.add(i.asText().strip());
        }
        return out;
    }

    /** A byte count: a whole number, or text such as "4GiB", "700MB", "1048576". */
    private static long size(JsonNode n) {
        if (n.isIntegralNumber()) {
            return n.asLong();
        }
        if (n.isTextual()) {
            try {
                return ByteRates.parse(n.asText());
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw badRequest("maxVolumeSize: " + e.getMessage());
            }
        }
        throw badRequest("\"maxVolumeSize\" must be a size such as \"4GiB\", \"700MB\" or a number of bytes");
    }
}
