package dev.ferry.server.admin;

import static dev.ferry.server.admin.ApiException.badRequest;
import static dev.ferry.server.admin.ApiException.notFound;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.toolchain.GoPlatform;
import dev.ferry.protocols.toolchain.GoRelease;
import dev.ferry.protocols.toolchain.Toolchain;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.LineError;
import dev.ferry.server.admin.api.PinItems;
import dev.ferry.server.admin.api.PinResults;
import dev.ferry.server.admin.api.PinSets;
import dev.ferry.server.admin.api.PrewarmJob;
import dev.ferry.server.admin.api.PrewarmJobs;
import dev.ferry.server.admin.api.RegisterMirrorSet;
import dev.ferry.server.admin.api.RegisteredSet;
import dev.ferry.server.admin.api.RegisteredSets;
import dev.ferry.server.admin.api.Removed;
import dev.ferry.server.admin.api.StartPrewarm;
import dev.ferry.server.admin.api.StorageReport;
import dev.ferry.server.admin.api.UnpinItems;
import dev.ferry.server.admin.api.UnpinResults;
import dev.ferry.server.config.Durations;
import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.storage.StoreStats;
import dev.ferry.sync.GoPrewarmPlanner;
import dev.ferry.sync.GoProject;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What the admin API does, independent of HTTP: each method takes a request record ({@link RequestBodies} reads them
 * from bodies) or a path parameter and returns a response record, or throws {@link ApiException} with the status and
 * a readable message. Bad input is always a 400, never a 5xx. The HTTP side is {@code dev.ferry.server.http.admin};
 * the endpoints are documented in docs/admin-api.md.
 */
public final class AdminApi {
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
    public AdminApi(
            PrewarmService prewarm,
            MirrorSetRegistry mirrorSets,
            StorePins pins,
            ItemRunner runner,
            GoPrewarmPlanner go,
            ImagePrewarmPlanner images,
            MirrorSetPlanner setPlanner,
            Supplier<StoreStats> stats,
            FerryMetrics metrics) {
        this(prewarm, mirrorSets, pins, runner, go, images, setPlanner, stats, metrics, null);
    }

