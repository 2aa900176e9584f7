package dev.ferry.sync;

import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.Tag;
import dev.ferry.protocols.semver.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Turns a {@link MirrorSet} into a {@link Plan}, asking the mirrors what versions and tags exist now, so a refresh
 * run of the same set picks up new ones (and, as every rerun, fetches nothing already stored).
 *
 * <p>A module glob has no upstream catalog to expand against (the GOPROXY protocol lists no modules): it matches
 * the modules ferry already knows, as {@code knownModules} gives them (the server: every module it has stored).
 */
public final class MirrorSetPlanner {
    private final GoPrewarmPlanner go;
    private final ImagePrewarmPlanner images;
    private final Supplier<List<ModulePath>> knownModules;

    /** @param images null when no registry is configured (image rules are then errors) */
    public MirrorSetPlanner(GoPrewarmPlanner go, ImagePrewarmPlanner images, Supplier<List<ModulePath>> knownModules) {
        this.go = Objects.requireNonNull(go, "go");
        this.images = images;
        this.knownModules = Objects.requireNonNull(knownModules, "knownModules");
    }

    /** Plans the set; {@code parseErrors} (from {@link MirrorSet#parse}) are carried into the plan's errors. */
    public Plan plan(MirrorSet.Parsed parsed) {
        MirrorSet set = parsed.set();
        String file = set.name();
        List<PrewarmItem> items = new ArrayList<>();
        List<PlanError> errors = new ArrayList<>(parsed.errors());
        List<String> notes = new ArrayList<>();
        for (MirrorSet.ModuleRule rule : set.modules()) {
            List<ModulePath> paths;
            if (rule.isGlob()) {
                PrivatePatterns glob = PrivatePatterns.parse(rule.path());
                paths = knownModules.get().stream().filter(glob::matches).toList();
                if (paths.isEmpty()) {
                    notes.add(file + ":" + rule.line() + ": " + rule.path() + " matches no module ferry knows yet");
                }
            } else {
                paths = List.of(ModulePath.parse(rule.path()));
            }
            for (ModulePath p : paths) {
                try {
                    for (Version v : go.resolve(p, rule.versions())) {
                        GoPrewarmPlanner.addVersion(items, p, v);
                    }
                } catch (PrewarmFailure | FormatException e) {
                    errors.add(new PlanError(file, rule.line(), p + "@" + rule.versions() + ": " + e.getMessage()));
                }
            }
        }
        for (MirrorSet.ImageRule rule : set.images()) {
            if (images == null) {
                errors.add(new PlanError(file, rule.line(), rule.repository() + ": no OCI registry is configured"));
                continue;
            }
            ImageRef base = ImageRef.parse(rule.repository());
            List<String> tags;
            if (rule.tagPattern() == null && rule.semver() == null) {
                tags = List.of("latest");
            } else {
                try {
                    tags = images.tags(base.registry(), base.repository()).stream()
                            .filter(t -> rule.tagPattern() != null
                                    ? rule.tagPattern().matcher(t).matches()
                                    : MirrorSet.matchesSemver(rule.semver(), t))
                            .toList();
                } catch (PrewarmFailure e) {
                    errors.add(new PlanError(file, rule.line(), e.getMessage()));
                    continue;
                }
                if (tags.isEmpty()) {
                    errors.add(new PlanError(
                            file,
                            rule.line(),
                            rule.repository() + ": no tag matches "
                                    + (rule.tagPattern() != null
                                            ? rule.tagPattern().pattern()
                                            : rule.semver())));
                }
            }
            for (String t : tags) {
                items.add(new PrewarmItem.Image(
                        base.registry(), base.repository(), new Reference.ByTag(Tag.parse(t)), rule.platforms()));
            }
        }
        return new Plan(items, errors, notes);
    }
}
