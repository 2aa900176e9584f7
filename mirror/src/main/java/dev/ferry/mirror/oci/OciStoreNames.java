package dev.ferry.mirror.oci;

import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.oci.Tag;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * The one place that spells the store names and metadata keys of the OCI registry (mirrored and hosted). The
 * store treats them as opaque strings (docs/storage.md has the physical layout). {@code <d>} is a digest in
 * its {@code alg:hex} form; {@code <t>} is a {@link Target}: {@code h} for the hosted repositories,
 * {@code m/<registry>} for a mirrored registry (registry names never contain '/' or ':'); {@code <r>} is a
 * repository name as the target knows it. Repository names never contain ':', so it ends them unambiguously.
 *
 * <pre>
 * names (name -&gt; object; content-addressed, so a name is never changed once written)
 *   oci/blob/&lt;d&gt;                     the bytes of a blob or a manifest, as received and digest-checked. Blobs
 *                                    are one namespace for all targets and Go's content store alike: the same
 *                                    layer pulled through two registries or pushed twice is stored once.
 *
 * metadata (key -&gt; small value)
 *   oci/manifest/&lt;d&gt;                 the media type (UTF-8) of a stored manifest; its presence says the blob
 *                                    of that digest was checked as a manifest
 *   oci/repos/&lt;t&gt;/&lt;r&gt;                "" : the target holds content for the repository (for _catalog; its own
 *                                    family so listing repositories does not walk their tags and links)
 *   oci/repo/&lt;t&gt;/&lt;r&gt;:tag:&lt;tag&gt;       a {@link TagRecord}: what the tag pointed at when last resolved
 *   oci/repo/&lt;t&gt;/&lt;r&gt;:link:&lt;d&gt;        "" : the repository holds this blob or manifest (hosted: pull, delete and
 *                                    mount check it; mirrors: written on ingest)
 *   oci/repo/&lt;t&gt;/&lt;r&gt;:ref:&lt;s&gt;:&lt;d&gt;    the referrers-index descriptor JSON of manifest d whose subject is s (hosted)
 *   oci/hosted-pinned                 "" : every object a hosted repository links is pinned (written once, when
 *                                    the hosted registry first opens a store from before hosted pins)
 * </pre>
 *
 * Code that reads keys back (bundle selection, {@code ferry verify}) parses them here too: {@link #parseBlob},
 * {@link #parseRepository}, {@link #parseLink}, {@link #isTag}.
 *
 * Upload sessions in progress are files under DATA/uploads, not store entries: they are written piecemeal
 * over many requests and most of them are thrown away.
 */
public final class OciStoreNames {
    /** The start of every OCI name and metadata key: scanning it visits all of them. */
    public static final String ROOT = "oci/";

    private static final String BLOBS = ROOT + "blob/";
    private static final String REPOSITORIES = ROOT + "repos/";
    private static final String WITHIN = ROOT + "repo/";
    private static final String LINK = ":link:";

    private OciStoreNames() {}

    /** Which registry target a key belongs to. */
    public record Target(String key) {
        public static final Target HOSTED = new Target("h");

        public static Target mirror(String registry) {
            // The name is a directory of oci-layout exports too: only dots would climb out of it.
            if (!registry.matches("[a-z0-9._-]+") || registry.matches("\\.+")) {
                throw new IllegalArgumentException(
                        "registry name must be a-z, 0-9, '.', '_' and '-' (not dots only): " + registry);
            }
            return new Target("m/" + registry);
        }

        /** The mirrored registry's name; empty for the hosted target. */
        public Optional<String> registry() {
            return key.startsWith("m/") ? Optional.of(key.substring(2)) : Optional.empty();
        }
    }

    public static String blob(Digest digest) {
        return BLOBS + digest;
    }

    /** Scanning this prefix lists every stored blob and manifest; {@link #parseBlob} reads a name back. */
    public static String blobPrefix() {
        return BLOBS;
    }

    /** The digest a {@link #blob} name is for; empty for any other name. */
    public static Optional<Digest> parseBlob(String name) {
        if (!name.startsWith(BLOBS)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Digest.parse(name.substring(BLOBS.length())));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    public static String manifestType(Digest digest) {
        return ROOT + "manifest/" + digest;
    }

    /** The catalog entry of a repository. */
    public static String repository(Target target, RepositoryName repository) {
        return repositoriesPrefix(target) + repository;
    }

    /** Scanning this prefix lists the target's repositories in lexical order; the rest of each key is the name. */
    public static String repositoriesPrefix(Target target) {
        return REPOSITORIES + target.key() + "/";
    }

    /** Scanning this prefix lists the repositories of every target; {@link #parseRepository} reads a key back. */
    public static String repositoriesPrefix() {
        return REPOSITORIES;
    }

    /** A repository of a target, as a catalog entry or a link names it. */
    public record TargetRepository(Target target, RepositoryName repository) {}

    /** The target and repository of a {@link #repository} (catalog) key; empty for any other key. */
    public static Optional<TargetRepository> parseRepository(String key) {
        return key.startsWith(REPOSITORIES) ? targetRepository(key.substring(REPOSITORIES.length())) : Optional.empty();
    }

    /** {@code h/<r>} or {@code m/<registry>/<r>}. */
    private static Optional<TargetRepository> targetRepository(String text) {
        try {
            if (text.startsWith("h/")) {
                return Optional.of(new TargetRepository(Target.HOSTED, RepositoryName.parse(text.substring(2))));
            }
            if (text.startsWith("m/")) {
                int slash = text.indexOf('/', 2);
                return Optional.of(new TargetRepository(
                        Target.mirror(text.substring(2, slash)), RepositoryName.parse(text.substring(slash + 1))));
            }
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The common start of a repository's tag, link and referrer keys. */
    private static String within(Target target, RepositoryName repository) {
        return WITHIN + target.key() + "/" + repository;
    }

    /** Scanning this prefix visits the tag, link and referrer keys of every repository of {@code target}. */
    public static String repositoryKeysPrefix(Target target) {
        return WITHIN + target.key() + "/";
    }

    /** Scanning this prefix visits the tag, link and referrer keys of every repository of every mirror. */
    public static String mirroredRepositoryKeysPrefix() {
        return WITHIN + "m/";
    }

    public static String tag(Target target, RepositoryName repository, Tag tag) {
        return tagPrefix(target, repository) + tag;
    }

    /** Scanning this prefix lists a repository's tags in lexical (byte) order. */
    public static String tagPrefix(Target target, RepositoryName repository) {
        return within(target, repository) + ":tag:";
    }

    /** Whether {@code key} is a {@link #tag} record: what a newer resolution of the tag replaces. */
    public static boolean isTag(String key) {
        return key.startsWith(WITHIN) && key.contains(":tag:");
    }

    /** A {@link #tag} key taken apart. */
    public record TagKey(TargetRepository in, Tag tag) {}

    /** The repository and tag of a {@link #tag} key; empty for any other key or a tag outside the OCI grammar. */
    public static Optional<TagKey> parseTag(String key) {
        int at = key.indexOf(":tag:");
        if (!key.startsWith(WITHIN) || at < 0) {
            return Optional.empty();
        }
        try {
            Tag tag = Tag.parse(key.substring(at + ":tag:".length()));
            return targetRepository(key.substring(WITHIN.length(), at)).map(in -> new TagKey(in, tag));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A {@link #referrer} key taken apart. */
    public record ReferrerKey(TargetRepository in, Digest subject, Digest referrer) {}

    /** The repository, subject and referrer of a {@link #referrer} key; empty for any other key. */
    public static Optional<ReferrerKey> parseReferrer(String key) {
        int at = key.indexOf(":ref:");
        if (!key.startsWith(WITHIN) || at < 0) {
            return Optional.empty();
        }
        String rest = key.substring(at + ":ref:".length());
        // sha256:<hex>:sha256:<hex>: the subject ends at the second ':'
        int colon = rest.indexOf(':', rest.indexOf(':') + 1);
        if (colon < 0) {
            return Optional.empty();
        }
        try {
            Digest subject = Digest.parse(rest.substring(0, colon));
            Digest referrer = Digest.parse(rest.substring(colon + 1));
            return targetRepository(key.substring(WITHIN.length(), at))
                    .map(in -> new ReferrerKey(in, subject, referrer));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The digest a {@link #manifestType} key is for; empty for any other key. */
    public static Optional<Digest> parseManifestType(String key) {
        String prefix = ROOT + "manifest/";
        if (!key.startsWith(prefix)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Digest.parse(key.substring(prefix.length())));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    public static String link(Target target, RepositoryName repository, Digest digest) {
        return linkPrefix(target, repository) + digest;
    }

    /** Scanning this prefix lists the digests a repository links; the rest of each key is the digest. */
    public static String linkPrefix(Target target, RepositoryName repository) {
        return within(target, repository) + LINK;
    }

    /** A {@link #link} key taken apart. */
    public record Link(TargetRepository in, Digest digest) {}

    /** The repository and digest of a {@link #link} key; empty for any other key (tags, referrers). */
    public static Optional<Link> parseLink(String key) {
        int link = key.lastIndexOf(LINK);
        if (!key.startsWith(WITHIN) || link < 0) {
            return Optional.empty();
        }
        try {
            Digest digest = Digest.parse(key.substring(link + LINK.length()));
            return targetRepository(key.substring(WITHIN.length(), link)).map(in -> new Link(in, digest));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    public static String referrer(Target target, RepositoryName repository, Digest subject, Digest referrer) {
        return referrerPrefix(target, repository, subject) + referrer;
    }

    public static String referrerPrefix(Target target, RepositoryName repository, Digest subject) {
        return within(target, repository) + ":ref:" + subject + ":";
    }

    /** Present once every object a hosted repository links is pinned. */
    public static String hostedPinnedMarker() {
        return ROOT + "hosted-pinned";
    }

    /**
     * What a tag pointed at: a space-separated line {@code <digest> <mediaType> <size> <resolvedAt> <source>},
     * source being the upstream endpoint it came from or "push".
     */
    public record TagRecord(Digest digest, String mediaType, long size, Instant resolvedAt, String source) {
        public byte[] encode() {
            return (digest + " " + mediaType + " " + size + " " + resolvedAt + " " + source)
                    .getBytes(StandardCharsets.UTF_8);
        }

        public static TagRecord decode(byte[] value) {
            String[] f = new String(value, StandardCharsets.UTF_8).split(" ", 5);
            return new TagRecord(Digest.parse(f[0]), f[1], Long.parseLong(f[2]), Instant.parse(f[3]), f[4]);
        }

        public TagRecord resolvedAgain(Instant at) {
            return new TagRecord(digest, mediaType, size, at, source);
        }
    }
}
