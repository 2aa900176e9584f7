package dev.ferry.server.admin;

import static dev.ferry.server.admin.ApiException.badRequest;
import static dev.ferry.server.admin.ApiException.notFound;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.BundleJob;
import dev.ferry.server.admin.api.BundleJobs;
import dev.ferry.server.admin.api.Count;
import dev.ferry.server.admin.api.ExportHistory;
import dev.ferry.server.admin.api.InventoryWritten;
import dev.ferry.server.admin.api.StartExport;
import dev.ferry.server.admin.api.StartImport;
import dev.ferry.server.admin.api.WriteInventory;
import dev.ferry.sync.MirrorSet;
import dev.ferry.sync.bundle.BundleException;
import dev.ferry.sync.bundle.BundleFormat;
import dev.ferry.sync.bundle.BundleProgress;
import dev.ferry.sync.bundle.BundleService;
import dev.ferry.sync.bundle.ExportRecord;
import dev.ferry.sync.bundle.ExportRequest;
import dev.ferry.sync.bundle.ImportRequest;
import dev.ferry.sync.bundle.SafePaths;
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
import java.util.stream.Collectors;

/**
 * The bundle part of the admin API (exports, imports, the inventory, the export history), independent of HTTP like
 * {@link AdminApi}: request records in, response records out, refusals as {@link ApiException}. Paths in requests
 * are on the server's filesystem and must be absolute (the CLI makes relative ones absolute before sending them) and
 * lie under a configured bundle root, with no symbolic link below the root (docs/bundles.md, "Where bundles go").
 * Trust comes from the server's configuration; a request's own keys only where the configuration allows them.
 */
public final class BundleApi {
    private static final Logger LOG = Logger.getLogger("ferry.bundles");

    private final Bundles bundles;
    private final List<Verifier> trusted;
    private final List<Path> roots;
    private final boolean requestTrust;
    private final Consumer<BundleProgress> importSucceeded;
    private final Audit audit;

    /** Where the bundle part writes audit entries of its own: what an import replaced, found when it ends. */
    @FunctionalInterface
    public interface Audit {
        void record(String who, String action, String target, String result);

        Audit NONE = (who, action, target, result) -> {};
    }

    /**
     * @param trusted         the keys the server trusts (--trust-key, bundles.trust)
     * @param roots           the directories requests may name paths under (bundles.roots): absolute, normalized
     * @param requestTrust    whether a request may add keys of its own (bundles.allowRequestTrust); else refused
     * @param importSucceeded called (on a virtual thread) with the report of every import job that succeeded
     * @param audit           where each metadata entry an import replaced is recorded
     */
    public BundleApi(
            Bundles bundles,
            List<Verifier> trusted,
            List<Path> roots,
            boolean requestTrust,
            Consumer<BundleProgress> importSucceeded,
            Audit audit) {
        this.bundles = Objects.requireNonNull(bundles, "bundles");
        this.trusted = List.copyOf(trusted);
        this.roots = List.copyOf(roots);
        if (this.roots.isEmpty() || !this.roots.stream().allMatch(r -> r.isAbsolute() && r.equals(r.normalize()))) {
            throw new IllegalArgumentException("bundle roots must be absolute and normalized: " + roots);
        }
        this.requestTrust = requestTrust;
        this.importSucceeded = Objects.requireNonNull(importSucceeded, "importSucceeded");
        this.audit = Objects.requireNonNull(audit, "audit");
    }

    /** The directories request paths must lie under. */
    public List<Path> roots() {
        return roots;
    }

    // ---- exports ------------------------------------------------------------------------------------------------

