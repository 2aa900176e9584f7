package dev.ferry.protocols.mvs;

import dev.ferry.protocols.module.ModulePath;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The outcome of {@link Mvs#buildList}.
 *
 * @param main              the main module's path
 * @param pruned            whether the main module's graph is pruned (go 1.17 or later)
 * @param selected          the build list without the main module, sorted by path: {@code go list -m all} minus its
 *                          first line
 * @param loaded            every node whose go.mod was read (or, for a local replacement, would have been), sorted:
 *                          the go.mod files {@code go mod download all} needs beside the build list's
 * @param requirements      each loaded node's requirements after exclusions (the graph's edges), by node
 * @param replaced          nodes replaced by another module version, node → replacement
 * @param localReplacements nodes replaced by a local directory, node → directory (not loaded: no requirements)
 * @param problems          nodes whose go.mod could not be had or used, with why
 */
public record BuildList(
        ModulePath main,
        boolean pruned,
        List<ModuleVersion> selected,
        List<ModuleVersion> loaded,
        Map<ModuleVersion, List<ModuleVersion>> requirements,
        Map<ModuleVersion, ModuleVersion> replaced,
        Map<ModuleVersion, String> localReplacements,
        List<Problem> problems) {

    /** A node the walk could not load. */
    public record Problem(ModuleVersion node, String message) {
        @Override
        public String toString() {
            return node + ": " + message;
        }
    }

    public BuildList {
        selected = List.copyOf(selected);
        loaded = List.copyOf(loaded);
        requirements = Collections.unmodifiableMap(new LinkedHashMap<>(requirements));
        replaced = Collections.unmodifiableMap(new TreeMap<>(replaced));
        localReplacements = Collections.unmodifiableMap(new TreeMap<>(localReplacements));
        problems = List.copyOf(problems);
    }

    /** Where a node's files come from: its replacement, or itself. Null for a local replacement. */
    public ModuleVersion source(ModuleVersion node) {
        if (localReplacements.containsKey(node)) {
            return null;
        }
        return replaced.getOrDefault(node, node);
    }

    /** Every node of the graph: the build list and the loaded nodes, sorted, without repeats. */
    public List<ModuleVersion> nodes() {
        TreeSet<ModuleVersion> all = new TreeSet<>(selected);
        all.addAll(loaded);
        return List.copyOf(all);
    }

    /**
     * The lines {@code go list -m all} prints: the main module's path, then {@code path version} per selected
     * module, with {@code => newpath newversion} or {@code => dir} for replaced ones.
     */
    public List<String> goListLines() {
        List<String> lines = new ArrayList<>(selected.size() + 1);
        lines.add(main.value());
        for (ModuleVersion m : selected) {
            String line = m.path() + " " + m.version();
            ModuleVersion r = replaced.get(m);
            String dir = localReplacements.get(m);
            if (r != null) {
                line += " => " + r.path() + " " + r.version();
            } else if (dir != null) {
                line += " => " + dir;
            }
            lines.add(line);
        }
        return lines;
    }
}
