package dev.ferry.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.go.GoModuleMirror;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.gosum.GoSum;
import dev.ferry.protocols.modfile.GoMod;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.mvs.BuildList;
import dev.ferry.protocols.mvs.ModuleVersion;
import dev.ferry.protocols.mvs.Mvs;
import dev.ferry.protocols.semver.Version;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
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

    /**
     * What {@code go mod download all} needs for the main module {@code gomod}: .info, .mod and .zip of every
     * module in the build list (minimal version selection, see {@link Mvs}, with the file's exclude and replace
     * directives; a replaced module's files are the replacement's), and the .mod of every other module version
     * whose go.mod the graph walk read. Bad lines are reported by number and left out (the rest of the file is
     * used); a dependency whose go.mod cannot be had is reported and its requirements are missing from the plan.
     * Local directory replacements are skipped and listed in the plan's notes.
     */
    public Plan planGoMod(String fileName, byte[] gomod) {
        List<PlanError> errors = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        GoMod main = parseMainModule(fileName, gomod, errors);
        if (main == null) {
            return new Plan(List.of(), errors, notes);
        }
        BuildList b = Mvs.buildList(main, this::goMod);
        for (BuildList.Problem p : b.problems()) {
            errors.add(new PlanError(fileName, 0, p.toString()));
        }
        List<PrewarmItem> items = new ArrayList<>();
        for (ModuleVersion m : b.selected()) {
            ModuleVersion src = b.source(m);
            if (src == null) {
                notes.add(m + " is replaced by local directory " + b.localReplacements().get(m) + ": not fetched");
                continue;
            }
            for (PrewarmItem.Ext ext : PrewarmItem.Ext.values()) {
                items.add(new PrewarmItem.GoFile(src.path(), src.version(), ext));
            }
        }
        for (ModuleVersion m : b.loaded()) {
            ModuleVersion src = b.source(m);
            if (src != null) {
                items.add(new PrewarmItem.GoFile(src.path(), src.version(), PrewarmItem.Ext.MOD));
            }
        }
        return new Plan(items, errors, notes);
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
            return List.of(latest(module));
        }
        if (query.equals("all")) {
            List<Version> all = list(module);
            return all.isEmpty() ? List.of(latest(module)) : all;
        }
        if (query.startsWith(">=")) {
            Version min = Version.parse(query.substring(2).strip());
            List<Version> out = list(module).stream().filter(v -> v.compareTo(min) >= 0).toList();
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
        List<Version> matching = list(module).stream().filter(v -> v.toString().startsWith(prefix)).toList();
        Version best = matching.stream().filter(v -> !v.isPrerelease()).max(Version::compareTo)
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