    /** {@code POST /admin/api/exports}: nothing selected means everything. */
    public BundleJob startExport(StartExport r) {
        Path to = underRoots("to", r.to());
        BundleFormat format = format(Objects.requireNonNullElse(r.format(), "bundle"));
        String site = Objects.requireNonNullElse(r.site(), "");
        boolean everything = Boolean.TRUE.equals(r.everything());
        Optional<MirrorSet> set = Optional.empty();
        Map<String, String> mirrorSets = Map.of();
        if (r.set() != null) {
            String name = Objects.requireNonNullElse(r.set().name(), "mirror-set.yaml");
            String content = r.set().content();
            MirrorSet.Parsed parsed = MirrorSet.parse(name, content.getBytes(StandardCharsets.UTF_8));
            if (!parsed.errors().isEmpty()) {
                throw new ApiException(
                        400,
                        "invalid_mirror_set",
                        "the mirror set has errors: "
                                + parsed.errors().stream().map(Object::toString).collect(Collectors.joining("; ")),
                        AdminApi.lineErrors(parsed.errors()));
            }
            set = Optional.of(parsed.set());
            mirrorSets = Map.of(parsed.set().name(), content);
        }
        List<String> modules = Objects.requireNonNullElse(r.modules(), List.of());
        List<String> images = Objects.requireNonNullElse(r.images(), List.of());
        if (!everything && set.isEmpty() && modules.isEmpty() && images.isEmpty()) {
            everything = true;
        }
        Optional<Path> inventory = Optional.ofNullable(r.inventory()).map(i -> underRoots("inventory", i));
        Optional<String> since = Optional.ofNullable(r.since()).map(String::strip);
        long maxVolume = Objects.requireNonNullElse(r.maxVolumeSize(), ExportRequest.DEFAULT_MAX_VOLUME_SIZE);
        if (format != BundleFormat.BUNDLE && (inventory.isPresent() || since.isPresent())) {
            throw badRequest("\"inventory\" and \"since\" go with format bundle only (plain formats are always whole)");
        }
        ExportRequest request;
        try {
            request = new ExportRequest(
                    to,
                    new Selection(everything, set, modules, images),
                    format,
                    site,
                    inventory,
                    since,
                    maxVolume,
                    mirrorSets);
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
                + inventory.map(i -> " against inventory " + i).orElse("")
                + since.map(i -> " since " + i).orElse(""));
        return started("export", p);
    }

    /** {@code GET /admin/api/exports}. */
    public BundleJobs exports() {
        return jobs("export");
    }

    /** {@code GET /admin/api/exports/{id}}. */
    public BundleJob export(String id) {
        return job("export", id);
    }

    /** {@code DELETE /admin/api/exports/{id}}: cancels; answers the job's progress. */
    public BundleJob cancelExport(String id) {
        return cancel("export", id);
    }

    // ---- imports ------------------------------------------------------------------------------------------------

