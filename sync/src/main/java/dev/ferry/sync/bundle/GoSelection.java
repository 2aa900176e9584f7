package dev.ferry.sync.bundle;

import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.go.Snapshot;
import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.bundle.MetaPolicy;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.storage.NameStore;
import dev.ferry.sync.MirrorSet;
import dev.ferry.sync.bundle.SelectedContent.GoVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The Go part of one selection: which stored module versions the patterns and mirror-set rules select, and for each
 * its files, version record and the module's list and latest snapshots. Only what the store holds is looked at:
 * a query such as {@code latest} resolves against the stored versions.
 */
final class GoSelection {
    private static final Pattern INFO_VERSION = Pattern.compile("\"Version\"\\s*:\\s*\"([^\"]+)\"");

    private final NameStore store;
    private final Picks picks;
    /** module -> version -> ext -> name, as stored. */
    private final TreeMap<String, TreeMap<Version, Map<String, String>>> stored = new TreeMap<>();

    private final TreeMap<String, TreeMap<Version, Map<String, String>>> chosen = new TreeMap<>();
    private final Map<String, ModulePath> paths = new TreeMap<>();

    GoSelection(NameStore store, Picks picks) {
        this.store = store;
        this.picks = picks;
    }

    /** Reads every stored module file, by module and version (names go/<m>/@v/<v>.<ext>); first, once. */
    void scan() {
        store.scanNames(GoStoreNames.ROOT, (name, object) -> {
            Optional<GoStoreNames.FileName> file = GoStoreNames.parseFile(name);
            if (file.isEmpty() || !Version.isValid(file.get().version())) {
                return true;
            }
            try {
                ModulePath module = paths.computeIfAbsent(file.get().escapedModule(), ModulePath::unescape);
                Version version = Version.parse(file.get().version());
                stored.computeIfAbsent(module.value(), k -> new TreeMap<>())
                        .computeIfAbsent(version, k -> new TreeMap<>())
                        .put(file.get().ext(), name);
            } catch (FormatException e) {
                picks.note("skipped store name " + name + ": " + e.getMessage());
            }
            return true;
        });
        Map<String, ModulePath> byPath = new TreeMap<>();
        paths.values().forEach(p -> byPath.put(p.value(), p));
        paths.clear();
        paths.putAll(byPath);
    }

    /** Every stored version of every module. */
    void all() {
        for (var e : stored.entrySet()) {
            for (var v : e.getValue().entrySet()) {
                choose(e.getKey(), v.getKey(), v.getValue());
            }
        }
    }

    void select(ModulePattern p) {
        select(p.text(), p.glob()::matches, p.query());
    }

    /** A mirror set's module rules: a glob selects as a pattern does, a plain path exactly one module. */
    void select(MirrorSet set) {
        for (MirrorSet.ModuleRule rule : set.modules()) {
            String what = set.name() + ":" + rule.line() + ": " + rule.path();
            if (rule.isGlob()) {
                PrivatePatterns glob = PrivatePatterns.parse(rule.path());
                select(what, glob::matches, rule.versions());
            } else {
                String exact = rule.path();
                select(what, m -> m.value().equals(exact), rule.versions());
            }
        }
    }

    private void select(String what, Predicate<ModulePath> matches, String query) {
        boolean any = false;
        for (var e : stored.entrySet()) {
            ModulePath module = paths.get(e.getKey());
            if (!matches.test(module)) {
                continue;
            }
            any = true;
            List<Version> versions = resolve(module, e.getValue(), query);
            if (versions.isEmpty()) {
                picks.note(what + ": no stored version of " + module + " matches " + query);
            }
            for (Version v : versions) {
                choose(module.value(), v, e.getValue().get(v));
            }
        }
        if (!any) {
            picks.note(what + ": matches no stored module");
        }
    }

    /** The stored versions a query selects (see {@link BundleSelector}); empty when none. */
    private List<Version> resolve(
            ModulePath module, NavigableMap<Version, Map<String, String>> versions, String query) {
        List<Version> all = new ArrayList<>(versions.keySet());
        if (query.equals("all")) {
            return all;
        }
        if (query.equals("latest")) {
            Optional<Version> snap = store.meta(GoStoreNames.latest(module))
                    .flatMap(Snapshot::decode)
                    .flatMap(s -> infoVersion(s.body()))
                    .filter(versions::containsKey);
            if (snap.isPresent()) {
                return List.of(snap.get());
            }
            return best(all).map(List::of).orElse(List.of());
        }
        if (query.startsWith(">=")) {
            Version min = Version.parse(query.substring(2).strip());
            return all.stream().filter(v -> v.compareTo(min) >= 0).toList();
        }
        Version q = Version.parse(query);
        if (q.isCanonical()) {
            return versions.containsKey(q) ? List.of(q) : List.of();
        }
        int dots = (int) query.chars().filter(c -> c == '.').count();
        String prefix = dots == 0 ? q.major() + "." : q.majorMinor() + ".";
        return best(all.stream().filter(v -> v.toString().startsWith(prefix)).toList())
                .map(List::of)
                .orElse(List.of());
    }

    private void choose(String module, Version v, Map<String, String> files) {
        chosen.computeIfAbsent(module, k -> new TreeMap<>()).put(v, files);
        ModulePath path = paths.get(module);
        for (String name : files.values()) {
            picks.name(name);
        }
        picks.meta(GoStoreNames.versionRecord(path, v), MetaPolicy.KEEP_EXISTING);
        picks.meta(GoStoreNames.list(path), MetaPolicy.REPLACE);
        picks.meta(GoStoreNames.latest(path), MetaPolicy.REPLACE);
    }

    /** The chosen versions by module, in module and version order: whose checksum lookups to carry. */
    Map<ModulePath, List<Version>> chosen() {
        Map<ModulePath, List<Version>> out = new LinkedHashMap<>();
        for (var e : chosen.entrySet()) {
            out.put(paths.get(e.getKey()), List.copyOf(e.getValue().keySet()));
        }
        return out;
    }

    List<GoVersion> versions() {
        List<GoVersion> out = new ArrayList<>();
        for (var e : chosen.entrySet()) {
            ModulePath module = paths.get(e.getKey());
            for (var v : e.getValue().entrySet()) {
                out.add(new GoVersion(module, v.getKey(), Map.copyOf(v.getValue())));
            }
        }
        return out;
    }

    /** The best version of a list: the highest release, else the highest of all. */
    static Optional<Version> best(List<Version> versions) {
        return versions.stream()
                .filter(v -> !v.isPrerelease())
                .max(Version::compareTo)
                .or(() -> versions.stream().max(Version::compareTo));
    }

    private static Optional<Version> infoVersion(byte[] info) {
        var m = INFO_VERSION.matcher(new String(info, StandardCharsets.UTF_8));
        return m.find() && Version.isValid(m.group(1))
                ? Optional.of(Version.parse(m.group(1)).canonical())
                : Optional.empty();
    }
}