    /** With the bundle endpoints ({@code bundles}; null: none). */
    public AdminApi(
            PrewarmService prewarm,
            MirrorSetRegistry mirrorSets,
            StorePins pins,
            ItemRunner runner,
            GoPrewarmPlanner go,
            ImagePrewarmPlanner images,
            MirrorSetPlanner setPlanner,
            Supplier<StoreStats> stats,
            FerryMetrics metrics,
            BundleApi bundles) {
        this.bundles = bundles;
        this.prewarm = Objects.requireNonNull(prewarm, "prewarm");
        this.mirrorSets = Objects.requireNonNull(mirrorSets, "mirrorSets");
        this.pins = Objects.requireNonNull(pins, "pins");
        this.runner = Objects.requireNonNull(runner, "runner");
        this.go = Objects.requireNonNull(go, "go");
        this.images = Objects.requireNonNull(images, "images");
        this.setPlanner = Objects.requireNonNull(setPlanner, "setPlanner");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** The bundle endpoints. */
    public BundleApi bundles() {
        if (bundles == null) {
            throw notFound("this ferry has no bundle support configured");
        }
        return bundles;
    }

    // ---- prewarm ------------------------------------------------------------------------------------------------

    /** {@code POST /admin/api/prewarm}: plans and runs the job in the background; answers it with its location. */
    public PrewarmJob startPrewarm(StartPrewarm request) {
        PrewarmService.Run run = switch (request) {
            case StartPrewarm.GoMod g -> {
                GoProject project = project(g);
                yield prewarm.start(
                        (project.goWork() != null ? "go.work " : "go.mod ") + project.name(),
                        () -> go.planProject(project));
            }
            case StartPrewarm.GoSum s -> {
                byte[] content = utf8(s.content());
                String name = Objects.requireNonNullElse(s.name(), "go.sum");
                yield prewarm.start("go.sum " + name, () -> go.planGoSum(name, content));
            }
            case StartPrewarm.Modules m -> {
                List<String> items = List.copyOf(m.items());
                boolean all = m.allVersions();
                yield prewarm.start(
                        "modules " + summary(items) + (all ? " (all versions)" : ""), () -> go.planQueries(items, all));
            }
            case StartPrewarm.Toolchains t -> {
                List<Toolchain> toolchains = toolchains(t);
                yield prewarm.start(
                        "toolchains " + summary(t.versions()) + " for " + t.platforms(),
                        () -> GoPrewarmPlanner.planToolchains(toolchains));
            }
            case StartPrewarm.Images i -> {
                List<String> items = List.copyOf(i.items());
                Platforms platforms = platforms(i.platforms());
                yield prewarm.start(
                        "images " + summary(items) + " for " + platforms,
                        () -> images.plan("arguments", items, platforms));
            }
            case StartPrewarm.MirrorSetFile f -> {
                byte[] content = utf8(f.content());
                String name = Objects.requireNonNullElse(f.name(), "mirror-set.yaml");
                yield prewarm.start("mirror set " + name, () -> setPlanner.plan(MirrorSet.parse(name, content)));
            }
        };
        return job(run.progress()).at(AdminPaths.prewarmJob(run.id()));
    }

    /** {@code GET /admin/api/prewarm/{id}}. */
    public PrewarmJob prewarm(String id) {
        return job(prewarm.get(id).orElseThrow(() -> notFound("no prewarm job " + id)));
    }

    /** {@code GET /admin/api/prewarm}. */
    public PrewarmJobs prewarms() {
        return new PrewarmJobs(prewarm.list().stream().map(AdminApi::job).toList());
    }

    /** {@code DELETE /admin/api/prewarm/{id}}: cancels; answers the job's progress. */
    public PrewarmJob cancelPrewarm(String id) {
        if (!prewarm.cancel(id)) {
            throw notFound("no prewarm job " + id);
        }
        return prewarm(id);
    }

    /** A job's progress or report (state PLANNING while its plan is being made). */
    public static PrewarmJob job(Progress p) {
        return new PrewarmJob(
                p.id(),
                p.description(),
                p.state() == null ? "PLANNING" : p.state().name(),
                p.total(),
                p.done(),
                p.failed(),
                p.skipped(),
                p.bytes(),
                p.current(),
                p.failures().stream()
                        .map(f -> new PrewarmJob.ItemFailure(f.item(), f.reason()))
                        .toList(),
                lineErrors(p.planErrors()),
                p.notes(),
                time(p.started()),
                time(p.finished()),
                null);
    }

    static List<LineError> lineErrors(List<PlanError> errors) {
        return errors.stream()
                .map(e -> new LineError(e.source(), e.line(), e.message(), e.toString()))
                .toList();
    }

    static String time(Instant t) {
        return t == null ? null : t.toString();
    }

    // ---- mirror sets --------------------------------------------------------------------------------------------

    /** {@code POST /admin/api/mirror-sets}: registers (or replaces) the set and starts its first run. */
    public RegisteredSet addMirrorSet(RegisterMirrorSet request) {
        String fileName = Objects.requireNonNullElse(request.fileName(), "mirror-set.yaml");
        Duration refresh = null;
        if (request.refresh() != null) {
            try {
                refresh = Durations.parse(request.refresh());
            } catch (RuntimeException e) {
                throw badRequest("refresh: " + e.getMessage());
            }
        }
        try {
            return registered(mirrorSets.register(fileName, request.content(), request.name(), refresh), false);
        } catch (MirrorSetRegistry.Invalid e) {
            throw new ApiException(400, "invalid_mirror_set", e.getMessage(), lineErrors(e.errors()));
        } catch (IOException e) {
            throw ApiException.ioError("cannot save the registration: " + e.getMessage());
        }
    }

    /** {@code GET /admin/api/mirror-sets}. */
    public RegisteredSets mirrorSets() {
        return new RegisteredSets(
                mirrorSets.list().stream().map(e -> registered(e, false)).toList());
    }

    /** {@code GET /admin/api/mirror-sets/{name}}: with the YAML text. */
    public RegisteredSet mirrorSet(String name) {
        return registered(mirrorSets.get(name).orElseThrow(() -> notFound("no mirror set " + name)), true);
    }

    /** {@code POST /admin/api/mirror-sets/{name}/run}: a refresh now; answers the run's progress. */
    public PrewarmJob runMirrorSet(String name) {
        return job(mirrorSets
                .runNow(name)
                .orElseThrow(() -> notFound("no mirror set " + name))
                .progress());
    }

    /** {@code DELETE /admin/api/mirror-sets/{name}}. */
    public Removed removeMirrorSet(String name) {
        try {
            if (!mirrorSets.remove(name)) {
                throw notFound("no mirror set " + name);
            }
        } catch (IOException e) {
            throw ApiException.ioError("cannot save the registrations: " + e.getMessage());
        }
        return new Removed(name);
    }

    private static RegisteredSet registered(MirrorSetRegistry.Entry e, boolean withContent) {
        MirrorSetRegistry.Registration r = e.registration();
        return new RegisteredSet(
                r.name(),
                r.fileName(),
                r.refresh() == null ? null : Durations.format(r.refresh()),
                r.registered().toString(),
                time(e.lastStarted()),
                time(e.nextRun()),
                MirrorSetRegistry.lastReport(e).map(AdminApi::job).orElse(null),
                withContent ? r.content() : null);
    }

    // ---- pins ---------------------------------------------------------------------------------------------------

    /**
     * {@code POST /admin/api/pins}: each item is fetched through the mirror when it is not stored yet, then its
     * objects are pinned. Invalid items refuse the whole request; one that cannot be fetched is reported.
     */
    public PinResults pin(PinItems request) {
        Platforms platforms = platforms(request.platforms());
        List<String> items = request.items();
        List<List<PrewarmItem>> parsed = parseItems(items, platforms);
        List<PinResults.Result> results = new ArrayList<>();
        int failed = 0;
        for (int i = 0; i < items.size(); i++) {
            List<PrewarmItem> parts = parsed.get(i);
            String pinSet = StorePins.MANUAL + pins.key(parts.get(0));
            String error;
            try {
                List<StoredContent> stored = new ArrayList<>();
                for (PrewarmItem p : parts) {
                    stored.addAll(runner.run(p).stored());
                }
                long[] pinned = pins.pinStored(pinSet, stored);
                results.add(PinResults.Result.pinned(items.get(i), pinSet, pinned[0], pinned[1]));
                continue;
            } catch (PrewarmFailure e) {
                error = e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                error = "interrupted";
            } catch (IOException e) {
                error = "cannot record the pin: " + e.getMessage();
            }
            results.add(PinResults.Result.failed(items.get(i), pinSet, error));
            failed++;
        }
        return new PinResults(results, failed);
    }

    /** {@code DELETE /admin/api/pins}: drops each item's {@code pin:} and {@code prewarm:} sets. */
    public UnpinResults unpin(UnpinItems request) {
        List<String> items = request.items();
        List<List<PrewarmItem>> parsed = parseItems(items, Platforms.ALL);
        List<UnpinResults.Result> results = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String key = pins.key(parsed.get(i).get(0));
            try {
                long released = pins.unpinAll(StorePins.MANUAL + key) + pins.unpinAll(StorePins.PREWARM + key);
                results.add(new UnpinResults.Result(items.get(i), key, released));
            } catch (IOException e) {
                throw ApiException.ioError("cannot remove the pins of " + key + ": " + e.getMessage());
            }
        }
        return new UnpinResults(results);
    }

