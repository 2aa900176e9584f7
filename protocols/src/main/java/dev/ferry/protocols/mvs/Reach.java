package dev.ferry.protocols.mvs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The outcome of {@link Mvs#reach}: the declared build list, and what the go command may read beyond it.
 *
 * @param declared   the build list as the main module's go.mod declares it ({@link Mvs#buildList})
 * @param files      every module version whose .info, .mod and .zip may be downloaded: the build list of every
 *                   round of root promotion, the declared one included
 * @param goMods     every module version whose go.mod may be read: the whole graph, ignoring pruning
 * @param replaced   node → replacement, over every walk
 * @param localReplacements node → directory, over every walk
 * @param problems   what no walk could load, without repeats
 */
public record Reach(
        BuildList declared,
        Set<ModuleVersion> files,
        Set<ModuleVersion> goMods,
        Map<ModuleVersion, ModuleVersion> replaced,
        Map<ModuleVersion, String> localReplacements,
        List<BuildList.Problem> problems) {

    public Reach {
        files = Collections.unmodifiableSet(new TreeSet<>(files));
        goMods = Collections.unmodifiableSet(new TreeSet<>(goMods));
        replaced = Collections.unmodifiableMap(new TreeMap<>(replaced));
        localReplacements = Collections.unmodifiableMap(new TreeMap<>(localReplacements));
        problems = List.copyOf(problems);
    }

    static Reach of(BuildList declared, List<BuildList> walks) {
        Set<ModuleVersion> files = new TreeSet<>();
        Set<ModuleVersion> goMods = new TreeSet<>();
        Map<ModuleVersion, ModuleVersion> replaced = new TreeMap<>();
        Map<ModuleVersion, String> local = new TreeMap<>();
        List<BuildList.Problem> problems = new ArrayList<>();
        Set<String> seenProblems = new TreeSet<>();
        for (int i = 0; i < walks.size(); i++) {
            BuildList w = walks.get(i);
            // The last walk is the unpruned whole graph: its go.mods are read, its selection is not a build list
            // the go command downloads unless the main module is itself unpruned (then it equals the declared one).
            if (i < walks.size() - 1) {
                files.addAll(w.selected());
            }
            goMods.addAll(w.loaded());
            replaced.putAll(w.replaced());
            local.putAll(w.localReplacements());
            for (BuildList.Problem p : w.problems()) {
                if (seenProblems.add(p.toString())) {
                    problems.add(p);
                }
            }
        }
        return new Reach(declared, files, goMods, replaced, local, problems);
    }

    /** Where a node's files come from: its replacement, or itself. Null for a local replacement. */
    public ModuleVersion source(ModuleVersion node) {
        if (localReplacements.containsKey(node)) {
            return null;
        }
        return replaced.getOrDefault(node, node);
    }
}
