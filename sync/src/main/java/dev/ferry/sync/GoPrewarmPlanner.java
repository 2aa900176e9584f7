package dev.ferry.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.go.GoModuleMirror;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.gosum.GoSum;
import dev.ferry.protocols.modfile.GoMod;
import dev.ferry.protocols.modfile.GoWork;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.mvs.BuildList;
import dev.ferry.protocols.mvs.ModuleVersion;
import dev.ferry.protocols.mvs.Mvs;
import dev.ferry.protocols.mvs.Reach;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.toolchain.Toolchain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plans Go module prewarms. Everything it needs to know (dependencies' go.mod files, version lists, @latest) it
 * asks the {@link GoModuleMirror}, so planning itself already stores those files through the mirror's checks.
 */
public final class GoPrewarmPlanner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LINE = Pattern.compile("^[^:]*:(\\d+):");
    /** At most this many bad lines are cut out of a go.mod before giving up on it. */
    private static final int MAX_GOMOD_ERRORS = 100;

    private final GoModuleMirror mirror;

    public GoPrewarmPlanner(GoModuleMirror mirror) {
        this.mirror = Objects.requireNonNull(mirror, "mirror");
    }

    /** {@link #planProject} of a lone go.mod. */
    public Plan planGoMod(String fileName, byte[] gomod) {
        return planProject(GoProject.ofGoMod(fileName, gomod));
    }

    /**
     * What the go command may read for {@code project} with an empty module cache: {@code go mod download all},
     * {@code go build} and {@code go test} (with {@code -mod=mod} on an untidy go.mod too), {@code go mod tidy},
     * {@code go mod verify}, {@code go list -m all} and {@code go mod graph}. That is (see {@link Mvs#reach}):
     * <ul>
     * <li>for the build list the go.mod declares (minimal version selection with the file's exclude and replace
     *     directives; a replaced module's files are the replacement's): every version's .info, .mod and .zip, and
     *     the .mod of every other version the graph walk read;</li>
     * <li>to be safe: .info, .mod and .zip of the versions an untidy go.mod moves to once the modules providing
     *     packages become roots, and the .mod of every version reachable in the unpruned graph (go mod tidy's
     *     go 1.16 compatibility check and a go.mod without a go directive read them all);</li>
     * <li>for an import of the project's own code that no module of the graph provides: what the go command's
     *     lookup of it reads (each candidate module path's @v/list, and the newest version's files), and that
     *     module's graph in turn;</li>
     * <li>every line of the project's go.sum ({@link #planGoSum}).</li>
     * </ul>
     * A workspace plans the modules it uses together, as one build list, with the go.work's replacements. Bad
     * lines are reported by number and left out (the rest of the file is used); a dependency whose go.mod cannot
     * be had is reported and its requirements are missing from the plan. Local directory replacements are skipped
     * and listed in the plan's notes. The notes also say how many files are planned for what.
     */
    public Plan planProject(GoProject project) {
        List<PlanError> errors = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        String fileName = project.name();
        Set<ModulePath> workspace = new HashSet<>();
        GoMod main = project.goWork() != null
                ? workspaceMain(project, workspace, errors)
                : parseMainModule(fileName, project.goMod(), errors);
        if (main == null) {
            return new Plan(List.of(), errors, notes);
        }
        Reach reach = Mvs.reach(main, this::goMod, workspace, List.of());
        List<ModuleVersion> found = lookUpImports(project.imports(), reach, main, workspace);
        if (!found.isEmpty()) {
            reach = Mvs.reach(main, this::goMod, workspace, found);
        }
        for (BuildList.Problem p : reach.problems()) {
            errors.add(new PlanError(fileName, 0, p.toString()));
        }
        BuildList declared = reach.declared();
        Set<ModuleVersion> buildFiles = new HashSet<>(declared.selected());
        Set<ModuleVersion> buildMods = new HashSet<>(declared.loaded());
        List<PrewarmItem> items = new ArrayList<>();
        int forBuild = 0;
        int toBeSafe = 0;
        for (ModuleVersion m : reach.files()) {
            ModuleVersion src = reach.source(m);
            if (src == null) {
                notes.add(m + " is replaced by local directory "
                        + reach.localReplacements().get(m) + ": not fetched");
                continue;
            }
            for (PrewarmItem.Ext ext : PrewarmItem.Ext.values()) {
                items.add(new PrewarmItem.GoFile(src.path(), src.version(), ext));
            }
            if (buildFiles.contains(m)) {
                forBuild += 3;
            } else {
                toBeSafe += 3;
            }
        }
        for (ModuleVersion m : reach.goMods()) {
            ModuleVersion src = reach.source(m);
            if (src != null && !reach.files().contains(m)) {
                items.add(new PrewarmItem.GoFile(src.path(), src.version(), PrewarmItem.Ext.MOD));
                if (buildMods.contains(m)) {
                    forBuild++;
                } else {
                    toBeSafe++;
                }
            }
        }
        Plan plan = new Plan(items, errors, notes);
        if (project.goSum() != null) {
            plan = plan.plus(planGoSum(fileName + " (go.sum)", project.goSum()));
        }
        int sumOnly = plan.items().size() - forBuild - toBeSafe;
        List<String> counted = new ArrayList<>(plan.notes());
        counted.add("planned " + plan.items().size() + " files: " + forBuild + " for the build list, " + toBeSafe
                + " to be safe" + (sumOnly > 0 ? ", " + sumOnly + " more from go.sum" : "")
                + (found.isEmpty() ? "" : "; looked up for imports no requirement provides: " + found));
        return new Plan(plan.items(), plan.errors(), counted);
    }

    /**
     * A workspace as one main module for {@link Mvs}: the first used module's path, every used module's
     * requirements, excludes and replacements, then the go.work's replacements, which win. The other used
     * modules' paths go into {@code workspace}.
     */
    private GoMod workspaceMain(GoProject project, Set<ModulePath> workspace, List<PlanError> errors) {
        GoWork work;
        try {
            work = GoWork.parse(project.name(), project.goWork());
        } catch (FormatException e) {
            errors.add(new PlanError(project.name(), lineOf(e.getMessage()), e.getMessage()));
            return null;
        }
        List<GoMod> modules = new ArrayList<>();
        for (String dir : work.use()) {
            byte[] content = project.workspace().get(dir);
            String file = dir + "/go.mod";
            if (content == null) {
                errors.add(new PlanError(project.name(), 0, "use " + dir + ": no go.mod was given for it"));
                continue;
            }
            GoMod m = parseMainModule(file, content, errors);
            if (m != null) {
                modules.add(m);
            }
        }
        if (modules.isEmpty()) {
            return null;
        }
        List<GoMod.Require> require = new ArrayList<>();
        List<GoMod.Exclude> exclude = new ArrayList<>();
        List<GoMod.Replace> replace = new ArrayList<>();
        for (GoMod m : modules) {
            workspace.add(m.module());
            require.addAll(m.require());
            exclude.addAll(m.exclude());
            replace.addAll(m.replace());
        }
        replace.addAll(work.replace());
        GoMod first = modules.get(0);
        workspace.remove(first.module());
        String go = work.go().isEmpty() ? first.go() : work.go();
        return new GoMod(first.module(), go, "", require, exclude, replace, List.of(), "");
    }

    /**
     * The modules the go command finds for imports that no module of the graph provides (an untidy go.mod):
     * for each such import, every path prefix that could be a module is looked up as the go command does
     * ({@code latest}: the newest release of @v/list, else @latest), and each one that exists is returned.
     */
    private List<ModuleVersion> lookUpImports(
            List<String> imports, Reach reach, GoMod main, Set<ModulePath> workspace) {
        Set<String> provided = new HashSet<>();
        provided.add(main.module().value());
        workspace.forEach(m -> provided.add(m.value()));
        for (ModuleVersion m : reach.files()) {
            provided.add(m.path().value());
        }
        Set<ModuleVersion> found = new java.util.TreeSet<>();
        Set<String> asked = new HashSet<>();
        for (String imp : new java.util.TreeSet<>(imports)) {
            if (isStandard(imp) || isProvided(imp, provided)) {
                continue;
            }
            for (String prefix = imp; prefix.contains("/") || prefix.contains("."); ) {
                if (asked.add(prefix)) {
                    try {
                        ModulePath p = ModulePath.parse(prefix);
                        found.add(new ModuleVersion(p, resolve(p, "latest").get(0)));
                    } catch (FormatException | PrewarmFailure e) {
                        // Not a module, or none there: the go command moves on to the next prefix as well.
                    }
                }
                int slash = prefix.lastIndexOf('/');
                if (slash < 0) {
                    break;
                }
                prefix = prefix.substring(0, slash);
            }
        }
        return List.copyOf(found);
    }

    /** The standard library's import paths have no dot in their first element (and "C" is cgo). */
    static boolean isStandard(String importPath) {
        int slash = importPath.indexOf('/');
        String first = slash < 0 ? importPath : importPath.substring(0, slash);
        return !first.contains(".");
    }

    private static boolean isProvided(String importPath, Set<String> modules) {
        for (String p = importPath; ; ) {
            if (modules.contains(p)) {
                return true;
            }
            int slash = p.lastIndexOf('/');
            if (slash < 0) {
                return false;
            }
            p = p.substring(0, slash);
        }
    }

    private static int lineOf(String message) {
        Matcher m = Pattern.compile(":(\\d+):").matcher(message);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /**
     * The main module's go.mod, strictly parsed; a line that does not parse is reported and blanked, and the
     * file parsed again, so that every bad line is reported and the good ones are used. Null if nothing usable
     * remains (no module directive, or an error without a line).
     */
    static GoMod parseMainModule(String fileName, byte[] gomod, List<PlanError> errors) {
        String[] lines = new String(gomod, StandardCharsets.UTF_8).split("\n", -1);
        for (int attempt = 0; attempt <= MAX_GOMOD_ERRORS; attempt++) {
            try {
                return GoMod.parse(fileName, String.join("\n", lines).getBytes(StandardCharsets.UTF_8), true);
            } catch (FormatException e) {
                String msg = e.getMessage();
                Matcher m = LINE.matcher(msg);
                int line = m.find() ? Integer.parseInt(m.group(1)) : 0;
                String why = msg.startsWith(fileName + ":") ? msg.substring(fileName.length() + 1) : msg;
                why = why.replaceFirst("^\\d+:(\\d+:)?\\s*", "");
                errors.add(new PlanError(fileName, line, why));
                if (line < 1 || line > lines.length || lines[line - 1].isBlank()) {
                    return null;
                }
                lines[line - 1] = "";
            }
        }
        return null;
    }

    /**
     * Exactly what a go.sum lists: for each zip line the version's .info and .zip (the go command fetches the
     * .info with every zip it downloads), for each /go.mod line its .mod. Bad lines are reported by number.
     */
    public Plan planGoSum(String fileName, byte[] gosum) {
        GoSum sum = GoSum.parse(fileName, gosum);
        List<PlanError> errors = new ArrayList<>();
        for (GoSum.Error e : sum.errors()) {
            errors.add(new PlanError(fileName, e.line(), e.message()));
        }
        List<PrewarmItem> items = new ArrayList<>();
        for (GoSum.Line l : sum.lines()) {
            if (l.goMod()) {
                items.add(new PrewarmItem.GoFile(l.path(), l.version(), PrewarmItem.Ext.MOD));
            } else {
                items.add(new PrewarmItem.GoFile(l.path(), l.version(), PrewarmItem.Ext.INFO));
                items.add(new PrewarmItem.GoFile(l.path(), l.version(), PrewarmItem.Ext.ZIP));
            }
        }
        return new Plan(items, errors);
    }

    /**
     * Command-line queries: {@code MODULE@VERSION}, {@code MODULE@latest} (also {@code MODULE} alone),
     * {@code MODULE@vX} / {@code MODULE@vX.Y} (the highest release with that prefix, else the highest prerelease),
     * {@code MODULE@>=vX.Y.Z}, {@code MODULE@all}; with {@code allVersions}, every listed version of each module
     * whatever its query says. Each resolved version gets its .info, .mod and .zip. Errors name the argument by
     * its 1-based position as the line.
     */
    public Plan planQueries(List<String> args, boolean allVersions) {
        List<PlanError> errors = new ArrayList<>();
        List<PrewarmItem> items = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i).strip();
            int at = arg.indexOf('@');
            String path = at < 0 ? arg : arg.substring(0, at);
            String query = allVersions ? "all" : at < 0 ? "latest" : arg.substring(at + 1);
            try {
                ModulePath module = ModulePath.parse(path);
                for (Version v : resolve(module, query)) {
                    addVersion(items, module, v);
                }
            } catch (FormatException | PrewarmFailure e) {
                errors.add(new PlanError("arguments", i + 1, arg + ": " + e.getMessage()));
            }
        }
        return new Plan(items, errors);
    }

    /**
     * Go toolchains: the .info, .mod and .zip of {@code golang.org/toolchain} at each one's version. No list or
     * query is read: the version is exact, and the zip is checked against the checksum database as any module's.
     */
    public static Plan planToolchains(List<Toolchain> toolchains) {
        List<PrewarmItem> items = new ArrayList<>();
        for (Toolchain t : toolchains) {
            addVersion(items, Toolchain.MODULE, t.version());
        }
        return new Plan(items, List.of());
    }

    static void addVersion(List<PrewarmItem> items, ModulePath module, Version v) {
        for (PrewarmItem.Ext ext : PrewarmItem.Ext.values()) {
            items.add(new PrewarmItem.GoFile(module, v, ext));
        }
    }

    /**
     * The versions of {@code module} a query selects: {@code latest} (the mirror's @latest), {@code all} (the
     * mirror's @v/list, or @latest when the list is empty), {@code >=vX.Y.Z} (listed versions at or above it), a
     * canonical version (itself), or {@code vX} / {@code vX.Y} (highest listed release with that prefix, else the
     * highest such prerelease). Throws FormatException for a query that is not one of these, PrewarmFailure when
     * the mirror cannot answer or nothing matches.
     */
    public List<Version> resolve(ModulePath module, String query) throws PrewarmFailure {
        if (query.equals("latest")) {
            // As the go command: the newest release in @v/list, else its newest pre-release, else @latest (a module
            // with only pseudo-versions). The list is read either way, so it is stored for the go command too.
            List<Version> listed = list(module);
            if (listed.isEmpty()) {
                return List.of(latest(module));
            }
            List<Version> releases =
                    listed.stream().filter(v -> !v.isPrerelease()).toList();
            return List.of(Collections.max(releases.isEmpty() ? listed : releases));
        }
        if (query.equals("all")) {
            List<Version> all = list(module);
            return all.isEmpty() ? List.of(latest(module)) : all;
        }
        if (query.startsWith(">=")) {
            Version min = Version.parse(query.substring(2).strip());
            List<Version> out =
                    list(module).stream().filter(v -> v.compareTo(min) >= 0).toList();
            if (out.isEmpty()) {
                throw new PrewarmFailure("no version of " + module + " matches " + query);
            }
            return out;
        }
        if (!Version.isValid(query)) {
            throw new FormatException("unsupported version query " + FormatException.quote(query)
                    + " (want latest, all, >=vX.Y.Z, vX, vX.Y or vX.Y.Z)");
        }
        Version q = Version.parse(query);
        if (q.isCanonical()) {
            module.checkMajor(q);
            return List.of(q);
        }
        if (q.isPrerelease() || !q.build().isEmpty()) {
            throw new FormatException("unsupported version query " + FormatException.quote(query));
        }
        int dots = (int) query.chars().filter(c -> c == '.').count();
        String prefix = dots == 0 ? q.major() + "." : q.majorMinor() + ".";
        List<Version> matching = list(module).stream()
                .filter(v -> v.toString().startsWith(prefix))
                .toList();
        Version best = matching.stream()
                .filter(v -> !v.isPrerelease())
                .max(Version::compareTo)
                .or(() -> matching.stream().max(Version::compareTo))
                .orElseThrow(() -> new PrewarmFailure("no version of " + module + " matches " + query));
        return List.of(best);
    }

    /** The mirror's @v/list of {@code module}, parsed and sorted (lines that are not versions are skipped). */
    public List<Version> list(ModulePath module) throws PrewarmFailure {
        String text = new String(content(new ProxyRequest.List(module)), StandardCharsets.UTF_8);
        List<Version> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String s = line.strip();
            if (Version.isValid(s) && Version.parse(s).isCanonical() && module.matchesMajor(Version.parse(s))) {
                out.add(Version.parse(s));
            }
        }
        Collections.sort(out);
        return out;
    }

    private Version latest(ModulePath module) throws PrewarmFailure {
        byte[] body = content(new ProxyRequest.Latest(module));
        try {
            JsonNode v = JSON.readTree(body).get("Version");
            if (v == null || !v.isTextual() || !Version.isValid(v.asText())) {
                throw new PrewarmFailure(module + "@latest: the answer has no valid Version");
            }
            return Version.parse(v.asText()).canonical();
        } catch (IOException e) {
            throw new PrewarmFailure(module + "@latest: the answer is not JSON");
        }
    }

    private byte[] content(ProxyRequest request) throws PrewarmFailure {
        String what = request.upstreamPath();
        return switch (mirror.answer(request)) {
            case GoAnswer.Content c -> Bodies.read(c.body(), what);
            case GoAnswer.NotFound nf -> throw new PrewarmFailure(what + ": not found: " + nf.reason());
            case GoAnswer.Unavailable u -> throw new PrewarmFailure(what + ": unavailable: " + u.reason());
        };
    }

    /** A dependency's go.mod, through the mirror (it is stored as a side effect), parsed laxly. */
    private GoMod goMod(ModulePath path, Version version) {
        try {
            byte[] data = content(new ProxyRequest.Mod(path, version));
            return GoMod.parse(path + "@" + version + "/go.mod", data, false);
        } catch (PrewarmFailure e) {
            throw new FormatException(e.getMessage());
        }
    }
}
