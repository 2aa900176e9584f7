package dev.ferry.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.mirror.oci.OciStoreNames.Target;
import dev.ferry.protocols.oci.Descriptor;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.server.admin.api.ManifestView;
import dev.ferry.server.admin.api.RepositoryPage;
import dev.ferry.server.admin.api.TagPage;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The images ferry holds, for the web console: repositories of each mirrored registry and the hosted one, a
 * repository's tags (stale once past the tag TTL), a stored manifest or index with its platforms, layers and
 * referrers. Pages start where the previous ended (a seek in the store).
 */
public final class StoredImages {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String HOSTED = "hosted";

    private final ContentStore store;
    private final Duration tagTtl;
    private final List<String> registries;
    private final boolean hosted;
    private final Clock clock;

    StoredImages(ContentStore store, Duration tagTtl, List<String> registries, boolean hosted, Clock clock) {
        this.store = store;
        this.tagTtl = tagTtl;
        this.registries = List.copyOf(registries);
        this.hosted = hosted;
        this.clock = clock;
    }

    private Target target(String registry) {
        if (registry == null || registry.isBlank()) {
            throw ApiException.badRequest("registry is required (a configured registry's name, or hosted)");
        }
        if (registry.equals(HOSTED)) {
            return Target.HOSTED;
        }
        if (!registries.contains(registry)) {
            throw ApiException.notFound("no registry " + registry + " is configured");
        }
        return Target.mirror(registry);
    }

    private static RepositoryName repository(String name) {
        if (name == null || name.isBlank()) {
            throw ApiException.badRequest("repository is required");
        }
        try {
            return RepositoryName.parse(name.strip());
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid repository name: " + e.getMessage());
        }
    }

    public RepositoryPage repositories(String query, String after, String limitText) {
        int limit = ConsoleApi.limit(limitText);
        String q = query == null ? "" : query.strip().toLowerCase(Locale.ROOT);
        List<RepositoryPage.Repository> out = new ArrayList<>();
        String[] next = {null};
        String prefix = OciStoreNames.repositoriesPrefix();
        String from = after == null || after.isEmpty() ? prefix : after + "\u0000";
        int[] visited = {0};
        String[] last = {null};
        store.scanMeta(prefix, from, (key, value) -> {
            if (out.size() == limit || (++visited[0] > ConsoleApi.SCAN_BUDGET && !out.isEmpty())) {
                next[0] = last[0];
                return false;
            }
            last[0] = key;
            OciStoreNames.parseRepository(key).ifPresent(r -> {
                String name = r.repository().toString();
                if (name.contains(q)) {
                    out.add(new RepositoryPage.Repository(r.target().registry().orElse(HOSTED), name));
                }
            });
            return true;
        });
        List<String> names = new ArrayList<>(registries);
        if (hosted) {
            names.add(HOSTED);
        }
        return new RepositoryPage(q, names, out, next[0]);
    }

    public TagPage tags(String registry, String repositoryName, String query, String after, String limitText) {
        int limit = ConsoleApi.limit(limitText);
        Target target = target(registry);
        RepositoryName repository = repository(repositoryName);
        String q = query == null ? "" : query.strip();
        String prefix = OciStoreNames.tagPrefix(target, repository);
        String from = after == null || after.isEmpty() ? prefix + q : prefix + after + "\u0000";
        Instant now = clock.instant();
        List<TagPage.TagEntry> out = new ArrayList<>();
        String[] next = {null};
        store.scanMeta(prefix + q, from, (key, value) -> {
            if (out.size() == limit) {
                next[0] = out.get(out.size() - 1).tag();
                return false;
            }
            try {
                OciStoreNames.TagRecord t = OciStoreNames.TagRecord.decode(value);
                boolean stale = !target.equals(Target.HOSTED)
                        && t.resolvedAt().plus(tagTtl).isBefore(now);
                out.add(new TagPage.TagEntry(
                        key.substring(prefix.length()),
                        t.digest().toString(),
                        t.mediaType(),
                        t.size(),
                        t.resolvedAt().toString(),
                        t.source(),
                        stale));
            } catch (RuntimeException e) {
                // a record this version cannot read: left out rather than failing the page
            }
            return true;
        });
        return new TagPage(registry, repository.toString(), out, next[0]);
    }

    public ManifestView manifest(String registry, String repositoryName, String digestText) {
        Target target = target(registry);
        RepositoryName repository = repository(repositoryName);
        Digest digest;
        try {
            digest = Digest.parse(digestText == null ? "" : digestText.strip());
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid digest: " + e.getMessage());
        }
        String mediaType = store.meta(OciStoreNames.manifestType(digest))
                .map(b -> new String(b, StandardCharsets.UTF_8))
                .orElseThrow(() -> ApiException.notFound("no stored manifest " + digest));
        Optional<Sha256> object = objectOf(digest);
        if (object.isEmpty()) {
            throw ApiException.notFound("no stored manifest " + digest);
        }
        byte[] bytes;
        long size = store.peek(object.get()).map(StoredObject::size).orElse(0L);
        try (InputStream in = store.read(object.get(), 0, size)) {
            bytes = in.readAllBytes();
        } catch (IOException | RuntimeException e) {
            throw ApiException.notFound("cannot read manifest " + digest + ": " + e.getMessage());
        }
        Manifest m;
        try {
            m = Manifest.parse(bytes, mediaType);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("stored manifest " + digest + " does not parse: " + e.getMessage());
        }
        long[] total = {size};
        List<ManifestView.Item> manifests =
                m.manifests().stream().map(d -> item(d, total)).toList();
        ManifestView.Item config = m.config() == null ? null : item(m.config(), total);
        List<ManifestView.Item> layers =
                m.layers().stream().map(d -> item(d, total)).toList();
        return new ManifestView(
                registry,
                repository.toString(),
                digest.toString(),
                m.mediaType(),
                size,
                total[0],
                manifests,
                config,
                layers,
                referrers(target, repository, digest));
    }

    private List<ManifestView.Item> referrers(Target target, RepositoryName repository, Digest subject) {
        List<ManifestView.Item> out = new ArrayList<>();
        store.scanMeta(OciStoreNames.referrerPrefix(target, repository, subject), (key, value) -> {
            try {
                JsonNode d = JSON.readTree(value);
                Digest digest = Digest.parse(d.path("digest").asText());
                out.add(new ManifestView.Item(
                        digest.toString(),
                        d.path("mediaType").asText(null),
                        d.path("size").asLong(),
                        null,
                        d.path("artifactType").asText(null),
                        objectOf(digest).isPresent()));
            } catch (IOException | RuntimeException e) {
                // not a descriptor: left out
            }
            return out.size() < ConsoleApi.MAX_LIMIT;
        });
        return out;
    }

    private ManifestView.Item item(Descriptor d, long[] total) {
        boolean stored = objectOf(d.digest()).isPresent();
        if (stored && d.platform() == null) {
            total[0] += d.size();
        }
        return new ManifestView.Item(
                d.digest().toString(),
                d.mediaType(),
                d.size(),
                d.platform() == null ? null : d.platform().toString(),
                d.artifactType(),
                stored);
    }

    /** The store object a blob name points at, read without a use. */
    private Optional<Sha256> objectOf(Digest digest) {
        String name = OciStoreNames.blob(digest);
        Sha256[] found = {null};
        store.scanNames(name, (n, object) -> {
            if (n.equals(name)) {
                found[0] = object;
            }
            return false;
        });
        return Optional.ofNullable(found[0]);
    }
}
