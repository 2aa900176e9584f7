package dev.ferry.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocols.FormatException;
import dev.ferry.server.config.Durations;
import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.storage.StoreStats;
import dev.ferry.sync.GoProject;
import dev.ferry.sync.GoPrewarmPlanner;
import dev.ferry.sync.ImagePrewarmPlanner;
import dev.ferry.sync.ItemRunner;
import dev.ferry.sync.MirrorSet;
import dev.ferry.sync.MirrorSetPlanner;
import dev.ferry.sync.PlanError;
import dev.ferry.sync.Platforms;
import dev.ferry.sync.PrewarmFailure;
import dev.ferry.sync.PrewarmItem;
import dev.ferry.sync.Progress;
import dev.ferry.sync.StoredContent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the admin API does, independent of HTTP: each method takes the request's JSON body (or path parameter) and
 * returns the response's JSON, or throws {@link ApiException} with the status and a readable message. Bad input is
 * always a 400, never a 5xx. The HTTP side is {@code dev.ferry.server.http.AdminHandler}; the endpoints are
 * documented in docs/admin-api.md.
 */
public final class AdminApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ITEMS = 10_000;

    /** A refusal: HTTP status, a short code, a readable message, and optional details (e.g. errors by line). */
    public static final class ApiException extends RuntimeException {
        private final int status;
        private final String code;
        private final transient JsonNode details;

        public ApiException(int status, String code, String message, JsonNode details) {
            super(message);
            this.status = status;
            this.code = code;
            this.details = details;
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }

        public JsonNode details() {
            return details;
        }
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message, null);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message, null);
    }

    private final PrewarmService prewarm;
    private final MirrorSetRegistry mirrorSets;
    private final StorePins pins;
    private final ItemRunner runner;
    private final GoPrewarmPlanner go;
    private final ImagePrewarmPlanner images;
    private final MirrorSetPlanner setPlanner;
    private final Supplier<StoreStats> stats;
    private final FerryMetrics metrics;
    private final BundleApi bundles;

    /** Without bundles: /admin/api/exports, imports, inventory and bundles answer 404. */
    public AdminApi(PrewarmService prewarm, MirrorSetRegistry mirrorSets, StorePins pins, ItemRunner runner,
                    GoPrewarmPlanner go, ImagePrewarmPlanner images, MirrorSetPlanner setPlanner,
                    Supplier<StoreStats> stats, FerryMetrics metrics) {
        this(prewarm, mirrorSets, pins, runner, go, images, setPlanner, stats, metrics, null);
    }

    /** With the bundle endpoints ({@code bundles}; null: none). */
    public AdminApi(PrewarmService prewarm, MirrorSetRegistry mirrorSets, StorePins pins, ItemRunner runner,
                    GoPrewarmPlanner go, ImagePrewarmPlanner images, MirrorSetPlanner setPlanner,
                    Supplier<StoreStats> stats, FerryMetrics metrics, BundleApi bundles) {
        this.bundles = bundles;
        this.prewarm = Objects.requireNonNull(prewarm, "prewarm");
        this.mirrorSets = Objects.requireNonNull(mirrorSets, "mirrorSets");
        this.pins = Objects.requireNonNull(pins, "pins");
        this.runner = Objects.requireNonNull(runner, "runner");
        this.go = Objects.requireNonNull(go, "go");
        this.images = Objects.requireNonNull(images, "images");
        this.setPlanner = Objects.requireNonNull(setPlanner, "setPlanner");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.metrics = metrics;
    }

    /** The bundle endpoints. */
    public BundleApi bundles() {
        if (bundles == null) {
            throw notFound("this ferry has no bundle support configured");
        }
        return bundles;
    }

    // ---- prewarm ------------------------------------------------------------------------------------------------

    /**
     * {@code POST /admin/api/prewarm}: {@code {"kind": "gomod"|"gosum"|"mirrorset", "content": TEXT, "name": FILE}}
     * or {@code {"kind": "modules", "items": [...], "allVersions": BOOL}} or
     * {@code {"kind": "images", "items": [...], "platforms": "linux/amd64,linux/arm64"|[...]|"all"}}.
     */
    public ObjectNode startPrewarm(JsonNode body) {
        ObjectNode b = object(body);
        String kind = requiredText(b, "kind");
        PrewarmService.Run run = switch (kind) {
            case "gomod" -> {
                only(b, "kind", "content", "name", "gowork", "workspace", "gosum", "imports");
                GoProject project = project(b);
                yield prewarm.start((project.goWork() != null ? "go.work " : "go.mod ") + project.name(),
                        () -> go.planProject(project));
            }
            case "gosum" -> {
                only(b, "kind", "content", "name");
                byte[] content = content(b);
                String name = optionalText(b, "name", "go.sum");
                yield prewarm.start("go.sum " + name, () -> go.planGoSum(name, content));
            }
            case "modules" -> {
                only(b, "kind", "items", "allVersions");
                List<String> items = items(b);
                boolean all = bool(b, "allVersions");
                yield prewarm.start("modules " + summary(items) + (all ? " (all versions)" : ""),
                        () -> go.planQueries(items, all));
            }
            case "images" -> {
                only(b, "kind", "items", "platforms");
                List<String> items = items(b);
                Platforms platforms = platforms(b);
                yield prewarm.start("images " + summary(items) + " for " + platforms,
                        () -> images.plan("arguments", items, platforms));
            }
            case "mirrorset" -> {
                only(b, "kind", "content", "name");
                byte[] content = content(b);
                String name = optionalText(b, "name", "mirror-set.yaml");
                yield prewarm.start("mirror set " + name, () -> setPlanner.plan(MirrorSet.parse(name, content)));
            }
            default -> throw badRequest("unknown kind \"" + kind + "\" (want gomod, gosum, modules, images or mirrorset)");
        };
        ObjectNode out = progress(run.progress());
        out.put("location", "/admin/api/prewarm/" + run.id());
        return out;
    }

    /** {@code GET /admin/api/prewarm/{id}}. */
    public ObjectNode prewarm(String id) {
        return progress(prewarm.get(id).orElseThrow(() -> notFound("no prewarm job " + id)));
    }

    /** {@code GET /admin/api/prewarm}. */
    public ObjectNode prewarms() {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode jobs = out.putArray("jobs");
        for (Progress p : prewarm.list()) {
            jobs.add(progress(p));
        }
        return out;
    }

    /** {@code DELETE /admin/api/prewarm/{id}}: cancels; answers the job's progress. */
    public ObjectNode cancelPrewarm(String id) {
        if (!prewarm.cancel(id)) {
            throw notFound("no prewarm job " + id);
        }
        return prewarm(id);
    }

    /** A job's progress or report as JSON (state PLANNING while its plan is being made). */
    public static ObjectNode progress(Progress p) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", p.id());
        n.put("description", p.description());
        n.put("state", p.state() == null ? "PLANNING" : p.state().name());
        n.put("total", p.total());
        n.put("done", p.done());
        n.put("failed", p.failed());
        n.put("skipped", p.skipped());
        n.put("bytes", p.bytes());
        n.putPOJO("current", p.current());
        ArrayNode failures = n.putArray("failures");
        for (Progress.ItemFailure f : p.failures()) {
            failures.addObject().put("item", f.item()).put("reason", f.reason());
        }
        n.set("planErrors", planErrors(p.planErrors()));
        n.putPOJO("notes", p.notes());
        n.put("started", p.started() == null ? null : p.started().toString());
        n.put("finished", p.finished() == null ? null : p.finished().toString());
        return n;
    }

    static ArrayNode planErrors(List<PlanError> errors) {
        ArrayNode out = JSON.createArrayNode();
        for (PlanError e : errors) {
            out.addObject().put("source", e.source()).put("line", e.line()).put("message", e.message())
                    .put("text", e.toString());
        }
        return out;
    }

    // ---- mirror sets --------------------------------------------------------------------------------------------

    /** {@code POST /admin/api/mirror-sets}: {@code {"content": YAML, "fileName": F, "name": N, "refresh": "6h"}}. */
    public ObjectNode addMirrorSet(JsonNode body) {
        ObjectNode b = object(body);
        only(b, "content", "fileName", "name", "refresh");
        String content = new String(content(b), StandardCharsets.UTF_8);
        String fileName = optionalText(b, "fileName", "mirror-set.yaml");
        String name = optionalText(b, "name", null);
        Duration refresh = null;
        String r = optionalText(b, "refresh", null);
        if (r != null) {
            try {
                refresh = Durations.parse(r);
            } catch (RuntimeException e) {
                throw badRequest("refresh: " + e.getMessage());
            }
        }
        try {
            return mirrorSet(mirrorSets.register(fileName, content, name, refresh), false);
        } catch (MirrorSetRegistry.Invalid e) {
            throw new ApiException(400, "invalid_mirror_set", e.getMessage(), planErrors(e.errors()));
        } catch (IOException e) {
            throw new ApiException(500, "io_error", "cannot save the registration: " + e.getMessage(), null);
        }
    }

    /** {@code GET /admin/api/mirror-sets}. */
    public ObjectNode mirrorSets() {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode sets = out.putArray("mirrorSets");
        for (MirrorSetRegistry.Entry e : mirrorSets.list()) {
            sets.add(mirrorSet(e, false));
        }
        return out;
    }

    /** {@code GET /admin/api/mirror-sets/{name}}: with the YAML text. */
    public ObjectNode mirrorSet(String name) {
        return mirrorSet(mirrorSets.get(name).orElseThrow(() -> notFound("no mirror set " + name)), true);
    }

    /** {@code POST /admin/api/mirror-sets/{name}/run}: a refresh now; answers the run's progress. */
    public ObjectNode runMirrorSet(String name) {
        return progress(mirrorSets.runNow(name).orElseThrow(() -> notFound("no mirror set " + name)).progress());
    }

    /** {@code DELETE /admin/api/mirror-sets/{name}}. */
    public ObjectNode removeMirrorSet(String name) {
        try {
            if (!mirrorSets.remove(name)) {
                throw notFound("no mirror set " + name);
            }
        } catch (IOException e) {
            throw new ApiException(500, "io_error", "cannot save the registrations: " + e.getMessage(), null);
        }
        return JSON.createObjectNode().put("removed", name);
    }

    private static ObjectNode mirrorSet(MirrorSetRegistry.Entry e, boolean withContent) {
        MirrorSetRegistry.Registration r = e.registration();
        ObjectNode n = JSON.createObjectNode();
        n.put("name", r.name());
        n.put("fileName", r.fileName());
        n.put("refresh", r.refresh() == null ? null : Durations.format(r.refresh()));
        n.put("registered", r.registered().toString());
        n.put("lastStarted", e.lastStarted() == null ? null : e.lastStarted().toString());
        n.put("nextRun", e.nextRun() == null ? null : e.nextRun().toString());
        n.set("lastRun", MirrorSetRegistry.lastReport(e).map(AdminApi::progress).orElse(null));
        if (withContent) {
            n.put("content", r.content());
        }
        return n;
    }

    // ---- pins ---------------------------------------------------------------------------------------------------

    /**
     * {@code POST /admin/api/pins}: {@code {"items": ["MODULE@VERSION", "REGISTRY/REPO:TAG", ...], "platforms": ...}}.
     * Each item is fetched through the mirror when it is not stored yet, then its objects are pinned.
     */
    public ObjectNode pin(JsonNode body) {
        ObjectNode b = object(body);
        only(b, "items", "platforms");
        Platforms platforms = platforms(b);
        List<String> items = items(b);
        List<List<PrewarmItem>> parsed = parseItems(items, platforms);
        ObjectNode out = JSON.createObjectNode();
        ArrayNode results = out.putArray("results");
        int failed = 0;
        for (int i = 0; i < items.size(); i++) {
            List<PrewarmItem> parts = parsed.get(i);
            String key = pins.key(parts.get(0));
            ObjectNode r = results.addObject().put("item", items.get(i)).put("pinSet", StorePins.MANUAL + key);
            try {
                List<StoredContent> stored = new ArrayList<>();
                for (PrewarmItem p : parts) {
                    stored.addAll(runner.run(p).stored());
                }
                long[] pinned = pins.pinStored(StorePins.MANUAL + key, stored);
                r.put("objects", pinned[0]).put("bytes", pinned[1]);
            } catch (PrewarmFailure e) {
                r.put("error", e.getMessage());
                failed++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                r.put("error", "interrupted");
                failed++;
            } catch (IOException e) {
                r.put("error", "cannot record the pin: " + e.getMessage());
                failed++;
            }
        }
        out.put("failed", failed);
        return out;
    }

    /** {@code DELETE /admin/api/pins}: {@code {"items": [...]}}; drops each item's {@code pin:} and {@code prewarm:} sets. */
    public ObjectNode unpin(JsonNode body) {
        ObjectNode b = object(body);
        only(b, "items");
        List<String> items = items(b);
        List<List<PrewarmItem>> parsed = parseItems(items, Platforms.ALL);
        ObjectNode out = JSON.createObjectNode();
        ArrayNode results = out.putArray("results");
        for (int i = 0; i < items.size(); i++) {
            String key = pins.key(parsed.get(i).get(0));
            try {
                long released = pins.unpinAll(StorePins.MANUAL + key)
                        + pins.unpinAll(StorePins.PREWARM + key);
                results.addObject().put("item", items.get(i)).put("key", key).put("released", released);
            } catch (IOException e) {
                throw new ApiException(500, "io_error", "cannot remove the pins of " + key + ": " + e.getMessage(), null);
            }
        }
        return out;
    }

    /** {@code GET /admin/api/pins}: every pin set with its objects and bytes. */
    public ObjectNode pins() {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode sets = out.putArray("pinSets");
        for (StorePins.PinSet s : pins.sets()) {
            sets.addObject().put("name", s.name()).put("objects", s.objects()).put("bytes", s.bytes());
        }
        return out;
    }

    private List<List<PrewarmItem>> parseItems(List<String> items, Platforms platforms) {
        List<List<PrewarmItem>> out = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (String item : items) {
            try {
                out.add(pins.parseItem(item, platforms));
            } catch (IllegalArgumentException e) {
                errors.add(item + ": " + e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            ArrayNode details = JSON.createArrayNode();
            errors.forEach(details::add);
            throw new ApiException(400, "bad_request", "invalid items (want MODULE@VERSION or an image reference): "
                    + String.join("; ", errors), details);
        }
        return out;
    }

    // ---- storage ------------------------------------------------------------------------------------------------

    /** {@code GET /admin/api/storage}. */
    public ObjectNode storage() {
        StoreStats s = stats.get();
        StorePins.Totals pinned = pins.totals(s);
        ObjectNode n = JSON.createObjectNode();
        n.put("objects", s.objects());
        n.put("objectBytes", s.objectBytes());
        n.put("chunks", s.chunks());
        n.put("chunkBytes", s.chunkBytes());
        n.put("diskBytes", s.diskBytes());
        // What the quota measures: logical bytes of the stored chunks, each shared chunk once.
        n.put("sizeBytes", s.chunkBytes());
        if (s.quotaBytes() > 0) {
            n.put("quotaBytes", s.quotaBytes());
            n.put("quotaUsed", (double) s.chunkBytes() / s.quotaBytes());
        } else {
            n.putNull("quotaBytes");
            n.putNull("quotaUsed");
        }
        ObjectNode e = n.putObject("evicted");
        e.put("objects", s.evictedObjects());
        e.put("bytes", s.evictedBytes());
        ObjectNode p = n.putObject("pinned");
        p.put("sets", pinned.sets());
        p.put("objects", pinned.objects());
        p.put("bytes", pinned.bytes());
        ObjectNode c = n.putObject("cache");
        if (metrics != null) {
            long hits = metrics.cacheOutcomes(FerryMetrics.Cache.HIT);
            long stale = metrics.cacheOutcomes(FerryMetrics.Cache.STALE);
            long misses = metrics.cacheOutcomes(FerryMetrics.Cache.MISS);
            c.put("hits", hits);
            c.put("stale", stale);
            c.put("misses", misses);
            c.put("negativeHits", metrics.cacheOutcomes(FerryMetrics.Cache.NEGATIVE_HIT));
            long answered = hits + stale + misses;
            if (answered == 0) {
                c.putNull("hitRatio");
            } else {
                c.put("hitRatio", (double) (hits + stale) / answered);
            }
        }
        return n;
    }

    // ---- body helpers -------------------------------------------------------------------------------------------

    /** Parses a request body as a JSON object; 400 with the reason when it is not one. */
    public static ObjectNode parseBody(byte[] body) {
        if (body == null || body.length == 0) {
            throw badRequest("the request needs a JSON object body");
        }
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (IOException e) {
            throw badRequest("the body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        return object(n);
    }

    static ObjectNode object(JsonNode body) {
        if (!(body instanceof ObjectNode o)) {
            throw badRequest("the body must be a JSON object");
        }
        return o;
    }

    static void only(ObjectNode b, String... allowed) {
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

    static String requiredText(ObjectNode b, String field) {
        JsonNode n = b.get(field);
        if (n == null || n.isNull()) {
            throw badRequest("missing field \"" + field + "\"");
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            throw badRequest("\"" + field + "\" must be a non-empty string");
        }
        return n.asText();
    }

    static String optionalText(ObjectNode b, String field, String fallback) {
        return b.hasNonNull(field) ? requiredText(b, field) : fallback;
    }

    /**
     * A gomod request's project: {@code content} (a go.mod) or {@code gowork} with {@code workspace} (use
     * directory → go.mod text), and optional {@code gosum} text and {@code imports} (import paths).
     */
    private static GoProject project(ObjectNode b) {
        boolean work = b.hasNonNull("gowork");
        if (!work && !b.hasNonNull("content")) {
            throw badRequest("missing field \"content\" (the go.mod's text; for a workspace \"gowork\" and \"workspace\")");
        }
        if (work && b.hasNonNull("content")) {
            throw badRequest("give either \"content\" (a go.mod) or \"gowork\" with \"workspace\", not both");
        }
        String name = optionalText(b, "name", work ? "go.work" : "go.mod");
        Map<String, byte[]> workspace = new LinkedHashMap<>();
        JsonNode ws = b.get("workspace");
        if (ws != null && !ws.isNull()) {
            if (!work || !ws.isObject()) {
                throw badRequest("\"workspace\" goes with \"gowork\" and maps each use directory to its go.mod text");
            }
            for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) ws::fields) {
                if (!e.getValue().isTextual()) {
                    throw badRequest("\"workspace\": the go.mod of " + e.getKey() + " must be a string");
                }
                workspace.put(e.getKey(), e.getValue().asText().getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] goSum = null;
        if (b.hasNonNull("gosum")) {
            if (!b.get("gosum").isTextual()) {
                throw badRequest("\"gosum\" must be a string (the go.sum's text)");
            }
            goSum = b.get("gosum").asText().getBytes(StandardCharsets.UTF_8);
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
            byte[] goWork = b.get("gowork").asText().getBytes(StandardCharsets.UTF_8);
            return new GoProject(name, null, goWork, workspace, goSum, imports);
        }
        return new GoProject(name, content(b), null, Map.of(), goSum, imports);
    }

    private static byte[] content(ObjectNode b) {
        JsonNode n = b.get("content");
        if (n == null || n.isNull()) {
            throw badRequest("missing field \"content\" (the file's text)");
        }
        if (!n.isTextual()) {
            throw badRequest("\"content\" must be a string (the file's text)");
        }
        return n.asText().getBytes(StandardCharsets.UTF_8);
    }

    static boolean bool(ObjectNode b, String field) {
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

    private static Platforms platforms(ObjectNode b) {
        JsonNode n = b.get("platforms");
        if (n == null || n.isNull()) {
            return Platforms.DEFAULT;
        }
        String text;
        if (n.isTextual()) {
            text = n.asText();
        } else if (n.isArray() && !n.isEmpty()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode p : n) {
                if (!p.isTextual()) {
                    throw badRequest("\"platforms\" must be a string or an array of strings");
                }
                parts.add(p.asText());
            }
            text = String.join(",", parts);
        } else {
            throw badRequest("\"platforms\" must be a string or an array of strings");
        }
        try {
            return Platforms.parse(text);
        } catch (FormatException e) {
            throw badRequest("platforms: " + e.getMessage());
        }
    }

    private static String summary(List<String> items) {
        return items.size() <= 3 ? String.join(" ", items)
                : String.join(" ", items.subList(0, 3)) + " and " + (items.size() - 3) + " more";
    }
}
