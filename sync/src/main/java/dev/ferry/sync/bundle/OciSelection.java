package dev.ferry.sync.bundle;

import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.mirror.oci.OciStoreNames.TagRecord;
import dev.ferry.mirror.oci.OciStoreNames.Target;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.bundle.MetaPolicy;
import dev.ferry.protocols.oci.Descriptor;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.oci.Tag;
import dev.ferry.storage.NameStore;
import dev.ferry.storage.ObjectStore;
import dev.ferry.storage.StoredObject;
import dev.ferry.sync.MirrorSet;
import dev.ferry.sync.Platforms;
import dev.ferry.sync.bundle.SelectedContent.ImageRepository;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The OCI part of one selection: each selected tag's manifests (indexes down to the children of the wanted
 * platforms, and referrers), their blobs, the repository links and catalog entry. Repositories are those of the
 * store's catalog, hosted and mirrored alike; a manifest or blob selected but not stored is a note.
 */
final class OciSelection {
    private final NameStore store;
    private final ObjectStore objects;
    private final Picks picks;
    /** The catalog, read once by {@link #scan}. */
    private final List<TargetRepo> targets = new ArrayList<>();
    /** By {@link TargetRepo#toString}. */
    private final Map<String, RepoAcc> repos = new TreeMap<>();

    OciSelection(NameStore store, ObjectStore objects, Picks picks) {
        this.store = store;
        this.objects = objects;
        this.picks = picks;
    }

    /** A repository of a target, as patterns match it: {@code registry} is null for the hosted target. */
    record TargetRepo(Target target, String registry, RepositoryName repository) {
        static TargetRepo of(OciStoreNames.TargetRepository r) {
            return new TargetRepo(r.target(), r.target().registry().orElse(null), r.repository());
        }

        @Override
        public String toString() {
            return (registry == null ? "" : registry + "/") + repository;
        }
    }

    /** One selected repository's tags, manifests and blobs. */
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

    /** Reads the catalog of every target; first, once. */
    void scan() {
        store.scanMeta(OciStoreNames.repositoriesPrefix(), (key, value) -> {
            OciStoreNames.parseRepository(key).map(TargetRepo::of).ifPresent(targets::add);
            return true;
        });
    }

    /** Every stored tag of every repository. */
    void all() {
        for (TargetRepo tr : targets) {
            selectTags(tr, null, Platforms.ALL, tr.toString());
        }
    }

    void select(ImagePattern p) {
        boolean any = false;
        for (TargetRepo tr : targets) {
            if (!p.matches(tr)) {
                continue;
            }
            if (p.digest() != null) {
                any |= selectDigest(tr, p.digest());
            } else {
                any |= selectTags(tr, p.tag() == null ? null : p.tag()::equals, Platforms.ALL, p.text());
            }
        }
        if (!any) {
            picks.note(p.text() + ": matches no stored "
                    + (p.digest() != null ? "manifest" : p.tag() != null ? "tag" : "repository"));
        }
    }

    /** A mirror set's image rules: tag regex, semver range or {@code latest}, children of the rule's platforms. */
    void select(MirrorSet set) {
        for (MirrorSet.ImageRule rule : set.images()) {
            String what = set.name() + ":" + rule.line() + ": " + rule.repository();
            ImagePattern p = ImagePattern.parse(rule.repository());
            Predicate<String> tags = rule.tagPattern() != null
                    ? t -> rule.tagPattern().matcher(t).matches()
                    : rule.semver() != null ? t -> MirrorSet.matchesSemver(rule.semver(), t) : "latest"::equals;
            boolean any = false;
            for (TargetRepo tr : targets) {
                if (p.matches(tr)) {
                    any |= selectTags(tr, tags, rule.platforms(), what);
                }
            }
            if (!any) {
                picks.note(what + ": no stored tag matches");
            }
        }
    }