    /** {@code GET /admin/api/pins}: every pin set with its objects and bytes. */
    public PinSets pins() {
        return new PinSets(pins.sets().stream()
                .map(s -> new PinSets.PinSet(s.name(), s.objects(), s.bytes()))
                .toList());
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
            throw new ApiException(
                    400,
                    "bad_request",
                    "invalid items (want MODULE@VERSION or an image reference): " + String.join("; ", errors),
                    errors);
        }
        return out;
    }

    // ---- storage ------------------------------------------------------------------------------------------------

    /** {@code GET /admin/api/storage}. */
    public StorageReport storage() {
        StoreStats s = stats.get();
        StorePins.Totals pinned = pins.totals(s);
        boolean quota = s.quotaBytes() > 0;
        long hits = metrics.cacheOutcomes(FerryMetrics.Cache.HIT);
        long stale = metrics.cacheOutcomes(FerryMetrics.Cache.STALE);
        long misses = metrics.cacheOutcomes(FerryMetrics.Cache.MISS);
        long answered = hits + stale + misses;
        // sizeBytes is what the quota measures: logical bytes of the stored chunks, each shared chunk once.
        return new StorageReport(
                s.objects(),
                s.objectBytes(),
                s.chunks(),
                s.chunkBytes(),
                s.diskBytes(),
                s.chunkBytes(),
                quota ? s.quotaBytes() : null,
                quota ? (double) s.chunkBytes() / s.quotaBytes() : null,
                new StorageReport.Evicted(s.evictedObjects(), s.evictedBytes()),
                new StorageReport.Pinned(pinned.sets(), pinned.objects(), pinned.bytes()),
                new StorageReport.Cache(
                        hits,
                        stale,
                        misses,
                        metrics.cacheOutcomes(FerryMetrics.Cache.NEGATIVE_HIT),
                        answered == 0 ? null : (double) (hits + stale) / answered));
    }

    // ---- values -------------------------------------------------------------------------------------------------

    /** A gomod request's project: a go.mod, or a go.work with its modules' go.mod files. */
    private static GoProject project(StartPrewarm.GoMod g) {
        boolean work = g.gowork() != null;
        String name = Objects.requireNonNullElse(g.name(), work ? "go.work" : "go.mod");
        byte[] goSum = g.gosum() == null ? null : utf8(g.gosum());
        List<String> imports = g.imports() == null ? List.of() : g.imports();
        if (work) {
            Map<String, byte[]> workspace = new LinkedHashMap<>();
            if (g.workspace() != null) {
                g.workspace().forEach((dir, goMod) -> workspace.put(dir, utf8(goMod)));
            }
            return new GoProject(name, null, utf8(g.gowork()), workspace, goSum, imports);
        }
        return new GoProject(name, utf8(g.content()), null, Map.of(), goSum, imports);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Every release for every platform; a bad release or platform is a 400 before any job starts. */
    private static List<Toolchain> toolchains(StartPrewarm.Toolchains t) {
        List<GoPlatform> platforms;
        try {
            platforms = GoPlatform.parseList(t.platforms());
        } catch (FormatException e) {
            throw badRequest("platforms: " + e.getMessage());
        }
        List<Toolchain> out = new ArrayList<>();
        for (String v : t.versions()) {
            GoRelease release;
            try {
                release = GoRelease.parse(v);
            } catch (FormatException e) {
                throw badRequest("versions: " + e.getMessage());
            }
            for (GoPlatform p : platforms) {
                out.add(new Toolchain(release, p));
            }
        }
        return out;
    }

    /** Null: the default platforms. */
    private static Platforms platforms(String text) {
        if (text == null) {
            return Platforms.DEFAULT;
        }
        try {
            return Platforms.parse(text);
        } catch (FormatException e) {
            throw badRequest("platforms: " + e.getMessage());
        }
    }

    private static String summary(List<String> items) {
        return items.size() <= 3
                ? String.join(" ", items)
                : String.join(" ", items.subList(0, 3)) + " and " + (items.size() - 3) + " more";
    }
}
