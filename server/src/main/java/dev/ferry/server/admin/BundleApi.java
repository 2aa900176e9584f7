package dev.ferry.server.admin;

import static dev.ferry.server.admin.AdminApi.badRequest;
import static dev.ferry.server.admin.AdminApi.notFound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.server.admin.AdminApi.ApiException;
import dev.ferry.server.config.ByteRates;
import dev.ferry.sync.MirrorSet;
import dev.ferry.sync.bundle.BundleException;
import dev.ferry.sync.bundle.BundleFormat;
import dev.ferry.sync.bundle.BundleProgress;
import dev.ferry.sync.bundle.ExportRecord;
import dev.ferry.sync.bundle.ExportRequest;
import dev.ferry.sync.bundle.ImportRequest;
import dev.ferry.sync.bundle.Selection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The bundle part of the admin API (exports, imports, the inventory, the export history), independent of HTTP like
 * {@link AdminApi}: bodies in, JSON out, refusals as {@link ApiException}. Paths in bodies are on the server's
 * filesystem and must be absolute (the CLI makes relative ones absolute before sending them).
 */
public final class BundleApi {
    private static final Logger LOG = Logger.getLogger("ferry.bundles");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Bundles bundles;
    private final List<Verifier> trusted;
    private final Consumer<BundleProgress> importSucceeded;

    /**
     * @param trusted         the keys the server trusts (--trust-key, bundles.trust); a request may add more
     * @param importSucceeded called (on a virtual thread) with the report of every import job that succeeded
     */
    public BundleApi(Bundles bundles, List<Verifier> trusted, Consumer<BundleProgress> importSucceeded) {
        this.bundles = Objects.requireNonNull(bundles, "bundles");
        this.trusted = List.copyOf(trusted);
        this.importSucceeded = Objects.requireNonNull(importSucceeded, "importSucceeded");
    }

    // ---- exports ------------------------------------------------------------------------------------------------

    /**
     * {@code POST /admin/api/exports}: {@code {"to": DIR, "format": "bundle"|"goproxy"|"oci-layout", "site": S,
     * "everything": true, "set": {"name": FILE, "content": YAML}, "modules": [..], "images": [..],
     * "inventory": FILE, "since": ID, "maxVolumeSize": "4GiB"|BYTES}}; nothing selected means everything.
     */
    public ObjectNode startExport(JsonNode body) {
        ObjectNode b = AdminApi.object(body);
        AdminApi.only(b, "to", "format", "site", "everything", "set", "modules", "images", "inventory", "since",
                "maxVolumeSize");
        Path to = path(b, "to");
        BundleFormat format = format(AdminApi.optionalText(b, "format", "bundle"));
        String site = AdminApi.optionalText(b, "site", "");
        boolean everything = AdminApi.bool(b, "everything");
        Optional<MirrorSet> set = Optional.empty();
        Map<String, String> mirrorSets = Map.of();
        if (b.hasNonNull("set")) {
            JsonNode s = b.get("set");
            if (!(s instanceof ObjectNode so)) {
                throw badRequest("\"set\" must be an object {\"name\": FILE, \"content\": YAML}");
            }
            AdminApi.only(so, "name", "content");
            String name = AdminApi.optionalText(so, "name", "mirror-set.yaml");
            String content = text(so, "content", "set.content");
            MirrorSet.Parsed parsed = MirrorSet.parse(name, content.getBytes(StandardCharsets.UTF_8));
            if (!parsed.errors().isEmpty()) {
                throw new ApiException(400, "invalid_mirror_set", "the mirror set has errors: " + parsed.errors().stream()
                        .map(Object::toString).collect(java.util.stream.Collectors.joining("; ")),
                        AdminApi.planErrors(parsed.errors()));
            }
            set = Optional.of(parsed.set());
            mirrorSets = Map.of(parsed.set().name(), content);
        }
        List<String> modules = strings(b, "modules");
        List<String> images = strings(b, "images");
        if (!everything && set.isEmpty() && modules.isEmpty() && images.isEmpty()) {
            everything = true;
        }
        Optional<Path> inventory = b.hasNonNull("inventory") ? Optional.of(path(b, "inventory")) : Optional.empty();
        Optional<String> since = Optional.ofNullable(AdminApi.optionalText(b, "since", null)).map(String::strip);
        long maxVolume = b.hasNonNull("maxVolumeSize") ? size(b.get("maxVolumeSize"))
                : ExportRequest.DEFAULT_MAX_VOLUME_SIZE;
        if (format != BundleFormat.BUNDLE && (inventory.isPresent() || since.isPresent())) {
            throw badRequest("\"inventory\" and \"since\" go with format bundle only (plain formats are always whole)");
        }
        ExportRequest request;
        try {
            request = new ExportRequest(to, new Selection(everything, set, modules, images), format, site, inventory,
                    since, maxVolume, mirrorSets);
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        }
        BundleProgress p;
        try {
            p = bundles.export(request);
        } catch (BundleException e) {
            throw refused(e);
        }
        LOG.info("export " + p.id() + " started: " + format + " to " + to + (site.isEmpty() ? "" : " for site " + site)
                + inventory.map(i -> " against inventory " + i).orElse("") + since.map(i -> " since " + i).orElse(""));
        return started(p, "/admin/api/exports/");
    }