    /**
     * {@code POST /admin/api/imports}: with the server's trusted keys, and the request's only when the server allows
     * per-request keys (the route audits them).
     */
    public BundleJob startImport(StartImport r) {
        List<Path> from = new ArrayList<>();
        for (String d : r.from()) {
            from.add(underRoots("from", d));
        }
        LinkedHashSet<Verifier> keys = new LinkedHashSet<>(trusted);
        List<String> requested = Objects.requireNonNullElse(r.trust(), List.<String>of());
        if (!requested.isEmpty() && !requestTrust) {
            throw badRequest("this server trusts only the keys of its configuration (--trust-key, bundles.trust);"
                    + " a request's \"trust\" is refused unless the server runs with --allow-request-trust"
                    + " (bundles.allowRequestTrust)");
        }
        for (String k : requested) {
            try {
                keys.add(Verifier.parse(k.strip()));
            } catch (FormatException e) {
                throw badRequest("trust: " + e.getMessage());
            }
        }
        if (keys.isEmpty()) {
            throw badRequest("this server trusts no bundle signing key: start it with --trust-key KEY|FILE (or config"
                    + " bundles.trust)");
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
        return started("import", p);
    }

    /** {@code GET /admin/api/imports}. */
    public BundleJobs imports() {
        return jobs("import");
    }

    /** {@code GET /admin/api/imports/{id}}. */
    public BundleJob importJob(String id) {
        return job("import", id);
    }

    /** {@code DELETE /admin/api/imports/{id}}. */
    public BundleJob cancelImport(String id) {
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
                for (String note : p.notes()) {
                    if (note.startsWith(BundleService.REPLACED)) {
                        audit.record(
                                "bundle " + p.bundleId(),
                                "REPLACE metadata",
                                note.substring(BundleService.REPLACED.length()),
                                "replaced by import " + id + " of bundle " + p.bundleId());
                    }
                }
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

    /** {@code POST /admin/api/inventory}: writes it now and answers its summary. */
    public InventoryWritten inventory(WriteInventory r) {
        Path out = underRoots("out", r.out());
        List<BundleProgress.Count> counts;
        try {
            counts = bundles.writeInventory(out);
        } catch (BundleException e) {
            throw refused(e);
        } catch (java.nio.file.FileSystemException e) {
            // The file system refused the path the client chose (denied, missing, not a file, /proc): its fault.
            throw badRequest("cannot write the inventory to " + out + ": " + why(e));
        } catch (IOException e) {
            throw ApiException.ioError("cannot write the inventory to " + out + ": " + e.getMessage());
        }
        LOG.info("inventory written to " + out);
        return new InventoryWritten(out.toString(), counts(counts));
    }

    /** What the file system said about a path, in words (AccessDeniedException's message is only the path). */
    private static String why(java.nio.file.FileSystemException e) {
        String reason = e.getReason();
        if (reason != null && !reason.isBlank()) {
            return reason;
        }
        return switch (e) {
            case java.nio.file.AccessDeniedException a -> "access denied";
            case java.nio.file.NoSuchFileException n -> "no such file or directory";
            case java.nio.file.NotDirectoryException n -> "not a directory";
            case java.nio.file.FileAlreadyExistsException f -> "already exists";
            default -> "refused by the file system";
        };
    }

    /** {@code GET /admin/api/bundles}: every bundle exported, oldest first. */
    public ExportHistory history() {
        return new ExportHistory(bundles.history().stream()
                .map(r -> exported(r, bundles.keepsSent(r.id())))
                .toList());
    }

    static ExportHistory.Exported exported(ExportRecord r, boolean sinceAvailable) {
        return new ExportHistory.Exported(
                r.id(),
                r.site(),
                r.base(),
                r.inventory(),
                r.directory(),
                AdminApi.time(r.created()),
                r.objects(),
                r.chunks(),
                r.bytes(),
                sinceAvailable);
    }

    // ---- jobs ---------------------------------------------------------------------------------------------------

    private BundleJobs jobs(String kind) {
        return new BundleJobs(bundles.jobs().stream()
                .filter(p -> kind.equals(p.kind()))
                .map(BundleApi::job)
                .toList());
    }

    private BundleJob job(String kind, String id) {
        return job(find(kind, id));
    }

    private BundleProgress find(String kind, String id) {
        return bundles.job(id)
                .filter(p -> kind.equals(p.kind()))
                .orElseThrow(() -> notFound("no " + kind + " job " + id));
    }

    private BundleJob cancel(String kind, String id) {
        find(kind, id);
        if (!bundles.cancel(id)) {
            throw notFound("no " + kind + " job " + id);
        }
        return job(kind, id);
    }

    private static BundleJob started(String kind, BundleProgress p) {
        return job(p).at(AdminPaths.bundleJob(kind, p.id()));
    }

    /** A job's progress or report. */
    public static BundleJob job(BundleProgress p) {
        return new BundleJob(
                p.id(),
                p.kind(),
                p.state() == null
                        ? BundleProgress.State.RUNNING.name()
                        : p.state().name(),
                p.bundleId(),
                p.directory(),
                p.phase(),
                p.bytesDone(),
                p.bytesTotal(),
                p.itemsDone(),
                p.itemsTotal(),
                p.bytesPerSecond(),
                counts(p.summary()),
                p.notes(),
                p.error(),
                AdminApi.time(p.started()),
                AdminApi.time(p.finished()),
                null);
    }

    private static List<Count> counts(List<BundleProgress.Count> counts) {
        return counts.stream().map(c -> new Count(c.what(), c.value())).toList();
    }

    // ---- values -------------------------------------------------------------------------------------------------

    /**
     * A synchronous refusal: the request is wrong (400), names something absent (404), or cannot be done (400); or
     * this server failed at it (500: its own disk).
     */
    static ApiException refused(BundleException e) {
        return switch (e.kind()) {
            case NOT_FOUND -> notFound(e.getMessage());
            case BAD_REQUEST -> badRequest(e.getMessage());
            case REFUSED -> new ApiException(400, "refused", e.getMessage(), null);
            case FAILED -> ApiException.ioError(e.getMessage());
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

    /**
     * An absolute path under one of the {@link #roots}, with no symbolic link between the root and it: checked before
     * anything looks at the path's target, so a refusal says nothing of what exists outside the roots.
     */
    private Path underRoots(String field, String text) {
        Path p = absolute(field, text);
        Path root = roots.stream()
                .filter(p::startsWith)
                .findFirst()
                .orElseThrow(() -> badRequest("\"" + field + "\": " + p + " is outside the bundle roots "
                        + roots.stream().map(Path::toString).toList()
                        + "; the server reads and writes bundles only under them (--bundle-root, bundles.roots)"));
        SafePaths.linkBelow(root, p).ifPresent(link -> {
            throw badRequest("\"" + field + "\": " + link
                    + " is a symbolic link; ferry follows no links under its bundle roots");
        });
        return p;
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
}
