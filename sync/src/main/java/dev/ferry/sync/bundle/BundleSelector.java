package dev.ferry.sync.bundle;

import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.mirror.sumdb.SumdbStoreNames;
import dev.ferry.protocols.bundle.MetaPolicy;
import dev.ferry.storage.NameStore;
import dev.ferry.storage.ObjectStore;
import dev.ferry.storage.PinStore;
import dev.ferry.sync.bundle.SelectedContent.SumdbContent;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

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
 *
 * <p>This class orders the steps; {@link GoSelection}, {@link SumdbSelection} and {@link OciSelection} each select
 * their kind of content into one {@link Picks}, and every key is spelled and read by the mirror's *StoreNames.
 */
public final class BundleSelector {
    private final NameStore names;
    private final ObjectStore objects;
    private final PinStore pins;

    public <S extends NameStore & ObjectStore & PinStore> BundleSelector(S store) {
        Objects.requireNonNull(store, "store");
        this.names = store;
        this.objects = store;
        this.pins = store;
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
        List<ModulePattern> modulePatterns =
                selection.modules().stream().map(ModulePattern::parse).toList();
        List<ImagePattern> imagePatterns =
                selection.images().stream().map(ImagePattern::parse).toList();
        Picks picks = new Picks(names);
        GoSelection go = new GoSelection(names, picks);
        OciSelection oci = new OciSelection(names, objects, picks);
        if (selection.everything()
                || !modulePatterns.isEmpty()
                || selection.set().map(s -> !s.modules().isEmpty()).orElse(false)) {
            go.scan();
        }
        if (selection.everything()) {
            go.all();
        }
        modulePatterns.forEach(go::select);
        if (selection.everything()
                || !imagePatterns.isEmpty()
                || selection.set().map(s -> !s.images().isEmpty()).orElse(false)) {
            oci.scan();
        }
        selection.set().ifPresent(s -> {
            go.select(s);
            oci.select(s);
        });
        if (selection.everything()) {
            oci.all();
        }
        imagePatterns.forEach(oci::select);
        var chosen = go.chosen();
        List<SumdbContent> sumdbs = chosen.isEmpty() && !selection.everything()
                ? List.of()
                : new SumdbSelection(names, picks).select(chosen);
        if (selection.everything()) {
            everythingElse(picks);
        }
        return new SelectedContent(
                picks.names(), picks.meta(), picks.pins(pins), go.versions(), sumdbs, oci.images(), picks.notes());
    }

    /** Adds what the structured walk left out (orphan blobs, query snapshots...), but no sumdb trust state. */
    private void everythingElse(Picks picks) {
        Predicate<String> content = key -> SumdbStoreNames.parse(key).isPresent();
        everythingUnder(picks, GoStoreNames.ROOT, key -> true);
        everythingUnder(picks, SumdbStoreNames.ROOT, content);
        everythingUnder(picks, OciStoreNames.ROOT, key -> true);
    }

    private void everythingUnder(Picks picks, String root, Predicate<String> keep) {
        names.scanNames(root, (name, object) -> {
            if (keep.test(name)) {
                picks.nameIfAbsent(name, object);
            }
            return true;
        });
        names.scanMeta(root, (key, value) -> {
            if (!picks.hasMeta(key) && keep.test(key)) {
                picks.metaIfAbsent(key, value, policyOf(key));
            }
            return true;
        });
    }

    /** How an import merges a key: refreshable snapshots and tags are replaced, everything else kept. */
    static MetaPolicy policyOf(String key) {
        if (GoStoreNames.isSnapshot(key) || SumdbStoreNames.isLatest(key) || OciStoreNames.isTag(key)) {
            return MetaPolicy.REPLACE;
        }
        return MetaPolicy.KEEP_EXISTING;
    }
}