    /** Selects the repository's tags that {@code tags} accepts (null: all); whether any was. */
    private boolean selectTags(TargetRepo tr, Predicate<String> tags, Platforms platforms, String what) {
        Map<String, TagRecord> found = new TreeMap<>();
        String prefix = OciStoreNames.tagPrefix(tr.target(), tr.repository());
        store.scanMeta(prefix, (key, value) -> {
            String tag = key.substring(prefix.length());
            if (tags == null || tags.test(tag)) {
                try {
                    found.put(tag, TagRecord.decode(value));
                } catch (RuntimeException e) {
                    picks.note(what + ": skipped tag " + tag + " with an unreadable record");
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
            picks.meta(OciStoreNames.tag(tr.target(), tr.repository(), new Tag(e.getKey())), MetaPolicy.REPLACE);
            walk(repo, e.getValue().digest(), platforms, tr + ":" + e.getKey(), true);
        }
        return true;
    }

    private boolean selectDigest(TargetRepo tr, Digest digest) {
        if (store.meta(OciStoreNames.link(tr.target(), tr.repository(), digest)).isEmpty()) {
            return false;
        }
        walk(repo(tr), digest, Platforms.ALL, tr + "@" + digest, true);
        return true;
    }

    private RepoAcc repo(TargetRepo tr) {
        return repos.computeIfAbsent(tr.toString(), k -> {
            picks.meta(OciStoreNames.repository(tr.target(), tr.repository()), MetaPolicy.KEEP_EXISTING);
            return new RepoAcc(tr.target(), tr.repository());
        });
    }

    /** A manifest and everything below it, and its referrers; what is not stored becomes a note. */
    private void walk(RepoAcc repo, Digest digest, Platforms platforms, String what, boolean expected) {
        if (repo.manifests.containsKey(digest)) {
            return;
        }
        Optional<StoredManifest> stored = manifest(digest, what, expected);
        if (stored.isEmpty()) {
            return;
        }
        Manifest m = stored.get().manifest();
        repo.manifests.put(digest, stored.get().mediaType());
        picks.name(OciStoreNames.blob(digest));
        picks.meta(OciStoreNames.manifestType(digest), MetaPolicy.KEEP_EXISTING);
        picks.meta(OciStoreNames.link(repo.target, repo.repository, digest), MetaPolicy.KEEP_EXISTING);
        if (m.isIndex()) {
            for (Descriptor d : m.manifests()) {
                walk(repo, d.digest(), platforms, what, platforms.matches(d.platform()));
            }
        } else {
            blobs(repo, digest, m, what);
        }
        referrers(repo, digest, what);
    }

    /** A manifest as stored: parsed, and the media type recorded when it was stored. */
    private record StoredManifest(Manifest manifest, String mediaType) {}

    /** The stored manifest of {@code digest}; empty (and a note when it was expected) otherwise. */
    private Optional<StoredManifest> manifest(Digest digest, String what, boolean expected) {
        Optional<StoredObject> object = store.resolve(OciStoreNames.blob(digest));
        Optional<byte[]> type = store.meta(OciStoreNames.manifestType(digest));
        if (object.isEmpty() || type.isEmpty()) {
            if (expected) {
                picks.note(what + ": manifest " + digest + " is not stored");
            }
            return Optional.empty();
        }
        String mediaType = new String(type.get(), StandardCharsets.UTF_8);
        try {
            return Optional.of(new StoredManifest(Manifest.parse(readAll(object.get()), mediaType), mediaType));
        } catch (FormatException e) {
            picks.note(what + ": stored manifest " + digest + " does not parse: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** The config and layers of an image manifest. */
    private void blobs(RepoAcc repo, Digest digest, Manifest m, String what) {
        for (Descriptor d : m.references()) {
            if (repo.blobs.contains(d.digest())) {
                continue;
            }
            if (picks.name(OciStoreNames.blob(d.digest()))) {
                repo.blobs.add(d.digest());
                picks.meta(OciStoreNames.link(repo.target, repo.repository, d.digest()), MetaPolicy.KEEP_EXISTING);
            } else {
                picks.note(what + ": blob " + d.digest() + " of manifest " + digest + " is not stored");
            }
        }
    }

    /** The manifests whose subject is {@code digest}, and everything below them. */
    private void referrers(RepoAcc repo, Digest digest, String what) {
        String refs = OciStoreNames.referrerPrefix(repo.target, repo.repository, digest);
        List<String> referrers = new ArrayList<>();
        store.scanMeta(refs, (key, value) -> {
            referrers.add(key);
            return true;
        });
        for (String key : referrers) {
            picks.meta(key, MetaPolicy.KEEP_EXISTING);
            try {
                walk(repo, Digest.parse(key.substring(refs.length())), Platforms.ALL, what, true);
            } catch (FormatException e) {
                picks.note(what + ": skipped referrer key " + key);
            }
        }
    }

    List<ImageRepository> images() {
        List<ImageRepository> images = new ArrayList<>();
        for (RepoAcc r : repos.values()) {
            images.add(new ImageRepository(
                    r.target.key(), r.repository, Map.copyOf(r.tags), Map.copyOf(r.manifests), Set.copyOf(r.blobs)));
        }
        return images;
    }

    private byte[] readAll(StoredObject o) {
        try (InputStream in = objects.read(o.digest(), 0, o.size())) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