    /** {@code GET /admin/api/exports}. */
    public ObjectNode exports() {
        return jobs("export");
    }

    /** {@code GET /admin/api/exports/{id}}. */
    public ObjectNode export(String id) {
        return job("export", id);
    }

    /** {@code DELETE /admin/api/exports/{id}}: cancels; answers the job's progress. */
    public ObjectNode cancelExport(String id) {
        return cancel("export", id);
    }

    // ---- imports ------------------------------------------------------------------------------------------------

    /** {@code POST /admin/api/imports}: {@code {"from": [DIR, ...] | DIR, "trust": [VERIFIER KEY, ...]}}. */
    public ObjectNode startImport(JsonNode body) {
        ObjectNode b = AdminApi.object(body);
        AdminApi.only(b, "from", "trust");
        JsonNode f = b.get("from");
        if (f == null || f.isNull()) {
            throw badRequest("missing field \"from\" (the bundle's directory, or several holding its volumes)");
        }
        List<Path> from = new ArrayList<>();
        if (f.isTextual()) {
            from.add(absolute("from", f.asText()));
        } else if (f.isArray() && !f.isEmpty()) {
            for (JsonNode d : f) {
                if (!d.isTextual()) {
                    throw badRequest("\"from\" must be a directory or a non-empty array of directories, not " + d);
                }
                from.add(absolute("from", d.asText()));
            }
        } else {
            throw badRequest("\"from\" must be a directory or a non-empty array of directories");
        }
        LinkedHashSet<Verifier> keys = new LinkedHashSet<>(trusted);
        for (String k : strings(b, "trust")) {
            try {
                keys.add(Verifier.parse(k.strip()));
            } catch (FormatException e) {
                throw badRequest("trust: " + e.getMessage());
            }
        }
        if (keys.isEmpty()) {
            throw badRequest("this server trusts no bundle signing key: start it with --trust-key KEY|FILE (or config"
                    + " bundles.trust), or pass the exporting site's key with the import (ferry import --trust KEY)");
        }
        BundleProgress p;
        try {
            p = bundles.importBundle(new ImportRequest(from, List.copyOf(keys)));
        } catch (BundleException e) {
            throw refused(e);
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        }
        LOG.info("import " + p.id() + " started from " + from);
        followImport(p.id());
        return started(p, "/admin/api/imports/");
    }

    /** {@code GET /admin/api/imports}. */
    public ObjectNode imports() {
        return jobs("import");
    }

    /** {@code GET /admin/api/imports/{id}}. */
    public ObjectNode importJob(String id) {
        return job("import", id);
    }

    /** {@code DELETE /admin/api/imports/{id}}. */
    public ObjectNode cancelImport(String id) {
        return cancel("import", id);
    }

    /** Waits for the job on a virtual thread; logs its end and hands a success to {@link #importSucceeded}. */
    private void followImport(String id) {
        Thread.ofVirtual().name("ferry-import-" + id).start(() -> {
            try {
                Optional<BundleProgress> done = bundles.await(id);
                if (done.isEmpty()) {
                    return;
                }
                BundleProgress p = done.get();
                LOG.info("import " + id + " of bundle " + p.bundleId() + " ended: " + p.state()
                        + (p.error() == null ? "" : ": " + p.error()));
                if (p.state() == BundleProgress.State.SUCCEEDED) {
                    importSucceeded.accept(p);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "after import " + id + ": " + e.getMessage(), e);
            }
        });
    }

    // ---- inventory and history ----------------------------------------------------------------------------------

