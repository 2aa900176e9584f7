package dev.ferry.protocols.mvs;

import dev.ferry.protocols.modfile.GoMod;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Minimal version selection as the go command (1.17 and later, checked against go1.19.8) computes the module graph
 * and its build list for a main module: what {@code go list -m all} prints and {@code go mod download all} fetches.
 *
 * <p>What is implemented, from cmd/go/internal/modload (readModGraph, goModSummary, requirementsFromModFile,
 * Replacement) and cmd/go/internal/mvs (Graph.Require, Graph.BuildList):
 * <ul>
 * <li><b>Roots</b> are the main module's requirements; a requirement on an excluded version is dropped
 *     ("go: dropping requirement on excluded version").</li>
 * <li><b>Loading</b>: each root's go.mod is read and its requirements become edges of the graph. If the main
 *     module's go directive is 1.17 or later (a <em>pruned</em> module graph), the requirements of a pruned
 *     dependency (its go.mod says go 1.17 or later) are edges but are not loaded further; the requirements of an
 *     unpruned dependency (go before 1.17, no go directive, or no go.mod at all) are loaded transitively, and
 *     everything below an unpruned module is loaded unpruned. A main module before go 1.17 loads the whole
 *     transitive graph. Requirements of a dependency on a version the main module excludes are dropped (not
 *     upgraded) before they become edges.</li>
 * <li><b>Selection</b>: for every module path that appears in any edge (or as a root), the highest version by
 *     semver order; this is the build list. Paths reached only through versions that are not selected are kept,
 *     as cmd/go does. Pseudo-versions and +incompatible versions are ordinary semver here.</li>
 * <li><b>Replace</b> (main module only): a version-specific {@code replace path version => ...} wins over a
 *     module-wide {@code replace path => ...}. The replaced node keeps its identity in the graph (and in the build
 *     list); its go.mod, requirements and files come from the replacement. A replacement by a local directory
 *     cannot be read here: the node is recorded in {@link BuildList#localReplacements()} and treated as having no
 *     requirements (so the build list may miss what that directory's go.mod requires).</li>
 * <li>A go.mod that cannot be had or parsed, or whose module directive names neither the required path nor its
 *     replacement, is a {@link BuildList.Problem}; the go command would stop there, this continues without that
 *     node's requirements so that a prewarm can still fetch the rest.</li>
 * </ul>
 * Not modelled: workspaces (go.work), the go and toolchain pseudo-modules of go 1.21+ roots, retractions and
 * deprecations (they do not change {@code go list -m all}), the {@code -mod=readonly} consistency checks and
 * go.mod rewriting (tidy / updateRoots).
 *
 * <p>{@link ExcludeMode#NEXT_HIGHER} gives the behaviour of go before 1.16 instead, where an excluded version was
 * replaced by the next higher version the module has (from {@link Options#versions()}).
 */
public final class Mvs {
    private Mvs() {}

    /** The go.mod of a module version (already the replacement's, when replaced). Throws on any failure. */
    @FunctionalInterface
    public interface GoModSource {
        GoMod goMod(ModulePath path, Version version);
    }

    /** The versions a module has (its @v/list), for {@link ExcludeMode#NEXT_HIGHER}. */
    @FunctionalInterface
    public interface VersionLister {
        List<Version> versions(ModulePath path);
    }

    /** What a requirement on an excluded version becomes. */
    public enum ExcludeMode {
        /** Dropped: go 1.16 and later. */
        DROP,
        /** Replaced by the next higher version that is not excluded: go before 1.16. */
        NEXT_HIGHER
    }

    public record Options(ExcludeMode excludeMode, VersionLister versions) {
        public Options {
            Objects.requireNonNull(excludeMode, "excludeMode");
            if (excludeMode == ExcludeMode.NEXT_HIGHER && versions == null) {
                throw new IllegalArgumentException("NEXT_HIGHER needs a version lister");
            }
        }

        public static Options defaults() {
            return new Options(ExcludeMode.DROP, null);
        }
    }

    /** Go 1.17 is the first go version whose go.mod lists enough for graph pruning (modload.pruningForGoVersion). */
    public static boolean isPruned(String goVersion) {
        if (goVersion == null || goVersion.isEmpty()) {
            return false;
        }
        String[] parts = goVersion.split("[.a-z]", 3);
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 && !parts[1].isEmpty() ? Integer.parseInt(parts[1]) : 0;
            return major > 1 || (major == 1 && minor >= 17);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    public static BuildList buildList(GoMod main, GoModSource source) {
        return buildList(main, source, Options.defaults());
    }

    /** Computes the module graph and build list of {@code main} (parsed with {@link GoMod#parseStrict}). */
    public static BuildList buildList(GoMod main, GoModSource source, Options options) {
        return new Walk(main, source, options, Set.of(), List.of(), false).run();
    }

    /**
     * Every module version whose go.mod, and every one whose files, the go command may read for {@code main}
     * beyond what {@link #buildList} says, because cmd/go reads more than the declared build list when the go.mod
     * is not tidy or when it checks compatibility:
     * <ul>
     * <li><b>Root promotion.</b> With a pruned graph (go 1.17+), a module that provides a package but is not a
     *     root is made one by {@code -mod=mod} builds and by {@code go mod tidy}; its go.mod is then read, its
     *     requirements become edges, and the build list can move to higher versions (an untidy go.mod with only
     *     its direct requirements). Modelled as if every module of the build list provided packages: the roots
     *     grow by the build list until it no longer changes, and the files of every build list on the way are
     *     included, since the go command downloads zips at intermediate selections too.</li>
     * <li><b>The whole graph.</b> {@code go mod tidy} checks that go 1.16 would select the same versions, and a
     *     go.mod without a go directive is converted from an unpruned graph: both read the go.mod of every module
     *     version reachable through requirements, ignoring pruning.</li>
     * </ul>
     * {@code workspace} names further main modules (a go.work's other modules): requirements on them are
     * satisfied in place and never read. {@code extraRoots} are added to the main module's requirements (modules
     * that a query found for imports no requirement provides).
     */
    public static Reach reach(
            GoMod main, GoModSource source, Set<ModulePath> workspace, List<ModuleVersion> extraRoots) {
        GoModSource cached = memo(source);
        BuildList declared = new Walk(main, cached, Options.defaults(), workspace, extraRoots, false).run();
        List<BuildList> walks = new ArrayList<>(List.of(declared));
        BuildList current = declared;
        // Each round can only raise versions or add paths, so this ends; the bound guards against a go.mod source
        // that answers differently each time.
        for (int round = 0; round < 64; round++) {
            List<ModuleVersion> roots = new ArrayList<>(extraRoots);
            roots.addAll(current.selected());
            BuildList next = new Walk(main, cached, Options.defaults(), workspace, roots, false).run();
            walks.add(next);
            if (next.selected().equals(current.selected())) {
                break;
            }
            current = next;
        }
        walks.add(new Walk(main, cached, Options.defaults(), workspace, extraRoots, true).run());
        return Reach.of(declared, walks);
    }

    /** A source that reads each go.mod once, remembering failures too, since the walks above ask again. */
    private static GoModSource memo(GoModSource source) {
        Map<ModuleVersion, Object> seen = new HashMap<>();
        return (path, version) -> {
            Object o = seen.computeIfAbsent(new ModuleVersion(path, version), mv -> {
                try {
                    return source.goMod(path, version);
                } catch (RuntimeException e) {
                    return e;
                }
            });
            if (o instanceof RuntimeException e) {
                throw e;
            }
            return (GoMod) o;
        };
    }

    private static final class Walk {
        private final GoMod main;
        private final GoModSource source;
        private final Options options;
        private final Set<ModuleVersion> excluded = new HashSet<>();
        private final Map<ModuleVersion, GoMod.Replace> versionReplace = new HashMap<>();
        private final Map<ModulePath, GoMod.Replace> moduleReplace = new HashMap<>();
        private final Map<ModulePath, Version> selected = new HashMap<>();
        private final Map<ModuleVersion, List<ModuleVersion>> loaded = new LinkedHashMap<>();
        private final Map<ModuleVersion, Boolean> prunedOf = new HashMap<>();
        private final Set<ModuleVersion> failed = new HashSet<>();
        private final Map<ModuleVersion, ModuleVersion> replaced = new TreeMap<>();
        private final Map<ModuleVersion, String> local = new TreeMap<>();
        private final List<BuildList.Problem> problems = new ArrayList<>();
        private final Map<ModulePath, List<Version>> versionLists = new HashMap<>();
        private final Set<ModulePath> mains = new HashSet<>();
        private final List<ModuleVersion> extraRoots;
        private final boolean unpruned;

        Walk(
                GoMod main,
                GoModSource source,
                Options options,
                Set<ModulePath> workspace,
                List<ModuleVersion> extraRoots,
                boolean unpruned) {
            this.main = Objects.requireNonNull(main, "main");
            this.source = Objects.requireNonNull(source, "source");
            this.options = Objects.requireNonNull(options, "options");
            this.extraRoots = List.copyOf(extraRoots);
            this.unpruned = unpruned;
            mains.add(main.module());
            mains.addAll(workspace);
            for (GoMod.Exclude e : main.exclude()) {
                excluded.add(new ModuleVersion(e.path(), e.version()));
            }
            // Later directives win, as modfile's replacement index does when one old path@version is repeated.
            for (GoMod.Replace r : main.replace()) {
                if (r.oldVersion() == null) {
                    moduleReplace.put(r.oldPath(), r);
                } else {
                    versionReplace.put(new ModuleVersion(r.oldPath(), r.oldVersion()), r);
                }
            }
        }

        BuildList run() {
            boolean mainPruned = !unpruned && isPruned(main.go());
            List<ModuleVersion> roots = requirements(null, main.require());
            roots.addAll(extraRoots);
            roots.forEach(this::select);
            Set<ModuleVersion> visitingPruned = new HashSet<>();
            Set<ModuleVersion> visitingUnpruned = new HashSet<>();
            ArrayDeque<Object[]> queue = new ArrayDeque<>();
            for (ModuleVersion r : roots) {
                enqueue(queue, visitingPruned, visitingUnpruned, r, !mainPruned);
            }
            while (!queue.isEmpty()) {
                Object[] next = queue.poll();
                ModuleVersion m = (ModuleVersion) next[0];
                boolean unprunedMode = (Boolean) next[1];
                List<ModuleVersion> reqs = load(m);
                if (reqs == null) {
                    continue;
                }
                boolean depUnpruned = !prunedOf.get(m);
                if (unprunedMode || depUnpruned) {
                    for (ModuleVersion r : reqs) {
                        enqueue(queue, visitingPruned, visitingUnpruned, r, unprunedMode || depUnpruned);
                    }
                }
            }
            List<ModuleVersion> list = new ArrayList<>();
            for (Map.Entry<ModulePath, Version> e : selected.entrySet()) {
                if (!mains.contains(e.getKey())) {
                    list.add(new ModuleVersion(e.getKey(), e.getValue()));
                }
            }
            Collections.sort(list);
            // Selected nodes that were never loaded (requirements of pruned modules) are still replaced.
            for (ModuleVersion m : list) {
                GoMod.Replace r = replacement(m);
                if (r == null || loaded.containsKey(m) || failed.contains(m)) {
                    continue;
                }
                if (r.isLocal()) {
                    local.put(m, r.newPath());
                } else {
                    try {
                        replaced.put(m, new ModuleVersion(ModulePath.parse(r.newPath()), r.newVersion()));
                    } catch (RuntimeException e) {
                        problems.add(new BuildList.Problem(
                                m, "replacement " + r.newPath() + " " + r.newVersion() + ": " + e.getMessage()));
                    }
                }
            }
            List<ModuleVersion> loadedList = new ArrayList<>(loaded.keySet());
            Collections.sort(loadedList);
            Map<ModuleVersion, List<ModuleVersion>> edges = new TreeMap<>(loaded);
            return new BuildList(main.module(), mainPruned, list, loadedList, edges, replaced, local, problems);
        }

        private void enqueue(
                ArrayDeque<Object[]> queue,
                Set<ModuleVersion> pruned,
                Set<ModuleVersion> unpruned,
                ModuleVersion m,
                boolean unprunedMode) {
            if (mains.contains(m.path())) {
                return;
            }
            if (!(unprunedMode ? unpruned : pruned).add(m)) {
                return;
            }
            queue.add(new Object[] {m, unprunedMode});
        }

        private void select(ModuleVersion m) {
            selected.merge(m.path(), m.version(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
        }

        /** The requirements of {@code m} (loaded once), or null when its go.mod could not be had. */
        private List<ModuleVersion> load(ModuleVersion m) {
            if (loaded.containsKey(m)) {
                return loaded.get(m);
            }
            if (failed.contains(m)) {
                return null;
            }
            GoMod.Replace r = replacement(m);
            List<ModuleVersion> reqs;
            boolean pruned;
            if (r != null && r.isLocal()) {
                local.put(m, r.newPath());
                reqs = List.of();
                pruned = true;
            } else {
                ModulePath path = m.path();
                Version version = m.version();
                if (r != null) {
                    try {
                        path = ModulePath.parse(r.newPath());
                    } catch (RuntimeException e) {
                        return fail(m, "replacement " + r.newPath() + " " + r.newVersion() + ": " + e.getMessage());
                    }
                    version = r.newVersion();
                    replaced.put(m, new ModuleVersion(path, version));
                }
                GoMod gm;
                try {
                    gm = source.goMod(path, version);
                } catch (RuntimeException e) {
                    return fail(m, (r == null ? "" : "replacement " + path + "@" + version + ": ") + e.getMessage());
                }
                if (gm == null) {
                    return fail(m, "no go.mod for " + path + "@" + version);
                }
                if (!gm.module().equals(m.path()) && !gm.module().equals(path)) {
                    return fail(
                            m,
                            "parsing go.mod: module declares its path as: " + gm.module() + " but was required as: "
                                    + m.path());
                }
                reqs = requirements(m, gm.require());
                pruned = isPruned(gm.go());
            }
            reqs.forEach(this::select);
            loaded.put(m, List.copyOf(reqs));
            prunedOf.put(m, pruned);
            return reqs;
        }

        private List<ModuleVersion> fail(ModuleVersion m, String why) {
            failed.add(m);
            problems.add(new BuildList.Problem(m, why));
            return null;
        }

        private GoMod.Replace replacement(ModuleVersion m) {
            GoMod.Replace r = versionReplace.get(m);
            return r != null ? r : moduleReplace.get(m.path());
        }

        /** A go.mod's requirements with the main module's exclusions applied. */
        private List<ModuleVersion> requirements(ModuleVersion of, List<GoMod.Require> require) {
            List<ModuleVersion> out = new ArrayList<>(require.size());
            for (GoMod.Require q : require) {
                ModuleVersion mv = new ModuleVersion(q.path(), q.version());
                if (excluded.contains(mv)) {
                    if (options.excludeMode() == ExcludeMode.DROP) {
                        continue;
                    }
                    mv = nextHigher(of, mv);
                    if (mv == null) {
                        continue;
                    }
                }
                out.add(mv);
            }
            return out;
        }

        private ModuleVersion nextHigher(ModuleVersion of, ModuleVersion mv) {
            List<Version> versions;
            try {
                versions = versionLists.computeIfAbsent(mv.path(), p -> {
                    List<Version> vs = new ArrayList<>(options.versions().versions(p));
                    Collections.sort(vs);
                    return vs;
                });
            } catch (RuntimeException e) {
                problems.add(new BuildList.Problem(
                        of == null ? mv : of,
                        "listing versions of " + mv.path() + " to replace excluded " + mv + ": " + e.getMessage()));
                return null;
            }
            for (Version v : versions) {
                if (v.compareTo(mv.version()) > 0 && !excluded.contains(new ModuleVersion(mv.path(), v))) {
                    return new ModuleVersion(mv.path(), v);
                }
            }
            problems.add(new BuildList.Problem(
                    of == null ? mv : of,
                    (of == null ? main.module() : of) + " depends on excluded " + mv
                            + " with no newer version available"));
            return null;
        }
    }
}
