package dev.ferry.sync.bundle;

import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.go.Snapshot;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.mirror.oci.OciStoreNames.Target;
import dev.ferry.mirror.oci.OciStoreNames.TagRecord;
import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.mirror.sumdb.SumdbStoreNames;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.bundle.MetaPolicy;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.oci.Descriptor;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.oci.Tag;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.LookupPath;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredObject;
import dev.ferry.sync.MirrorSet;
import dev.ferry.sync.Platforms;
import dev.ferry.sync.bundle.SelectedContent.GoVersion;
import dev.ferry.sync.bundle.SelectedContent.ImageRepository;
import dev.ferry.sync.bundle.SelectedContent.MetaEntry;
import dev.ferry.sync.bundle.SelectedContent.NameEntry;
import dev.ferry.sync.bundle.SelectedContent.PinEntry;
import dev.ferry.sync.bundle.SelectedContent.SumdbContent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Resolves a {@link Selection} against the store (never upstream) into {@link SelectedContent}: for Go, each
 * version's files, version record and checksum-database lookups, and the database's tiles and latest note; for
 * OCI, each selected tag's manifests (indexes down to their children, referrers), blobs, links and catalog entry.
 *
 * <p>Patterns (docs/bundles-plain.md, "Selecting content"):
 * <ul>
 *   <li>modules: {@code path[@query]}; path in GOPRIVATE glob syntax (a path without a glob also matches the
 *       modules below it); query {@code all} (the default: every stored version), {@code latest}, {@code >=vX.Y.Z},
 *       {@code vX}, {@code vX.Y} or a canonical version, each resolved against the versions the store holds.</li>
 *   <li>images: {@code [registry/]repository[:tag|@digest]}; when the first component is the name of a mirrored
 *       registry ({@code docker.io}), the rest selects within that registry; the whole pattern is also matched
 *       against the repositories of the hosted registry and of every mirrored one (so {@code library/tiny} selects
 *       it wherever it is stored). '*' and '?' match within one path component, '**' across components. No tag:
 *       every stored tag.</li>
 * </ul>
 * Mirror sets apply their module rules (a non-glob path is exactly one module) and image rules (tag regex, semver
 * range, or {@code latest}; index children outside the rule's platforms are not expected) to what is stored.
 * Anything selected but not stored (a platform never pulled, an evicted blob) becomes a note, not a failure.
 */
public final class BundleSelector {
    private static final String GO = "go/";
    private static final String SUMDB = "sumdb/";
    private static final String OCI = "oci/";
    private static final String REPOS = "oci/repos/";
    private static final List<String> EXTS = List.of("info", "mod", "zip");

    private final ContentStore store;

    public BundleSelector(ContentStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /** Checks the selection's patterns without touching the store; the message names the bad pattern. */
    public static void check(Selection selection) throws BundleException {
        try {
            for (String m : selection.modules()) {
                ModulePattern.parse(m);
            }
            for (String i : selection.images()) {
                ImagePattern.parse(i);
            }
        } catch (IllegalArgumentException e) {
            throw new BundleException(BundleException.Kind.BAD_REQUEST, e.getMessage(), e);
        }
    }

    /**
     * Resolves {@code selection}.
     *
     * @throws IllegalArgumentException for a pattern that does not parse ({@link #check} says the same as a
     *                                  BundleException)
     */
    public SelectedContent select(Selection selection) {
        return new Run().select(selection);
    }

    /** One selection's accumulators. */
    private final class Run {
        final TreeMap<String, Sha256> names = new TreeMap<>();
        final TreeMap<String, MetaEntry> meta = new TreeMap<>();
        final List<String> notes = new ArrayList<>();
        /** module -> version -> ext -> name, as stored. */
        final TreeMap<String, TreeMap<Version, Map<String, String>>> stored = new TreeMap<>();
        final TreeMap<String, TreeMap<Version, Map<String, String>>> chosen = new TreeMap<>();
        final Map<String, ModulePath> paths = new TreeMap<>();
        final Map<String, RepoAcc> repos = new TreeMap<>();

        SelectedContent select(Selection selection) {
            List<ModulePattern> modulePatterns = selection.modules().stream().map(ModulePattern::parse).toList();
            List<ImagePattern> imagePatterns = selection.images().stream().map(ImagePattern::parse).toList();
            boolean wantGo = selection.everything() || !modulePatterns.isEmpty()
                    || selection.set().map(s -> !s.modules().isEmpty()).orElse(false);
            if (wantGo) {
                scanGo();
            }
            if (selection.everything()) {
                for (var e : stored.entrySet()) {
                    for (var v : e.getValue().entrySet()) {
                        choose(e.getKey(), v.getKey(), v.getValue());
                    }
                }
            }
            for (ModulePattern p : modulePatterns) {
                selectModules(p.text, p.glob::matches, p.query);
            }
            List<String> targets = new ArrayList<>();
            if (selection.everything() || !imagePatterns.isEmpty()
                    || selection.set().map(s -> !s.images().isEmpty()).orElse(false)) {
                store.scanMeta(REPOS, (k, v) -> targets.add(k.substring(REPOS.length())));
            }
            selection.set().ifPresent(s -> selectSet(s, targets));
            if (selection.everything()) {
                for (String t : targets) {
                    TargetRepo tr = TargetRepo.parse(t);
                    if (tr != null) {
                        selectTags(tr, null, Platforms.ALL, tr.toString());
                    }
                }
            }
            for (ImagePattern p : imagePatterns) {
                selectImages(p, targets);
            }

            List<SumdbContent> sumdbs = chosen.isEmpty() && !selection.everything() ? List.of() : sumdbs();
            if (selection.everything()) {
                everything();
            }

            List<GoVersion> goVersions = new ArrayList<>();
            for (var e : chosen.entrySet()) {
                ModulePath module = paths.get(e.getKey());
                for (var v : e.getValue().entrySet()) {
                    goVersions.add(new GoVersion(module, v.getKey(), Map.copyOf(v.getValue())));
                }
            }
            List<ImageRepository> images = new ArrayList<>();
            for (RepoAcc r : repos.values()) {
                images.add(new ImageRepository(r.target.key(), r.repository, Map.copyOf(r.tags),
                        Map.copyOf(r.manifests), Set.copyOf(r.blobs)));
            }
            return new SelectedContent(names.entrySet().stream().map(e -> new NameEntry(e.getKey(), e.getValue()))
                    .toList(), List.copyOf(meta.values()), pins(), goVersions, sumdbs, images, notes);
        }

        // ---- Go ---------------------------------------------------------------------------------------------------

        /** Every stored module file, by module and version (names go/<m>/@v/<v>.<ext>). */
        void scanGo() {
            store.scanNames(GO, (name, object) -> {
                int at = name.lastIndexOf("/@v/");
                int dot = name.lastIndexOf('.');
                if (at < 0 || dot < at) {
                    return true;
                }
                String escaped = name.substring(GO.length(), at);
                String ext = name.substring(dot + 1);
                String v = name.substring(at + 4, dot);
                if (!EXTS.contains(ext) || !Version.isValid(v)) {
                    return true;
                }
                try {
                    ModulePath module = paths.computeIfAbsent(escaped, ModulePath::unescape);
                    Version version = Version.parse(v);
                    stored.computeIfAbsent(module.value(), k -> new TreeMap<>())
                            .computeIfAbsent(version, k -> new TreeMap<>()).put(ext, name);
                } catch (FormatException e) {
                    notes.add("skipped store name " + name + ": " + e.getMessage());
                }
                return true;
            });
            Map<String, ModulePath> byPath = new TreeMap<>();
            paths.values().forEach(p -> byPath.put(p.value(), p));
            paths.clear();
            paths.putAll(byPath);
        }

        void selectModules(String what, Predicate<ModulePath> matches, String query) {
            boolean any = false;
            for (var e : stored.entrySet()) {
                ModulePath module = paths.get(e.getKey());
                if (!matches.test(module)) {
                    continue;
                }
                any = true;
                List<Version> versions = resolve(module, e.getValue(), query);
                if (versions.isEmpty()) {
                    notes.add(what + ": no stored version of " + module + " matches " + query);
                }
                for (Version v : versions) {
                    choose(module.value(), v, e.getValue().get(v));
                }
            }
            if (!any) {
                notes.add(what + ": matches no stored module");
            }
        }

        void selectSet(MirrorSet set, List<String> targets) {
            for (MirrorSet.ModuleRule rule : set.modules()) {
                String what = set.name() + ":" + rule.line() + ": " + rule.path();
                if (rule.isGlob()) {
                    PrivatePatterns glob = PrivatePatterns.parse(rule.path());
                    selectModules(what, glob::matches, rule.versions());
                } else {
                    String exact = rule.path();
                    selectModules(what, m -> m.value().equals(exact), rule.versions());
                }
            }
            for (MirrorSet.ImageRule rule : set.images()) {
                String what = set.name() + ":" + rule.line() + ": " + rule.repository();
                ImagePattern p = ImagePattern.parse(rule.repository());
                Predicate<String> tags = rule.tagPattern() != null ? t -> rule.tagPattern().matcher(t).matches()
                        : rule.semver() != null ? t -> MirrorSet.matchesSemver(rule.semver(), t)
                        : "latest"::equals;
                boolean any = false;
                for (String t : targets) {
                    TargetRepo tr = TargetRepo.parse(t);
                    if (tr != null && p.matches(tr)) {
                        any |= selectTags(tr, tags, rule.platforms(), what);
                    }
                }
                if (!any) {
                    notes.add(what + ": no stored tag matches");
                }
            }
        }

        /** The stored versions a query selects (see the class comment); empty when none. */
        List<Version> resolve(ModulePath module, TreeMap<Version, Map<String, String>> versions, String query) {
            List<Version> all = new ArrayList<>(versions.keySet());
            if (query.equals("all")) {
                return all;
            }
            if (query.equals("latest")) {
                Optional<Version> snap = store.meta(GoStoreNames.latest(module)).flatMap(Snapshot::decode)
                        .flatMap(s -> infoVersion(s.body())).filter(versions::containsKey);
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
            return best(all.stream().filter(v -> v.toString().startsWith(prefix)).toList()).map(List::of)
                    .orElse(List.of());
        }

        void choose(String module, Version v, Map<String, String> files) {
            chosen.computeIfAbsent(module, k -> new TreeMap<>()).put(v, files);
            ModulePath path = paths.get(module);
            for (String name : files.values()) {
                name(name);
            }
            meta(GoStoreNames.versionRecord(path, v), MetaPolicy.KEEP_EXISTING);
            meta(GoStoreNames.list(path), MetaPolicy.REPLACE);
            meta(GoStoreNames.latest(path), MetaPolicy.REPLACE);
        }

        // ---- checksum databases -----------------------------------------------------------------------------------

        /** Per database: the lookups of the chosen versions, every tile, latest; never trusted or evidence. */
        List<SumdbContent> sumdbs() {
            Map<String, SumdbAcc> dbs = new TreeMap<>();
            store.scanMeta(SUMDB, (key, value) -> {
                SumdbKey k = SumdbKey.parse(key);
                if (k != null) {
                    SumdbAcc acc = dbs.computeIfAbsent(k.db, SumdbAcc::new);
                    switch (k.kind) {
                        case "tile" -> acc.tiles.add(key);
                        case "latest" -> acc.latest = key;
                        default -> { }
                    }
                }
                return true;
            });
            store.scanNames(SUMDB, (name, object) -> {
                SumdbKey k = SumdbKey.parse(name);
                if (k != null && k.kind.equals("tile")) {
                    dbs.computeIfAbsent(k.db, SumdbAcc::new).tiles.add(name);
                    names.put(name, object);
                }
                return true;
            });
            List<SumdbContent> out = new ArrayList<>();
            for (SumdbAcc acc : dbs.values()) {
                for (var e : chosen.entrySet()) {
                    ModulePath module = paths.get(e.getKey());
                    for (Version v : e.getValue().keySet()) {
                        String key = SumdbStoreNames.lookup(acc.db, new LookupPath(module, v));
                        if (meta(key, MetaPolicy.KEEP_EXISTING)) {
                            acc.lookups.add(key);
                        }
                    }
                }
                for (String t : acc.tiles) {
                    if (!names.containsKey(t)) {
                        meta(t, MetaPolicy.KEEP_EXISTING);
                    }
                }
                if (acc.latest != null) {
                    meta(acc.latest, MetaPolicy.REPLACE);
                }
                out.add(new SumdbContent(acc.db, List.copyOf(acc.lookups), List.copyOf(acc.tiles), acc.latest));
            }
            return out;
        }

        // ---- OCI --------------------------------------------------------------------------------------------------

        void selectImages(ImagePattern p, List<String> targets) {
            boolean any = false;
            for (String t : targets) {
                TargetRepo tr = TargetRepo.parse(t);
                if (tr == null || !p.matches(tr)) {
                    continue;
                }
                if (p.digest != null) {
                    any |= selectDigest(tr, p.digest, p.text);
                } else {
                    any |= selectTags(tr, p.tag == null ? null : p.tag::equals, Platforms.ALL, p.text);
                }
            }
            if (!any) {
                notes.add(p.text + ": matches no stored " + (p.digest != null ? "manifest"
                        : p.tag != null ? "tag" : "repository"));
            }
        }

        /** Selects the repository's tags that {@code tags} accepts (null: all); whether any was. */
        boolean selectTags(TargetRepo tr, Predicate<String> tags, Platforms platforms, String what) {
            Map<String, TagRecord> found = new TreeMap<>();
            String prefix = OciStoreNames.tagPrefix(tr.target, tr.repository);
            store.scanMeta(prefix, (key, value) -> {
                String tag = key.substring(prefix.length());
                if (tags == null || tags.test(tag)) {
                    try {
                        found.put(tag, TagRecord.decode(value));
                    } catch (RuntimeException e) {
                        notes.add(what + ": skipped tag " + tag + " with an unreadable record");
                    }
                }
                return true;
            });
            if (found.isEmpty()) {
                return false;
            }
            RepoAcc repo = repo(tr);
            for (var e : found.entrySet()) {
                repo.tags.put(e.getKey(), e.getValue().digest());
                meta(OciStoreNames.tag(tr.target, tr.repository, new Tag(e.getKey())), MetaPolicy.REPLACE);
                walk(repo, e.getValue().digest(), platforms, tr + ":" + e.getKey(), true);
            }
            return true;
        }

        boolean selectDigest(TargetRepo tr, Digest digest, String what) {
            if (store.meta(OciStoreNames.link(tr.target, tr.repository, digest)).isEmpty()) {
                return false;
            }
            walk(repo(tr), digest, Platforms.ALL, tr + "@" + digest, true);
            return true;
        }

        RepoAcc repo(TargetRepo tr) {
            return repos.computeIfAbsent(tr.toString(), k -> {
                meta(OciStoreNames.repository(tr.target, tr.repository), MetaPolicy.KEEP_EXISTING);
                return new RepoAcc(tr.target, tr.repository);
            });
        }

        /** A manifest and everything below it, and its referrers; what is not stored becomes a note. */
        void walk(RepoAcc repo, Digest digest, Platforms platforms, String what, boolean expected) {
            if (repo.manifests.containsKey(digest)) {
                return;
            }
            Optional<StoredObject> object = store.resolve(OciStoreNames.blob(digest));
            Optional<byte[]> type = store.meta(OciStoreNames.manifestType(digest));
            if (object.isEmpty() || type.isEmpty()) {
                if (expected) {
                    notes.add(what + ": manifest " + digest + " is not stored");
                }
                return;
            }
            String mediaType = new String(type.get(), StandardCharsets.UTF_8);
            Manifest m;
            try {
                m = Manifest.parse(readAll(object.get()), mediaType);
            } catch (FormatException e) {
                notes.add(what + ": stored manifest " + digest + " does not parse: " + e.getMessage());
                return;
            }
            repo.manifests.put(digest, mediaType);
            name(OciStoreNames.blob(digest));
            meta(OciStoreNames.manifestType(digest), MetaPolicy.KEEP_EXISTING);
            meta(OciStoreNames.link(repo.target, repo.repository, digest), MetaPolicy.KEEP_EXISTING);
            if (m.isIndex()) {
                for (Descriptor d : m.manifests()) {
                    walk(repo, d.digest(), platforms, what, platforms.matches(d.platform()));
                }
            } else {
                for (Descriptor d : m.references()) {
                    if (repo.blobs.contains(d.digest())) {
                        continue;
                    }
                    if (name(OciStoreNames.blob(d.digest()))) {
                        repo.blobs.add(d.digest());
                        meta(OciStoreNames.link(repo.target, repo.repository, d.digest()), MetaPolicy.KEEP_EXISTING);
                    } else {
                        notes.add(what + ": blob " + d.digest() + " of manifest " + digest + " is not stored");
                    }
                }
            }
            String refs = OciStoreNames.referrerPrefix(repo.target, repo.repository, digest);
            List<String> referrers = new ArrayList<>();
            store.scanMeta(refs, (key, value) -> {
                referrers.add(key);
                return true;
            });
            for (String key : referrers) {
                meta(key, MetaPolicy.KEEP_EXISTING);
                try {
                    walk(repo, Digest.parse(key.substring(refs.length())), Platforms.ALL, what, true);
                } catch (FormatException e) {
                    notes.add(what + ": skipped referrer key " + key);
                }
            }
        }

        // ---- everything -------------------------------------------------------------------------------------------

        /** Adds what the structured walk left out (orphan blobs, query snapshots...), but no sumdb trust state. */
        void everything() {
            for (String root : List.of(GO, SUMDB, OCI)) {
                store.scanNames(root, (name, object) -> {
                    if (!root.equals(SUMDB) || SumdbKey.parse(name) != null) {
                        names.putIfAbsent(name, object);
                    }
                    return true;
                });
                store.scanMeta(root, (key, value) -> {
                    if (!meta.containsKey(key) && (!root.equals(SUMDB) || SumdbKey.parse(key) != null)) {
                        meta.put(key, new MetaEntry(key, value, policyOf(key)));
                    }
                    return true;
                });
            }
        }

        // ---- store access -----------------------------------------------------------------------------------------

        /** Selects a name when it resolves; whether it does. */
        boolean name(String name) {
            if (names.containsKey(name)) {
                return true;
            }
            Optional<StoredObject> o = store.resolve(name);
            o.ifPresent(s -> names.put(name, s.digest()));
            return o.isPresent();
        }

        /** Selects a metadata entry when present; whether it is. */
        boolean meta(String key, MetaPolicy policy) {
            if (meta.containsKey(key)) {
                return true;
            }
            Optional<byte[]> value = store.meta(key);
            value.ifPresent(v -> meta.put(key, new MetaEntry(key, v, policy)));
            return value.isPresent();
        }

        List<PinEntry> pins() {
            Set<PinEntry> out = new LinkedHashSet<>();
            for (Sha256 object : new TreeSet<>(names.values())) {
                for (String set : store.pinSetsOf(object)) {
                    out.add(new PinEntry(set, object));
                }
            }
            return List.copyOf(out);
        }

        byte[] readAll(StoredObject o) {
            try (InputStream in = store.read(o.digest(), 0, o.size())) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** How an import merges a key: refreshable snapshots and tags are replaced, everything else kept. */
    static MetaPolicy policyOf(String key) {
        if (key.startsWith(GO) && (key.endsWith("/list") || key.endsWith("/latest") || key.contains("/query/"))
                && !key.contains("/@v/")) {
            return MetaPolicy.REPLACE;
        }
        if (key.startsWith(SUMDB) && key.endsWith("/latest")) {
            return MetaPolicy.REPLACE;
        }
        if (key.startsWith("oci/repo/") && key.contains(":tag:")) {
            return MetaPolicy.REPLACE;
        }
        return MetaPolicy.KEEP_EXISTING;
    }

    /** The best version of a list: the highest release, else the highest of all. */
    static Optional<Version> best(List<Version> versions) {
        return versions.stream().filter(v -> !v.isPrerelease()).max(Version::compareTo)
                .or(() -> versions.stream().max(Version::compareTo));
    }

    private static Optional<Version> infoVersion(byte[] info) {
        var m = Pattern.compile("\"Version\"\\s*:\\s*\"([^\"]+)\"").matcher(new String(info, StandardCharsets.UTF_8));
        return m.find() && Version.isValid(m.group(1)) ? Optional.of(Version.parse(m.group(1)).canonical())
                : Optional.empty();
    }

    private static final class SumdbAcc {
        final String db;
        final Set<String> tiles = new TreeSet<>();
        final Set<String> lookups = new TreeSet<>();
        String latest;

        SumdbAcc(String db) {
            this.db = db;
        }
    }

    /** A sumdb/ key split into database and kind (tile, lookup, latest); null for trusted, evidence, unknown. */
    record SumdbKey(String db, String kind) {
        static SumdbKey parse(String key) {
            String rest = key.substring(SUMDB.length());
            for (String kind : List.of("tile", "lookup")) {
                int i = rest.indexOf("/" + kind + "/");
                if (i > 0) {
                    return new SumdbKey(rest.substring(0, i), kind);
                }
            }
            if (rest.endsWith("/latest") && rest.length() > "/latest".length()) {
                return new SumdbKey(rest.substring(0, rest.length() - "/latest".length()), "latest");
            }
            return null;
        }
    }

    private static final class RepoAcc {
        final Target target;
        final RepositoryName repository;
        final Map<String, Digest> tags = new TreeMap<>();
        final Map<Digest, String> manifests = new LinkedHashMap<>();
        final Set<Digest> blobs = new LinkedHashSet<>();

        RepoAcc(Target target, RepositoryName repository) {
            this.target = target;
            this.repository = repository;
        }
    }

    /** A repository of a target, from a catalog key's tail ({@code h/<r>} or {@code m/<registry>/<r>}). */
    record TargetRepo(Target target, String registry, RepositoryName repository) {
        static TargetRepo parse(String tail) {
            try {
                if (tail.startsWith("h/")) {
                    return new TargetRepo(Target.HOSTED, null, RepositoryName.parse(tail.substring(2)));
                }
                if (tail.startsWith("m/")) {
                    int slash = tail.indexOf('/', 2);
                    String registry = tail.substring(2, slash);
                    return new TargetRepo(Target.mirror(registry), registry,
                            RepositoryName.parse(tail.substring(slash + 1)));
                }
            } catch (RuntimeException e) {
                return null;
            }
            return null;
        }

        @Override
        public String toString() {
            return (registry == null ? "" : registry + "/") + repository;
        }
    }

    /** {@code path[@query]}. */
    record ModulePattern(String text, PrivatePatterns glob, String query) {
        static ModulePattern parse(String text) {
            String s = text == null ? "" : text.strip();
            int at = s.indexOf('@');
            String path = at < 0 ? s : s.substring(0, at);
            String query = at < 0 ? "all" : s.substring(at + 1);
            if (path.isEmpty() || path.contains(",")) {
                throw new IllegalArgumentException("invalid module pattern " + FormatException.quote(text)
                        + " (want a module path or glob, optionally @version)");
            }
            if (!query.equals("all") && !query.equals("latest")) {
                String v = query.startsWith(">=") ? query.substring(2).strip() : query;
                if (!Version.isValid(v) || !query.startsWith(">=") && !Version.parse(v).isCanonical()
                        && (Version.parse(v).isPrerelease() || !Version.parse(v).build().isEmpty())) {
                    throw new IllegalArgumentException("invalid version in module pattern " + FormatException.quote(
                            text) + " (want all, latest, >=vX.Y.Z, vX, vX.Y or vX.Y.Z)");
                }
            }
            try {
                return new ModulePattern(s, PrivatePatterns.parse(path), query);
            } catch (FormatException e) {
                throw new IllegalArgumentException("invalid module pattern " + FormatException.quote(text) + ": "
                        + e.getMessage());
            }
        }
    }

    /**
     * {@code [registry/]repository[:tag|@digest]} with globs in the repository. As ferry routes /v2/ paths, a first
     * component that names a mirrored registry selects within that registry; the whole path is also matched against
     * the repositories of every target (hosted and mirrored), so {@code library/tiny} selects it wherever it is.
     */
    record ImagePattern(String text, String path, Pattern whole, String tag, Digest digest) {
        static ImagePattern parse(String text) {
            String s = text == null ? "" : text.strip();
            if (s.isEmpty()) {
                throw new IllegalArgumentException("empty image pattern");
            }
            try {
                Digest digest = null;
                int at = s.indexOf('@');
                if (at >= 0) {
                    digest = Digest.parse(s.substring(at + 1));
                    s = s.substring(0, at);
                }
                String tag = null;
                int colon = s.lastIndexOf(':');
                if (colon >= 0 && s.indexOf('/', colon) < 0) {
                    tag = Tag.parse(s.substring(colon + 1)).value();
                    s = s.substring(0, colon);
                }
                if (digest != null && tag != null) {
                    throw new IllegalArgumentException("image pattern " + FormatException.quote(text)
                            + " names both a tag and a digest");
                }
                if (s.isEmpty() || !s.matches("[a-z0-9._\\-/*?]+")) {
                    throw new IllegalArgumentException("invalid repository in image pattern "
                            + FormatException.quote(text) + " (lowercase letters, digits, . _ - / and globs * ? **)");
                }
                return new ImagePattern(text.strip(), s, Pattern.compile(glob(s)), tag, digest);
            } catch (FormatException e) {
                throw new IllegalArgumentException("invalid image pattern " + FormatException.quote(text) + ": "
                        + e.getMessage());
            }
        }

        boolean matches(TargetRepo tr) {
            String repo = tr.repository.value();
            if (tr.registry != null && path.startsWith(tr.registry + "/")
                    && Pattern.matches(glob(path.substring(tr.registry.length() + 1)), repo)) {
                return true;
            }
            return whole.matcher(repo).matches();
        }

        private static String glob(String s) {
            StringBuilder re = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '*' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
                    re.append(".*");
                    i++;
                } else if (c == '*') {
                    re.append("[^/]*");
                } else if (c == '?') {
                    re.append("[^/]");
                } else {
                    re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return re.toString();
        }
    }
}