    /** {@code POST /admin/api/inventory}: {@code {"out": FILE}}; writes it now and answers its summary. */
    public ObjectNode inventory(JsonNode body) {
        ObjectNode b = AdminApi.object(body);
        AdminApi.only(b, "out");
        Path out = path(b, "out");
        List<BundleProgress.Count> counts;
        try {
            counts = bundles.writeInventory(out);
        } catch (BundleException e) {
            throw refused(e);
        } catch (IOException e) {
            throw new ApiException(500, "io_error", "cannot write the inventory to " + out + ": " + e.getMessage(), null);
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("out", out.toString());
        n.set("summary", counts(counts));
        LOG.info("inventory written to " + out);
        return n;
    }

    /** {@code GET /admin/api/bundles}: every bundle exported, oldest first. */
    public ObjectNode history() {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode list = out.putArray("bundles");
        for (ExportRecord r : bundles.history()) {
            list.add(record(r));
        }
        return out;
    }

    public static ObjectNode record(ExportRecord r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", r.id());
        n.put("site", r.site());
        n.put("base", r.base());
        n.put("inventory", r.inventory());
        n.put("directory", r.directory());
        n.put("created", r.created() == null ? null : r.created().toString());
        n.put("objects", r.objects());
        n.put("chunks", r.chunks());
        n.put("bytes", r.bytes());
        return n;
    }

    // ---- jobs ---------------------------------------------------------------------------------------------------

    private ObjectNode jobs(String kind) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode list = out.putArray("jobs");
        for (BundleProgress p : bundles.jobs()) {
            if (kind.equals(p.kind())) {
                list.add(progress(p));
            }
        }
        return out;
    }

    private ObjectNode job(String kind, String id) {
        return progress(find(kind, id));
    }

    private BundleProgress find(String kind, String id) {
        return bundles.job(id).filter(p -> kind.equals(p.kind()))
                .orElseThrow(() -> notFound("no " + kind + " job " + id));
    }

    private ObjectNode cancel(String kind, String id) {
        find(kind, id);
        if (!bundles.cancel(id)) {
            throw notFound("no " + kind + " job " + id);
        }
        return job(kind, id);
    }

    private static ObjectNode started(BundleProgress p, String prefix) {
        ObjectNode n = progress(p);
        n.put("location", prefix + p.id());
        return n;
    }

    /** A job's progress or report as JSON. */
    public static ObjectNode progress(BundleProgress p) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", p.id());
        n.put("kind", p.kind());
        n.put("state", p.state() == null ? BundleProgress.State.RUNNING.name() : p.state().name());
        n.put("bundleId", p.bundleId());
        n.put("directory", p.directory());
        n.put("phase", p.phase());
        n.put("bytesDone", p.bytesDone());
        n.put("bytesTotal", p.bytesTotal());
        n.put("itemsDone", p.itemsDone());
        n.put("itemsTotal", p.itemsTotal());
        n.put("bytesPerSecond", p.bytesPerSecond());
        n.set("summary", counts(p.summary()));
        ArrayNode notes = n.putArray("notes");
        p.notes().forEach(notes::add);
        n.put("error", p.error());
        n.put("started", p.started() == null ? null : p.started().toString());
        n.put("finished", p.finished() == null ? null : p.finished().toString());
        return n;
    }

    private static ArrayNode counts(List<BundleProgress.Count> counts) {
        ArrayNode a = JSON.createArrayNode();
        for (BundleProgress.Count c : counts) {
            a.addObject().put("what", c.what()).put("value", c.value());
        }
        return a;
    }

    // ---- body helpers -------------------------------------------------------------------------------------------

    /** A synchronous refusal: the request is wrong (400), names something absent (404), or cannot be done (400). */
    static ApiException refused(BundleException e) {
        return switch (e.kind()) {
            case NOT_FOUND -> new ApiException(404, "not_found", e.getMessage(), null);
            case BAD_REQUEST -> new ApiException(400, "bad_request", e.getMessage(), null);
            case REFUSED -> new ApiException(400, "refused", e.getMessage(), null);
        };
    }

    private static BundleFormat format(String text) {
        return switch (text.strip()) {
            case "bundle" -> BundleFormat.BUNDLE;
            case "goproxy" -> BundleFormat.GOPROXY;
            case "oci-layout" -> BundleFormat.OCI_LAYOUT;
            default -> throw badRequest("unknown format \"" + text + "\" (want bundle, goproxy or oci-layout)");
        };
    }

    private static Path path(ObjectNode b, String field) {
        return absolute(field, AdminApi.requiredText(b, field));
    }

    private static Path absolute(String field, String text) {
        Path p;
        try {
            p = Path.of(text);
        } catch (InvalidPathException e) {
            throw badRequest("\"" + field + "\": not a path: " + e.getMessage());
        }
        if (!p.isAbsolute()) {
            throw badRequest("\"" + field + "\" must be an absolute path on the server, not " + text);
        }
        return p.normalize();
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
    static long size(JsonNode n) {
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
