package dev.ferry.sync;

import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.mirror.oci.OciRepositories;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.oci.Descriptor;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Plans image prewarms (one {@link PrewarmItem.Image} per reference) and fetches them through
 * {@link OciRepositories}, the read API client pulls use: the manifest the reference names; for an index, the
 * manifests of the selected platforms (and the buildx attestation manifests that describe them); every config and
 * layer blob of those manifests; and, when the registry answers the referrers API, the referrers of each of these
 * manifests (signatures, SBOMs) with their blobs. Every body is read to its end, so every miss is downloaded,
 * checked and stored as for a client; what is already stored is read from the store.
 */
public final class ImagePrewarmPlanner {
    private static final String REF_TYPE = "vnd.docker.reference.type";
    private static final String REF_DIGEST = "vnd.docker.reference.digest";

    private final ImageTargets targets;

    public ImagePrewarmPlanner(ImageTargets targets) {
        this.targets = Objects.requireNonNull(targets, "targets");
    }

    /** One item per reference; a reference that does not parse is an error on its 1-based line of {@code source}. */
    public Plan plan(String source, List<String> refs, Platforms platforms) {
        List<PrewarmItem> items = new ArrayList<>();
        List<PlanError> errors = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            try {
                ImageRef r = ImageRef.parse(refs.get(i));
                if (targets.target(r.registry()) == null) {
                    errors.add(new PlanError(
                            source,
                            i + 1,
                            refs.get(i) + ": ferry mirrors no registry " + FormatException.quote(r.registry())));
                    continue;
                }
                items.add(new PrewarmItem.Image(r.registry(), r.repository(), r.reference(), platforms));
            } catch (FormatException e) {
                errors.add(new PlanError(source, i + 1, refs.get(i) + ": " + e.getMessage()));
            }
        }
        return new Plan(items, errors);
    }

    /** Every tag of {@code repository} (the registry's tag list, all pages). */
    public List<String> tags(String registry, RepositoryName repository) throws PrewarmFailure {
        OciRepositories repos = target(registry);
        return switch (repos.tags(repository, -1, null)) {
            case OciAnswer.TagList t -> t.tags();
            case OciAnswer.Error e -> throw new PrewarmFailure(repository + ": " + e.code() + ": " + e.message());
            case OciAnswer.Unavailable u -> throw new PrewarmFailure(repository + ": unavailable: " + u.reason());
            default -> throw new PrewarmFailure(repository + ": unexpected answer to a tag list");
        };
    }

    private OciRepositories target(String registry) throws PrewarmFailure {
        OciRepositories repos = targets.target(registry);
        if (repos == null) {
            throw new PrewarmFailure("ferry mirrors no registry " + FormatException.quote(registry));
        }
        return repos;
    }

    /** Fetches one image as described above. */
    public ItemRunner.Result fetch(PrewarmItem.Image image) throws PrewarmFailure, InterruptedException {
        return new Walk(image, target(image.registry())).run();
    }

    private static final class Walk {
        private final PrewarmItem.Image image;
        private final OciRepositories repos;
        private final List<StoredContent> stored = new ArrayList<>();
        private final Set<Digest> seen = new HashSet<>();
        private long bytes;

        Walk(PrewarmItem.Image image, OciRepositories repos) {
            this.image = image;
            this.repos = repos;
        }

        ItemRunner.Result run() throws PrewarmFailure, InterruptedException {
            Fetched top = manifest(image.reference());
            Set<Digest> manifests = new LinkedHashSet<>();
            manifests.add(top.digest);
            if (top.manifest.isIndex()) {
                List<Descriptor> chosen = new ArrayList<>();
                Set<String> chosenDigests = new HashSet<>();
                for (Descriptor d : top.manifest.manifests()) {
                    if (!isAttestation(d) && image.platforms().matches(d.platform())) {
                        chosen.add(d);
                        chosenDigests.add(d.digest().toString());
                    }
                }
                if (chosen.isEmpty()) {
                    throw new PrewarmFailure(image + ": the index has no manifest for " + image.platforms()
                            + " (it has "
                            + top.manifest.manifests().stream()
                                    .map(d -> String.valueOf(d.platform()))
                                    .distinct()
                                    .toList()
                            + ")");
                }
                for (Descriptor d : top.manifest.manifests()) {
                    if (isAttestation(d)
                            && chosenDigests.contains(d.annotations().get(REF_DIGEST))) {
                        chosen.add(d);
                    }
                }
                for (Descriptor d : chosen) {
                    image(d.digest());
                    manifests.add(d.digest());
                }
            } else {
                blobs(top.manifest);
            }
            for (Digest subject : manifests) {
                referrers(subject);
            }
            return new ItemRunner.Result(bytes, stored);
        }

        private static boolean isAttestation(Descriptor d) {
            return "attestation-manifest".equals(d.annotations().get(REF_TYPE));
        }

        /** A manifest by digest and, for an image manifest, its blobs; an index's own entries, recursively. */
        private void image(Digest digest) throws PrewarmFailure, InterruptedException {
            if (!seen.add(digest)) {
                return;
            }
            Fetched m = manifest(new Reference.ByDigest(digest));
            if (m.manifest.isIndex()) {
                for (Descriptor d : m.manifest.manifests()) {
                    image(d.digest());
                }
            } else {
                blobs(m.manifest);
            }
        }

        private void referrers(Digest subject) throws PrewarmFailure, InterruptedException {
            OciAnswer a = repos.referrers(image.repository(), subject, null);
            if (!(a instanceof OciAnswer.Referrers r)) {
                return; // the upstream has no referrers API, or nothing for this subject
            }
            Manifest index;
            try {
                index = Manifest.parse(r.index(), MediaTypes.OCI_INDEX);
            } catch (FormatException e) {
                throw new PrewarmFailure(image + ": referrers of " + subject + ": " + e.getMessage());
            }
            for (Descriptor d : index.manifests()) {
                image(d.digest());
            }
        }

        private record Fetched(Digest digest, Manifest manifest) {}

        private Fetched manifest(Reference reference) throws PrewarmFailure, InterruptedException {
            checkInterrupt();
            String what = image.repository() + (reference instanceof Reference.ByDigest ? "@" : ":") + reference;
            OciAnswer a = repos.manifest(image.repository(), reference, false);
            if (!(a instanceof OciAnswer.Content c)) {
                throw failure(what, a);
            }
            byte[] body = Bodies.read(c.body(), what);
            bytes += body.length;
            Manifest m;
            try {
                m = Manifest.parse(body, c.mediaType());
            } catch (FormatException e) {
                throw new PrewarmFailure(what + ": " + e.getMessage());
            }
            Digest digest = c.digest() != null ? c.digest() : Digest.sha256(sha256(body));
            seen.add(digest);
            stored.add(new StoredContent.OciContent(
                    image.registry(), image.repository(), digest, c.mediaType(), body.length, true));
            return new Fetched(digest, m);
        }

        private void blobs(Manifest m) throws PrewarmFailure, InterruptedException {
            for (Descriptor d : m.references()) {
                if (!seen.add(d.digest())) {
                    continue;
                }
                checkInterrupt();
                String what = image.repository() + "@" + d.digest();
                OciAnswer a = repos.blob(image.repository(), d.digest(), false, null);
                if (!(a instanceof OciAnswer.Content c)) {
                    throw failure(what, a);
                }
                long n = Bodies.drain(c.body(), what);
                // A cold blob's last byte comes before its commit: what is pinned next must be stored first.
                OciAnswer committed = repos.blobStored(image.repository(), d.digest());
                if (!(committed instanceof OciAnswer.Content)) {
                    throw failure(what, committed);
                }
                bytes += n;
                stored.add(new StoredContent.OciContent(
                        image.registry(), image.repository(), d.digest(), d.mediaType(), n, false));
            }
        }

        private static PrewarmFailure failure(String what, OciAnswer a) {
            return new PrewarmFailure(what + ": "
                    + switch (a) {
                        case OciAnswer.Error e -> e.code() + ": " + e.message();
                        case OciAnswer.Unavailable u ->
                            (u.badGateway() ? "upstream gave bad content: " : "no upstream could answer: ")
                                    + u.reason();
                        default -> "unexpected answer " + a.getClass().getSimpleName();
                    });
        }

        private static void checkInterrupt() throws InterruptedException {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }

        private static byte[] sha256(byte[] b) {
            try {
                return java.security.MessageDigest.getInstance("SHA-256").digest(b);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
